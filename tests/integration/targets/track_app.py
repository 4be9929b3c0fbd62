"""A target for --track / --untrack (t9002 .. t9004), standalone (no _harness).

    track_app.py MODE
      idle     an asyncio loop with nothing to do (no timer): a task waits on an Event
      busy     an asyncio loop that never sleeps: tasks made and awaited in a loop
      factory  idle, with a task factory of the application set before any tracking
      audit    idle, with an audit hook that refuses every remote debugger script
      block    no asyncio loop: the main thread blocks in os.read of a FIFO
               ($AIOMON_TRUTH.fifo); each line written to it makes a report

Readiness: "ready" on $AIOMON_READY_FD once the loop runs (the truth file,
$AIOMON_TRUTH, holds the pid and the mode).  A "heartbeat" thread counts in
$AIOMON_HEARTBEAT every 20 ms.

Reports: on SIGUSR1 (loop modes) or a line on the FIFO (block), the target
writes what it sees of itself to $AIOMON_TRUTH.report.N (N = 1, 2, ...,
written whole, then renamed): whether the tracker module is loaded and
enabled, its keep and patterns, whether BaseEventLoop.create_task and
asyncio.events._set_running_loop are the ones it started with, whether its
task factory is still its own, and whether a task made now is a tracked one.
"""

import json
import os
import signal
import sys
import threading
import time

TRUTH = os.environ["AIOMON_TRUTH"]
MODE = sys.argv[1]
_n = [0]
ORIG = {}


def heartbeat():
    path = os.environ.get("AIOMON_HEARTBEAT")
    n = 0
    while path:
        n += 1
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % n)
        os.replace(path + ".tmp", path)
        time.sleep(0.02)


def ready():
    with open(TRUTH, "w") as f:
        json.dump({"pid": os.getpid(), "mode": MODE}, f)
    fd = int(os.environ["AIOMON_READY_FD"])
    os.write(fd, b"ready\n")
    os.close(fd)


def report(loop=None, factory=None):
    import asyncio
    import asyncio.base_events
    import asyncio.events
    m = sys.modules.get("_aiomon_tracker")
    r = {
        "present": m is not None,
        "enabled": bool(m is not None and m.STATE.get("enabled")),
        "error": m.STATE.get("error") if m is not None else None,
        "keep": m.STATE.get("keep") if m is not None else None,
        "patterns": list(getattr(m, "_patterns", ()) or ()) if m is not None else None,
        "created": m.STATE.get("created") if m is not None else None,
        "create_task_orig": asyncio.base_events.BaseEventLoop.create_task is ORIG["create_task"],
        "create_task_qualname": asyncio.base_events.BaseEventLoop.create_task.__qualname__,
        "create_task_wraps_orig": getattr(asyncio.base_events.BaseEventLoop.create_task,
                                          "__wrapped__", None) is ORIG["create_task"],
        "set_running_loop_orig": asyncio.events._set_running_loop is ORIG["set_running_loop"],
    }
    if loop is not None:
        r["factory_is_app"] = loop.get_task_factory() is factory
        t = loop.create_task(asyncio.sleep(0))
        r["new_task_tracked"] = hasattr(type(t), "_aiomon") or (
            m is not None and id(t) in m.STATE.get("foreign", {}))
        r["new_task_type"] = "%s.%s" % (type(t).__module__, type(t).__qualname__)
    _n[0] += 1
    path = "%s.report.%d" % (TRUTH, _n[0])
    with open(path + ".tmp", "w") as f:
        json.dump(r, f)
    os.replace(path + ".tmp", path)


def run_loop():
    import asyncio
    import asyncio.base_events
    import asyncio.events
    ORIG["create_task"] = asyncio.base_events.BaseEventLoop.create_task
    ORIG["set_running_loop"] = asyncio.events._set_running_loop

    def app_factory(loop, coro, **kw):
        return asyncio.Task(coro, loop=loop, **kw)

    async def spin():
        async def noop():
            return 1
        while True:
            await asyncio.create_task(noop())

    async def main():
        loop = asyncio.get_running_loop()
        factory = None
        if MODE == "factory":
            factory = app_factory
            loop.set_task_factory(factory)
        loop.add_signal_handler(signal.SIGUSR1, report, loop, factory)
        if MODE == "busy":
            asyncio.create_task(spin(), name="spin")
        ev = asyncio.Event()
        asyncio.create_task(ev.wait(), name="waiter")
        await asyncio.sleep(0)
        ready()
        await ev.wait()

    asyncio.run(main())


def block():
    import asyncio.base_events  # noqa: F401  (report() compares against these)
    import asyncio.events
    ORIG["create_task"] = asyncio.base_events.BaseEventLoop.create_task
    ORIG["set_running_loop"] = asyncio.events._set_running_loop
    fifo = TRUTH + ".fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)   # read-write: never end of file
    ready()
    while True:
        if os.read(fd, 64):
            report()


if __name__ == "__main__":
    threading.Thread(target=heartbeat, name="heartbeat", daemon=True).start()
    if MODE == "audit":
        def refuse(event, args):
            if event.endswith("remote_debugger_script"):
                raise RuntimeError("track_app: no remote debugger scripts here")
        sys.addaudithook(refuse)
    if MODE == "block":
        block()
    else:
        run_loop()
