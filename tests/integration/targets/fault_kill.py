"""Faults: a target to kill aiomon-attach against (t8001).

usage: fault_kill.py [TASKS] [THREADS]

  TASKS (default 2000) tasks gathered by a root task, rotating over three
  suspension kinds (Event, sleep, bare future); THREADS (default 3) worker
  threads parked on "# BLOCK" lines at different depths; one "spinner"
  thread that runs pure Python for ever (it holds the GIL most of the time,
  volatile in the truth); the loop thread parks in its main task.
"""

import asyncio
import sys

import _harness as H

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def deep(n):
    if n <= 0:
        H.BLOCK.acquire()  # BLOCK
    else:
        deep(n - 1)


def spin():
    x = 0
    while True:
        x = (x * 31 + 7) % 1000003


async def on_event(ev):
    await ev.wait()


async def on_sleep():
    await asyncio.sleep(3600)


async def on_future(fut):
    await fut


async def root():
    ev = asyncio.Event()
    fut = asyncio.get_running_loop().create_future()
    kids = []
    for i in range(TASKS):
        coro = (on_event(ev), on_sleep(), on_future(fut))[i % 3]
        kids.append(asyncio.ensure_future(coro))
        kids[-1].set_name("kill-%d" % i)
    await asyncio.gather(*kids)


async def main():
    asyncio.ensure_future(root()).set_name("root")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.setup()
    for i in range(THREADS):
        H.spawn("worker-%d" % i, deep, 5 * i)
    H.spawn_volatile("spinner", "spin", spin)
    H.start_reporter("fault-kill", expect=THREADS + 1)
    asyncio.run(main())
    H.die("asyncio.run returned")
