"""The live view's scenario (tests t3xxx): a tree, a flood, hostile names, a known stack.

  service          TaskGroup (3.11+; gather before) of tg-worker-0 .. tg-worker-2
    tg-worker-N    worker -> deep_a -> deep_b -> deep_c -> leaf_wait -> Event.wait
  flooder          gathers 2,000 identical tasks flood-0 .. flood-1999 (flood_one)
  needle-xyzzy     a unique task to search for (coroutine needle_coro)
  "\\x1b[31mred"   an ANSI escape in a name: must never reach the terminal raw
  "ünï-名前"       non-ASCII (wide characters): '?' on a non-UTF-8 terminal
  stubborn         swallowed one cancellation: cancel_requests 1 (3.11+)
  Task-1 (main)    the running task: it blocks the loop in H.block()
"""

import asyncio

import _harness as H

FLOOD = 2000


async def leaf_wait(ev):
    await ev.wait()


async def deep_c(ev):
    await leaf_wait(ev)


async def deep_b(ev):
    await deep_c(ev)


async def deep_a(ev):
    await deep_b(ev)


async def worker(ev):
    await deep_a(ev)


async def service(ev):
    if hasattr(asyncio, "TaskGroup"):
        async with asyncio.TaskGroup() as tg:
            for i in range(3):
                tg.create_task(worker(ev), name="tg-worker-%d" % i)
    else:
        tasks = []
        for i in range(3):
            t = asyncio.ensure_future(worker(ev))
            t.set_name("tg-worker-%d" % i)
            tasks.append(t)
        await asyncio.gather(*tasks)


async def flood_one(ev):
    await ev.wait()


async def flooder(ev):
    tasks = []
    for i in range(FLOOD):
        t = asyncio.ensure_future(flood_one(ev))
        t.set_name("flood-%d" % i)
        tasks.append(t)
    await asyncio.gather(*tasks)


async def needle_coro(ev):
    await ev.wait()


async def stubborn():
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass


async def main():
    ev = asyncio.Event()
    for name, coro in (("service", service(ev)), ("flooder", flooder(ev)),
                       ("needle-xyzzy", needle_coro(ev)), ("\x1b[31mred", needle_coro(ev)),
                       ("\u00fcn\u00ef-\u540d\u524d", needle_coro(ev))):
        asyncio.ensure_future(coro).set_name(name)
    s = asyncio.ensure_future(stubborn())
    s.set_name("stubborn")
    await H.settle()
    s.cancel()
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("tui_app", main)
