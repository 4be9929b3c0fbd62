"""Eager tasks (3.12+: asyncio.eager_task_factory).

An eager task runs its first step inside create_task(); one that suspends
there is then registered like any other task (3.12-3.13: it moves from
_eager_tasks to _scheduled_tasks), one that finishes in that first step is
never registered, so it is not in the truth even though it is referenced.

  eager-sleeper    suspended in asyncio.sleep() during its eager step
  eager-waiter     awaits eager-sleeper
  eager-finished   returned during its eager step (not registered: absent)
  lazy-sleeper     a normal task created with the factory switched off
"""

import asyncio

import _harness as H

if not hasattr(asyncio, "eager_task_factory"):
    H.skip("asyncio.eager_task_factory needs Python 3.12+")

KEEP = []


async def sleeper():
    await asyncio.sleep(3600)


async def returns():
    return 1


async def waiter(task):
    await task


async def main():
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    s = asyncio.create_task(sleeper(), name="eager-sleeper")
    KEEP.append(s)
    KEEP.append(asyncio.create_task(waiter(s), name="eager-waiter"))
    done = asyncio.create_task(returns(), name="eager-finished")
    assert done.done()
    KEEP.append(done)
    loop.set_task_factory(None)
    KEEP.append(asyncio.create_task(sleeper(), name="lazy-sleeper"))
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("eager", main)
