"""--locals: frames of threads and tasks holding locals of every rendered kind.

Frames checked (by function name): loc_thread (a thread parked in block()),
loc_thread_inner (a closure it calls: free variables), loc_task (a task's
coroutine), loc_task_inner (the closure coroutine it awaits), loc_created
(a task that never started: a parameter in a cell) and loc_many (70
parameters, more than are listed).  Each holds
None, bools, small, negative and huge ints, floats, strs (quotes, newlines,
escapes, non-ASCII, a terminal escape, one longer than the cap), bytes, the
containers, an arbitrary object, an unbound local, a cell (a parameter and a
local) and *args/**kwargs.

EXTRA_TRUTH["locals"]: {function: [{"name", "kind", "type", "value"}]}, what
--locals must show, computed here from each frame's f_locals with repr() and
the rendering rules of docs/snapshot-format.md; nothing in it changes the
frames' slots.
"""

import asyncio
import collections
import sys
import threading

import _harness as H

MAX_LOCALS = 64         # PY_LOCALS_MAX
MAX_CHARS = 200         # PY_REPR_MAX_CHARS
MAX_DIGITS = 100        # PY_REPR_MAX_DIGITS
MAX_INT_DIGITS30 = 40   # ints beyond 40 30-bit digits: "<int of N bits>"
CUT = "\u2026"

FRAMES = {}             # function name -> its frame
KEEP = []
THREAD_PARKED = threading.Event()


class Obj:
    pass


def _type_name(t):
    if t is collections.deque:      # a static type before 3.12, from a spec after: same name
        return "collections.deque"
    if t.__flags__ & (1 << 9) or t.__module__ == "builtins":     # Py_TPFLAGS_HEAPTYPE
        return t.__name__
    return t.__module__ + "." + t.__name__


def render(v):
    t = type(v)
    if v is None or t is bool or t is float:
        return repr(v)
    if t is int:
        nd = (abs(v).bit_length() + 29) // 30
        if nd > MAX_INT_DIGITS30:
            return "<int of %s%d bits>" % ("-" if v < 0 else "", nd * 30)
        r = repr(v)
        return r[:MAX_DIGITS] + CUT if len(r) > MAX_DIGITS else r
    if t is str or t is bytes:
        if len(v) > MAX_CHARS:
            return repr(v[:MAX_CHARS])[:-1] + CUT
        return repr(v)
    if t in (list, tuple, dict, set, frozenset, collections.deque):
        return "<%s len=%d>" % (t.__name__, len(v))
    return "<%s at 0x%x>" % (_type_name(t), id(v))


def locals_truth(frame):
    co = frame.f_code
    nargs = (co.co_argcount + co.co_kwonlyargcount + bool(co.co_flags & 0x4) +
             bool(co.co_flags & 0x8))
    names = list(co.co_varnames)
    names += [n for n in co.co_cellvars if n not in co.co_varnames]
    names += list(co.co_freevars)
    loc = frame.f_locals
    out = []
    for i, name in enumerate(names[:MAX_LOCALS]):
        kind = ("arg" if i < nargs else "free" if name in co.co_freevars else
                "cell" if name in co.co_cellvars else "local")
        if name in loc:
            v = loc[name]
            out.append({"name": name, "kind": kind, "type": _type_name(type(v)),
                        "value": render(v)})
        else:
            out.append({"name": name, "kind": kind, "type": None, "value": None})
    return out


def values():
    return dict(
        none=None, yes=True, no=False, small=7, zero=0, negative=-12345678901234567890,
        big=2 ** 100, longint=10 ** 150, huge=-(10 ** 500),
        f1=1e-05, f2=1e16, f3=0.1, f4=float("nan"), f5=float("inf"), f6=-2.5, f7=1.0,
        quotes="it's \"quoted\"", single="it's", newline="a\nb\tc\\d\r",
        nonascii="\u00e9t\u00e9 \u540d\u524d \U0001f40d", hostile="\x1b[2J\x1b]0;pwned\x07\x9b",
        longstr="x" * 150 + "\u00e9" * 100, raw=b"\x00\xffbytes'\"\n", longbytes=b"b" * 300,
        lst=[1, 2, 3], tup=(1, "a"), dct={"a": 1, "b": 2}, st={1, 2, 3},
        fz=frozenset([4]), dq=collections.deque([1, 2]), obj=Obj(),
    )


def loc_thread(pos, captured_arg, *args, kw_only=None, **kwargs):
    v = values()
    none, yes, no, small, zero = v["none"], v["yes"], v["no"], v["small"], v["zero"]
    negative, big, longint, huge = v["negative"], v["big"], v["longint"], v["huge"]
    f1, f2, f3, f4, f5, f6, f7 = v["f1"], v["f2"], v["f3"], v["f4"], v["f5"], v["f6"], v["f7"]
    quotes, single, newline, nonascii = v["quotes"], v["single"], v["newline"], v["nonascii"]
    hostile, longstr, raw, longbytes = v["hostile"], v["longstr"], v["raw"], v["longbytes"]
    lst, tup, dct, st, fz, dq, obj = v["lst"], v["tup"], v["dct"], v["st"], v["fz"], v["dq"], \
        v["obj"]
    captured = "cell value"

    def loc_thread_inner(extra):
        mine = (captured, captured_arg)
        FRAMES["loc_thread_inner"] = sys._getframe()
        THREAD_PARKED.set()
        H.block()
        return mine, extra

    FRAMES["loc_thread"] = sys._getframe()
    loc_thread_inner(3.25)
    unbound = 1
    return unbound


async def loc_task(pos, captured_arg, *args, kw_only=None, **kwargs):
    v = values()
    none, yes, small, negative, huge = v["none"], v["yes"], v["small"], v["negative"], v["huge"]
    f1, f4, quotes, newline, hostile = v["f1"], v["f4"], v["quotes"], v["newline"], v["hostile"]
    longstr, raw, dct, dq, obj = v["longstr"], v["raw"], v["dct"], v["dq"], v["obj"]
    captured = ["cell", "list"]
    ev = asyncio.Event()

    async def loc_task_inner(extra):
        mine = (captured, captured_arg)
        FRAMES["loc_task_inner"] = sys._getframe()
        await ev.wait()
        return mine, extra

    FRAMES["loc_task"] = sys._getframe()
    await loc_task_inner(b"x")
    unbound = 1
    return unbound


async def loc_created(cell_arg, plain):
    """Never started: on 3.11+ its cell slot still holds the argument itself
    (MAKE_CELL has not run); before, the cell made with the frame."""
    def inner():
        return cell_arg
    return inner, plain


async def main():
    H.spawn("loc-thread", lambda: loc_thread("positional", 42, "star1", 2.0, kw_only=True,
                                             color="red"))
    task = asyncio.ensure_future(loc_task("task-pos", -1, "a", kw_only="k", size=3))
    task.set_name("loc-task")
    KEEP.append(task)       # asyncio keeps tasks weakly: a task on an Event nobody sets would go
    await H.settle()
    THREAD_PARKED.wait(60)
    created = asyncio.ensure_future(loc_created(["in", "a", "cell"], 5.5))
    created.set_name("loc-created")
    KEEP.append(created)    # blocked below before it ever runs
    FRAMES["loc_created"] = created.get_coro().cr_frame
    # 70 parameters: only the first MAX_LOCALS are listed
    ns = {}
    exec("async def loc_many(%s):\n    return 0\n" % ", ".join("a%d" % i for i in range(70)), ns)
    many = asyncio.ensure_future(ns["loc_many"](*range(-3, 67)))
    many.set_name("loc-many")
    KEEP.append(many)
    FRAMES["loc_many"] = many.get_coro().cr_frame
    H.EXTRA_TRUTH["locals"] = {name: locals_truth(f) for name, f in FRAMES.items()}
    FRAMES.clear()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("locals", main, expect=2)
