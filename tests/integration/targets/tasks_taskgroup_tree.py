"""A three-level tree of asyncio.TaskGroup (3.11+).

  root ─ TaskGroup ─┬ L1-0 ─ TaskGroup ─┬ L1-0/L2-0 ─ TaskGroup ─┬ .../L3-0  (sleep)
                    │                   │                        └ .../L3-1  (sleep)
                    │                   └ L1-0/L2-1 ...
                    └ L1-1 ...
  body-wait: a task whose `async with TaskGroup()` body is still running
             (awaiting a sleep), so it is NOT in __aexit__ and awaits nothing;
             its group's child "body-wait/child" is awaited by no one.

Edges: a task suspended in TaskGroup.__aexit__ awaits every task in the
group's _tasks (see _harness.py).
"""

import asyncio

import _harness as H

if not hasattr(asyncio, "TaskGroup"):
    H.skip("asyncio.TaskGroup needs Python 3.11+")

DEPTH = 3
FANOUT = 2


async def node(name, depth):
    if depth == DEPTH:
        await asyncio.sleep(3600)
        return
    async with asyncio.TaskGroup() as tg:
        for i in range(FANOUT):
            child = "%s/L%d-%d" % (name, depth + 1, i) if depth else "L%d-%d" % (depth + 1, i)
            tg.create_task(node(child, depth + 1), name=child)


async def body_wait():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(asyncio.sleep(3600), name="body-wait/child")
        await asyncio.sleep(3600)


async def main():
    asyncio.create_task(node("root", 0), name="root")
    asyncio.create_task(body_wait(), name="body-wait")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("taskgroup_tree", main)
