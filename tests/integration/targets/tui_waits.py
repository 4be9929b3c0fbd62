"""Drive the live view's waits in tmux (t2033), on targets/tasks_waits_ext.py.

usage: tui_waits.py --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR

On a wide terminal the WAIT column shows each task's wait; the detail pane
of the task whose executor job runs says "waits on executor thread TID";
x jumps to that thread in the threads view (its header on the first line).
Exit status as tui_driver.py's: 0 passed, 1 failed, 77 skipped.
Run with the host's python3.
"""

import re
import sys

from tui_driver import Fail, dump, ok, quit_view, start_view
from tui_lib import run_driver


def scenario(args, tui):
    tid = args.truth["job_thread"]
    start_view(tui, args, width=220, height=50)
    scr = tui.wait_re(r"\bWAIT\b")
    rows = [ln for ln in scr.split("\n") if re.match(r"^\s*pend\b", ln)]
    want = "executor thread %d \"pool" % tid      # the column may cut the rest
    if not any("job-running" in ln and want in ln for ln in rows):
        dump(scr)
        raise Fail("no row of job-running with %r in the WAIT column" % want)
    if not any("job-queued" in ln and "executor queued" in ln for ln in rows):
        dump(scr)
        raise Fail("no row of job-queued with \"executor queued\" in the WAIT column")
    ok("the WAIT column shows the running and the queued executor jobs")
    tui.keys("/")
    tui.text("job-running")
    tui.keys("Enter")
    tui.wait_re(r"waits on executor thread %d .*\(x: its thread\)" % tid)
    ok("the detail pane: waits on executor thread %d" % tid)
    tui.keys("x")
    scr = tui.wait_re(r"Thread %d \"pool_0\"" % tid)
    lines = scr.split("\n")
    title = [i for i, ln in enumerate(lines) if ln.startswith(" Threads (")]
    if not title or title[0] + 1 >= len(lines) or \
            not re.match(r"Thread %d \"pool_0\"" % tid, lines[title[0] + 1]):
        dump(scr)
        raise Fail("x: the threads view does not start at thread %d" % tid)
    if "blocked_job" not in scr:
        dump(scr)
        raise Fail("x: the worker's frame blocked_job is not shown")
    ok("x shows thread %d first in the threads view, in blocked_job" % tid)
    tui.keys("Escape")
    tui.keys("/")
    tui.text("child")
    tui.keys("Enter")
    tui.keys("x")
    tui.wait_re(r"it waits on no executor thread")
    ok("x on a task with no executor job says so")
    quit_view(tui)


if __name__ == "__main__":
    sys.exit(run_driver(scenario))
