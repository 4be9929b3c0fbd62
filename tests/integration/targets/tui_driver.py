"""Drive aiomon-attach's live view in tmux for the t3xxx tests.

usage: tui_driver.py SCENARIO --aiomon BIN --pid PID --truth TRUTH.json --tmp DIR

Runs `BIN PID` in a private tmux server (socket DIR/*.tmux, no user config),
sends keys, reads the screen with capture-pane and checks it against the
target's truth (targets/tui_app.py).  Every wait is for a condition on the
screen, with a timeout; on failure the screen is printed.  The tmux server
is killed on the way out.  Exit status: 0 passed, 1 failed, 77 skipped
(reason on stdout as "SKIP: ..."), 99 harness failure.

Run with the host's python3 (not the interpreter under test).
"""

import json
import os
import re
import signal
import sys
import time

from tui_lib import (ASCII_ENV, UTF8_ENV, WAIT, Fail, Tui, colhdr, detail_lines,  # noqa: F401
                     detail_name, dump, name_col, ok, parse_age, quit_view, row_of, run_driver,
                     start_view, tree_rows, truth_task, TASK_X)

def scenario_tree(args, tui):
    """Nesting, collapse/expand, markers, quit."""
    truth = args.truth
    start_view(tui, args)
    scr = tui.screen()
    if not scr.startswith("aiomon-attach"):
        dump(scr)
        raise Fail("no header on line 0")
    ok("header: %s" % scr.split("\n")[1].strip())

    tui.keys("*")
    scr = tui.wait_re("\u25b8 service")
    rows = tree_rows(scr)
    for name in ("service", "flooder", "needle-xyzzy", "stubborn"):
        if row_of(rows, name) < 0:
            dump(scr)
            raise Fail("root %s not shown after * (collapse all)" % name)
    if any("flood-1" in r for r in rows) or any("tg-worker" in r for r in rows):
        dump(scr)
        raise Fail("* left children shown")
    ok("* collapses every task: only the roots are shown")

    # search service, expand it: its three workers nested right below
    tui.keys("/")
    tui.text("service")
    tui.keys("Enter")
    tui.wait_re(r"^service\s+pending")
    tui.keys("Right")
    scr = tui.wait_re("tg-worker-2")
    rows = tree_rows(scr)
    i = row_of(rows, "service")
    kids = rows[i + 1:i + 4]
    want = ["tg-worker-0", "tg-worker-1", "tg-worker-2"]
    for k, (row, name) in enumerate(zip(kids, want)):
        glyph = "\u2514\u2500" if k == 2 else "\u251c\u2500"
        col = name_col(row)
        if glyph + "\u2500 " + name not in col:
            dump(scr)
            raise Fail("row %r is not %s nested under service with %r" % (row, name, glyph))
        if name_col(rows[i]).index("service") >= col.index(name):
            raise Fail("%s is not indented below service" % name)
    ok("Right expands service: tg-worker-0..2 nested under it (sorted, tree glyphs)")
    for name in want:
        t = truth_task(truth, name)
        # WHERE: the user frame (the innermost frame when the task has none)
        top = t["stack"][t["user_frame"] if t.get("user_frame") is not None else 0]
        where = "%s:%d" % (os.path.basename(top["file"]), top["line"])
        row = kids[want.index(name)]
        if where not in row or (t["coroutine"] or "-") not in row:
            dump(scr)
            raise Fail("row of %s lacks coroutine %s or location %s"
                       % (name, t["coroutine"], where))
    ok("rows show coroutine and suspension point (%s)" % where)

    def shown(name):
        return lambda s: row_of(tree_rows(s), name) >= 0

    def hidden(name):
        return lambda s: row_of(tree_rows(s), name) < 0

    tui.keys("Left")
    tui.wait("tg-worker-0 hidden", hidden("tg-worker-0"))
    ok("Left collapses service")
    tui.keys("Enter")
    tui.wait("tg-worker-0 shown", shown("tg-worker-0"))
    tui.keys("Enter")
    tui.wait("tg-worker-0 hidden", hidden("tg-worker-0"))
    ok("Enter toggles collapse/expand")

    # markers: the running task (main, blocked in H.block()) and a pending cancellation
    scr = tui.screen()
    rows = tree_rows(scr)
    running = [t["name"] for t in truth["tasks"] if t["running"]]
    for name in running:
        r = rows[row_of(rows, name)]
        if r[5:7].strip() not in ("R", "RC"):
            dump(scr)
            raise Fail("running task %s lacks the R marker: %r" % (name, r))
    cancelling = [t["name"] for t in truth["tasks"] if t.get("cancel_requests", 0) > 0]
    for name in cancelling:
        r = rows[row_of(rows, name)]
        if "C" not in r[5:7]:
            dump(scr)
            raise Fail("task %s with a cancellation pending lacks the C marker: %r" % (name, r))
    ok("markers: R on %s, C on %s" % (running, cancelling or "(none before 3.11)"))

    # expand all again: 2,000 flood rows, End reaches the last row
    tui.keys("*", "Home")
    tui.wait_re("\u251c\u2500\u2500 flood-0 ")
    tui.wait_re(r"^\\x1b\[31mred\s+pending")
    ok("* expands every task again; Home selects the first row")

    def last_selected(s):
        rows = tree_rows(s)
        last = re.sub(r"^[\s\u2500-\u257f\u25b8\u25be]+", "", name_col(rows[-1])).split()[0]
        return detail_name(s).startswith(last + " ")

    tui.keys("End")
    tui.wait("the last row selected", last_selected)
    tui.keys("PageUp", "PageUp", "Up", "PageDown", "Down", "End")
    tui.wait("the last row selected", last_selected)
    tui.keys("Home")
    tui.wait_re(r"^\\x1b\[31mred\s+pending")
    ok("End, PgUp, PgDn, Up, Down, Home move the selection")
    quit_view(tui)


def scenario_detail(args, tui):
    """Search, the detail pane's stack and source lines, jumps, filter, sort."""
    truth = args.truth
    start_view(tui, args, width=120, height=60)

    tui.keys("/")
    tui.text("xyzz")
    tui.wait_re(r"^needle-xyzzy\s+pending")
    tui.keys("Enter")
    ok("/ finds needle-xyzzy as you type")
    tui.keys("n")
    tui.wait_re('the only match of "xyzz"')
    ok("n: the only match")

    tui.keys("/")
    tui.text("tg-worker-1")
    tui.keys("Enter")
    scr = tui.wait_re(r"^tg-worker-1\s+pending")
    t = truth_task(truth, "tg-worker-1")
    det = "\n".join(detail_lines(scr))
    pos = 0
    for i, f in enumerate(t["stack"]):
        fn = f["qualname"] or f["function"]
        want = "#%d%s%s  %s:%d" % (i, " " * (4 - len("#%d" % i)), fn, f["file"], f["line"])
        at = det.find(want, pos)
        if at < 0:
            dump(scr)
            raise Fail("detail pane lacks frame %r (in order)" % want)
        pos = at
    ok("the detail pane shows tg-worker-1's %d frames innermost first with file:line"
       % len(t["stack"]))
    if "await ev.wait()" not in det:
        dump(scr)
        raise Fail("no source line 'await ev.wait()' under leaf_wait")
    ok("source lines are shown under the frames")
    # the innermost frame is asyncio's own: its line is the target's file's
    # (a container's own asyncio, through /proc/PID/root), never this side's
    inner = t["stack"][0]
    try:
        with open("/proc/%d/root%s" % (args.pid, inner["file"]), encoding="utf-8") as fh:
            want_src = fh.read().split("\n")[inner["line"] - 1].strip()[:40]
    except OSError as e:
        raise Fail("cannot read the target's %s: %s" % (inner["file"], e))
    if want_src not in det:
        dump(scr)
        raise Fail("the source line of %s:%d is not the target's %r" %
                   (inner["file"], inner["line"], want_src))
    ok("the innermost frame's source line is the target's own file's: %r" % want_src)
    if not re.search(r"^awaited by: 1 task", det, re.M) or "[1] service" not in det:
        dump(scr)
        raise Fail("detail pane lacks 'awaited by: 1 task' / '[1] service'")
    ok("the detail pane lists who awaits it")

    tui.keys("b")
    scr = tui.wait_re(r"^service\s+pending")
    det = "\n".join(detail_lines(scr))
    if not re.search(r"^awaits: 3 tasks", det, re.M):
        dump(scr)
        raise Fail("service does not list 3 awaited tasks")
    ok("b jumps to the waiter (service), which awaits 3 tasks")
    tui.keys("a")
    tui.wait_re(r"^tg-worker-\d\s+pending")
    tui.keys("b")
    tui.wait_re(r"^service\s+pending")
    tui.keys("3")
    tui.wait_re(r"^tg-worker-\d\s+pending")
    ok("a and 3 jump to awaited tasks")

    # filter: only matches and their ancestors
    tui.keys("f")
    tui.keys("C-u")
    tui.text("flood-19")
    tui.keys("Enter")
    scr = tui.wait_re(r"filter flood-19")
    tui.keys("Home")
    scr = tui.wait_re(r"^flooder\s+pending")
    rows = tree_rows(scr)
    names = [re.sub(r"^[\s\u2500-\u257f\u25b8\u25be]+", "", name_col(r)).split()[0] for r in rows]
    bad = [n for n in names if n != "flooder" and not n.startswith("flood-19")]
    if bad or names[0] != "flooder" or "flood-19" not in names[1]:
        dump(scr)
        raise Fail("filter flood-19 shows other tasks: %s" % bad)
    ok("f filters the tree to flood-19* and their ancestor flooder (%d rows shown)" % len(rows))
    tui.keys("Escape")
    tui.wait_gone("filter flood-19")
    tui.wait("every task back", lambda s: len(tree_rows(s)) > 20)
    tui.keys("/")
    tui.text("service")
    tui.keys("Enter")
    tui.wait_re(r"^service\s+pending")
    ok("Esc clears the filter")

    cycle = ("state", "age", "coroutine", "address", "running", "idle", "name")
    for want in cycle:
        tui.keys("s")
        tui.wait_re(r"sort %s\b" % want)
    ok("s cycles the sort: %s" % ", ".join(cycle))
    quit_view(tui)


def sgr_colours(esc):
    """Colour parameters in the SGR sequences of capture-pane -e output."""
    found = []
    for m in re.finditer(r"\x1b\[([0-9;:]*)m", esc):
        for p in m.group(1).replace(":", ";").split(";"):
            if p and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 107):
                found.append(m.group(0))
    return found


def scenario_escape(args, tui):
    """Grouping, the ANSI name escaped, NO_COLOR, UTF-8 and the ASCII fallback."""
    env = dict(UTF8_ENV, NO_COLOR="1")
    start_view(tui, args, env=env)
    tui.keys("g")
    scr = tui.wait_re("\u2514\u2500\u2500 flood-\\d+ \u00d72000")
    rows = tree_rows(scr)
    if any(re.search(r"flood-\d+\s", r) and "\u00d7" not in r for r in rows):
        dump(scr)
        raise Fail("grouping left single flood rows")
    ok("g folds the flood of 2,000 into one row: %s" %
       [r for r in rows if "\u00d72000" in r][0].split("flood_one")[0].strip())
    tui.keys("g")
    tui.wait_re("flood-0 ")
    ok("g again unfolds it")

    scr = tui.screen()
    if "\\x1b[31mred" not in scr:
        dump(scr)
        raise Fail("the ANSI name is not shown escaped as \\x1b[31mred")
    if "\x1b" in scr:
        raise Fail("raw ESC in the captured pane")
    esc = tui.screen(escapes=True)
    col = sgr_colours(esc)
    if col:
        raise Fail("NO_COLOR set, yet the pane has colours (the name leaked?): %r" % col[:5])
    ok("the ANSI name is shown escaped; with NO_COLOR no colour at all (capture-pane -e)")
    tui.keys("*")
    scr = tui.wait_re("\u25b8 flooder")
    if "\u00fcn\u00ef-\u540d\u524d" not in scr:
        dump(scr)
        raise Fail("the UTF-8 name \u00fcn\u00ef-\u540d\u524d is not shown intact")
    tui.keys("*")
    ok("UTF-8 names (wide characters) are shown intact")
    tui.keys("/")
    tui.text("31m")
    tui.keys("Enter")
    scr = tui.wait_re(r"^\\x1b\[31mred\s+pending")
    ok("the detail pane shows the escaped name")
    quit_view(tui)
    tui.stop()

    # the ASCII fallback: C locale (a new tmux server: no race with the old one's exit)
    tui = args.tui2
    start_view(tui, args, env=dict(ASCII_ENV))
    tui.keys("g")
    scr1 = tui.wait_re(r"`-- flood-\d+ x2000")
    if not re.search(r"^pend.*- service .*\n.*`-- tg-worker-\d x3 ", scr1, re.M):
        dump(scr1)
        raise Fail("no ASCII tree glyphs for service's grouped workers")
    tui.keys("g", "*")
    scr2 = tui.wait_re(r"\+ flooder")
    if "?n?-??" not in scr2:
        dump(scr2)
        raise Fail("the non-ASCII name is not shown as ?n?-?? in the C locale")
    for scr in (scr1, scr2):
        bad = sorted({c for c in scr if ord(c) > 0x7e})
        if bad:
            dump(scr)
            raise Fail("non-ASCII characters on a C-locale screen: %r" % bad)
    ok("C locale: ASCII tree glyphs, x2000, non-ASCII as '?'")
    quit_view(tui)


def scenario_cycles(args, tui):
    """Await cycles: D in the RCS column of every task on a cycle and only
    there; the detail pane of one names its cycle."""
    truth = args.truth
    on_cycle = {"pair-a", "pair-b", "ring-x", "ring-y", "ring-z"}
    names = [t["name"] for t in truth["tasks"]]
    marks = {}

    def note(scr):
        for r in tree_rows(scr):
            r = r.split("\u2502")[0]       # the tree pane only, not the detail pane
            for name in names:
                if re.search(r"\s%s(\s|$)" % re.escape(name), r[10:]):
                    marks[name] = "D" in r[5:9]

    # an interval below the view's shortest is raised, and the view says so
    tui.start([args.aiomon, "--interval", "100", str(args.pid)], width=220, height=40)
    tui.wait_re(r"^Tasks %d: " % len(truth["tasks"]))
    tui.wait_re(r"--interval raised to 200 ms")
    ok("--interval 100: raised to 200 ms, and the view says so")
    note(tui.screen())
    for target in ("ring-y", "ring-z", "pair-b"):
        tui.keys("/")
        tui.text(target)
        tui.keys("Enter")
        scr = tui.wait_re("\u2502%s  pending" % target)
        note(scr)
        # the cycle starts at its task with the smallest id: any rotation
        ring = ["ring-x", "ring-y", "ring-z"]
        rotations = [" -> ".join((ring[i:] + ring[:i]) + [ring[i]]) for i in range(3)]
        if target == "ring-y" and not any(
                "DEADLOCK: await cycle of 3 tasks: " + r in scr for r in rotations):
            dump(scr)
            raise Fail("the detail pane of ring-y does not name its cycle")
    ok("the detail pane names the cycle")
    for name, has in marks.items():
        if has != (name in on_cycle):
            dump(tui.screen())
            raise Fail("task %s: D marker %s, expected %s" % (name, has, name in on_cycle))
    if not on_cycle <= set(marks) or "outside" not in marks:
        dump(tui.screen())
        raise Fail("rows never seen: %s" % sorted((on_cycle | {"outside"}) - set(marks)))
    ok("D marks exactly the %d tasks on a cycle (%d rows seen)" % (len(on_cycle), len(marks)))
    quit_view(tui)


def scenario_views(args, tui):
    """Threads view, help screen, resize."""
    truth = args.truth
    start_view(tui, args)
    tui.keys("Tab")
    scr = tui.wait_re(r"Threads \(%d\)" % len(truth["threads"]))
    for th in truth["threads"]:
        if not re.search(r"^Thread %d " % th["tid"], scr, re.M):
            tui.keys("End")
            scr2 = tui.screen()
            tui.keys("Home")
            if not re.search(r"^Thread %d " % th["tid"], scr2, re.M):
                dump(scr)
                raise Fail("thread %d not listed" % th["tid"])
    main = [th for th in truth["threads"] if not th.get("volatile")][0]
    f = main["frames"][0]
    want = "%s  %s:%d" % (f["qualname"] or f["function"], f["file"], f["line"])
    if want not in scr:
        dump(scr)
        raise Fail("the threads view lacks the frame %r" % want)
    ok("Tab: threads view with every thread and its stack (%s)" % want)
    tui.keys("t")
    tui.wait_re("^STAT ")
    ok("t: back to the task tree")

    tui.keys("?")
    scr = tui.wait_re("Help: every key")
    seen = scr
    for _ in range(4):          # the help is longer than the screen: page through it
        tui.keys("PgDn")
        time.sleep(0.2)
        seen += tui.screen()
    for k in ("q F10", "/ F3", "g F7", "t Tab F2", "Enter", "f \\ F4", "G  "):
        if k not in seen:
            dump(seen)
            raise Fail("the help screen lacks %r" % k)
    tui.keys("x")
    tui.wait_re("^STAT ")
    ok("? shows the help screen listing the keys; any key closes it")

    for w, h in ((80, 24), (250, 60), (30, 8), (120, 40), (81, 25)):
        tui.resize(w, h)
        if w < 40:
            tui.wait_re("terminal too small")
            ok("%dx%d: 'terminal too small'" % (w, h))
            continue
        scr = tui.wait(
            "layout for %dx%d" % (w, h),
            lambda s: len(s.split("\n")) >= h and s.split("\n")[h - 1].startswith("F1Help") and
            s.split("\n")[3].startswith("STAT "))
        lines = scr.split("\n")
        if not lines[0].startswith("aiomon-attach"):
            dump(scr)
            raise Fail("%dx%d: no header on line 0" % (w, h))
        if max(len(line) for line in lines) > w:
            dump(scr)
            raise Fail("%dx%d: a line is wider than the terminal" % (w, h))
        if w >= 150 and "Task detail" not in lines[3]:
            dump(scr)
            raise Fail("%dx%d: the detail pane is not to the right" % (w, h))
        if len(tree_rows(scr)) < 3:
            dump(scr)
            raise Fail("%dx%d: no task rows" % (w, h))
        ok("%dx%d: header, columns, rows, footer in place%s" %
           (w, h, ", detail pane on the right" if w >= 150 else ""))
    tui.keys("C-l")
    quit_view(tui)


def scenario_write_gone(args, tui):
    """w writes JSON; p, +; the target exits: the last snapshot stays, q still quits."""
    wdir = os.path.join(args.tmp, "wdir")
    os.makedirs(wdir, exist_ok=True)
    tui.start([args.aiomon, str(args.pid)], cwd=wdir)
    n = len(args.truth["tasks"])
    tui.wait_re(r"^Tasks %d: " % n)
    tui.keys("w")
    scr = tui.wait_re(r"wrote \./aiomon-%d-\d{8}-\d{6}\.json" % args.pid)
    name = re.search(r"wrote \./(aiomon-\S+\.json)", scr).group(1)
    with open(os.path.join(wdir, name)) as fh:
        doc = json.load(fh)
    ntasks = len(doc.get("tasks", []))
    if ntasks != n:
        raise Fail("%s has %d tasks, expected %d" % (name, ntasks, n))
    ok("w wrote %s (%d tasks, valid JSON)" % (name, ntasks))

    tui.keys("p")
    tui.wait_re("PAUSED")
    tui.keys("p")
    tui.wait_gone("PAUSED")
    tui.keys("+")
    tui.wait_re(r"refresh every 3s")
    tui.keys("-", "-")
    tui.wait_re(r"refresh every 1s")
    ok("p pauses and resumes; + and - change the interval")

    os.kill(args.pid, signal.SIGKILL)
    tui.keys("r")
    scr = tui.wait_re("TARGET GONE", timeout=WAIT)
    if "flooder" not in scr or len(tree_rows(scr)) < 10:
        dump(scr)
        raise Fail("the last snapshot is not kept on screen after the target exited")
    ok("the target exited: the header says so, the last snapshot stays")
    tui.keys("j", "k", "Tab", "Tab")
    tui.wait_re("TARGET GONE")
    quit_view(tui)


def scenario_history(args, tui):
    """The history in the view (targets/history_app.py): the terminated view lists the
    critical task that ended, with its last-seen stack; sort by running share and by idle
    time; stuck and swallowed markers; per-thread CPU in the threads view."""
    truth = args.truth
    path, lines = truth["file"], truth["lines"]
    tui.start([args.aiomon, "--interval", "200", "--stuck", "1", "--history", "5",
               "--critical", "critical-*", str(args.pid)], width=120, height=40)
    tui.wait_re(r"^Tasks \d+: ")

    # the terminated view: critical-db ends ~3 s after the start, churn tasks all the time
    tui.keys("e")
    crit_row = r"^! (done|canc|gone)\s+\S+\s+\S+ critical-db  critical_db"
    scr = tui.wait_re(crit_row)
    if not re.search(r"^! HOW\s+LIVED\s+AGO TASK", scr, re.M):
        dump(scr)
        raise Fail("no column titles in the terminated view")
    ok("e: the terminated view lists critical-db with the critical marker")

    def crit_selected(s):
        det = s.split("\n")
        for i, line in enumerate(det):
            if line.lstrip().startswith("Terminated ("):
                return i + 1 < len(det) and det[i + 1].startswith("critical-db  ")
        return False

    # newest first, at most 5 others (--history 5): End reaches it once the churn passed it
    end = time.monotonic() + WAIT
    while True:
        tui.keys("End")
        time.sleep(0.2)         # the churn keeps adding rows: select again until it is the last
        scr = tui.screen()
        if crit_selected(scr):
            break
        if time.monotonic() > end:
            dump(scr)
            raise Fail("cannot select critical-db in the terminated view")
    # the selection follows the task across refreshes
    time.sleep(0.6)
    scr = tui.wait("critical-db still selected", crit_selected)
    body = scr.split("\n")
    first = [l for l in body if l.startswith("critical-db  ")][0]
    if "CRITICAL" not in first:
        dump(scr)
        raise Fail("the detail of critical-db does not say CRITICAL: %r" % first)
    want = r"#\d+\s+critical_db  %s:%d$" % (re.escape(path), lines["critical"])
    if not re.search(want, scr, re.M):
        dump(scr)
        raise Fail("the last-seen stack lacks critical_db at %s:%d" % (path, lines["critical"]))
    if "# LINE critical" not in scr:
        dump(scr)
        raise Fail("no source line under the critical_db frame")
    ok("critical-db's last-seen stack: critical_db %s:%d, with its source line"
       % (os.path.basename(path), lines["critical"]))
    tui.keys("e")
    tui.wait_re("^STAT ")
    ok("e: back to the task tree")

    # sort by running share: the spinner (running on its loop in every sample) first
    for want in ("state", "age", "coroutine", "address", "running"):
        tui.keys("s")
        tui.wait_re(r"sort %s\b" % want)
    tui.keys("Home")
    spin_where = "history_app.py:%d" % lines["spin"]
    scr = tui.wait("the spinner on the first row",
                   lambda s: tree_rows(s) and spin_where in tree_rows(s)[0])
    hdr = colhdr(scr)
    if "RUN%" not in hdr or "IDLE" not in hdr:
        dump(scr)
        raise Fail("no RUN% / IDLE columns at 120 columns")
    row = tree_rows(scr)[0]
    run_end = hdr.index("RUN%") + 4
    run = row[run_end - 4:run_end].strip()
    if not run.isdigit() or int(run) < 90:
        dump(scr)
        raise Fail("the spinner's RUN%% is %r, expected >= 90" % run)
    if row[5] != "R" or row[7] != "S":
        dump(scr)
        raise Fail("the spinner lacks the R (running) and S (stuck) markers: %r" % row[:9])
    ok("s: sort running: the spinner first, RUN%% %s, markers R and S" % run)
    others = [r for r in tree_rows(scr)[1:] if r[run_end - 4:run_end].strip().isdigit()]
    if any(int(r[run_end - 4:run_end].strip()) > int(run) for r in others):
        dump(scr)
        raise Fail("rows after the first run more than it")

    # sort by idle time: longest unchanged first
    tui.keys("s")
    scr = tui.wait_re(r"sort idle\b")
    time.sleep(0.5)
    scr = tui.screen()
    hdr = colhdr(scr)
    a, b = hdr.index("RUN%") + 5, hdr.index("IDLE") + 4
    idles = [parse_age(r[a:b]) for r in tree_rows(scr) if r[:4] in ("pend", "done", "canc")]
    idles = [v for v in idles if v is not None]
    # siblings are sorted, the roots too: the first row is the longest-idle root
    if not idles or idles[0] < max(idles) or idles[0] < 1:
        dump(scr)
        raise Fail("sort idle: the first row is not the longest unchanged: %s" % idles[:10])
    ok("s: sort idle: the first row has been unchanged longest (%ds)" % idles[0])

    # the swallower: W marker (a cancellation requested, and it kept running)
    tui.keys("/")
    tui.text("swallower")
    tui.keys("Enter")
    scr = tui.wait_re(r"^swallower\s+pending.*SWALLOWED CANCEL")
    r = [x for x in tree_rows(scr) if re.search(r"\bswallower\b", x)]
    if not r or r[0][6] != "W":
        dump(scr)
        raise Fail("the swallower lacks the W marker: %r" % (r[:1],))
    ok("the swallower: W marker, SWALLOWED CANCEL in the detail pane")

    # the threads view: a CPU share per thread; the spinning thread uses a lot
    tui.keys("Tab")
    scr = tui.wait_re(r"^Thread \d+ .*cpu \d+\.\d%")
    cpus = [float(m) for m in re.findall(r"^Thread \d+ .*cpu (\d+\.\d)%", scr, re.M)]
    if len(cpus) < 2 or max(cpus) < 20:
        dump(scr)
        raise Fail("threads view: CPU shares %s, expected two and one >= 20%%" % cpus)
    ok("Tab: threads view with CPU shares %s" % cpus)
    tui.keys("Tab")
    quit_view(tui)


def scenario_ages(args, tui):
    """AGE under request-like churn (targets/tasks_requests.py): the req-* tasks live
    at most 50 ms and the next task often reuses both addresses of one that ended, so a
    task's identity must not be its addresses alone: no req-* row may ever show an age
    above a few refreshes, while the stable-* tasks age with the view."""
    # refreshes 1 s apart: a task seen in two of them is >= 1 s old; none lives that long
    tui.start([args.aiomon, "--interval", "1000", str(args.pid)], width=140, height=70)
    tui.wait_re(r"^Tasks \d+: ")
    start = time.monotonic()
    worst, stable, nchurn = 0, 0, 0
    while time.monotonic() - start < 8:
        time.sleep(0.5)
        scr = tui.screen()
        hdr = colhdr(scr)
        a = hdr.index("AGE") - 3
        b = hdr.index("AGE") + 3
        for r in tree_rows(scr):
            age = parse_age(r[a:b])
            if age is None:
                continue
            if "req-main" in r:
                continue
            if re.search(r"\breq-\d+\b", r):
                nchurn += 1
                if age > worst:
                    worst = age
                if age >= 1:
                    dump(scr)
                    raise Fail("a req-* task shows AGE %ds (it lives at most 50 ms)" % age)
            elif re.search(r"\bstable-\d+\b", r):
                stable = max(stable, age)
    if nchurn == 0:
        raise Fail("no req-* row seen in 8 s")
    # the stable tasks are below hundreds of requests: filter them in
    tui.keys("f")
    tui.text("stable-")
    tui.keys("Enter")
    time.sleep(1.5)
    scr = tui.screen()
    hdr = colhdr(scr)
    a, b = hdr.index("AGE") - 3, hdr.index("AGE") + 3
    for r in tree_rows(scr):
        if re.search(r"\bstable-\d+\b", r) and parse_age(r[a:b]) is not None:
            stable = max(stable, parse_age(r[a:b]))
    if stable < 4:
        dump(scr)
        raise Fail("the stable tasks' AGE reached only %ds in 8 s" % stable)
    ok("AGE: %d req-* rows seen, oldest %ds; stable tasks %ds" % (nchurn, worst, stable))


def scenario_userframe(args, tui):
    """On tasks_user_frame.py: WHERE is the user frame with the awaited
    primitive; f app.py keeps the tasks with a frame in app.py anywhere in
    their stack (and their ancestors); / finds a frame's function."""
    start_view(tui, args, width=300, height=50)
    scr = tui.wait_re(r"handle_upload app\.py:\d+ \u2192 (Lock\.)?acquire")
    if not re.search(r"handle_request app\.py:\d+ \u2192 (Lock\.)?acquire", scr):
        dump(scr)
        raise Fail("WHERE lacks handle_request app.py:N \u2192 Lock.acquire")
    ok("WHERE: the user frame and the awaited primitive, per endpoint")

    tui.keys("f")
    tui.keys("C-u")
    tui.text("app.py")
    tui.keys("Enter")
    tui.wait_re(r"filter app\.py")
    tui.keys("Home")
    scr = tui.wait_re(r"cruncher\s")
    # task rows only: under a short filtered tree, the lines below carry the detail pane
    rows = [r for r in tree_rows(scr) if r[:4] in ("pend", "done", "canc")]
    names = [re.sub(r"^[\s\u2500-\u257f\u25b8\u25be]+", "", name_col(r)).split()[0] for r in rows]
    want = ("request-", "upload-", "job-", "cruncher", "Task-")   # Task-1: main, cruncher's waiter
    bad = [n for n in names if not n.startswith(want)]
    if bad or "server" in names or not any(n.startswith("upload-") for n in names) \
            or not any(n.startswith("job-") for n in names):
        dump(scr)
        raise Fail("filter app.py shows %s (unexpected: %s)" % (names, bad))
    ok("f app.py: only tasks with a frame in app.py (and their ancestors): %s" % names)
    tui.keys("Escape")
    tui.wait_gone("filter app.py")

    tui.keys("/")
    tui.text("handle_upload")
    tui.keys("Enter")
    tui.wait_re(r"(^|\u2502)upload-\d\s+pending")
    ok("/ handle_upload selects an upload (a frame's function, not the innermost)")
    quit_view(tui)


def scenario_groups(args, tui):
    """The supervisors view (G) on targets/tasks_gather_nested.py: one row per task that
    awaits two or more tasks, most children first, with its children counted by state;
    Enter shows the selected supervisor in the task tree."""
    truth = args.truth
    by_id = {t["id"]: t for t in truth["tasks"]}
    want = sorted(((len(t["awaiting"]), t["name"]) for t in truth["tasks"]
                   if len(t["awaiting"]) >= 2), key=lambda x: -x[0])
    if not want:
        raise Fail("the truth has no supervisor")
    start_view(tui, args)
    tui.keys("G")
    scr = tui.wait_re(r"KIDS\s+PEND\s+DONE\s+CANC\s+HOW\s+SUPERVISOR")
    time.sleep(0.3)
    scr = tui.screen()
    rows = []
    for line in scr.split("\n"):
        m = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(awaits|taskgroup)\s+(\S+)", line)
        if m:
            rows.append((int(m.group(1)), m.group(6), int(m.group(2))))
            if args.how and m.group(5) != args.how:
                dump(scr)
                raise Fail("%s is shown as %s, not %s" % (m.group(6), m.group(5), args.how))
    got = [(n, name) for n, name, _ in rows]
    if sorted(got) != sorted(want) or [n for n, _ in got] != sorted([n for n, _ in got], reverse=True):
        dump(scr)
        raise Fail("supervisors %s, want %s (most children first)" % (got, want))
    for n, name, pend in rows:
        t = next(x for x in truth["tasks"] if x["name"] == name)
        np = sum(1 for a in t["awaiting"] if by_id[a]["state"] == "pending")
        if pend != np:
            dump(scr)
            raise Fail("%s: %d pending children shown, %d in the truth" % (name, pend, np))
    ok("G: %d supervisors, children counted as the truth has them" % len(rows))
    # the detail pane lists the first one's children
    first = rows[0][1]
    t = next(x for x in truth["tasks"] if x["name"] == first)
    for a in t["awaiting"]:
        if by_id[a]["name"] not in scr:
            dump(scr)
            raise Fail("child %s of %s not in the detail pane" % (by_id[a]["name"], first))
    ok("the detail pane lists %s's %d children" % (first, len(t["awaiting"])))
    tui.keys("Enter")
    scr = tui.wait("the tree with %s selected" % first,
                   lambda s: "Task detail" in s and detail_name(s).lstrip().startswith(first))
    ok("Enter: %s selected in the task tree" % first)
    quit_view(tui)


def scenario_locals(args, tui):
    """--locals (targets/locals_kinds.py): the detail pane shows each frame's
    locals under it, "name = value", as the target's truth renders them."""
    truth = args.truth
    tui.start([args.aiomon, "--locals", str(args.pid)], width=200, height=70)
    tui.wait_re(r"^Tasks %d: " % len(truth["tasks"]))
    tui.keys("/")
    tui.text("loc-task")
    tui.keys("Enter")
    scr = tui.wait_re("\u2502loc-task\\s+pending")
    # the detail pane is beside the task list on a wide screen
    det = [line.split("\u2502", 1)[1] for line in scr.split("\n") if "\u2502" in line]
    n = 0
    for fn in ("loc_task_inner", "loc_task"):
        at = [i for i, line in enumerate(det) if re.search(r"#\d+\s+(\S+\.)?%s  " % fn, line)]
        if len(at) != 1:
            dump(scr)
            raise Fail("detail pane: %d frames of %s, expected 1" % (len(at), fn))
        below = [line.strip() for line in det[at[0] + 1:]]
        for loc in truth["locals"][fn]:
            value = loc["value"] if loc["value"] is not None else "<unbound>"
            if len(value) > 50:
                value = value[:50]      # the pane is some 80 columns wide
            want = "%s = %s" % (loc["name"], value)
            if not any(line.startswith(want) for line in below):
                dump(scr)
                raise Fail("detail pane: no line %r under %s" % (want, fn))
            n += 1
    ok("the detail pane shows the %d locals of loc-task's 2 frames under them" % n)
    if "\x1b" in tui.screen():
        raise Fail("a raw ESC on the screen")
    quit_view(tui)


SCENARIOS = {
    "groups": scenario_groups,
    "ages": scenario_ages,
    "locals": scenario_locals,
    "userframe": scenario_userframe,
    "history": scenario_history,
    "cycles": scenario_cycles,
    "tree": scenario_tree,
    "detail": scenario_detail,
    "escape": scenario_escape,
    "views": scenario_views,
    "write_gone": scenario_write_gone,
}


def _add_args(ap):
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--how", help="groups: every supervisor shows this HOW")


def main():
    return run_driver(lambda args, tui: SCENARIOS[args.scenario](args, tui), _add_args,
                      extra_tuis=("tui2",))


if __name__ == "__main__":
    sys.exit(main())
