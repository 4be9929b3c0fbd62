"""The tracker's chains (--run --track, issue 16), run with the tracker loaded
at start-up:

  root → handler-3 → request-17 → two gather children (leaf): a creation chain
      three deep through create_task, a TaskGroup (3.11+; create_task before)
      and gather
  A cancels B; B's cleanup cancels C: a cancellation chain
  critical-worker raises KeyError('tenant-7'), then 1200 quick tasks end
      (more than the ring keeps): it is still kept, as critical (the test
      makes B and C critical too: 3.14+ lists no ended task, so the records
      of B and C are only in the tracker's, which must keep them)

The truth's "track" holds, by task name, each task's id, the id of the task
that created it, the id of the task that cancelled it and the line where it
was created; "keep" is the ring's size.
"""

import asyncio
import sys

import _harness as H

KEEP = {}
SRC = open(__file__).read().splitlines()


def line_of(marker):
    for i, text in enumerate(SRC, 1):
        if text.rstrip().endswith("# " + marker):
            return i
    H.die("no line marked " + marker)


async def leaf():
    await asyncio.sleep(3600)


async def request():
    await asyncio.gather(leaf(), leaf())  # CREATE-leaf


async def handler():
    if sys.version_info >= (3, 11):
        async with asyncio.TaskGroup() as tg:
            KEEP["request-17"] = tg.create_task(request(), name="request-17")  # CREATE-request-17
    else:
        KEEP["request-17"] = asyncio.create_task(request(), name="request-17")  # CREATE-request-17b
        await KEEP["request-17"]


async def root():
    KEEP["handler-3"] = asyncio.create_task(handler(), name="handler-3")  # CREATE-handler-3
    await KEEP["handler-3"]


async def c_task():
    await asyncio.sleep(3600)


async def b_task():
    try:
        await asyncio.sleep(3600)
    finally:
        KEEP["C"].cancel()  # CANCEL-C


async def a_task():
    KEEP["B"].cancel()  # CANCEL-B
    await asyncio.sleep(3600)


async def critical():
    raise KeyError("tenant-7")


async def quick():
    pass


async def main():
    KEEP["Main"] = asyncio.current_task()
    KEEP["root"] = asyncio.create_task(root(), name="root")  # CREATE-root
    KEEP["C"] = asyncio.create_task(c_task(), name="C")
    KEEP["B"] = asyncio.create_task(b_task(), name="B")
    await H.settle()
    KEEP["A"] = asyncio.create_task(a_task(), name="A")
    await H.settle()
    KEEP["critical-worker"] = asyncio.create_task(critical(), name="critical-worker")
    await H.settle()
    for i in range(1200):
        await asyncio.create_task(quick(), name="quick-%d" % i)
    await H.settle()
    tracker = sys.modules.get("_aiomon_tracker")
    if tracker is None or not tracker.STATE["enabled"]:
        H.die("the tracker is not loaded and enabled: %r" % (tracker and tracker.STATE["error"],))
    leaves = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "leaf"]
    if len(leaves) != 2:
        H.die("%d leaf tasks" % len(leaves))
    for i, t in enumerate(sorted(leaves, key=id)):
        KEEP["leaf-%d" % i] = t
    hexid = lambda name: "0x%x" % id(KEEP[name]) if name else None
    parents = {"root": "Main", "handler-3": "root", "request-17": "handler-3",
               "leaf-0": "request-17", "leaf-1": "request-17", "A": "Main", "B": "Main",
               "C": "Main", "critical-worker": "Main", "Main": None}
    cancelled_by = {"B": "A", "C": "B"}
    created_line = {"root": "root", "handler-3": "handler-3",
                    "request-17": "request-17" if sys.version_info >= (3, 11) else "request-17b",
                    "leaf-0": "leaf", "leaf-1": "leaf"}
    H.EXTRA_TRUTH["track"] = {
        "keep": tracker.STATE["keep"],
        "tasks": {name: {"id": hexid(name), "created_by": hexid(parents[name]),
                         "cancelled_by": hexid(cancelled_by.get(name)),
                         "cancel_line": line_of("CANCEL-" + name) if name in cancelled_by
                         else None,
                         "created_line": line_of("CREATE-" + created_line[name])
                         if name in created_line else None}
                  for name in parents},
    }
    H.block()


if __name__ == "__main__":
    H.run_loop_main("tracked_chains", main)
