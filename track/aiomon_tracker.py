# aiomon-attach's tracker: loaded into a Python process by `aiomon-attach --track`
# (PEP 768, 3.14+) or `--run --track` (a sitecustomize, 3.8+).  It keeps, as
# plain Python objects, who created each task, who cancelled it and why the
# last tasks ended.  It never talks to the tool: aiomon-attach reads STATE out
# of the process's memory.  It never raises into the application: a failure
# disables it and leaves the reason in STATE["error"].
#
# What it changes in the process: BaseEventLoop.create_task is wrapped (a
# loop's own task factory is still called; a loop of another kind, uvloop,
# gets a wrapping task factory instead), tasks made without a factory (or with
# eager_task_factory) are TrackedTask, a subclass of asyncio.Task that records
# cancel() calls, and each task gets a done callback.  untrack() puts every
# function and factory back.
#
# Layout read by the tool (keep in step with pyframes/tracker.c):
#   sys.modules["_aiomon_tracker"].STATE: a dict with str keys
#     "format": 1, "enabled": bool, "error": str | None, "keep": int,
#     "installed_ns": int, "created": int, "ended": int,
#     "ring": list of `keep` slots (None or an END record), in no order,
#     "critical": list of END records, "foreign": dict id(task) -> REC
#   REC (TrackedTask._aiomon, or STATE["foreign"][id]): a list
#     [serial, creator_id | None, creator_serial, stack, CANCEL | None]
#   stack: a tuple (code, lasti, code, lasti, ...), innermost first
#   CANCEL: a tuple (canceller_id | None, canceller_serial, stack, message, at_ns)
#   END: a tuple (task_id, name, coro_code | None, "done" | "cancelled",
#                 ended_ns, exception | None, REC | None, critical: bool)

import sys

FORMAT = 1
MAX_STACK = 16
MAX_CRITICAL = 100000

STATE = {
    "format": FORMAT, "enabled": False, "error": None, "keep": 1000,
    "installed_ns": 0, "created": 0, "ended": 0,
    "ring": [], "critical": [], "foreign": {},
}

_saved = {}         # what install() replaced: name -> (owner, attribute, original)
_loops = None       # weakref.WeakSet of the loops whose factory is wrapped
_patterns = ()
_serial = None
_ended = None
_Task = None
TrackedTask = None
_BEL = None


def _disable(exc):
    STATE["enabled"] = False
    try:
        STATE["error"] = "%s: %s" % (type(exc).__name__, exc)
    except BaseException:
        STATE["error"] = "error"


def _stack(f):
    out = []
    n = 0
    while f is not None and n < MAX_STACK:
        out.append(f.f_code)
        out.append(f.f_lasti)
        f = f.f_back
        n += 1
    return tuple(out)


def _current(loop):
    try:
        t = _current_task(loop)
    except Exception:
        return None, 0
    if t is None:
        return None, 0
    rec = getattr(t, "_aiomon", None)
    if rec is None:
        rec = STATE["foreign"].get(id(t))
    return id(t), (rec[0] if rec is not None else 0)


def _record(loop):
    cid, cserial = _current(loop)
    return [next(_serial), cid, cserial, _stack(sys._getframe(2)), None]


def _on_done(task):
    if not STATE["enabled"]:
        return
    try:
        rec = getattr(task, "_aiomon", None)
        if rec is None:
            rec = STATE["foreign"].pop(id(task), None)
        cancelled = task.cancelled()
        exc = None if cancelled else task._exception
        name = task.get_name()
        # not get_coro(): on 3.12.0/3.12.1 it crashes on an eager task that finished
        # in its first step (its coroutine is gone); _coro is None then
        coro = getattr(task, "_coro", None)
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        crit = False
        if _patterns:
            qual = getattr(code, "co_qualname", None) or getattr(code, "co_name", "")
            for p in _patterns:
                if _fnmatch(name, p) or _fnmatch(qual, p):
                    crit = True
                    break
        end = (id(task), name, code, "cancelled" if cancelled else "done",
               _time_ns(), exc, rec, crit)
        ring = STATE["ring"]
        ring[next(_ended) % len(ring)] = end
        STATE["ended"] += 1
        if crit and len(STATE["critical"]) < MAX_CRITICAL:
            STATE["critical"].append(end)
    except Exception as e:
        _disable(e)


def _attach(task, rec):
    try:
        if type(task) is TrackedTask:
            task._aiomon = rec
        else:
            STATE["foreign"][id(task)] = rec
        STATE["created"] += 1
        if task.done():
            _on_done(task)      # an eager task that finished in its first step: no loop turn
        else:
            task.add_done_callback(_on_done)
    except Exception as e:
        _disable(e)


def _new_task(loop, coro, kw, eager):
    """A TrackedTask made as BaseEventLoop.create_task makes a Task."""
    if eager:
        kw.setdefault("eager_start", True)
    task = TrackedTask(coro, loop=loop, **kw)
    if task._source_traceback:
        del task._source_traceback[-1]
    return task


class _Factory:
    """The task factory of a loop that is not a BaseEventLoop (uvloop): makes
    the task as the loop's own factory would, then records where it came from."""
    __slots__ = ("inner", "__weakref__")

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, loop, coro, **kw):
        inner = self.inner
        if not STATE["enabled"]:
            return _Task(coro, loop=loop, **kw) if inner is None else inner(loop, coro, **kw)
        try:
            rec = _record(loop)
        except Exception as e:
            _disable(e)
            return _Task(coro, loop=loop, **kw) if inner is None else inner(loop, coro, **kw)
        if inner is None or inner is _eager_factory:
            task = _new_task(loop, coro, kw, inner is not None)
        else:
            task = inner(loop, coro, **kw)
        _attach(task, rec)
        return task


def _make_task_class(base):
    class TrackedTask(base):
        __slots__ = ("_aiomon",)

        def cancel(self, *args, **kwargs):
            ok = base.cancel(self, *args, **kwargs)
            if ok and STATE["enabled"]:
                try:
                    rec = getattr(self, "_aiomon", None)
                    if rec is not None and rec[4] is None:
                        try:
                            loop = _get_running_loop()
                        except Exception:
                            loop = None
                        cid, cserial = _current(loop) if loop is not None else (None, 0)
                        msg = args[0] if args else kwargs.get("msg")
                        rec[4] = (cid, cserial, _stack(sys._getframe(1)), msg, _time_ns())
                except Exception as e:
                    _disable(e)
            return ok
    TrackedTask.__qualname__ = TrackedTask.__name__ = "Task"
    TrackedTask.__module__ = base.__module__
    return TrackedTask


def _hook(loop):
    """A running loop that is not a BaseEventLoop (its create_task is not
    wrapped): wrap its task factory, once."""
    try:
        if loop is None or isinstance(loop, _BEL) or loop in _loops:
            return
        cur = loop.get_task_factory()
        if not isinstance(cur, _Factory):
            loop.set_task_factory(_Factory(cur))
        _loops.add(loop)
    except Exception as e:
        _disable(e)


def _patch(owner, name, new):
    _saved[name] = (owner, name, getattr(owner, name))
    setattr(owner, name, new)


def _install_asyncio():
    global _Task, TrackedTask, _loops, _current_task, _get_running_loop, _eager_factory, _BEL
    import asyncio.base_events as base_events
    import asyncio.events as events
    import asyncio.tasks as tasks
    import weakref

    _Task = tasks.Task
    TrackedTask = _make_task_class(_Task)
    _current_task = tasks.current_task
    _get_running_loop = events._get_running_loop
    _eager_factory = getattr(tasks, "eager_task_factory", object())
    _loops = weakref.WeakSet()
    _BEL = base_events.BaseEventLoop
    orig_create = _BEL.create_task
    orig_running = events._set_running_loop

    def create_task(self, coro, *args, **kwargs):
        if not STATE["enabled"]:
            return orig_create(self, coro, *args, **kwargs)
        try:
            rec = _record(self)
        except Exception as e:
            _disable(e)
            return orig_create(self, coro, *args, **kwargs)
        f = self._task_factory
        if (f is None or f is _eager_factory) and not args:
            self._check_closed()
            task = _new_task(self, coro, kwargs, f is not None)
        else:
            task = orig_create(self, coro, *args, **kwargs)
        _attach(task, rec)
        try:
            return task
        finally:
            del task

    def _set_running_loop(loop):
        orig_running(loop)
        if loop is not None and STATE["enabled"] and not isinstance(loop, _BEL):
            _hook(loop)

    create_task.__wrapped__ = orig_create
    create_task.__doc__ = orig_create.__doc__
    _patch(_BEL, "create_task", create_task)
    _patch(events, "_set_running_loop", _set_running_loop)


def _existing_loops():
    """The loops running now: this thread's, and those whose run_forever or
    run_until_complete is on a thread's stack; every loop object when no
    stack shows one (uvloop runs without Python frames)."""
    import asyncio
    out = []
    loop = _get_running_loop()
    if loop is not None:
        out.append(loop)
    for f in sys._current_frames().values():
        n = 0
        while f is not None and n < 500:
            if f.f_code.co_name in ("run_forever", "run_until_complete", "_run_once"):
                s = f.f_locals.get("self")
                if isinstance(s, asyncio.AbstractEventLoop):
                    out.append(s)
                    break
            f = f.f_back
            n += 1
    if not out:
        import gc
        for o in gc.get_objects():
            try:
                if isinstance(o, asyncio.AbstractEventLoop):
                    out.append(o)
            except Exception:
                pass
    return out


def _configure(keep, critical):
    global _patterns, _serial, _ended, _fnmatch, _time_ns
    import fnmatch
    import itertools
    import time
    _fnmatch = fnmatch.fnmatchcase
    _time_ns = time.time_ns
    if _serial is None:
        _serial = itertools.count(1)
        _ended = itertools.count()
    keep = max(1, int(keep))
    if len(STATE["ring"]) != keep:
        STATE["ring"] = [None] * keep
    STATE["keep"] = keep
    _patterns = tuple(critical or ())


def install(keep=1000, critical=(), scan=True):
    """Start tracking: every loop running now (scan) and every loop made later."""
    try:
        _configure(keep, critical)
        if STATE["enabled"]:
            return True
        if "create_task" not in _saved:
            _install_asyncio()
        STATE["error"] = None
        STATE["enabled"] = True
        STATE["installed_ns"] = _time_ns()
        if scan:
            for loop in _existing_loops():
                _hook(loop)
        return STATE["enabled"]
    except Exception as e:
        _disable(e)
        return False


class _Finder:
    """Installs the tracker once asyncio.base_events has been imported (at start-up)."""

    def __init__(self, keep, critical):
        self.args = (keep, critical)

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio.base_events":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        try:
            import importlib.util
            spec = importlib.util.find_spec(name)
        except Exception as e:
            _disable(e)
            return None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader_exec = spec.loader.exec_module
        args = self.args

        def exec_module(module):
            loader_exec(module)
            install(args[0], args[1], scan=False)
        spec.loader.exec_module = exec_module
        return spec


def install_at_start(keep=1000, critical=()):
    """From a sitecustomize: now if asyncio is loaded, else when it is."""
    if "asyncio.base_events" in sys.modules:
        return install(keep, critical)
    try:
        _configure(keep, critical)
        sys.meta_path.insert(0, _Finder(keep, critical))
    except Exception as e:
        _disable(e)
    return False


def untrack():
    """Put back every factory and function install() replaced; stop recording."""
    STATE["enabled"] = False
    try:
        for loop in list(_loops or ()):
            try:
                cur = loop.get_task_factory()
                if isinstance(cur, _Factory):
                    loop.set_task_factory(cur.inner)
            except Exception:
                pass
        if _loops is not None:
            _loops.clear()
        for owner, name, orig in _saved.values():
            setattr(owner, name, orig)
        _saved.clear()
    except Exception as e:
        _disable(e)
    sys.modules.pop("_aiomon_tracker", None)
    return True
