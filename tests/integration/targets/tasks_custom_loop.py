"""Event loops that run without a BaseEventLoop.run_forever frame, as uvloop's
(written in Cython) do: a task's "thread" is the thread running its loop all
the same.

  main thread   loop A driven by hand: _set_running_loop(A), then _run_once()
                in a loop (no run_forever frame); tasks a-sleeper, a-waiter
  thread loop-b uvloop's loop when uvloop is importable (Debian unstable's
                3.14 has python3-uvloop), else loop B driven by hand too;
                tasks b-sleeper, b-waiter
Each loop's running task parks its thread (block()).
"""

import asyncio
import asyncio.events as E
import threading

import _harness as H

try:
    import uvloop
except ImportError:
    uvloop = None


async def sleeper():
    await asyncio.sleep(3600)


async def waiter(task):
    await task


async def populate(prefix):
    s = asyncio.ensure_future(sleeper())
    s.set_name(prefix + "sleeper")
    w = asyncio.ensure_future(waiter(s))
    w.set_name(prefix + "waiter")
    await H.settle()
    H.block()


def drive_by_hand(prefix):
    """A loop with no run_forever frame: what a loop written in C looks like."""
    loop = asyncio.new_event_loop()
    H.LOOP_THREADS[id(loop)] = threading.get_ident()
    E._set_running_loop(loop)
    loop.call_soon(lambda: asyncio.ensure_future(populate(prefix)).set_name(prefix + "main"))
    while True:
        loop._run_once()


def run_b():
    if uvloop is not None:
        loop = uvloop.new_event_loop()
        H.LOOP_THREADS[id(loop)] = threading.get_ident()
        loop.run_until_complete(loop.create_task(populate("b-"), name="b-main"))
    else:
        drive_by_hand("b-")


if __name__ == "__main__":
    H.setup()
    H.spawn("loop-b", run_b)
    H.EXTRA_TRUTH["uvloop"] = uvloop is not None
    H.start_reporter("custom_loop", expect=2, tasks=True)
    drive_by_hand("a-")
