#!/bin/bash
# --watch (issue P7): a critical task that ends is in the history with its last stack and
# survives eviction; a task busy on one line is stuck, a periodic sleeper on one line
# (the scanner, like uvicorn's Server.serve) is not; a task that swallowed its
# cancellation is flagged with its frame; a growing flood is flagged with its rate;
# --record then --load gives the same history.
MIN_VERSION=3.11
. "$(dirname "$0")/lib.sh"

start_target history_app.py
run_aiomon "$TMPD/watch.json" "$TMPD/watch.err" --watch --interval 250 --samples 24 \
    --stuck 1 --history 5 --critical 'critical-*' --json --record "$TMPD/rec.jsonl" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/watch.err"; fail_ "--watch exited $AIO_RC"; }
assert_running "$TARGET_PID"
run_aiomon "$TMPD/load.json" "$TMPD/load.err" --load "$TMPD/rec.jsonl" --json \
    --stuck 1 --history 5 --critical 'critical-*'
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/load.err"; fail_ "--load of the record exited $AIO_RC"; }

"$HOST_PY" - "$TRUTH" "$TMPD/watch.json" "$TMPD/load.json" <<'PYEOF' || fail_ "history mismatch"
import json, sys
truth = json.load(open(sys.argv[1]))
lines, path = truth["lines"], truth["file"]
bad = []

def check(doc, label):
    h = doc["history"]
    ended = h["terminated"]
    crit = [t for t in ended if t["name"] == "critical-db"]
    if len(crit) != 1:
        bad.append("%s: critical-db not in the terminated history (%d ended)" % (label, len(ended)))
    else:
        c = crit[0]
        frames = [(f["file"], f["line"]) for f in c["stack"]]
        if not c["critical"]:
            bad.append("%s: critical-db not flagged critical" % label)
        if (path, lines["critical"]) not in frames:
            bad.append("%s: critical-db last stack %s lacks %s:%d" % (label, frames, path, lines["critical"]))
        if not c["last_seen_ns"] > c["first_seen_ns"]:
            bad.append("%s: critical-db lifetime not positive" % label)
    noncrit = [t for t in ended if not t["critical"]]
    if len(noncrit) > 5:
        bad.append("%s: history not bounded: %d non-critical ended" % (label, len(noncrit)))
    if not any(t["name"].startswith("churn-") for t in noncrit):
        bad.append("%s: no churn task in the terminated history" % label)
    live = {t["name"]: t for t in h["live"]}
    sp = live.get("Task-spinner") or next((t for t in h["live"] if t["coroutine"].endswith("spinner")), None)
    at = lambda t, line: any(f["file"] == path and f["line"] == line for f in t["stack"])
    if not sp or not sp["stuck"] or not at(sp, lines["spin"]):
        bad.append("%s: the spinner is not stuck on line %d: %s" % (label, lines["spin"], sp))
    if live.get("critical-db"):
        bad.append("%s: critical-db still live" % label)
    sw = live.get("swallower")
    if not sw or not sw["swallowing_cancel"] or not at(sw, lines["swallow"]):
        bad.append("%s: swallower not flagged at line %d: %s" % (label, lines["swallow"], sw))
    for t in h["live"]:
        if t["name"].startswith("churn-") and t["stuck"]:
            bad.append("%s: a churn task is called stuck" % label)
    # a record has no task's awaited future: a loaded history cannot tell the sleeper moved
    sc = live.get("scanner")
    if label == "watch" and (not sc or sc["stuck"]):
        bad.append("%s: the periodic scanner (sleep 0.1 s on one line) is called stuck: %s"
                   % (label, sc))
    fl = [f for f in h["floods"] if f["coroutine"] == "scanned"]
    if not fl or not fl[0]["growing"] or not fl[0]["rate_per_s"] > 0:
        bad.append("%s: the scan flood is not flagged growing: %s" % (label, fl))

w = json.load(open(sys.argv[2]))
l = json.load(open(sys.argv[3]))
check(w, "watch")
check(l, "load")
names = lambda d: sorted(t["name"] for t in d["history"]["terminated"] if t["critical"])
if names(w) != names(l):
    bad.append("critical terminated differ: watch %s, load %s" % (names(w), names(l)))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: history: critical end kept, stuck spinner, swallowed cancel, growing flood, record == load")
PYEOF
ok_ "watch history"

# The text --watch streams its events while it runs (one line each, wall-clock
# time, a sample's identical events folded: the scan-N tasks become stuck in
# tens), and its summary at ^C folds the ended churn tasks.
timeout -k 5 60 "$AIOMON" --watch --interval 250 --stuck 1 --critical 'critical-*' \
    "$TARGET_PID" >"$TMPD/stream.txt" 2>"$TMPD/stream.err" &
wpid=$!
_PIDS+=("$wpid")
deadline=$((SECONDS + 30))
want='^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}  '
until grep -Eq "${want}task \"swallower\" swallowed a cancellation: swallower  " "$TMPD/stream.txt" &&
      grep -Eq "${want}flood: [0-9]+ pending scanned at " "$TMPD/stream.txt" &&
      grep -Eq "${want}task \"[^\"]*\" stuck: [^ ]*spinner  " "$TMPD/stream.txt" &&
      [ "$(grep -Ec "${want}task \"churn-[0-9]+\" ended \([a-z ]+\): churn  " "$TMPD/stream.txt")" -ge 8 ] &&
      grep -Eq "${want}[0-9]+ tasks stuck: scanned  " "$TMPD/stream.txt"; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$wpid" 2>/dev/null; then
        ps -o pid,ppid,stat,wchan:20,cmd --ppid "$wpid" -p "$wpid" 2>&1; show_file_ "$TMPD/stream.txt"; show_file_ "$TMPD/stream.err"
        fail_ "--watch did not stream the swallowed, flood, stuck, ended and folded events within 30 s"
    fi
    sleep 0.2       # polling a growing file: the events come when they come
done
grep -q '^History:' "$TMPD/stream.txt" && fail_ "the summary came before ^C: nothing was streamed"
ok_ "--watch streamed events while running: $(grep -Ec "$want" "$TMPD/stream.txt") lines"
kill -INT "$wpid"
wait "$wpid"
rc=$?
[ "$rc" -eq 0 ] || { show_file_ "$TMPD/stream.err"; fail_ "--watch exited $rc after ^C"; }
grep -Eq "^    ×[0-9]+  churn  \(" "$TMPD/stream.txt" ||
    { show_file_ "$TMPD/stream.txt" 8000; fail_ "the summary does not fold the ended churn tasks"; }
grep -q '^History:' "$TMPD/stream.txt" || fail_ "no summary after ^C"
ok_ "--watch summary after ^C, ended churn tasks folded"
assert_running "$TARGET_PID"
