"""A FastAPI-like layout for the user frame: endpoints in userapp/app.py called
by userapp/site-packages/fakeweb (a library), waiting on asyncio.Lock / Event
(the standard library), plus a task of the framework alone (no user frame).

  requests x3   fakeweb.call_endpoint -> app.handle_request -> Lock.acquire
  uploads x2    fakeweb.call_endpoint -> app.handle_upload  -> Lock.acquire
  jobs x2       fakeweb.run_in_background -> app.background_job -> Event.wait
  server        fakeweb.serve_forever -> Event.wait            (user frame: none)
  cruncher (running) app.outer -> middle -> inner -> crunch: a CPU loop in
                plain calls; its whole stack is the thread's frames above the
                coroutine, then the coroutine
  main          settles, then awaits cruncher

The truth's user_frame is computed here from sysconfig's stdlib paths
(_harness.user_frame_index), not the way aiomon-attach finds them.
"""

import asyncio
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "userapp", "site-packages"))
sys.path.insert(0, os.path.join(HERE, "userapp"))

import _harness as H  # noqa: E402
import app  # noqa: E402
import fakeweb  # noqa: E402


async def main():
    lock, ev, stop = asyncio.Lock(), asyncio.Event(), asyncio.Event()
    await lock.acquire()                # held by main: every endpoint waits
    tasks = []
    for i in range(3):
        tasks.append(asyncio.ensure_future(fakeweb.call_endpoint(app.handle_request, lock)))
        tasks[-1].set_name("request-%d" % i)
    for i in range(2):
        tasks.append(asyncio.ensure_future(fakeweb.call_endpoint(app.handle_upload, lock)))
        tasks[-1].set_name("upload-%d" % i)
    for i in range(2):
        tasks.append(asyncio.ensure_future(fakeweb.run_in_background(app.background_job, ev)))
        tasks[-1].set_name("job-%d" % i)
    tasks.append(asyncio.ensure_future(fakeweb.serve_forever(stop)))
    tasks[-1].set_name("server")
    await H.settle()
    # the loop thread never parks: its frames are checked only for crunch
    H.mark_volatile(threading.get_ident(), "crunch")
    cruncher = asyncio.ensure_future(app.outer())
    cruncher.set_name("cruncher")
    await cruncher


if __name__ == "__main__":
    H.run_loop_main("user_frame", main)
