"""Done and cancelled tasks that are still referenced.

What the truth expects: a task is findable only while it is in asyncio's
registry (3.8-3.11 _all_tasks, 3.12-3.13 _scheduled_tasks: WeakSets that
keep a task until it is garbage-collected; done tasks are never removed
explicitly).  So every task below that this module keeps a reference to is in
the truth, done or not; "dropped" finished and was freed, so it is not.

  done-ok                 returned 42                      state done
  done-error              raised ValueError (retrieved)    state done
  cancelled-before-start  cancelled before its first step  state cancelled
  cancelled-while-waiting cancelled in asyncio.sleep       state cancelled
  still-pending           sleeping                         state pending
A done task's coroutine has finished: its stack is empty.
"""

import asyncio

import _harness as H

KEEP = []


async def returns():
    return 42


async def raises():
    raise ValueError("boom")


async def waits():
    await asyncio.sleep(3600)


def task(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


async def main():
    task(returns(), "done-ok")
    err = task(raises(), "done-error")
    task(waits(), "cancelled-before-start").cancel()
    w = task(waits(), "cancelled-while-waiting")
    task(waits(), "still-pending")
    asyncio.ensure_future(returns()).set_name("dropped")
    await H.settle()
    w.cancel()
    await H.settle()
    assert isinstance(err.exception(), ValueError)
    H.block()


if __name__ == "__main__":
    H.run_loop_main("done_cancelled", main)
