"""Why tasks ended and where they were created (issue 15, items 1 and 2).

  crashed-worker        KeyError('tenant-7') two calls deep, never retrieved
  failed-retrieved      ValueError('boom', 3): several args, retrieved (exception())
  quota                 Errors.Quota(7): a user-defined nested class, never retrieved
  no-args               RuntimeError(): empty message
  chained               RuntimeError('wrapped') raised from ValueError('bad tenant')
  cancelled-waiting     cancelled in asyncio.sleep, no message
  cancelled-msg         cancel('shutdown') in asyncio.sleep (3.9+: 3.8 has no message)
  cancelled-before-start cancelled before its first step
  debug-pending         created in debug mode (loop.set_debug): a creation stack
  debug-crashed         created in debug mode, raised OSError
  py-*                  the same for pure-Python tasks (asyncio.tasks._PyTask)
  main (running)        settles, then blocks the loop thread for ever

The truth (_harness.task_end_truth) reads the tasks' fields (_exception,
_log_traceback, _cancel_message, the kept CancelledError, _source_traceback),
never exception()/result(), which would mark them retrieved.
"""

import asyncio
import asyncio.tasks as T
import sys

import _harness as H

KEEP = []


class Errors:
    class Quota(Exception):
        pass


def lookup(key):
    return {}[key]


async def worker(key):
    await asyncio.sleep(0)
    return lookup(key)


async def fails(*args):
    raise ValueError(*args)


async def quota():
    raise Errors.Quota(7)


async def no_args():
    raise RuntimeError()


async def inner_fails():
    raise ValueError("bad tenant")


async def chained():
    try:
        await inner_fails()
    except ValueError as e:
        raise RuntimeError("wrapped") from e


async def waits():
    await asyncio.sleep(3600)


async def crashes_os():
    raise OSError("disk gone")


def make(loop, coro, name, py):
    t = T._PyTask(coro, loop=loop) if py else loop.create_task(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


async def main():
    H.END_TRUTH = True
    loop = asyncio.get_running_loop()
    for py in (False, True):
        p = "py-" if py else ""
        make(loop, worker("tenant-7"), p + "crashed-worker", py)
        retrieved = make(loop, fails("boom", 3), p + "failed-retrieved", py)
        make(loop, quota(), p + "quota", py)
        make(loop, no_args(), p + "no-args", py)
        make(loop, chained(), p + "chained", py)
        waiting = make(loop, waits(), p + "cancelled-waiting", py)
        with_msg = None
        if sys.version_info >= (3, 9):
            with_msg = make(loop, waits(), p + "cancelled-msg", py)
        else:
            print("tasks_end: 3.8 has no cancel message: no cancelled-msg task", file=sys.stderr)
        make(loop, waits(), p + "cancelled-before-start", py).cancel()
        loop.set_debug(True)
        make(loop, waits(), p + "debug-pending", py)
        make(loop, crashes_os(), p + "debug-crashed", py)
        loop.set_debug(False)
        await H.settle()
        waiting.cancel()
        if with_msg is not None:
            with_msg.cancel("shutdown")
        await H.settle()
        if not isinstance(retrieved.exception(), ValueError):
            H.die("failed-retrieved did not fail")
    H.block()


if __name__ == "__main__":
    H.run_loop_main("tasks_end", main)
