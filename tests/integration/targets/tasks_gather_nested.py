"""gather() nested through coroutines, plus a task awaiting another task.

  root ── gather(middle, middle, waiter_on(inner))
    middle ── gather(leaf, leaf, sleeper)
    waiter_on ── await inner            (awaits the task "explicit-inner")
  main (running) ── settles, then blocks the loop thread for ever

Edges (truth rules in _harness.py): root awaits the three tasks gather()
created for it; each middle awaits its three; waiter_on awaits inner.
"""

import asyncio

import _harness as H


async def leaf(ev):
    await ev.wait()


async def sleeper():
    await asyncio.sleep(3600)


async def middle(ev):
    await asyncio.gather(leaf(ev), leaf(ev), sleeper())


async def waiter_on(task):
    await task


async def root(ev):
    inner = asyncio.ensure_future(sleeper())
    inner.set_name("explicit-inner")
    await asyncio.gather(middle(ev), middle(ev), waiter_on(inner), return_exceptions=True)


async def main():
    ev = asyncio.Event()
    r = asyncio.ensure_future(root(ev))
    r.set_name("root")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("gather_nested", main)
