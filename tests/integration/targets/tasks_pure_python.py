"""Pure-Python tasks (asyncio.tasks._PyTask, what asyncio uses without its C
accelerator) mixed with C tasks, through a task factory:

  py-root (Python) ── gather(leaf, sleeper)       two Python tasks
  py-waits-c (Python) ── await c-task (C)
  c-waits-py (C) ── await py-root (Python)
  py-cancelled (Python): cancelled, still referenced
  main (C, running) ── settles, then blocks the loop thread for ever

Every field of every task must match the truth (_harness.task_truth).
"""

import asyncio
import asyncio.tasks as T

import _harness as H

KEEP = []


def py_factory(loop, coro, **kw):
    return T._PyTask(coro, loop=loop, **kw)


async def leaf(ev):
    await ev.wait()


async def sleeper():
    await asyncio.sleep(3600)


async def middle(ev):
    await asyncio.gather(leaf(ev), sleeper())


async def waiter_on(task):
    await task


async def main():
    loop = asyncio.get_running_loop()
    ev = asyncio.Event()
    c_task = asyncio.ensure_future(sleeper())
    c_task.set_name("c-task")
    loop.set_task_factory(py_factory)
    root = asyncio.ensure_future(middle(ev))
    root.set_name("py-root")
    w = asyncio.ensure_future(waiter_on(c_task))
    w.set_name("py-waits-c")
    pc = asyncio.ensure_future(sleeper())
    pc.set_name("py-cancelled")
    loop.set_task_factory(None)
    c2 = asyncio.ensure_future(waiter_on(root))
    c2.set_name("c-waits-py")
    KEEP.extend([c_task, root, w, pc, c2])
    await H.settle()
    pc.cancel()
    await H.settle()
    if not isinstance(root, T._PyTask):
        H.die("the factory did not make a pure-Python task")
    H.block()


if __name__ == "__main__":
    H.run_loop_main("pure_python", main)
