"""asyncio.wait_for and asyncio.shield:

  wf-task ── wait_for(inner-a, 3600)        (a task passed in)
  wf-coro ── wait_for(sleeper(), 3600)      (a coroutine: a task of its own up to 3.11)
  wf-none ── wait_for(inner-b, None)        (no timeout: a plain await)
  shielded ── await shield(inner-c)         (an outer future: the link is in its callback)

Up to 3.11 wait_for() awaits a private future that a callback of the inner
task completes, so the link is found through wait_for's own frame; from 3.12
it awaits the task (or the coroutine) directly.  Truth: _harness.task_truth.
"""

import asyncio

import _harness as H

KEEP = []


async def sleeper():
    await asyncio.sleep(3600)


async def waits(aw, timeout):
    await asyncio.wait_for(aw, timeout)


async def shielded(task):
    await asyncio.shield(task)


def named(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


async def main():
    a = named(sleeper(), "inner-a")
    b = named(sleeper(), "inner-b")
    c = named(sleeper(), "inner-c")
    named(waits(a, 3600), "wf-task")
    named(waits(sleeper(), 3600), "wf-coro")
    named(waits(b, None), "wf-none")
    named(shielded(c), "shielded")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("wait_for", main)
