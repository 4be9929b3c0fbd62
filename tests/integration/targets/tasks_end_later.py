"""Tasks that end while watched and stay referenced (a program keeping its
tasks in a list): "doomed" raises KeyError('tenant-7') and "quitter" is
cancelled with the message "shutdown", both ~2 s after the start.  3.14+
lists a task only until it ends; the tool must still see how these ended.
The truth (names and reasons) is published at the start; the main thread
keeps running the loop (volatile in the truth).
"""

import asyncio
import threading
import time

import _harness as H

KEEP = []


async def doomed():
    await asyncio.sleep(2)
    raise KeyError("tenant-7")


async def quitter():
    await asyncio.sleep(3600)


async def main():
    d = asyncio.ensure_future(doomed())
    d.set_name("doomed")
    q = asyncio.ensure_future(quitter())
    q.set_name("quitter")
    KEEP.extend([d, q])
    H.EXTRA_TRUTH["ends"] = {"doomed": "KeyError: 'tenant-7'", "quitter": "shutdown"}
    H.mark_volatile(threading.get_ident(), "run_forever")
    H.start_reporter("end_later", expect=0, tasks=[])
    t0 = time.monotonic()
    await asyncio.sleep(2)
    q.cancel("shutdown") if hasattr(asyncio.Task, "cancelling") else q.cancel()
    while True:
        await asyncio.sleep(0.05)
        if time.monotonic() - t0 > 3600:
            break


if __name__ == "__main__":
    H.setup()
    asyncio.run(main())
    H.die("asyncio.run returned")
