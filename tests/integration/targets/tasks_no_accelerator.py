"""asyncio without its C accelerator (_asyncio blocked before asyncio is
imported): every task and future is pure Python, and the _asyncio extension
is never loaded, so there is no TaskObj layout at all.  Same scenario as
tasks_pure_python.py."""

import sys

sys.modules["_asyncio"] = None      # asyncio falls back to asyncio.tasks._PyTask

import asyncio.tasks as T           # noqa: E402

import _harness as H                # noqa: E402
import tasks_pure_python as S       # noqa: E402

if __name__ == "__main__":
    if T.Task is not T._PyTask:
        H.die("the C accelerator is still in use")
    H.run_loop_main("no_accelerator", S.main)
