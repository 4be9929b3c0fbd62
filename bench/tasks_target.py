"""Benchmark target: N asyncio tasks (awaiting through a 3-deep coroutine chain),
plus T threads blocked at a known depth.  Prints "ready" when all are set up."""
import asyncio
import sys
import threading


async def leaf(ev):
    await ev.wait()


async def middle(ev):
    await leaf(ev)


async def request(i, ev):
    await middle(ev)


def blocked(depth, ev):
    if depth:
        return blocked(depth - 1, ev)
    ev.wait()


async def main(n, t):
    ev = asyncio.Event()
    tev = threading.Event()
    for i in range(t):
        threading.Thread(target=blocked, args=(i % 7, tev), daemon=True).start()
    tasks = [asyncio.create_task(request(i, ev), name=f"req-{i}") for i in range(n)]
    await asyncio.sleep(0.1)
    print("ready", flush=True)
    await asyncio.sleep(10 ** 6)
    del tasks


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
