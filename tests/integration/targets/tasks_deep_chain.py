"""Deep await chains.

usage: tasks_deep_chain.py [DEPTH] [TASKS]

"deep": one task whose coroutine awaits step(DEPTH-1) -> ... -> step(0) ->
        asyncio.sleep(): DEPTH (default 200) step coroutines, one await chain.
"chain-0" .. "chain-K": TASKS (default 50) tasks, each awaiting the next task;
        the last one sleeps.
"""

import asyncio
import sys

import _harness as H

DEPTH = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TASKS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


async def step(n):
    if n == 0:
        await asyncio.sleep(3600)
    else:
        await step(n - 1)


async def link(i):
    if i == TASKS - 1:
        await asyncio.sleep(3600)
    else:
        nxt = asyncio.ensure_future(link(i + 1))
        nxt.set_name("chain-%d" % (i + 1))
        await nxt


async def main():
    asyncio.ensure_future(step(DEPTH - 1)).set_name("deep")
    asyncio.ensure_future(link(0)).set_name("chain-0")
    await H.settle()
    H.block()


if __name__ == "__main__":
    sys.setrecursionlimit(max(1000, DEPTH * 3 + 100))
    H.run_loop_main("deep_chain", main)
