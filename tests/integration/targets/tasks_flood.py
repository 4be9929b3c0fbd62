"""A flood of tasks: root gathers N tasks (default 5500).

usage: tasks_flood.py [N]

The flooded tasks rotate over three suspension kinds: an asyncio.Event,
asyncio.sleep(), and a bare future of the loop.  root awaits all N.
"""

import asyncio
import sys

import _harness as H

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5500


async def on_event(ev):
    await ev.wait()


async def on_sleep():
    await asyncio.sleep(3600)


async def on_future(fut):
    await fut


async def root():
    ev = asyncio.Event()
    fut = asyncio.get_running_loop().create_future()
    tasks = []
    for i in range(N):
        kind = i % 3
        if kind == 0:
            coro = on_event(ev)
        elif kind == 1:
            coro = on_sleep()
        else:
            coro = on_future(fut)
        tasks.append(asyncio.ensure_future(coro))
        tasks[-1].set_name("flood-%d" % i)
    await asyncio.gather(*tasks)


async def main():
    asyncio.ensure_future(root()).set_name("root")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("flood", main)
