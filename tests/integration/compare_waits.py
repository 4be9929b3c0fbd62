"""compare_waits.py TRUTH GOT: every task's "waiting_on" in aiomon's JSON
against the truth a target computed (EXTRA_TRUTH["waits"], by task id).

Usage: compare_waits.py TRUTH.json GOT.json

Facts compare exactly; seconds (sleep's seconds_left, timeout_in) are given
in the truth as absolute deadlines on CLOCK_MONOTONIC ("deadline",
"timeout_deadline") with the monotonic time the truth was taken: the value
read must lie between the deadline minus the time elapsed since then (now,
after the dump) and the deadline minus the truth's time.  Every other
pending task that is not running must wait on something (not null).
Exit 0 equal, 1 mismatches, 2 usage or unreadable input.
"""
import json
import sys
import time

FACTS = ("kind", "object", "detail", "locked", "waiters", "value", "is_set", "qsize",
         "maxsize", "thread", "fd", "local", "peer", "direction", "pid")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    now = time.monotonic()
    with open(argv[0], encoding="utf-8") as fh:
        truth = json.load(fh)
    with open(argv[1], encoding="utf-8") as fh:
        got = json.load(fh)
    t0 = truth.get("monotonic", now)
    tasks = {t["id"]: t for t in got["tasks"]}
    errors = []
    for tid, w in sorted(truth["waits"].items()):
        t = tasks.get(tid)
        if t is None:
            errors.append("%s: missing in aiomon output" % tid)
            continue
        g = t.get("waiting_on")
        what = "%s %s" % (tid, t.get("name"))
        if not isinstance(g, dict):
            errors.append("%s: waiting_on %r, truth %r" % (what, g, w))
            continue
        for f in FACTS:
            if f in w and g.get(f, "(absent)") != w[f]:
                errors.append("%s: %s: aiomon %r, truth %r" % (what, f, g.get(f, "(absent)"), w[f]))
        for dk, gk in (("deadline", "seconds_left"), ("timeout_deadline", "timeout_in")):
            if dk not in w:
                if gk in g:
                    errors.append("%s: %s %r, none in the truth" % (what, gk, g[gk]))
                continue
            lo, hi = w[dk] - now - 0.001, w[dk] - t0 + 0.001
            v = g.get(gk)
            if not isinstance(v, (int, float)) or not lo <= v <= hi:
                errors.append("%s: %s: aiomon %r, truth between %.3f and %.3f"
                              % (what, gk, v, lo, hi))
    for t in got["tasks"]:
        if t["state"] == "pending" and not t["running"] and t.get("waiting_on") is None:
            errors.append("%s %s: pending, waiting_on null" % (t["id"], t.get("name")))
    for e in errors[:40]:
        print("  " + e)
    print("compare waits: %d tasks: %s" % (len(truth["waits"]),
          "%d mismatches" % len(errors) if errors else "equal"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
