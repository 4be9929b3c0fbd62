"""Target for the --watch history test (issue P7), 3.11+ (Task.cancelling()).

- "critical-db" ends after ~3 s, at a known line (its last-seen stack is its truth;
  3 s: a loaded machine must still see it alive in the first sample);
- "churn-N" tasks start and end every 20 ms (they fill the bounded history);
- "spinner" runs on a second thread's loop, busy on one line (stuck);
- "swallower" is cancelled once and swallows the CancelledError (swallowed cancellation);
- "scan-N" tasks pile up: a scanner adds 10 every 100 ms and they never end (flood).
The truth (lines) goes to $AIOMON_TRUTH, then "ready"; a heartbeat thread ticks.
"""
import asyncio
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

if sys.version_info < (3, 11):
    _harness.skip("swallowed cancellations are counted from 3.11 (Task.cancelling())")

LINES = {}


def here(tag):
    LINES[tag] = sys._getframe(1).f_lineno


async def critical_db(ev):
    here("critical")
    await asyncio.wait_for(ev.wait(), 3)      # LINE critical


async def churn(i):
    await asyncio.sleep(0.01)


async def swallower():
    while True:
        try:
            await asyncio.sleep(3600)    # LINE swallow
        except asyncio.CancelledError:
            pass


async def scanned(ev):
    await ev.wait()    # LINE scan


async def scanner(ev):
    n = 0
    while True:
        for _ in range(10):
            asyncio.create_task(scanned(ev), name="scan-%d" % n)
            n += 1
        await asyncio.sleep(0.1)


def spin_thread():
    async def spinner():
        x = 0
        while True: x += 1    # LINE spin  # noqa: E701 (one line: the stack never changes)

    asyncio.run(spinner())


def line_of(tag):
    src = open(__file__).read().splitlines()
    for i, l in enumerate(src, 1):
        if ("# LINE " + tag + " ") in l + " ":
            return i
    raise SystemExit("no line " + tag)


async def main():
    ev = asyncio.Event()
    t = threading.Thread(target=spin_thread, name="spin", daemon=True)
    t.start()
    asyncio.create_task(critical_db(ev), name="critical-db")
    sw = asyncio.create_task(swallower(), name="swallower")
    await asyncio.sleep(0)
    sw.cancel()
    asyncio.create_task(scanner(ev), name="scanner")
    truth = {"file": os.path.abspath(__file__),
             "lines": {k: line_of(k) for k in ("critical", "swallow", "scan", "spin")}}
    with open(os.environ["AIOMON_TRUTH"], "w") as f:
        json.dump(truth, f)
    os.write(int(os.environ["AIOMON_READY_FD"]), b"ready\n")
    hb = os.environ.get("AIOMON_HEARTBEAT")
    i = 0
    while True:
        asyncio.create_task(churn(i), name="churn-%d" % i)
        i += 1
        if hb and i % 5 == 0:
            with open(hb, "w") as f:
                f.write("%d\n" % i)
        await asyncio.sleep(0.02)


asyncio.run(main())
