"""What the tracker (track/aiomon_tracker.py, loaded by --track) costs a task.

    python bench/track_overhead.py [--n N] [--runs R] [--mode plain|tracked|eager]

Times N rounds of `await loop.create_task(noop())` (the task made, scheduled,
run, its result awaited) in one event loop, R times, and prints the median
cost per task in microseconds.  --mode tracked loads the tracker from
track/aiomon_tracker.py first (as --track does: install(), keep 1000);
eager: the same with asyncio.eager_task_factory (3.12+), both ways.  Run each
mode in a fresh interpreter (bench/track_overhead.sh does).
"""

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_tracker():
    path = os.path.join(HERE, "..", "track", "aiomon_tracker.py")
    spec = importlib.util.spec_from_file_location("_aiomon_tracker", path)
    m = importlib.util.module_from_spec(spec)
    sys.modules["_aiomon_tracker"] = m
    spec.loader.exec_module(m)
    return m


async def noop():
    return None


async def rounds(n, eager):
    loop = asyncio.get_running_loop()
    if eager:
        loop.set_task_factory(asyncio.eager_task_factory)
    t0 = time.perf_counter()
    for _ in range(n):
        await loop.create_task(noop())
    return (time.perf_counter() - t0) / n * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", choices=("plain", "tracked"), default="plain")
    ap.add_argument("--eager", action="store_true")
    a = ap.parse_args()
    if a.eager and not hasattr(asyncio, "eager_task_factory"):
        print("n/a")
        return
    if a.mode == "tracked":
        m = load_tracker()
        if not m.install(keep=1000):
            sys.exit("tracker did not install: %s" % m.STATE["error"])
    asyncio.run(rounds(min(a.n, 10000), a.eager))      # warm-up
    times = [asyncio.run(rounds(a.n, a.eager)) for _ in range(a.runs)]
    if a.mode == "tracked":
        st = sys.modules["_aiomon_tracker"].STATE
        assert st["enabled"] and st["created"] >= a.n * a.runs, (st["enabled"], st["created"])
    print("%.3f" % statistics.median(times))


if __name__ == "__main__":
    main()
