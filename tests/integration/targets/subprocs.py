"""A supervisor and its workers (uvicorn --workers, multiprocessing): a parent
that never imports asyncio starts three Python children, each running an event
loop with named tasks.  Truth: the parent's pid and every child's pid with the
names of its tasks.

    subprocs.py            the parent
    subprocs.py child I F  worker I; writes its task names to F when they exist
"""

import json
import os
import subprocess
import sys
import time

import _harness as H

NCHILDREN = 3
NTASKS = 4


def child(i, path):
    H._prctl(1, 9)                  # PR_SET_PDEATHSIG: SIGKILL when the parent dies
    import asyncio

    async def sleeper():
        await asyncio.sleep(3600)

    async def main():
        names = ["w%d-task-%d" % (i, j) for j in range(NTASKS)]
        for n in names:
            asyncio.ensure_future(sleeper()).set_name(n)
        await asyncio.sleep(0)
        with open(path + ".tmp", "w") as fh:
            json.dump(names, fh)
        os.replace(path + ".tmp", path)
        await asyncio.sleep(3600)

    asyncio.run(main())


def parent():
    tmp = os.path.dirname(os.path.abspath(H.TRUTH or "."))
    kids = {}
    for i in range(NCHILDREN):
        path = os.path.join(tmp, "child%d.json" % i)
        p = subprocess.Popen([sys.executable, "-E", "-s", "-B", os.path.abspath(__file__),
                              "child", str(i), path], stdin=subprocess.DEVNULL)
        kids[p.pid] = path
    deadline = time.monotonic() + 60
    truth = {"parent": os.getpid(), "children": {}}
    while len(truth["children"]) < NCHILDREN:
        if time.monotonic() > deadline:
            H.die("children not ready")
        for pid, path in kids.items():
            if str(pid) not in truth["children"] and os.path.exists(path):
                with open(path) as fh:
                    truth["children"][str(pid)] = json.load(fh)
        time.sleep(0.05)
    H._publish(truth, ready=False)
    if H.HEARTBEAT:
        hb = os.open(H.HEARTBEAT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.pwrite(hb, b"%20d\n" % 0, 0)
        H._heartbeat(hb)            # says ready, then beats for ever
    H._ready()
    H.block()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(int(sys.argv[2]), sys.argv[3])
    else:
        parent()
