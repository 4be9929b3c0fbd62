"""Await cycles: tasks that await each other never finish (a deadlock).

  pair-a ── await pair-b ── await pair-a              (2 tasks)
  ring-x ── await ring-y ── await ring-z ── await ring-x   (3 tasks)
  outside ── await pair-a                             (waits on a cycle, not on one)
  main (running) ── settles, then blocks the loop thread for ever

Each task first sleeps once so that all of them exist before any awaits
another; the truth's edges come from _fut_waiter as everywhere (_harness.py).
"""

import asyncio

import _harness as H

T = {}


async def awaits(name):
    await asyncio.sleep(0)
    await T[name]


def spawn(name, other):
    T[name] = asyncio.ensure_future(awaits(other))
    T[name].set_name(name)


async def main():
    spawn("pair-a", "pair-b")
    spawn("pair-b", "pair-a")
    spawn("ring-x", "ring-y")
    spawn("ring-y", "ring-z")
    spawn("ring-z", "ring-x")
    spawn("outside", "pair-a")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("cycles", main)
