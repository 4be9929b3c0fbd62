"""Request-like churn: tasks arrive a few per millisecond and each lives a
random 0-50 ms, as a web server's handlers do under load; the next task often
takes both addresses (task and coroutine) of one that just ended.  A few
stable tasks sleep for ever.

  stable-0 .. stable-2   sleeping for ever (the truth)
  req-N                  the churn, not in the truth
"""

import asyncio
import random
import threading

import _harness as H


async def sleeper():
    await asyncio.sleep(3600)


async def handler():
    await asyncio.sleep(random.random() * 0.05)


async def main():
    asyncio.current_task().set_name("req-main")
    for i in range(3):
        asyncio.ensure_future(sleeper()).set_name("stable-%d" % i)
    await H.settle()
    truth = [t for t in H.task_truth() if t["name"].startswith("stable-")]
    H.mark_volatile(threading.get_ident(), "run_forever")
    H.start_reporter("requests", expect=0, tasks=truth)
    loop = asyncio.get_running_loop()
    n = 0
    while True:
        for _ in range(5):
            n += 1
            loop.create_task(handler(), name="req-%d" % n)
        await asyncio.sleep(0.001)


if __name__ == "__main__":
    H.setup()
    asyncio.run(main())
    H.die("asyncio.run returned")
