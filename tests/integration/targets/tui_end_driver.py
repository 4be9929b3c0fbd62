#!/usr/bin/python3
"""The live view's detail pane on why tasks ended (t3010), driven in tmux on
targets/tasks_end.py with tui_driver.py's helpers.

usage: tui_end_driver.py --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR
Exit 0 passed, 1 failed, 77 skipped.  Prints the crashed task's detail screen.
"""

import re
import sys

import tui_driver as D
from tui_lib import run_driver


def select(tui, name):
    tui.keys("/")
    tui.text(name)
    tui.keys("Enter")
    return tui.wait_re(r"^(py-)?%s\s+(done|pending|cancelled)" % re.escape(name))


def shown_task(truth, scr):
    """The truth of the task the detail pane shows (its first word is the name)."""
    name = D.detail_name(scr).split()[0]
    return D.truth_task(truth, name)


def want_frames(scr, title, frames):
    det = "\n".join(D.detail_lines(scr))
    at = det.find(title)
    if at < 0:
        D.dump(scr)
        raise D.Fail("the detail pane has no %r" % title)
    for i, f in enumerate(frames):
        want = "#%d%s%s  %s:%d" % (i, " " * (4 - len("#%d" % i)), f["qualname"] or f["function"],
                                   f["file"], f["line"])
        nxt = det.find(want, at)
        if nxt < 0:
            D.dump(scr)
            raise D.Fail("%s: no frame %r (in order)" % (title, want))
        at = nxt


def scenario(args, tui):
    truth = args.truth
    D.start_view(tui, args, width=140, height=60)

    scr = select(tui, "crashed-worker")
    t = shown_task(truth, scr)
    det = "\n".join(D.detail_lines(scr))
    want = "ended KeyError: 'tenant-7' at tasks_end.py:36 (never retrieved)"
    if want not in det:
        D.dump(scr)
        raise D.Fail("no %r in the detail pane" % want)
    want_frames(scr, "traceback, innermost first, %d frame" % len(t["exception"]["traceback"]),
                t["exception"]["traceback"])
    if "return {}[key]" not in det:
        D.dump(scr)
        raise D.Fail("no source line under the traceback's innermost frame")
    D.ok("crashed-worker: the reason, its %d traceback frames innermost first, source lines"
         % len(t["exception"]["traceback"]))
    print("--- the detail pane of a crashed task:")
    print("\n".join(line.rstrip() for line in D.detail_lines(scr)).rstrip())
    print("---", flush=True)

    scr = select(tui, "chained")
    det = "\n".join(D.detail_lines(scr))
    if "ended RuntimeError: wrapped at tasks_end.py:64 (never retrieved)" not in det or \
            "caused by ValueError: bad tenant" not in det:
        D.dump(scr)
        raise D.Fail("chained: no reason or no 'caused by ValueError: bad tenant'")
    D.ok("chained: the reason and its cause")

    scr = select(tui, "debug-pending")
    t = shown_task(truth, scr)
    want_frames(scr, "created at (debug mode), innermost first", t["created_at"])
    D.ok("debug-pending: its %d creation frames" % len(t["created_at"]))
    D.quit_view(tui)


if __name__ == "__main__":
    sys.exit(run_driver(scenario))
