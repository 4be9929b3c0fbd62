#!/usr/bin/python3
"""The live view at 80 and 200 columns (t3011), driven in tmux on
targets/tui_app.py with tui_lib's helpers.

  80x24    the function bar shows whole entries only, F1 Help and F10 Quit
           among them; the help screen cuts no line (it wraps them); the
           title bars are whole (supervisors, terminated, detail); the
           detail pane's first lines say the state,
           where the task is (its user frame) and what it waits on, and the
           stack's title is among the lines it shows
  200x50   the COROUTINE column is wider than at 120x40

usage: tui_width_driver.py --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR
Exit 0 passed, 1 failed, 77 skipped.
"""

import re
import sys

from tui_lib import Fail, colhdr, detail_lines, dump, ok, quit_view, run_driver, \
    start_view, truth_task

# Every entry a function bar may show: the key glued to its label (htop style).
FBAR = {"F1Help", "F3Search", "F4Filter", "F5Refresh", "F6Sort", "TabThreads", "eEnded",
        "gGroup", "pPause", "F10Quit", "wWrite", "TabTasks", "eTasks", "JScroll"}
ELLIPSIS = "\u2026"
HEADER_LINES = 3
DETAIL_ROWS_80X24 = 8           # the pane's lines at 80x24, below its title bar


def footer(scr):
    return scr.rstrip("\n").split("\n")[-1]


def check_funcbar(tui, what):
    scr = tui.wait("the function bar", lambda s: footer(s).startswith("F1"))
    words = footer(scr).split()
    bad = [w for w in words if w not in FBAR]
    if bad or "F1Help" not in words or "F10Quit" not in words:
        dump(scr)
        raise Fail("%s: the function bar at 80 columns has cut or glued entries %r, or lacks "
                   "F1Help / F10Quit: %r" % (what, bad, footer(scr)))
    ok("%s: the function bar shows whole entries only: %s" % (what, " ".join(words)))


def check_help(tui):
    tui.keys("?")
    scr = tui.wait_re(r"^ Help: every key")
    lines = scr.split("\n")[HEADER_LINES:-2]         # the help pane, not header and footer
    cut = [ln for ln in lines if ELLIPSIS in ln]
    if cut:
        dump(scr)
        raise Fail("the help screen cuts %d line(s) at 80 columns, first %r" % (len(cut), cut[0]))
    text = " ".join(ln.strip() for ln in lines)
    for want in ("(a task's children are the tasks it awaits).", "on an await cycle (a deadlock)."):
        if want not in text:
            dump(scr)
            raise Fail("the help screen at 80 columns lacks %r" % want)
    ok("the help screen wraps its lines at 80 columns: none is cut")
    tui.keys("Escape")
    tui.wait_gone(r"^ Help: every key")


def check_titles(tui):
    """The title bars of the supervisors (G) and terminated (e) views are whole at 80 columns."""
    for key, title in (("G", " Supervisors ("), ("e", " Terminated (")):
        tui.keys(key)
        scr = tui.wait("the %r title bar" % title,
                       lambda s: any(ln.startswith(title) for ln in s.split("\n")))
        line = [ln for ln in scr.split("\n") if ln.startswith(title)][0]
        if ELLIPSIS in line:
            dump(scr)
            raise Fail("the title bar is cut at 80 columns: %r" % line)
        tui.keys(key)
        tui.wait_re(r"^ Task detail")
    ok("the supervisors and terminated views' title bars are whole at 80 columns")


def user_frame(t):
    """The innermost frame of the target's own code: where the detail pane says it is."""
    for f in t["stack"]:
        if f["file"].endswith("tui_app.py"):
            return f
    raise Fail("no frame of tui_app.py in the truth's stack of %s" % t["name"])


def check_detail(tui, truth):
    name = "tg-worker-1"
    tui.keys("/")
    tui.text(name)
    tui.keys("Enter")
    scr = tui.wait_re(r"^%s\s+pending" % name)
    det = detail_lines(scr)
    title = [ln for ln in scr.split("\n") if ln.lstrip().startswith("Task detail")][0]
    if ELLIPSIS in title or not title.rstrip().endswith("J/K: scroll"):
        dump(scr)
        raise Fail("the detail pane's title is cut at 80 columns: %r" % title)
    t = truth_task(truth, name)
    f = user_frame(t)
    where = "where %s  %s:%d" % (f["qualname"] or f["function"], "tui_app.py", f["line"])
    # the awaited primitive by its innermost frame: Event.wait (3.11+: qualnames), else wait
    inner = t["stack"][0]["qualname"] or t["stack"][0]["function"]
    want = [("the state", 0, r"^%s\s+pending" % name),
            ("where it is", 1, r"^%s -> %s(\s|$)" % (re.escape(where), re.escape(inner))),
            ("what it waits on", 2, r"^waits on Event 0x[0-9a-f]+ \(not set")]
    for what, i, rx in want:
        if i >= len(det) or not re.search(rx, det[i]):
            dump(scr)
            raise Fail("the detail pane's line %d at 80x24 is not %s: want /%s/, got %r"
                       % (i, what, rx, det[i] if i < len(det) else None))
    shown = det[:DETAIL_ROWS_80X24]
    if not any(re.match(r"coroutine stack, innermost first, \d+ frames", ln) for ln in shown):
        dump(scr)
        raise Fail("the coroutine stack's title is not among the %d lines the detail pane "
                   "shows at 80x24" % DETAIL_ROWS_80X24)
    ok("80x24: the detail pane's first %d lines: state, %r, waits on; the stack's title shown"
       % (len(want), where))


def coro_width(scr):
    """The COROUTINE column's width: from its title to the next title (the tree pane only)."""
    hdr = colhdr(scr).split("\u2502")[0]
    m = re.search(r"COROUTINE\s+(?=\S)", hdr)
    if not m:
        dump(scr)
        raise Fail("no COROUTINE column followed by another in %r" % hdr)
    return m.end() - m.start()


def scenario(args, tui):
    truth = args.truth
    start_view(tui, args, width=80, height=24)
    check_funcbar(tui, "tasks view")
    tui.keys("Tab")
    tui.wait_re(r"^ Threads \(")
    check_funcbar(tui, "threads view")
    tui.keys("Tab")
    tui.wait_re(r"^STAT ")
    check_help(tui)
    check_titles(tui)
    check_detail(tui, truth)

    widths = {}
    # 120: the activity columns, no detail pane at the right; 200: the detail pane at the right
    for w, h, laid_out in ((120, 40, lambda hdr: "IDLE" in hdr and "\u2502" not in hdr),
                           (200, 50, lambda hdr: "\u2502" in hdr)):
        tui.resize(w, h)
        scr = tui.wait("the column titles at %dx%d" % (w, h), lambda s: laid_out(colhdr(s)))
        widths[w] = coro_width(scr)
    if widths[200] <= widths[120]:
        raise Fail("the COROUTINE column is %d columns wide at 200, not wider than the %d at 120"
                   % (widths[200], widths[120]))
    ok("the COROUTINE column: %d columns at 120, %d at 200" % (widths[120], widths[200]))
    quit_view(tui)


if __name__ == "__main__":
    sys.exit(run_driver(scenario))
