"""Faults: a target that never holds still (t8002, t8003).

usage: fault_churn.py churn [BATCH]
       fault_churn.py exit|exec|fork TRIGGER [TASKS]

  churn   the loop creates batches of BATCH (default 50) short tasks and
          cancels half of them, as fast as it can, while a thread starts
          short-lived threads one after another (each runs a little Python,
          then ends); 20 stable sleeper tasks stay
  exit    TASKS (default 2000) sleeping tasks; then os._exit(0)
  exec    the same, then the process execs /bin/sleep (no Python any more)
  fork    the same, then it forks children (each exits at once) for ever

TRIGGER: a number of milliseconds after "ready", or "traced": as soon as
/proc/self/status shows a tracer (aiomon-attach seizing its threads, so
the exit, exec or fork happens in the middle of the snapshot).  Everything
moving starts only after "ready"; the moving threads are volatile in the
truth.
"""

import asyncio
import os
import sys
import threading
import time

import _harness as H

MODE = sys.argv[1] if len(sys.argv) > 1 else "churn"


def wait_ready():
    """Until the reporter has published the truth (its counter moved)."""
    while True:
        try:
            with open(H.HEARTBEAT, "rb") as fh:
                if int(fh.read().strip() or b"0") >= 1:
                    return
        except (OSError, ValueError, TypeError):
            pass
        time.sleep(0.005)


def traced():
    with open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"TracerPid:"):
                return int(line.split()[1]) != 0
    return False


def short_thread(i):
    sum(range(1000 + i % 100))


def thread_churn():
    wait_ready()
    i = 0
    while True:
        i += 1
        t = threading.Thread(target=short_thread, args=(i,), name="short-%d" % i, daemon=True)
        t.start()
        if i % 4 == 0:
            t.join()


async def sleeper():
    await asyncio.sleep(3600)


async def short():
    await asyncio.sleep(0)


async def churn(batch):
    loop = asyncio.get_running_loop()
    n = 0
    while True:
        tasks = []
        for _ in range(batch):
            n += 1
            tasks.append(loop.create_task(short(), name="churn-%d" % n))
        for t in tasks[::2]:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def act(mode):
    if mode == "exit":
        os._exit(0)
    if mode == "exec":
        os.execv("/bin/sleep", ["sleep", "600"])
    while True:             # fork
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)


def trigger(mode, when):
    wait_ready()
    if when == "traced":
        while not traced():
            pass
    else:
        time.sleep(int(when) / 1000.0)
    act(mode)


async def idle():
    while True:
        await asyncio.sleep(0.01)


async def main():
    H.mark_volatile(threading.get_ident(), "run_forever")
    if MODE == "churn":
        batch = int(sys.argv[2]) if len(sys.argv) > 2 else 50
        for i in range(20):
            asyncio.ensure_future(sleeper()).set_name("stable-%d" % i)
        H.spawn_volatile("spawner", "thread_churn", thread_churn)
        H.start_reporter("fault-churn", expect=0)
        while True:
            try:
                with open(H.HEARTBEAT, "rb") as fh:
                    if int(fh.read().strip() or b"0") >= 1:
                        break
            except (OSError, ValueError, TypeError):
                pass
            await asyncio.sleep(0.005)
        await churn(batch)
    else:
        if MODE not in ("exit", "exec", "fork") or len(sys.argv) < 3:
            H.die("usage: fault_churn.py churn [BATCH] | exit|exec|fork TRIGGER [TASKS]")
        ntasks = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
        for i in range(ntasks):
            asyncio.ensure_future(sleeper()).set_name("doomed-%d" % i)
        await asyncio.sleep(0)
        H.spawn_volatile("trigger", "trigger", trigger, MODE, sys.argv[2])
        H.start_reporter("fault-" + MODE, expect=0)
        await idle()


if __name__ == "__main__":
    H.setup()
    asyncio.run(main())
    H.die("asyncio.run returned")
