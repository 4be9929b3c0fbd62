"""asyncio.wait, asyncio.as_completed and nested gathering futures.

  wait-all ── asyncio.wait({w1, w2, done})       awaits w1, w2 (done is finished)
  wait-first ── asyncio.wait({w3, w4}, FIRST_COMPLETED)   awaits w3, w4
  as-completed ── for f in as_completed([c1, c2]): await f
                  awaits c1, c2 on 3.13+ (before, the set is in callback closures only)
  nested ── gather(gather(n1, n2), n3)            awaits n1, n2, n3 (the leaves)
  main (running) ── settles, then blocks the loop thread for ever
"""

import asyncio

import _harness as H

KEEP = []


async def sleeper():
    await asyncio.sleep(3600)


async def quick():
    return 1


def named(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


async def wait_all(done):
    await asyncio.wait({named(sleeper(), "w1"), named(sleeper(), "w2"), done})


async def wait_first():
    await asyncio.wait({named(sleeper(), "w3"), named(sleeper(), "w4")},
                       return_when=asyncio.FIRST_COMPLETED)


async def completed():
    for f in asyncio.as_completed([named(sleeper(), "c1"), named(sleeper(), "c2")]):
        await f


async def nested():
    inner = asyncio.gather(named(sleeper(), "n1"), named(sleeper(), "n2"))
    await asyncio.gather(inner, named(sleeper(), "n3"))


async def main():
    done = named(quick(), "done")
    await asyncio.sleep(0)
    named(wait_all(done), "wait-all")
    named(wait_first(), "wait-first")
    named(completed(), "as-completed")
    named(nested(), "nested")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("wait", main)
