"""tasks_wait_for.py without asyncio's C accelerator: wait_for and shield
over pure-Python tasks and futures (shield's outer future keeps its callbacks
in a `_callbacks` list)."""

import sys

sys.modules["_asyncio"] = None      # asyncio falls back to its pure-Python Task and Future

import asyncio.tasks as T           # noqa: E402

import _harness as H                # noqa: E402
import tasks_wait_for as S          # noqa: E402

if __name__ == "__main__":
    if T.Task is not T._PyTask:
        H.die("the C accelerator is still in use")
    H.run_loop_main("wait_for_no_accelerator", S.main)
