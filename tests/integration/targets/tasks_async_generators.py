"""Tasks suspended inside async generators.

  for-loop     `async for` over ticker(), suspended in ticker's sleep
  anext        await agen.__anext__()
  asend        await agen.asend(None)
  nested       `async for` over relay(), itself `async for` over ticker()
  aclose       await agen.aclose() while the generator's finally: sleeps
  after-yield  pulled one value (the generator is parked at its yield, not
               awaited by anyone), now sleeps in its own frame

The await chain crosses async_generator_asend/athrow objects into the
generator's frame, then follows ag_await (see _harness.py).
"""

import asyncio

import _harness as H


async def ticker(n):
    while True:
        await asyncio.sleep(3600)
        yield n


async def relay():
    async for x in ticker(1):
        yield x


async def closing():
    try:
        yield 1
    finally:
        await asyncio.sleep(3600)


async def counter():
    n = 0
    while True:
        yield n
        n += 1


async def consume_for():
    async for _ in ticker(0):
        pass


async def consume_anext():
    g = ticker(2)
    await g.__anext__()


async def consume_asend():
    g = ticker(3)
    await g.asend(None)


async def consume_nested():
    async for _ in relay():
        pass


async def consume_aclose():
    g = closing()
    await g.__anext__()
    await g.aclose()


async def consume_after_yield(keep):
    g = counter()
    keep.append(g)
    await g.__anext__()
    await asyncio.sleep(3600)


async def main():
    keep = []
    for name, coro in (("for-loop", consume_for()), ("anext", consume_anext()),
                       ("asend", consume_asend()), ("nested", consume_nested()),
                       ("aclose", consume_aclose()), ("after-yield", consume_after_yield(keep))):
        asyncio.ensure_future(coro).set_name(name)
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("async_generators", main)
