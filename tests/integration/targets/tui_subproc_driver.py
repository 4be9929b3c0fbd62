#!/usr/bin/python3
"""The live view with --subprocesses (t3012), driven in tmux on
targets/subprocs.py: a parent without asyncio and three Python children with
named tasks.

usage: tui_subproc_driver.py --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR
Exit 0 passed, 1 failed, 77 skipped.
"""

import os
import re
import signal
import sys

from tui_lib import Fail, Tui, dump, ok, run_driver

HEADER = r"aiomon-attach  pid (\d+) \((\d+)/(\d+)\)"


def shown(scr):
    """(pid, index, count) of the header's "pid 1234 (2/4)"."""
    m = re.search(HEADER, scr)
    if not m:
        dump(scr)
        raise Fail("no 'pid N (I/N)' in the header")
    return tuple(int(g) for g in m.groups())


def wait_child_tasks(tui, truth, pid):
    """The screen once it shows child pid's tasks, and none of another child's."""
    names = truth["children"][str(pid)]
    scr = tui.wait("the tasks of child %d" % pid,
                   lambda s: re.search(r"pid %d \(" % pid, s) and all(n in s for n in names))
    for other, onames in truth["children"].items():
        if int(other) != pid and any(n in scr for n in onames):
            dump(scr)
            raise Fail("child %d shown with a task of child %s" % (pid, other))
    return scr


def procs_view(tui, truth, seen):
    """P lists the 4 processes (pid, tasks, command line); Enter on one shows it."""
    tui.keys("P")
    scr = tui.wait_re(r"COMMAND +\(4 processes")
    lines = scr.split("\n")
    rows = {}
    for pid in [truth["parent"]] + seen:
        # the command line is cut at the screen's edge: its interpreter shows
        rx = re.compile(r"^[ *] +%d +%s +\S*python" %
                        (pid, "0" if pid == truth["parent"] else "[1-9][0-9]*"))
        at = [i for i, line in enumerate(lines) if rx.search(line)]
        if len(at) != 1:
            dump(scr)
            raise Fail("the processes view has no one row for pid %d" % pid)
        rows[pid] = at[0]
    if not lines[rows[seen[-1]]].startswith("*"):
        dump(scr)
        raise Fail("the process shown (%d) is not marked" % seen[-1])
    up = rows[seen[-1]] - rows[seen[1]]
    tui.keys(*(["Up"] * up if up > 0 else ["Down"] * -up))
    tui.keys("Enter")
    tui.wait_re(r"pid %d \(3/4\)" % seen[1])
    wait_child_tasks(tui, truth, seen[1])
    ok("P lists the 4 processes with their tasks and command lines; Enter shows one")


def hint(args):
    """Without --subprocesses, the parent (no tasks) names its Python children."""
    tui = Tui(args.tmp, "hint")     # its own tmux server: a stopping one refuses sessions
    try:
        hint_in(args, tui)
    finally:
        tui.stop()


def hint_in(args, tui):
    tui.start([args.aiomon, str(args.pid)])
    tui.wait_re(r"3 Python child processes: use --subprocesses")
    ok("the parent's view hints at its 3 Python children")
    tui.keys(">")
    tui.wait_re(r"one process shown: --subprocesses")
    ok("> without --subprocesses says why it does nothing")
    tui.keys("q")
    if tui.exit_status() != 0:
        raise Fail("aiomon-attach exited non-zero after q")


def scenario(args, tui):
    truth = args.truth
    kids = sorted(int(p) for p in truth["children"])
    hint(args)

    tui.start([args.aiomon, "--subprocesses", "--interval", "300", str(args.pid)])
    scr = tui.wait_re(r"pid %d \(1/4\)" % truth["parent"])
    ok("the view opens on the parent, 4 processes: %s" % shown(scr)[:3].__repr__())

    # > goes through every child (each with its own tasks) and back to the parent
    seen = []
    for i in range(2, 5):
        tui.keys(">")
        scr = tui.wait_re(r"pid \d+ \(%d/4\)" % i)
        pid = shown(scr)[0]
        if pid not in kids or pid in seen:
            dump(scr)
            raise Fail("> showed pid %d, not a new child of %s" % (pid, kids))
        wait_child_tasks(tui, truth, pid)
        seen.append(pid)
    ok("> shows each child with exactly its tasks: %s" % seen)
    tui.keys(">")
    tui.wait_re(r"pid %d \(1/4\)" % truth["parent"])
    tui.keys("<")
    scr = tui.wait_re(r"pid %d \(4/4\)" % seen[-1])
    ok("> wraps to the parent, < back to the last child")
    procs_view(tui, truth, seen)
    tui.keys(">")
    tui.wait_re(r"pid %d \(4/4\)" % seen[-1])

    # the child shown exits: the parent is shown, the footer says so, 3 processes left
    victim = seen[-1]
    os.kill(victim, signal.SIGKILL)
    scr = tui.wait_re(r"process %d exited" % victim)
    tui.wait_re(r"pid %d \(1/3\)" % truth["parent"])
    ok("the child shown killed: 'process %d exited', back on the parent (1/3)" % victim)

    # a child not shown exits: dropped at the next refresh
    gone = seen[0]
    os.kill(gone, signal.SIGKILL)
    tui.wait_re(r"process %d exited" % gone)
    tui.wait_re(r"pid %d \(1/2\)" % truth["parent"])
    tui.keys(">")
    scr = tui.wait_re(r"pid \d+ \(2/2\)")
    if shown(scr)[0] != seen[1]:
        dump(scr)
        raise Fail("> showed pid %d, want the one child left, %d" % (shown(scr)[0], seen[1]))
    wait_child_tasks(tui, truth, seen[1])
    ok("a child not shown killed: dropped (2 processes), > shows the one left")

    tui.keys("q")
    rc = tui.exit_status()
    if rc != 0:
        raise Fail("aiomon-attach exited %d after q, expected 0" % rc)
    ok("q quits with status 0")


if __name__ == "__main__":
    sys.exit(run_driver(scenario))
