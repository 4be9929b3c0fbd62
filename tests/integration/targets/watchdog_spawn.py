"""A process tree for the watchdog (t5002).

  watchdog_spawn.py parent        runs `watchdog_spawn.py child` and waits for it
  watchdog_spawn.py parent-exit   starts `watchdog_spawn.py child` and exits at
                                  once: the child is orphaned
  watchdog_spawn.py child         hangs: its task "hung forever" awaits a future
                                  nobody resolves; writes the truth of its tasks
                                  once its loop is idle

Only the child writes the truth ($AIOMON_TRUTH), with its pid.
"""

import asyncio
import os
import subprocess
import sys

import _harness as H
import watchdog_common as W


async def hang_forever():
    await asyncio.get_running_loop().create_future()


async def child_main():
    t = asyncio.ensure_future(hang_forever())
    t.set_name("hung forever")
    await t


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "parent"
    if mode == "child":
        H.setup()
        W.publish_when_idle("spawn-child")
        asyncio.run(child_main())
        H.die("the child's loop returned")
    argv = [sys.executable, "-E", "-s", "-B", os.path.abspath(__file__), "child"]
    if mode == "parent":
        sys.exit(subprocess.call(argv))
    if mode == "parent-exit":
        subprocess.Popen(argv)
        os._exit(0)
    H.die("unknown mode %r" % mode)


if __name__ == "__main__":
    main()
