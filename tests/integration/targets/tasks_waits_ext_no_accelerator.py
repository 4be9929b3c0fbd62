"""tasks_waits_ext.py without asyncio's C accelerator: pure-Python tasks and futures."""

import sys

sys.modules["_asyncio"] = None      # asyncio falls back to its pure-Python Task and Future

import asyncio                      # noqa: E402
import asyncio.tasks as T           # noqa: E402

import _harness as H                # noqa: E402
import tasks_waits_ext as S         # noqa: E402

if __name__ == "__main__":
    if T.Task is not T._PyTask:
        H.die("the C accelerator is still in use")
    H.setup()
    H.start_reporter("waits_ext_no_accelerator", expect=3 if hasattr(asyncio, "to_thread") else 2,
                     tasks=True)
    asyncio.run(S.main())
    H.die("asyncio.run returned")
