"""Task names that are hard to print.

  unicode    "ünïcødé-名前-🐍"
  long       4,000 characters
  ansi       "\x1b[31mred" (an ANSI escape: must never reach a terminal raw)
  quotes     'say "hi" \ bye' (JSON escaping)
  empty      ""
and a coroutine whose __qualname__ is make.<locals>.inner.
"""

import asyncio

import _harness as H

NAMES = [
    "\u00fcn\u00efc\u00f8d\u00e9-\u540d\u524d-\U0001f40d",
    "long-" + "0123456789" * 399 + "-tail",
    "\x1b[31mred",
    'say "hi" \\ bye',
    "",
]


async def sleeper():
    await asyncio.sleep(3600)


def make():
    async def inner():
        await asyncio.sleep(3600)
    return inner()


async def main():
    assert len(NAMES[1]) == 4000
    for name in NAMES:
        asyncio.ensure_future(sleeper()).set_name(name)
    asyncio.ensure_future(make()).set_name("nested-qualname")
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("names", main)
