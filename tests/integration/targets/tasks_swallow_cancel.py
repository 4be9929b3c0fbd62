"""Tasks that catch CancelledError and keep waiting.

  stubborn-1   cancelled once, swallowed it, sleeps again     cancel_requests 1
  stubborn-3   cancelled three times, swallowed each          cancel_requests 3
  untouched    never cancelled                                cancel_requests 0
  waiter       awaits stubborn-w; cancelled once: the request goes to its
               _fut_waiter (stubborn-w, which swallows it), so waiter keeps
               awaiting stubborn-w                            both 1

cancel_requests (Task.cancelling()) exists from 3.11; the truth has it only there.
"""

import asyncio

import _harness as H


async def stubborn():
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass


async def waiter(task):
    await task


async def main():
    s1 = asyncio.ensure_future(stubborn())
    s1.set_name("stubborn-1")
    s3 = asyncio.ensure_future(stubborn())
    s3.set_name("stubborn-3")
    u = asyncio.ensure_future(stubborn())
    u.set_name("untouched")
    sw = asyncio.ensure_future(stubborn())
    sw.set_name("stubborn-w")
    w = asyncio.ensure_future(waiter(sw))
    w.set_name("waiter")
    await H.settle()
    s1.cancel()
    for _ in range(3):
        s3.cancel()
        await H.settle()
    w.cancel()
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("swallow_cancel", main)
