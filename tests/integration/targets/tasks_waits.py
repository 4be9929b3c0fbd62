"""What every pending task waits on (waiting_on), one scenario per kind:

  lock-0 .. lock-199   Lock.acquire on one Lock held by lock-holder
  lock-holder          holds the Lock, waits on an Event never set (event)
  sem-holder-0/1       hold a Semaphore(2) (value 0), sleep(3600) (sleep)
  sem-0 .. sem-2       Semaphore.acquire at value 0
  put-0 .. put-2       Queue.put on a full Queue(maxsize=2)
  get-0, get-1         Queue.get on an empty LifoQueue
  cond-0, cond-1       Condition.wait (its lock free)
  timeout              Event.wait inside asyncio.timeout(30) (3.11+),
                       else inside wait_for(..., 30) (a task of its own up to 3.11)
  future               a plain future of the loop
  custom               a Future subclass (kind unknown, its type name)
  awaits-task          awaits the task lock-holder (task)
  gather               gather() of two sleepers (gather)
  group                TaskGroup.__aexit__ with one child (3.11+; taskgroup)

The truth of each (EXTRA_TRUTH["waits"], by task id) is read from the objects
themselves in the loop thread once everything is parked; seconds are given as
the absolute deadline (loop.time() is time.monotonic()) and the monotonic time
the truth was taken, so that the checker can allow exactly the test's own
elapsed time.
"""

import asyncio
import sys
import time

import _harness as H

KEEP = []


def named(coro, name):
    t = asyncio.ensure_future(coro)
    t.set_name(name)
    KEEP.append(t)
    return t


class CustomFuture(asyncio.Future):
    pass


async def take_lock(lock):
    async with lock:
        pass


async def hold_lock(lock, ev):
    async with lock:
        await ev.wait()


async def hold_sem(sem):
    async with sem:
        await asyncio.sleep(3600)


async def take_sem(sem):
    async with sem:
        pass


async def put(q, v):
    await q.put(v)


async def get(q):
    await q.get()


async def cond_wait(cond):
    async with cond:
        await cond.wait()


async def with_timeout(ev):
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(30):
            await ev.wait()
    else:
        await asyncio.wait_for(ev.wait(), 30)


async def await_future(fut):
    await fut


async def await_task(t):
    await t


async def sleeper():
    await asyncio.sleep(3600)


async def gathering():
    await asyncio.gather(sleeper(), sleeper())


async def group(ev):
    async with asyncio.TaskGroup() as tg:
        tg.create_task(ev.wait())


def timers_of(loop):
    return [h for h in getattr(loop, "_scheduled", []) if not h._cancelled]


def deadline_of(t, loop):
    """The deadline of an enclosing asyncio.timeout()/wait_for, or None."""
    out = None
    for h in timers_of(loop):
        cb = h._callback
        owner = getattr(cb, "__self__", None)
        if type(owner).__name__ == "Timeout" and owner._task is t:
            out = h._when if out is None else min(out, h._when)
        elif getattr(cb, "__name__", "") == "_release_waiter" and h._args[0] is t._fut_waiter:
            out = h._when if out is None else min(out, h._when)
    return out


def sleep_deadline(t, loop):
    for h in timers_of(loop):
        if h._args and h._args[0] is t._fut_waiter and \
                getattr(h._callback, "__name__", "") != "_release_waiter":
            return h._when
    return None


def truth(loop, lock, ev, sem, q_put, q_get, cond, fut, custom):
    waits = {}
    children = {}
    for t in asyncio.all_tasks(loop):
        children[id(t)] = t
    for t in KEEP:
        n = t.get_name()
        w = None
        if n.startswith("lock-") and n != "lock-holder":
            w = {"kind": "lock", "object": hex(id(lock)), "detail": "Lock",
                 "locked": lock.locked(), "waiters": len(lock._waiters)}
        elif n == "lock-holder" or n == "custom-awaits-event":
            w = {"kind": "event", "object": hex(id(ev)), "detail": "Event",
                 "is_set": ev.is_set(), "waiters": len(ev._waiters)}
        elif n.startswith("sem-holder"):
            w = {"kind": "sleep", "object": hex(id(t._fut_waiter)), "detail": None,
                 "deadline": sleep_deadline(t, loop)}
        elif n.startswith("sem-"):
            w = {"kind": "semaphore", "object": hex(id(sem)), "detail": "Semaphore",
                 "value": sem._value, "waiters": len(sem._waiters)}
        elif n.startswith("put-"):
            w = {"kind": "queue_put", "object": hex(id(q_put)), "detail": "Queue",
                 "qsize": q_put.qsize(), "maxsize": q_put.maxsize,
                 "waiters": len(q_put._putters)}
        elif n.startswith("get-"):
            w = {"kind": "queue_get", "object": hex(id(q_get)), "detail": "LifoQueue",
                 "qsize": q_get.qsize(), "maxsize": q_get.maxsize,
                 "waiters": len(q_get._getters)}
        elif n.startswith("cond-"):
            w = {"kind": "condition", "object": hex(id(cond)), "detail": "Condition",
                 "locked": cond.locked(), "waiters": len(cond._waiters)}
        elif n == "timeout":
            if sys.version_info >= (3, 12) or hasattr(asyncio, "timeout"):
                w = {"kind": "event", "object": hex(id(ev)), "detail": "Event",
                     "is_set": ev.is_set(), "waiters": len(ev._waiters)}
            else:       # wait_for makes a task of ev.wait() and awaits it
                w = {"kind": "task"}
            w["timeout_deadline"] = deadline_of(t, loop)
        elif n == "future":
            w = {"kind": "future", "object": hex(id(fut)), "detail": type(fut).__name__}
        elif n == "custom":
            w = {"kind": "unknown", "object": hex(id(custom)), "detail": "CustomFuture"}
        elif n == "awaits-task":
            w = {"kind": "task", "object": hex(id(KEEP[0]))}
        elif n == "gather":
            w = {"kind": "gather", "object": hex(id(t._fut_waiter))}
        elif n == "group":
            w = {"kind": "taskgroup"}
        if w is not None:
            waits[hex(id(t))] = w
    for w in waits.values():
        for k in ("deadline", "timeout_deadline"):
            if k in w and w[k] is None:
                H.die("no timer found for a %s wait" % w["kind"])
    return waits


async def main():
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    ev = asyncio.Event()
    sem = asyncio.Semaphore(2)
    q_put = asyncio.Queue(maxsize=2)
    q_put.put_nowait(1)
    q_put.put_nowait(2)
    q_get = asyncio.LifoQueue()
    cond = asyncio.Condition()
    fut = loop.create_future()
    custom = CustomFuture()
    named(hold_lock(lock, ev), "lock-holder")      # KEEP[0]
    await H.settle()
    for i in range(200):
        named(take_lock(lock), "lock-%d" % i)
    for i in range(2):
        named(hold_sem(sem), "sem-holder-%d" % i)
    await H.settle()
    for i in range(3):
        named(take_sem(sem), "sem-%d" % i)
        named(put(q_put, i), "put-%d" % i)
    for i in range(2):
        named(get(q_get), "get-%d" % i)
        named(cond_wait(cond), "cond-%d" % i)
    named(with_timeout(ev), "timeout")
    named(await_future(fut), "future")
    named(await_future(custom), "custom")
    named(await_task(KEEP[0]), "awaits-task")
    named(gathering(), "gather")
    if hasattr(asyncio, "TaskGroup"):
        named(group(ev), "group")
    await H.settle()
    H.EXTRA_TRUTH["waits"] = truth(loop, lock, ev, sem, q_put, q_get, cond, fut, custom)
    H.EXTRA_TRUTH["monotonic"] = time.monotonic()
    H.block()


if __name__ == "__main__":
    H.run_loop_main("waits", main)
