"""A Python process that dies of a fatal signal inside a task (t5003).

  watchdog_fatal.py abort   the task "crasher" calls os.abort(): SIGABRT
  watchdog_fatal.py segv    the task "crasher" writes address 0 with
                            ctypes.memset(0, 0, 1): SIGSEGV (a C function called
                            straight from the coroutine: the running task's stack
                            has no frame above the crasher, as the truth says)

Another task ("stuck") waits on an event for ever, and a second thread
("parked") blocks on a lock, so that the watchdog has a thread to interrupt.  Once it is parked, the
crasher writes the truth of the tasks on the very line that crashes, so the
crasher's line in the truth is the line the snapshot must show.
"""

import asyncio
import os
import sys

import _harness as H
import watchdog_common as W


async def stuck(ev):
    await ev.wait()


async def crasher(mode):
    await H.settle()
    if mode == "abort":
        W.publish_now("abort"); os.abort()                  # noqa: E702 (same line on purpose)
    elif mode == "segv":
        import ctypes
        W.publish_now("segv"); ctypes.memset(0, 0, 1)       # noqa: E702 (same line on purpose)
    H.die("unknown mode %r" % mode)


async def main(mode):
    s = asyncio.ensure_future(stuck(asyncio.Event()))
    s.set_name("stuck")
    c = asyncio.ensure_future(crasher(mode))
    c.set_name("crasher")
    await c


if __name__ == "__main__":
    H.setup()
    H.spawn("parked", H.block)
    asyncio.run(main(sys.argv[1]))
    H.die("main returned")
