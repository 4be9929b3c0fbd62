"""Faults: strings that are hostile to terminals and to JSON (t8004).

Tasks named with terminal escapes (CSI, OSC with BEL, 8-bit CSI), a NUL
byte, a lone surrogate, bidirectional overrides, control characters, and
1,000,000 characters; coroutines whose code objects carry such names
(co_name, co_qualname on 3.11+) and a co_filename made of invalid UTF-8
bytes (compile() of a bytes file name: the bytes come back as lone
surrogates); a thread whose comm is an escape sequence.  The loop thread
parks in its main task; the hostile coroutines stay suspended.
"""

import asyncio
import sys

import _harness as H

HOSTILE = [
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned title\x07",
    "\x1b]8;;http://example.invalid/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m8-bit-csi",
    "nul\x00byte",
    "lone-\ud800-surrogate",
    "bidi-\u202eevil\u2066",
    "ctl-\r\n\t\b\x7f\x01\x1b",
    "m" * 1000000,
]

# co_filename: invalid UTF-8 and an escape, given to compile() as bytes
BAD_FILE = b"/tmp/bad-\xff\xfe\xc3\x28-\x1b[2J-\x80.py"

SRC = """
async def hostile_sleep(ev):
    await ev.wait()
"""


def hostile_coro_fn(i):
    ns = {}
    exec(compile(SRC, BAD_FILE, "exec"), ns)
    fn = ns["hostile_sleep"]
    name = HOSTILE[i % len(HOSTILE)]
    kw = {"co_name": name}
    if sys.version_info >= (3, 11):
        kw["co_qualname"] = "Q" + name
    fn.__code__ = fn.__code__.replace(**kw)
    return fn


def _comm_thread():
    H._set_comm("\x1b[2Jcomm\x07")
    H.BLOCK.acquire()  # BLOCK


async def main():
    ev = asyncio.Event()
    for i, name in enumerate(HOSTILE):
        asyncio.ensure_future(hostile_coro_fn(i)(ev)).set_name(name)
    await H.settle()
    H.block()


if __name__ == "__main__":
    H.setup()
    H.spawn("\x1b[31mthr", _comm_thread)
    H.start_reporter("hostile-strings", expect=2)
    asyncio.run(main())
    H.die("asyncio.run returned")
