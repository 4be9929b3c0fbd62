#!/bin/bash
# Why tasks ended and where they were created (targets/tasks_end.py): every
# done task's exception (type, module, message, traceback, retrieved, cause),
# every cancelled task's message and CancelledError traceback, every debug-mode
# task's creation stack, exactly as the truth has them, C and pure-Python
# tasks; then the text views say the same.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_end.py

# --load reads the three keys back: the round trip is byte-identical (but for
# the "loaded" flag it sets)
run_aiomon "$TMPD/rt.json" "$TMPD/rt.err" --load "$TMPD/out.json" --dump --json
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/rt.err"; fail_ "--load --dump --json exited $AIO_RC"; }
sed 's/"loaded": false/"loaded": true/' "$TMPD/out.json" >"$TMPD/out-loaded.json"
cmp -s "$TMPD/out-loaded.json" "$TMPD/rt.json" ||
    { diff "$TMPD/out-loaded.json" "$TMPD/rt.json" | head -20; fail_ "--load round trip differs"; }
grep -q '"retrieved": false' "$TMPD/rt.json" && grep -q '"created_at": \[' "$TMPD/rt.json" ||
    fail_ "the round trip has no never-retrieved exception or no creation stack"
ok_ "--load round trip byte-identical"

# the text view says the same: the tree line's reason, --stacks' tracebacks
run_aiomon "$TMPD/t.txt" "$TMPD/t.err" --load "$TMPD/out.json" --dump --stacks
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/t.err"; fail_ "--load --dump --stacks exited $AIO_RC"; }
want_line_() {
    grep -qxF -- "$1" "$TMPD/t.txt" || { show_file_ "$TMPD/t.txt" 12000; fail_ "no line: $1"; }
}
# a tree line: the C task's or the pure-Python one's (whichever the fold keeps
# first; both fold into one with the same reason; 3.14+ lists no done C task)
want_row_() {
    grep -qxF -e "$1" -e "py-$1" -e "$1  ×2" -e "py-$1  ×2" "$TMPD/t.txt" ||
        { show_file_ "$TMPD/t.txt" 12000; fail_ "no line: $1"; }
}
want_row_ "crashed-worker  done  KeyError: 'tenant-7' at tasks_end.py:36 (never retrieved)"
want_row_ "failed-retrieved  done  ValueError: ('boom', 3) at tasks_end.py:45"
want_row_ "quota  done  Errors.Quota: 7 at tasks_end.py:49 (never retrieved)"
want_line_ "      Traceback (most recent call last):"
want_line_ "        File \"$TARGETS/tasks_end.py\", line 41, in worker"
want_line_ "        File \"$TARGETS/tasks_end.py\", line 36, in lookup"
want_line_ "      KeyError: 'tenant-7'"
want_line_ "      ValueError: bad tenant"
want_line_ "      The above exception was the direct cause of the following exception:"
want_line_ "      Created at (most recent call last):"
if [ "$(version_num "3.$PYMINOR")" -ge "$(version_num 3.9)" ]; then
    # pure-Python tasks keep the CancelledError (3.9+), whose arg is the message
    grep -q '^py-cancelled-msg  cancelled ("shutdown") at ' "$TMPD/t.txt" ||
        { show_file_ "$TMPD/t.txt" 12000; fail_ "no py-cancelled-msg line with its message"; }
else
    say "# 3.8 has no cancel message: the cancelled-msg part is not run"
fi
ok_ "text: reasons on the tree lines, tracebacks and creation stacks under --stacks"

# --watch keeps the reason of every task seen ended (JSON and text)
run_aiomon "$TMPD/w.json" "$TMPD/w.err" --watch --interval 100 --samples 2 --json "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/w.err"; fail_ "--watch --json exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/out.json" "$TMPD/w.json" <<'PYEOF' || fail_ "--watch reasons differ"
import json, sys
snap = json.load(open(sys.argv[1]))
hist = json.load(open(sys.argv[2]))["history"]
ended = {t["id"]: t for t in hist["terminated"]}
bad, n = [], 0
for t in snap["tasks"]:
    if t["state"] == "pending":
        continue
    h = ended.get(t["id"])
    if h is None:
        bad.append("%s: not in the terminated history" % t["name"])
        continue
    want = None
    if t["exception"]:
        e = t["exception"]
        tb = e["traceback"]
        want = "%s%s%s%s" % (e["type"], ": " + e["message"] if e["message"] else "",
                             " at %s:%d" % (tb[0]["file"].rsplit("/", 1)[-1], tb[0]["line"]) if tb else "",
                             "" if e["retrieved"] else " (never retrieved)")
    elif t["cancelled"]:
        c = t["cancelled"]
        tb = c["traceback"]
        want = "cancelled%s%s" % (' ("%s")' % c["message"] if c["message"] is not None else "",
                                  " at %s:%d" % (tb[0]["file"].rsplit("/", 1)[-1], tb[0]["line"]) if tb else "")
    if h.get("reason") != want:
        bad.append("%s: reason %r, expected %r" % (t["name"], h.get("reason"), want))
    n += 1
for b in bad:
    print("  " + b)
print("--watch: %d ended tasks, %d reasons differ" % (n, len(bad)))
sys.exit(1 if bad or n < 8 else 0)   # 3.14+ lists no done C task: the 8-9 pure-Python ones
PYEOF
run_aiomon "$TMPD/w.txt" "$TMPD/w.err" --watch --interval 100 --samples 2 "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/w.err"; fail_ "--watch exited $AIO_RC"; }
grep -qxF "      KeyError: 'tenant-7' at tasks_end.py:36 (never retrieved)" "$TMPD/w.txt" ||
    { show_file_ "$TMPD/w.txt" 8000; fail_ "--watch text: no reason line for crashed-worker"; }
# the streamed event of an ended task says why (both crashed-workers fold into one line)
grep -qE "(task \"(py-)?crashed-worker\"|2 tasks) ended \(done\): worker  KeyError: 'tenant-7' at tasks_end\.py:36 \(never retrieved\)\$" "$TMPD/w.txt" ||
    { show_file_ "$TMPD/w.txt" 8000; fail_ "--watch: no ended event with crashed-worker's reason"; }
ok_ "--watch: every ended task's reason, JSON and text"
assert_running "$TARGET_PID"
