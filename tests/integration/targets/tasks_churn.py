"""A loop that never stops: tasks are created, finish and are freed all the
time while a few stable tasks sleep.

usage: tasks_churn.py [STABLE] [BATCH]

  stable-0 .. stable-K   (STABLE, default 10) sleeping for ever, created before
                         the churn starts: their truth is exact and stays true
  churn-*                the running main task and batches of BATCH (default
                         50) short tasks gathered over and over; they come and
                         go, so they are not in the truth (compare.py is told
                         to accept extra tasks named churn-*)

The truth is computed by the loop thread itself before the churn starts.  The
main thread keeps moving: it is volatile in the truth (it always has a
run_forever frame).
"""

import asyncio
import sys
import threading

import _harness as H

STABLE = int(sys.argv[1]) if len(sys.argv) > 1 else 10
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 50


async def sleeper():
    await asyncio.sleep(3600)


async def short():
    await asyncio.sleep(0)


async def churn():
    loop = asyncio.get_running_loop()
    n = 0
    while True:
        batch = []
        for _ in range(BATCH):
            n += 1
            # Named by the Task constructor: a dump may come between any two
            # statements, and asyncio.create_task(name=) of some 3.11 releases
            # (Debian's 3.11.2) sets the name only after creating the task.
            batch.append(loop.create_task(short(), name="churn-%d" % n))
        await asyncio.gather(*batch)


async def main():
    asyncio.current_task().set_name("churn-main")
    for i in range(STABLE):
        asyncio.ensure_future(sleeper()).set_name("stable-%d" % i)
    await H.settle()
    truth = [t for t in H.task_truth() if t["name"].startswith("stable-")]
    H.mark_volatile(threading.get_ident(), "run_forever")
    H.start_reporter("churn", expect=0, tasks=truth)
    await churn()


if __name__ == "__main__":
    H.setup()
    asyncio.run(main())
    H.die("asyncio.run returned")
