"""Two event loops: one in the main thread, one in the thread "loop-b".

Each loop has its own tasks (names prefixed a- and b-) and its own running
main task that settles and then blocks its thread for ever.  A task's
"thread" is the native tid of the thread running its loop.
"""

import asyncio

import _harness as H


async def sleeper():
    await asyncio.sleep(3600)


async def waiter(task):
    await task


async def populate(prefix):
    s = asyncio.ensure_future(sleeper())
    s.set_name(prefix + "sleeper")
    w = asyncio.ensure_future(waiter(s))
    w.set_name(prefix + "waiter")
    g = asyncio.ensure_future(asyncio.gather(sleeper(), sleeper()))
    return s, w, g


async def main_b():
    keep = await populate("b-")  # noqa: F841
    await H.settle()
    H.block()


def run_b():
    asyncio.run(main_b())


async def main_a():
    keep = await populate("a-")  # noqa: F841
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.setup()
    H.spawn("loop-b", run_b)
    H.start_reporter("second_thread_loop", expect=2, tasks=True)
    asyncio.run(main_a())
    H.die("asyncio.run returned")
