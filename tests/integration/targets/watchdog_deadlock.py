"""A pytest-like run whose event loop deadlocks (t5001).

test_transfer starts two transfers; each takes one asyncio.Lock, waits until
both locks are taken, then asks for the other one: a lock-order deadlock.  The
test awaits both with gather(), so the loop has nothing left to run and sleeps
in its selector for ever.  When everything is parked, the truth of the tasks
is written (watchdog_common.publish_when_idle).
"""

import asyncio
import os
import sys

import _harness as H
import watchdog_common as W


async def transfer(first, second, holders, both):
    async with first:
        holders.append(first)
        if len(holders) == 2:
            both.set()
        await both.wait()
        async with second:          # never: the other transfer holds it
            pass


async def run_transfers():
    a, b = asyncio.Lock(), asyncio.Lock()
    holders, both = [], asyncio.Event()
    t1 = asyncio.ensure_future(transfer(a, b, holders, both))
    t1.set_name("transfer a->b")
    t2 = asyncio.ensure_future(transfer(b, a, holders, both))
    t2.set_name("transfer b->a")
    await asyncio.gather(t1, t2)


def test_transfer():
    asyncio.run(run_transfers())


def main():
    H.setup()
    W.publish_when_idle("deadlock")
    tests = sorted((n, f) for n, f in globals().items() if n.startswith("test_") and callable(f))
    print("collected %d item(s)" % len(tests), flush=True)
    for name, fn in tests:
        print("%s::%s " % (os.path.basename(__file__), name), end="", flush=True)
        fn()
        print("PASSED", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
