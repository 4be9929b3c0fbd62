"""The application: endpoints (user code) called by fakeweb (a package under
site-packages), waiting on asyncio locks and events (the standard library)."""

import asyncio


async def handle_request(lock):
    async with lock:                    # waits in Lock.acquire
        pass


async def handle_upload(lock):
    await lock.acquire()                # another endpoint, the same lock


async def background_job(ev):
    await ev.wait()


def crunch():
    n = 0
    while True: n += 1  # BLOCK (a CPU loop, on one line: its line never changes)


def inner():
    crunch()


def middle():
    inner()


async def outer():
    middle()
