"""Target for --watch --metrics (issue P8): a small server-like app, 3.8+.

- WORKERS tasks "worker-N" (coroutine worker) wait for ever on an asyncio.Lock
  that main holds: a stable group of pending tasks at a known line;
- main churns short "req-N" tasks (coroutine request), at most INFLIGHT at a
  time; every 3rd raises ValueError; the last KEEP ok and KEEP failed ones stay
  referenced (so a sample sees them done, <= 3.13) and the older ones are
  dropped (so they end for the history);
- the truth: the file, the worker line, WORKERS, INFLIGHT, KEEP, and (in
  $AIOMON_TRUTH.counts, rewritten as it goes) how many requests ended ok and
  with an exception so far.
"""
import asyncio
import collections
import json
import os

WORKERS = 12
INFLIGHT = 8
KEEP = 20


def line_of(tag):
    with open(__file__) as f:
        for i, l in enumerate(f.read().splitlines(), 1):
            if ("# LINE " + tag + " ") in l + " ":
                return i
    raise SystemExit("no line " + tag)


async def worker(lock):
    async with lock:    # LINE worker
        pass


async def request(i):
    await asyncio.sleep(0.005)
    if i % 3 == 0:
        raise ValueError("request %d failed" % i)


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    workers = [asyncio.ensure_future(worker(lock)) for _ in range(WORKERS)]
    for i, w in enumerate(workers):
        w.set_name("worker-%d" % i)
    ok = collections.deque(maxlen=KEEP)
    failed = collections.deque(maxlen=KEEP)
    counts = {"ok": 0, "exception": 0}
    inflight = set()
    truth = os.environ["AIOMON_TRUTH"]

    def finished(t):
        inflight.discard(t)
        if t.exception() is not None:     # retrieved: never logged
            counts["exception"] += 1
            failed.append(t)
        else:
            counts["ok"] += 1
            ok.append(t)

    write_json(truth, {"file": os.path.abspath(__file__), "worker_line": line_of("worker"),
                       "workers": WORKERS, "inflight": INFLIGHT, "keep": KEEP})
    write_json(truth + ".counts", counts)
    await asyncio.sleep(0)      # the workers wait on the lock now
    os.write(int(os.environ["AIOMON_READY_FD"]), b"ready\n")
    hb = os.environ.get("AIOMON_HEARTBEAT")
    i = n = 0
    while True:
        while len(inflight) < INFLIGHT:
            t = asyncio.ensure_future(request(i))
            t.set_name("req-%d" % i)
            t.add_done_callback(finished)
            inflight.add(t)
            i += 1
        n += 1
        if n % 5 == 0:
            write_json(truth + ".counts", counts)
            if hb:
                with open(hb, "w") as f:
                    f.write("%d\n" % i)
        await asyncio.sleep(0.01)


asyncio.run(main())
