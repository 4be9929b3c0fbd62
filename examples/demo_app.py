"""A small asyncio service for the aiomon-attach demo.

It runs a few things a real service does: a TaskGroup of workers pulling from
a queue, a gather of health checks, a burst of identical short-lived
requests, a task stuck on a lock nobody releases, and a worker thread with
its own event loop.  It prints "ready" on stdout once everything is running,
then runs until killed.
"""
import asyncio
import sys
import threading


async def handle_request(i, gate):
    await gate.wait()


async def fetch(queue):
    return await queue.get()


async def worker(name, queue):
    while True:
        item = await fetch(queue)
        await asyncio.sleep(0.01 * item)


async def health_check(service):
    await asyncio.sleep(3600)


async def health_checks():
    await asyncio.gather(*(health_check(s) for s in ("db", "cache", "auth")))


async def stuck(lock):
    async with lock:
        pass


async def supervisor():
    queue = asyncio.Queue()
    if hasattr(asyncio, "TaskGroup"):
        async with asyncio.TaskGroup() as tg:
            for i in range(3):
                tg.create_task(worker(f"worker-{i}", queue), name=f"worker-{i}")
    else:
        await asyncio.gather(*(worker(f"worker-{i}", queue) for i in range(3)))


def side_loop():
    async def poll():
        while True:
            await asyncio.sleep(3600)

    asyncio.run(poll())


async def main():
    gate = asyncio.Event()
    lock = asyncio.Lock()
    await lock.acquire()
    asyncio.create_task(supervisor(), name="supervisor")
    asyncio.create_task(health_checks(), name="health")
    asyncio.create_task(stuck(lock), name="stuck-on-lock")
    for i in range(200):
        asyncio.create_task(handle_request(i, gate), name=f"request-{i}")
    threading.Thread(target=side_loop, name="side-loop", daemon=True).start()
    await asyncio.sleep(0.2)
    print("ready", flush=True)
    await asyncio.sleep(10 ** 6)


if __name__ == "__main__":
    asyncio.run(main())
