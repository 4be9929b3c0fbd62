"""Waits that lead out of the event loop (waiting_on kinds executor, subprocess):

  job-running   run_in_executor(pool) of a job blocked in its worker thread
                ("pool_0", a 1-worker ThreadPoolExecutor): thread = its tid
  job-queued    run_in_executor(pool) of a second job, queued behind it: thread null
  to-thread     asyncio.to_thread (3.9+) of a blocked job in the default executor
  child         Process.wait() of `cat` (running; it ends when this process does)

Truth (EXTRA_TRUTH["waits"]) from the objects: the concurrent future behind
each asyncio future, the tid each job records when it starts, the child's pid.
"""

import asyncio
import concurrent.futures
import subprocess
import threading

import _harness as H

KEEP = []
STARTED = {}                    # job name -> native tid of the worker running it
BLOCKER = threading.Lock()
BLOCKER.acquire()


def blocked_job(name):
    STARTED[name] = threading.get_native_id()
    BLOCKER.acquire()  # BLOCK


def named(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


async def await_fut(fut):
    await fut


async def in_thread():
    await asyncio.to_thread(blocked_job, "to-thread")


async def wait_child(proc):
    await proc.wait()


def source_of(fut):
    """The concurrent future an asyncio future was chained to (wrap_future)."""
    for cb, _ in fut._callbacks:
        for cell in getattr(cb, "__closure__", None) or ():
            v = cell.cell_contents
            if isinstance(v, concurrent.futures.Future):
                return v
    H.die("no concurrent future behind %r" % fut)


async def main():
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
    f1 = loop.run_in_executor(pool, blocked_job, "job-running")
    f2 = loop.run_in_executor(pool, blocked_job, "job-queued")
    t1 = named(await_fut(f1), "job-running")
    t2 = named(await_fut(f2), "job-queued")
    expect = 2
    t3 = None
    if hasattr(asyncio, "to_thread"):
        t3 = named(in_thread(), "to-thread")
        expect = 3
    proc = await asyncio.create_subprocess_exec("cat", stdin=subprocess.PIPE,
                                                stdout=subprocess.DEVNULL)
    KEEP.append(proc)
    for th in threading.enumerate():
        if "waitpid-" in th.name:      # ThreadedChildWatcher (3.8-3.11): in waitpid
            H.mark_volatile(th.ident, "_do_waitpid")
    t4 = named(wait_child(proc), "child")
    await H.settle()
    while len(STARTED) < expect - 1:
        await asyncio.sleep(0.01)
    await H.settle()
    waits = {
        hex(id(t1)): {"kind": "executor", "object": hex(id(source_of(f1))),
                      "detail": "running", "thread": STARTED["job-running"]},
        hex(id(t2)): {"kind": "executor", "object": hex(id(source_of(f2))),
                      "detail": "queued", "thread": None},
        hex(id(t4)): {"kind": "subprocess", "object": hex(id(proc._transport)),
                      "detail": "running", "pid": proc.pid},
    }
    if t3 is not None:
        waits[hex(id(t3))] = {"kind": "executor", "object": hex(id(source_of(t3._fut_waiter))),
                              "detail": "running", "thread": STARTED["to-thread"]}
    H.EXTRA_TRUTH["waits"] = waits
    H.EXTRA_TRUTH["job_thread"] = STARTED["job-running"]
    H.block()


if __name__ == "__main__":
    H.setup()
    H.start_reporter("waits_ext", expect=3 if hasattr(asyncio, "to_thread") else 2, tasks=True)
    asyncio.run(main())
    H.die("asyncio.run returned")
