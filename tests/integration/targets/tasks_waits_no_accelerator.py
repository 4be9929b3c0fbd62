"""tasks_waits.py without asyncio's C accelerator: pure-Python tasks and futures."""

import sys

sys.modules["_asyncio"] = None      # asyncio falls back to its pure-Python Task and Future

import asyncio.tasks as T           # noqa: E402

import _harness as H                # noqa: E402
import tasks_waits as S             # noqa: E402

if __name__ == "__main__":
    if T.Task is not T._PyTask:
        H.die("the C accelerator is still in use")
    H.run_loop_main("waits_no_accelerator", S.main)
