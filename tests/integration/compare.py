#!/usr/bin/python3
"""Exact comparison of aiomon-attach --dump --json output with a target's truth.

usage: compare.py [options] MODE TRUTH.json AIOMON.json
  MODE   threads   every thread, matched by thread_id: tid, name (threading's),
                   comm (the kernel's), holds_gil
                   (where the truth has it), every frame's function, file, line
                   and qualname (null in the truth means null is expected)
         tasks     every task, matched by id: name, state, coroutine, the whole
                   stack (function, file, line), awaiting and awaited_by as
                   sets; running, thread, cancel_requests, thread_frames and
                   user_frame when the truth has them; exception (with its cause
                   chain), cancelled and created_at when the truth has them
         all       both
  options
    --layout-source S   the output's layout_source must start with S (the
                        primary source; others that filled gaps may follow
                        after "+")
    --layout-exact      ... and be exactly S
    --loose-volatile    do not look at the frames of volatile threads at all
    --no-comm           do not compare the kernel's thread names (a core file has
                        only the process's)
                        (for --nonblocking reads, where they may be torn)
    --max-errors N      print at most N mismatches (default 40)
    --extra-tasks P     tasks named P* that are not in the truth are allowed
                        (a scenario whose such tasks come and go)

Anything in the output that the truth does not have (an extra thread or task)
is a mismatch.  Frames of kind "native" in the output are not compared: the
truth only knows Python frames.  A volatile thread (the target's reporter,
the only thread that moves) is checked for identity and for a frame named as
its "must_contain".  Exit status: 0 equal, 1 mismatches (printed), 2 usage or
unreadable input.  Runs on the system python3, standard library only.
"""

import json
import os
import sys

LAYOUT_SOURCES = ("dwarf", "debug-offsets", "table")


class Report:
    def __init__(self, limit):
        self.limit = limit
        self.errors = []

    def add(self, msg):
        self.errors.append(msg)


def show(value, width=60):
    """A printable, bounded rendering of a target string (never raw escapes)."""
    r = repr(value)
    if len(r) > width:
        r = r[:width - 5] + "...'" + ("(%d chars)" % len(value) if isinstance(value, str) else "")
    return r


def frame_text(f):
    if f is None:
        return "-"
    qual = f.get("qualname")
    name = f.get("function")
    label = "%s" % name if qual in (None, name) else "%s [%s]" % (name, qual)
    return "%s %s:%s" % (label, os.path.basename(str(f.get("file"))), f.get("line"))


def python_frames(frames):
    return [f for f in frames if not (isinstance(f, dict) and f.get("kind") == "native")]


def compare_stacks(what, truth, got, fields, rep):
    """Compare two frame lists (innermost first) field by field."""
    if not isinstance(got, list):
        rep.add("%s: frames are %s, not a list" % (what, show(got)))
        return
    got = python_frames(got)
    bad = []
    first = None
    for i in range(max(len(truth), len(got))):
        t = truth[i] if i < len(truth) else None
        g = got[i] if i < len(got) else None
        diffs = []
        if t is None or g is None or not isinstance(g, dict):
            diffs = ["missing" if g is None else "extra"]
        else:
            for k in fields:
                if k not in t:
                    continue
                if k not in g:
                    diffs.append("%s: missing in aiomon (truth %s)" % (k, show(t[k])))
                elif g[k] != t[k]:
                    diffs.append("%s: aiomon %s, truth %s" % (k, show(g[k]), show(t[k])))
        if diffs:
            bad.append(i)
            if first is None:
                first = (i, diffs)
    if not bad:
        return
    lines = ["%s: stack differs (truth %d frames, aiomon %d); first at frame %d: %s"
             % (what, len(truth), len(got), first[0], "; ".join(first[1]))]
    shown = set()
    for i in bad:
        shown.update(range(max(0, i - 2), i + 3))
    shown = sorted(j for j in shown if j < max(len(truth), len(got)))
    lines.append("        %-4s %-44s %s" % ("#", "truth", "aiomon"))
    prev = -1
    rows = 0
    for j in shown:
        if rows >= 30:
            lines.append("        ... (%d more rows)" % (len(shown) - rows))
            break
        if j != prev + 1:
            lines.append("        ...")
        t = truth[j] if j < len(truth) else None
        g = got[j] if j < len(got) else None
        mark = "!" if j in bad else " "
        lines.append("      %s %-4d %-44s %s" % (mark, j, frame_text(t),
                                                  frame_text(g) if isinstance(g, dict) or g is None
                                                  else show(g)))
        prev = j
        rows += 1
    rep.add("\n".join(lines))


def check_top(truth, got, args, rep):
    if got.get("pid") != truth.get("pid"):
        rep.add("pid: aiomon %s, truth %s" % (show(got.get("pid")), show(truth.get("pid"))))
    if got.get("python_version") != truth.get("python_version"):
        rep.add("python_version: aiomon %s, truth %s"
                % (show(got.get("python_version")), show(truth.get("python_version"))))
    # One source, or the primary one then the ones that filled its gaps:
    # "dwarf", "debug-offsets+dwarf", "dwarf+table".
    src = got.get("layout_source")
    parts = src.split("+") if isinstance(src, str) else [None]
    if any(p not in LAYOUT_SOURCES for p in parts) or len(set(parts)) != len(parts):
        rep.add("layout_source: %s is not a '+'-list of %s" % (show(src), ", ".join(LAYOUT_SOURCES)))
    want = args["layout_source"]
    if want and (src != want if args["layout_exact"] else parts[0] != want):
        rep.add("layout_source: aiomon %s, expected %s%s"
                % (show(src), show(want), "" if args["layout_exact"] else " first"))


def index(items, key, what, rep, norm=lambda v: v):
    out = {}
    if not isinstance(items, list):
        rep.add("%s: not a list in aiomon output: %s" % (what, show(items)))
        return out
    for item in items:
        if not isinstance(item, dict) or key not in item:
            rep.add("%s: an entry has no %s: %s" % (what, key, show(item)))
            continue
        try:
            k = norm(item[key])
        except (TypeError, ValueError):
            rep.add("%s: bad %s %s" % (what, key, show(item[key])))
            continue
        if k in out:
            rep.add("%s: %s %s appears twice" % (what, key, show(item[key])))
            continue
        out[k] = item
    return out


def check_threads(truth, got, args, rep):
    tmap = {t["thread_id"]: t for t in truth["threads"]}
    gmap = index(got.get("threads"), "thread_id", "threads", rep)
    for tid_key, t in tmap.items():
        what = "thread %d (tid %s, %s)" % (tid_key, t.get("tid"), show(t.get("name")))
        g = gmap.get(tid_key)
        if g is None:
            rep.add("%s: missing in aiomon output" % what)
            continue
        # the truth's "name" is the kernel's comm, "py_name" threading's name
        for k, tk in (("tid", "tid"), ("comm", "name"), ("name", "py_name"),
                      ("holds_gil", "holds_gil")):
            if k == "comm" and args["no_comm"]:
                continue
            if tk in t and g.get(k) != t[tk]:
                rep.add("%s: %s: aiomon %s, truth %s" % (what, k, show(g.get(k)), show(t[tk])))
        if t.get("volatile"):
            if args["loose_volatile"]:
                continue
            frames = python_frames(g.get("frames") or [])
            want = t.get("must_contain")
            if want and not any(isinstance(f, dict) and f.get("function") == want for f in frames):
                rep.add("%s: volatile thread has no %s frame; aiomon frames: %s"
                        % (what, want, ", ".join(frame_text(f) for f in frames[:12])))
            continue
        compare_stacks(what, t["frames"], g.get("frames"),
                       ("function", "file", "line", "qualname"), rep)
    for k, g in gmap.items():
        if k not in tmap:
            rep.add("thread %s (tid %s, %s): in aiomon output, not in the truth"
                    % (k, show(g.get("tid")), show(g.get("name"))))
    return len(tmap)


def hexid(v):
    if not isinstance(v, str) or not v.startswith("0x"):
        raise ValueError(v)
    return int(v, 16)


def compare_task_end(what, t, g, rep):
    """exception (with its cause chain), cancelled and created_at, when the truth has them."""
    def exc(where, te, ge, depth=0):
        if te is None or ge is None:
            if te is not ge:
                rep.add("%s: aiomon %s, truth %s" % (where, show(ge), show(te)))
            return
        for f in ("type", "module", "message", "retrieved"):
            if ge.get(f) != te[f]:
                rep.add("%s.%s: aiomon %s, truth %s" % (where, f, show(ge.get(f)), show(te[f])))
        compare_stacks(where + ".traceback", te["traceback"], ge.get("traceback"),
                       ("function", "file", "line"), rep)
        if depth < 8:
            exc(where + ".cause", te["cause"], ge.get("cause"), depth + 1)

    if "exception" in t:
        exc(what + ": exception", t["exception"], g.get("exception"))
    if "cancelled" in t:
        tc, gc = t["cancelled"], g.get("cancelled")
        if tc is None or gc is None:
            if tc is not gc:
                rep.add("%s: cancelled: aiomon %s, truth %s" % (what, show(gc), show(tc)))
        else:
            if gc.get("message") != tc["message"]:
                rep.add("%s: cancelled.message: aiomon %s, truth %s"
                        % (what, show(gc.get("message")), show(tc["message"])))
            compare_stacks(what + ": cancelled.traceback", tc["traceback"], gc.get("traceback"),
                           ("function", "file", "line"), rep)
    if "created_at" in t:
        tc, gc = t["created_at"], g.get("created_at")
        if tc is None or gc is None:
            if tc is not gc:
                rep.add("%s: created_at: aiomon %s, truth %s" % (what, show(gc), show(tc)))
        else:
            compare_stacks(what + ": created_at", tc, gc, ("function", "file", "line"), rep)


def check_tasks(truth, got, args, rep):
    if "tasks" not in truth:
        rep.add("truth has no tasks (the target was not asked for them)")
        return 0
    tmap = {hexid(t["id"]): t for t in truth["tasks"]}
    gmap = index(got.get("tasks"), "id", "tasks", rep, hexid)
    extra_ok = args["extra_tasks"]
    names = {k: t["name"] for k, t in tmap.items()}

    def label(ids):
        out = []
        for i in sorted(ids):
            out.append("%s %s" % (hex(i), show(names[i], 30)) if i in names else hex(i))
        return "{" + ", ".join(out) + "}"

    for k, t in tmap.items():
        what = "task %s %s" % (t["id"], show(t["name"]))
        g = gmap.get(k)
        if g is None:
            rep.add("%s (coroutine %s, %s): missing in aiomon output"
                    % (what, t.get("coroutine"), t.get("state")))
            continue
        if g.get("id") != t["id"]:
            rep.add("%s: id written as %s, expected hex(id(task)) %s"
                    % (what, show(g.get("id")), t["id"]))
        for f in ("name", "state", "coroutine", "running", "thread", "cancel_requests",
                  "thread_frames", "user_frame"):
            if f in t and g.get(f) != t[f]:
                rep.add("%s: %s: aiomon %s, truth %s" % (what, f, show(g.get(f)), show(t[f])))
        compare_stacks(what, t["stack"], g.get("stack"), ("function", "file", "line"), rep)
        compare_task_end(what, t, g, rep)
        for f in ("awaiting", "awaited_by"):
            try:
                gs = {hexid(x) for x in g.get(f) or []}
            except (TypeError, ValueError):
                rep.add("%s: %s: not a list of ids: %s" % (what, f, show(g.get(f))))
                continue
            if extra_ok:        # edges to tasks that come and go are not known
                gs = {x for x in gs if x in tmap}
            ts = {hexid(x) for x in t[f]}
            if gs != ts:
                msg = "%s: %s differs:" % (what, f)
                if ts - gs:
                    msg += " truth only %s" % label(ts - gs)
                if gs - ts:
                    msg += " aiomon only %s" % label(gs - ts)
                rep.add(msg)
    for k, g in gmap.items():
        if k not in tmap:
            if extra_ok and isinstance(g.get("name"), str) and g["name"].startswith(extra_ok):
                continue
            rep.add("task %s %s (coroutine %s, %s): in aiomon output, not in the truth"
                    % (g.get("id"), show(g.get("name")), show(g.get("coroutine")),
                       show(g.get("state"))))
    return len(tmap)


def load(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        sys.stderr.write("compare.py: cannot read %s %s: %s\n" % (what, path, e))
        sys.exit(2)


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def main(argv):
    args = {"layout_source": None, "layout_exact": False, "loose_volatile": False,
            "max_errors": 40, "extra_tasks": None, "no_comm": False}
    rest = []
    it = iter(argv)
    for a in it:
        if a == "--layout-source":
            args["layout_source"] = next(it, None) or usage()
        elif a == "--extra-tasks":
            args["extra_tasks"] = next(it, None) or usage()
        elif a == "--layout-exact":
            args["layout_exact"] = True
        elif a == "--loose-volatile":
            args["loose_volatile"] = True
        elif a == "--no-comm":
            args["no_comm"] = True
        elif a == "--max-errors":
            args["max_errors"] = int(next(it, None) or usage())
        elif a.startswith("-"):
            usage()
        else:
            rest.append(a)
    if len(rest) != 3 or rest[0] not in ("threads", "tasks", "all"):
        usage()
    mode, truth_path, got_path = rest
    truth = load(truth_path, "truth")
    got = load(got_path, "aiomon output")
    if not isinstance(got, dict):
        sys.stderr.write("compare.py: aiomon output is not a JSON object\n")
        return 2
    rep = Report(args["max_errors"])
    check_top(truth, got, args, rep)
    counted = []
    if mode in ("threads", "all"):
        counted.append("%d threads" % check_threads(truth, got, args, rep))
    if mode in ("tasks", "all"):
        counted.append("%d tasks" % check_tasks(truth, got, args, rep))
    for msg in rep.errors[:rep.limit]:
        print("  " + msg.replace("\n", "\n  "))
    if len(rep.errors) > rep.limit:
        print("  ... and %d more mismatches" % (len(rep.errors) - rep.limit))
    print("compare %s: %s (%s): %s" % (mode, os.path.basename(truth_path), ", ".join(counted),
                                       "%d mismatches" % len(rep.errors) if rep.errors else "equal"))
    return 1 if rep.errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:           # a bug of ours must not look like a mismatch
        import traceback
        traceback.print_exc()
        sys.exit(2)
