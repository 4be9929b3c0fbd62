"""Shared by every integration target: truth, readiness, heartbeat, blocking.

A target builds its scenario, parks the threads that must hold still on a line
marked with the comment "# BLOCK" (blocked for ever on BLOCK, a lock nobody
releases), and starts the reporter.  The reporter thread (named "heartbeat")
waits until the expected number of threads sit on a "# BLOCK" line, computes
the truth from inside the process, writes it as JSON to $AIOMON_TRUTH, writes
"ready\\n" to the fd $AIOMON_READY_FD, and then increments a counter in
$AIOMON_HEARTBEAT every 20 ms, so the test can see that the process still
makes progress after aiomon-attach detached.

Truth JSON:
  {"pid", "python_version", "scenario",
   "threads": [{"tid", "thread_id", "name", "py_name", "holds_gil"?, "volatile"?,
                "must_contain"?, "frames": [FRAME...]}],
   "tasks":   [{"id", "name", "state", "coroutine", "stack": [FRAME...],
                "awaiting": [ids], "awaited_by": [ids], "running", "thread",
                "cancel_requests"?}]}           (tasks only when asked for)
  FRAME = {"function", "qualname" (null before 3.11), "file", "line"},
  innermost first.

A thread's "name" is the kernel's /proc/PID/task/TID/comm (aiomon-attach's
"comm"), "py_name" threading's name (aiomon-attach's "name"); spawn() sets the
comm to the Python name with prctl(PR_SET_NAME), the main thread's differ.
The reporter (and any thread started with spawn_volatile) moves; its entry is
"volatile": only its identity and the presence of a frame of a given function
("must_contain", e.g. _heartbeat) are checked.

Only the standard library is used; runs on CPython 3.8 .. 3.13.
"""

import gc
import json
import linecache
import os
import sys
import threading
import time
import traceback

TRUTH = os.environ.get("AIOMON_TRUTH")
READY_FD = os.environ.get("AIOMON_READY_FD")
HEARTBEAT = os.environ.get("AIOMON_HEARTBEAT")

MARK = "# " + "BLOCK"          # spelled so that this file has no marked line by accident
HAS_QUALNAME = sys.version_info >= (3, 11)

BLOCK = threading.Lock()
BLOCK.acquire()                # nobody ever releases it

_libc = None


def _prctl(option, arg):
    global _libc
    try:
        if _libc is None:
            import ctypes
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(option, arg, 0, 0, 0)
    except Exception:           # no ctypes: names stay as they are; truth reads comm anyway
        pass


def _set_comm(name):
    _prctl(15, name.encode()[:15])          # PR_SET_NAME: this thread's comm


def die(msg, code=3):
    sys.stderr.write("target: %s\n" % msg)
    sys.stderr.flush()
    os._exit(code)


def skip(reason):
    """The scenario cannot run on this interpreter: exit 77 with the reason."""
    sys.stderr.write("SKIP: %s\n" % reason)
    sys.stderr.flush()
    os._exit(77)


def block():
    """Block the calling thread for ever (its innermost frame is this one)."""
    BLOCK.acquire()  # BLOCK


def _thread_entry(name, fn, args):
    _set_comm(name)
    try:
        fn(*args)
    except BaseException:
        traceback.print_exc()
        die("thread %r failed" % name)


def spawn(name, fn, *args):
    """Start a thread named name (Python name and comm) running fn(*args)."""
    t = threading.Thread(target=_thread_entry, args=(name, fn, args), name=name, daemon=True)
    t.start()
    return t


_VOLATILE = {}      # thread ident -> the function its stack always contains


def mark_volatile(ident, must_contain):
    """Record an already running thread as volatile (see spawn_volatile)."""
    _VOLATILE[ident] = must_contain


def spawn_volatile(name, must_contain, fn, *args):
    """A thread that keeps moving: the truth records it as volatile, and only
    its identity and a frame named must_contain are checked."""
    t = spawn(name, fn, *args)
    _VOLATILE[t.ident] = must_contain
    return t


# ---------------------------------------------------------------- frames

def frame_dict(f, line=None):
    code = f.f_code
    return {
        "function": code.co_name,
        "qualname": code.co_qualname if HAS_QUALNAME else None,
        "file": code.co_filename,
        "line": f.f_lineno if line is None else line,
    }


def frame_stack(f):
    """Innermost first, following f_back."""
    out = []
    while f is not None:
        out.append(frame_dict(f))
        f = f.f_back
    return out


def _comm(native_id):
    try:
        with open("/proc/self/task/%d/comm" % native_id) as fh:
            return fh.read().rstrip("\n")
    except OSError:
        return None


def _at_block_line(f):
    line = linecache.getline(f.f_code.co_filename, f.f_lineno)
    return MARK in line


def _blocked_threads(me):
    out = {}
    for ident, f in sys._current_frames().items():
        if ident != me and f is not None and _at_block_line(f):
            out[ident] = (f.f_code, f.f_lineno, len(frame_stack(f)))
    return out


def thread_truth(me):
    threads = {t.ident: t for t in threading.enumerate()}
    out = []
    for ident, f in sorted(sys._current_frames().items()):
        th = threads.get(ident)
        if th is None:
            die("thread %d is not known to threading" % ident)
        entry = {
            "tid": th.native_id,
            "thread_id": ident,
            "name": _comm(th.native_id),
            "py_name": th.name,
        }
        if ident == me:
            entry["volatile"] = True
            entry["must_contain"] = "_heartbeat"
            entry["frames"] = frame_stack(sys._getframe())
        elif ident in _VOLATILE:
            entry["volatile"] = True
            entry["must_contain"] = _VOLATILE[ident]
            entry["frames"] = frame_stack(f)
        else:
            if not _at_block_line(f):
                die("thread %r is not parked on a %s line" % (th.name, MARK))
            # Parked in BLOCK.acquire(): the GIL is released.
            entry["holds_gil"] = False
            entry["frames"] = frame_stack(f)
        out.append(entry)
    return out


# ---------------------------------------------------------------- tasks

def task_registry():
    """Every task asyncio's registry holds, done ones included.

    3.8-3.11: the _all_tasks WeakSet; 3.12-3.13: _scheduled_tasks (WeakSet) and
    _eager_tasks (set).  A task stays there until it is garbage-collected, so a
    done or cancelled task is found exactly while something references it.
    3.14+: C tasks are in per-thread linked lists that Python cannot see, from
    creation until they finish: _asyncio unlinks a task the moment its result,
    exception or cancellation is set (future_schedule_callbacks ->
    unregister_task), so a finished C task is in no registry at all, however
    referenced.  Every C task object the garbage collector tracks that is not
    done is that set; pure-Python tasks are still in _scheduled_tasks /
    _eager_tasks, done or not.
    """
    import asyncio
    import asyncio.tasks as T
    if hasattr(T, "_scheduled_tasks"):
        regs = [T._scheduled_tasks, T._eager_tasks]
    else:
        regs = [T._all_tasks]
    if sys.version_info >= (3, 14):
        import gc as _gc
        regs.append([o for o in _gc.get_objects()
                     if isinstance(o, asyncio.Task) and not o.done()])
    seen, out = set(), []
    for reg in regs:
        for t in list(reg):
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
    return out


def _awaitable_frames(obj):
    """Frames of the await chain starting at a coroutine, outermost first.

    Follows cr_await (coroutine), gi_yieldfrom (generator), ag_await (async
    generator); an async_generator_asend/athrow object (what a task awaits in
    `async for` / __anext__() / asend() / aclose()) leads to its async
    generator, found through gc.get_referents().  Stops at anything else (a
    Future's iterator, None).
    """
    import gc as _gc
    import inspect
    frames, seen = [], set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        tname = type(obj).__name__
        if tname in ("async_generator_asend", "async_generator_athrow"):
            gens = [r for r in _gc.get_referents(obj) if inspect.isasyncgen(r)]
            obj = gens[0] if gens else None
            continue
        if inspect.iscoroutine(obj):
            f, nxt = obj.cr_frame, obj.cr_await
        elif inspect.isgenerator(obj):
            f, nxt = obj.gi_frame, obj.gi_yieldfrom
        elif inspect.isasyncgen(obj):
            f, nxt = obj.ag_frame, obj.ag_await
        else:
            break
        if f is None:
            break
        frames.append(f)
        obj = nxt
    return frames


def _is_task(obj):
    import asyncio
    import asyncio.tasks as T
    classes = (asyncio.Task,) + ((T._PyTask,) if hasattr(T, "_PyTask") else ())
    return isinstance(obj, classes)


def _awaited_tasks(task, chain):
    """The awaiting rules:
      A awaits B when A._fut_waiter is the task B;
      A._fut_waiter is a _GatheringFuture: A awaits each task in its _children
        (a child that is itself a _GatheringFuture is expanded the same way);
      A suspended in TaskGroup.__aexit__ (a frame of its await chain): A awaits
        each task in that group's _tasks;
      A suspended in asyncio.wait_for (a frame of its await chain): A awaits
        that frame's `fut` when it is a task;
      A suspended in asyncio.wait (its _wait frame): A awaits each pending
        task of `fs`; in asyncio.as_completed (3.13+: _wait_for_one of an
        _AsCompletedIterator): each pending task of its `_todo`;
      A._fut_waiter is the outer future of asyncio.shield(): A awaits the inner
        task named in the closure of its _outer_done_callback.
    """
    import asyncio
    import asyncio.tasks as T
    out = []

    def add_future(fut, depth=0):
        if _is_task(fut):
            out.append(fut)
        elif isinstance(fut, T._GatheringFuture) and depth < 100:
            for child in fut._children:
                add_future(child, depth + 1)

    w = task._fut_waiter
    if w is not None:
        add_future(w)
        if not _is_task(w) and not isinstance(w, T._GatheringFuture):
            # shield(): the inner task is in the closure of the outer future's callback
            for cb, _ctx in (getattr(w, "_callbacks", None) or ()):
                if getattr(cb, "__qualname__", "").endswith("shield.<locals>._outer_done_callback"):
                    for cell in cb.__closure__ or ():
                        try:
                            x = cell.cell_contents
                        except ValueError:
                            continue
                        # 3.14's closure also holds the task calling shield()
                        if _is_task(x) and x is not task:
                            out.append(x)
    for f in chain:
        if not f.f_code.co_filename.endswith("asyncio/tasks.py"):
            continue
        # asyncio.wait(): A awaits each pending task of _wait()'s `fs`;
        # asyncio.as_completed() (3.13+, an iterator object): each pending task
        # of its `_todo` (before 3.13 that set is only in callback closures)
        waited = ()
        if f.f_code.co_name == "_wait":
            waited = f.f_locals.get("fs") or ()
        elif f.f_code.co_name == "_wait_for_one":
            it = f.f_locals.get("self")
            if type(it).__name__ == "_AsCompletedIterator":
                waited = it._todo
        out.extend(x for x in waited if _is_task(x) and not x.done())
    for f in chain:
        # wait_for() (up to 3.11 it awaits a private future): A awaits its `fut` when a task
        if f.f_code.co_name == "wait_for" and f.f_code.co_filename.endswith("asyncio/tasks.py"):
            inner = f.f_locals.get("fut")
            if _is_task(inner):
                out.append(inner)
    tg_class = getattr(asyncio, "TaskGroup", None)
    if tg_class is not None:
        for f in chain:
            if f.f_code.co_name == "__aexit__":
                owner = f.f_locals.get("self")
                if isinstance(owner, tg_class):
                    out.extend(owner._tasks)
    return out


def _stdlib_dirs():
    """The standard library's directories, as this interpreter's sysconfig names them."""
    import sysconfig
    paths = sysconfig.get_paths()
    return {os.path.join(paths[k], "") for k in ("stdlib", "platstdlib") if paths.get(k)}


def is_library_file(filename, lib_paths=()):
    """Not user code: the standard library (frozen modules too), a site- or
    dist-packages directory, or a --lib-path prefix."""
    if filename.startswith("<frozen "):
        return True
    if "/site-packages/" in filename or "/dist-packages/" in filename:
        return True
    return any(filename.startswith(p) for p in tuple(_stdlib_dirs()) + tuple(lib_paths))


def user_frame_index(stack, lib_paths=()):
    """Index of the innermost frame of user code in a stack (innermost first), or None."""
    for i, fr in enumerate(stack):
        if not is_library_file(fr["file"], lib_paths):
            return i
    return None


def _thread_frames_above(thread_ident, inner):
    """The frames a thread executes above the coroutine frame `inner`
    (innermost first), or None when `inner` is not on that thread's stack."""
    f = sys._current_frames().get(thread_ident)
    above = []
    while f is not None and len(above) < 10000:
        if f is inner or (f.f_code is inner.f_code and f.f_lineno == inner.f_lineno):
            return above
        above.append(f)
        f = f.f_back
    return None


def task_truth():
    import asyncio
    tasks = task_registry()
    natives = {t.ident: t.native_id for t in threading.enumerate()}
    ids = {id(t) for t in tasks}
    entries = {}
    for t in tasks:
        loop = t.get_loop()
        if t.cancelled():
            state = "cancelled"
        elif t.done():
            state = "done"
        else:
            state = "pending"
        coro = t.get_coro()
        chain = _awaitable_frames(coro)
        awaited = _awaited_tasks(t, chain)
        for a in awaited:
            if id(a) not in ids:
                die("task %r awaits %r, which is not in the registry" % (t, a))
        e = {
            "id": hex(id(t)),
            "name": t.get_name(),
            "state": state,
            "coroutine": getattr(coro, "__qualname__", None) if coro is not None else None,
            "stack": [frame_dict(f) for f in reversed(chain)],
            "awaiting": sorted({hex(id(a)) for a in awaited}),
            "awaited_by": [],
            "running": asyncio.current_task(loop) is t,
            "thread": natives.get(LOOP_THREADS.get(id(loop), getattr(loop, "_thread_id", None))),
        }
        # the running task: its thread's frames above its innermost coroutine frame first.
        # Computed on that very thread (a watchdog target publishing its truth, then
        # crashing in C code), they would be this computation's own: none are expected.
        e["thread_frames"] = 0
        ident = LOOP_THREADS.get(id(loop), getattr(loop, "_thread_id", None))
        if e["running"] and chain and ident is not None and ident != threading.get_ident():
            above = _thread_frames_above(ident, chain[-1])
            if above:
                e["stack"] = [frame_dict(f) for f in above] + e["stack"]
                e["thread_frames"] = len(above)
        e["user_frame"] = user_frame_index(e["stack"])
        if hasattr(t, "cancelling"):
            e["cancel_requests"] = t.cancelling()
        if END_TRUTH:
            e.update(task_end_truth(t))
        entries[e["id"]] = e
    for e in entries.values():
        for a in e["awaiting"]:
            entries[a]["awaited_by"].append(e["id"])
    for e in entries.values():
        e["awaited_by"].sort()
    return list(entries.values())


# Set by targets whose truth says why tasks ended (task_end_truth).
END_TRUTH = False


def _tb_frames(tb):
    """A traceback's frames, innermost first (read only: tb_lineno, not traceback.*)."""
    out = []
    seen = set()
    while tb is not None and id(tb) not in seen:
        seen.add(id(tb))
        out.append(frame_dict(tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    out.reverse()
    return out


def _exc_truth(x, retrieved, depth=0):
    """The message rule of docs/snapshot-format.md, from args (never str(x))."""
    args = x.args
    if not args:
        msg = ""
    elif len(args) == 1:
        a = args[0]
        if type(x) is KeyError:
            msg = repr(a)
        else:
            msg = a if type(a) is str else str(a)
    else:
        msg = repr(args)
    cause = x.__cause__
    return {
        "type": type(x).__qualname__,
        "module": type(x).__module__,
        "message": msg,
        "traceback": _tb_frames(x.__traceback__),
        "retrieved": retrieved,
        "cause": _exc_truth(cause, True, depth + 1) if cause is not None and depth < 8 else None,
    }


def _cancelled_exc(t):
    """The CancelledError a cancelled task keeps, without consuming it:
    _PyTask's attribute; a C task's fut_cancelled_exc (3.11+) by gc referents."""
    import asyncio
    d = getattr(t, "__dict__", None)
    if d is not None and "_cancelled_exc" in d:
        return d["_cancelled_exc"]
    if sys.version_info < (3, 11) or isinstance(t, asyncio.tasks._PyTask):
        return None
    for r in gc.get_referents(t):
        if isinstance(r, asyncio.CancelledError):
            return r
    return None


def task_end_truth(t):
    """Why a task ended and where it was created, as the JSON says it: read
    from the task's fields (never exception()/result(), which retrieve)."""
    exc = cancelled = None
    if t.cancelled():
        cx = _cancelled_exc(t)
        msg = getattr(t, "_cancel_message", None)
        # once the cancellation ran, CPython keeps the message only in the CancelledError
        if msg is None and cx is not None and len(cx.args) == 1:
            msg = cx.args[0] if type(cx.args[0]) is str else str(cx.args[0])
        cancelled = {
            "message": msg,
            "traceback": _tb_frames(cx.__traceback__) if cx is not None else [],
        }
    elif t.done() and t._exception is not None:
        exc = _exc_truth(t._exception, not t._log_traceback)
    src = t._source_traceback
    created = None
    if src:
        created = [{"function": fs.name, "qualname": None, "file": fs.filename,
                    "line": fs.lineno} for fs in reversed(src)]
    return {"exception": exc, "cancelled": cancelled, "created_at": created}


async def settle(max_rounds=100000):
    """Yield to the loop until every other task of this loop is parked.

    Parked: done, or waiting on a future that is not done; and the loop has
    nothing else ready to run.
    """
    import asyncio
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    for _ in range(max_rounds):
        await asyncio.sleep(0)
        if getattr(loop, "_ready", None):     # uvloop's loop has no _ready: the tasks tell
            continue
        if all(t is me or t.done()
               or (t._fut_waiter is not None and not t._fut_waiter.done())
               for t in task_registry() if t.get_loop() is loop):
            return
    raise RuntimeError("tasks did not settle in %d rounds" % max_rounds)


# ---------------------------------------------------------------- reporter

# Scenario-specific facts a target adds to its truth before start_reporter().
EXTRA_TRUTH = {}
# id(loop) -> ident of the thread running it, for loops that do not set
# _thread_id (asyncio's run_forever does; a loop driven by hand or uvloop's not)
LOOP_THREADS = {}


def _publish(truth, ready=True):
    if TRUTH:
        tmp = TRUTH + ".tmp"
        with open(tmp, "w") as fh:
            # indent only small truths: the flood's would be megabytes of blanks
            json.dump(truth, fh, indent=1 if len(truth.get("tasks", ())) < 1000 else None)
            fh.write("\n")
        os.replace(tmp, TRUTH)
    else:
        json.dump(truth, sys.stdout, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
    if ready:
        _ready()


def _ready():
    """Say "ready": called from inside _heartbeat (or the reporter's sleep), so
    that no snapshot taken after it can catch this thread still publishing."""
    if READY_FD:
        fd = int(READY_FD)
        os.write(fd, b"ready\n")
        os.close(fd)


def _heartbeat(fd):
    _ready()
    n = 0
    while True:
        n += 1
        os.pwrite(fd, b"%20d\n" % n, 0)
        time.sleep(0.02)


def _reporter(scenario, expect, want_tasks, timeout):
    try:
        me = threading.get_ident()
        end = time.monotonic() + timeout
        while True:
            parked = _blocked_threads(me)
            if len(parked) >= expect:
                # A thread on its BLOCK line may still wait for the GIL before
                # entering acquire(); give every one a few switch intervals.
                time.sleep(0.05)
                if _blocked_threads(me) == parked:
                    break
            if time.monotonic() > end:
                die("only %d of %d threads reached a %s line in %ds"
                    % (len(parked), expect, MARK, timeout))
            time.sleep(0.002)
        gc.collect()
        hb = None
        if HEARTBEAT:
            hb = os.open(HEARTBEAT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.pwrite(hb, b"%20d\n" % 0, 0)
        truth = {
            "pid": os.getpid(),
            "python_version": "%d.%d.%d" % sys.version_info[:3],
            "scenario": scenario,
            "threads": thread_truth(me),
        }
        truth.update(EXTRA_TRUTH)
        if isinstance(want_tasks, list):        # computed by the loop thread itself
            truth["tasks"] = want_tasks
        elif want_tasks:
            truth["tasks"] = task_truth()
        _publish(truth, ready=False)
        if hb is not None:
            _heartbeat(hb)
        else:
            _ready()
            while True:
                time.sleep(3600)
    except BaseException:
        traceback.print_exc()
        die("reporter failed")


def start_reporter(scenario, expect, tasks=False, timeout=60):
    """Publish the truth once `expect` threads are parked on "# BLOCK" lines.

    tasks: False (no task truth), True (computed by the reporter once the
    threads are parked), or a list already computed by the caller."""
    t = threading.Thread(target=_thread_entry, name="heartbeat", daemon=True,
                         args=("heartbeat", _reporter, (scenario, expect, tasks, timeout)))
    t.start()
    return t


def setup():
    """Process-wide set-up every target calls first."""
    _prctl(1, 9)        # PR_SET_PDEATHSIG, SIGKILL: never outlive the test script
    if os.getppid() == 1 and os.getpid() != 1:
        die("parent already gone")


def run_loop_main(scenario, main_coro_fn, expect=1):
    """Run main_coro_fn() with asyncio.run in the main thread; it must end in block()."""
    import asyncio
    setup()
    start_reporter(scenario, expect=expect, tasks=True)
    asyncio.run(main_coro_fn())
    die("asyncio.run returned")
