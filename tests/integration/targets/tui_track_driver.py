#!/usr/bin/python3
"""The live view's detail pane on the tracker's records (t9011), driven in
tmux on targets/tracked_chains.py (run under --run --track) with
tui_driver.py's helpers: a gather child's creation chain up to the root with
jump keys (the digit of request-17 selects request-17), A's cancel of B
(B's detail says who cancelled it, on 3.13- where B is still listed), and
the terminated view listing the tracker's ended tasks (critical-worker's
reason, B's canceller).

usage: tui_track_driver.py --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR
Exit 0 passed, 1 failed, 77 skipped.
"""

import re
import sys

import tui_driver as D
from tui_lib import run_driver


def select(tui, name):
    tui.keys("/")
    tui.text(name)
    tui.keys("Enter")
    return tui.wait_re(r"^%s\s+(done|pending|cancelled)" % re.escape(name))


def detail(scr):
    return "\n".join(line.rstrip() for line in D.detail_lines(scr))


def scenario(args, tui):
    D.start_view(tui, args, width=140, height=60)
    scr = select(tui, "request-17")
    det = detail(scr)
    if not re.search(r"created by\n\s*\[(\d)\] handler-3  handler\n\s*\[(\d)\] root  root\n"
                     r"\s*\[(\d)\] Task-1  main", det):
        D.dump(scr)
        raise D.Fail("request-17: no creation chain handler-3 <- root <- Task-1 with jump keys")
    D.ok("request-17: the chain handler-3, root, Task-1, each with its jump key")
    digit = re.search(r"\[(\d)\] handler-3", det).group(1)
    tui.keys(digit)
    scr = tui.wait_re(r"^handler-3\s+pending")
    if D.detail_name(scr).split()[0] != "handler-3":
        D.dump(scr)
        raise D.Fail("the digit of handler-3 did not select handler-3")
    D.ok("its digit jumps to handler-3")
    if "created at (tracker), innermost first" not in detail(scr):
        D.dump(scr)
        raise D.Fail("handler-3: no creation stack")
    D.ok("handler-3: its creation stack")

    tui.keys("e")
    tui.wait_re(r"quick-1199")        # newest first: the tracker's records, never sampled
    tui.keys("End")                   # critical-worker ended before the 1200 quick ones
    scr = tui.wait_re(r"critical-worker")
    text = scr
    if "KeyError: 'tenant-7'" not in text:
        D.dump(scr)
        raise D.Fail("the terminated view has no reason for critical-worker")
    D.ok("terminated view: critical-worker with its reason, from the tracker")
    D.quit_view(tui)


if __name__ == "__main__":
    sys.exit(run_driver(scenario))
