#!/bin/bash
# --watch --metrics (issue P8): a real Prometheus scrapes aiomon-attach watching a churning
# app (workers waiting on a lock, short requests, some raising); its answers match the app's
# own truth (the worker group exactly, pending and done within what the app allows, ended
# requests counted by outcome, never more than the app finished); --metrics-file passes
# promtool; usage errors and a port in use are one line, before the target is touched;
# with --subprocesses every process has its own series, labelled with its pid.
. "$(dirname "$0")/lib.sh"

command -v prometheus >/dev/null && command -v promtool >/dev/null ||
    skip_ "prometheus package not installed (it gives prometheus and promtool: sh setup.sh check)"

start_target metrics_app.py

# --- refusals: one line each, nothing attached
expect_line_() {    # expect_line_ RC PATTERN ARGS...
    local want=$1 pat=$2
    shift 2
    run_aiomon "$TMPD/r.out" "$TMPD/r.err" "$@"
    [ "$AIO_RC" -eq "$want" ] && [ "$(wc -l <"$TMPD/r.err")" -eq 1 ] &&
        grep -q -- "$pat" "$TMPD/r.err" ||
        { show_file_ "$TMPD/r.err"; fail_ "$* exited $AIO_RC (want $want, one line: $pat)"; }
}
expect_line_ 64 "need --watch" --metrics 127.0.0.1:0 "$TARGET_PID"
expect_line_ 64 "need --watch" --dump --metrics-file "$TMPD/x.prom" "$TARGET_PID"
expect_line_ 64 "ADDR:PORT" --watch --metrics 127.0.0.1:99999 "$TARGET_PID"
ok_ "--metrics without --watch and a malformed ADDR:PORT refused (64, one line)"

# --- the watch, serving on a port the kernel picks (said in its banner)
start_helper "$AIOMON" --watch --interval 200 --metrics 127.0.0.1:0 \
    --metrics-file "$TMPD/aiomon.prom" "$TARGET_PID"
WATCH_PID=$HELPER_PID
WATCH_LOG=$TMPD/helper.$_nhelpers.log
port=
deadline=$((SECONDS + 30))
until port=$(sed -n 's/^Metrics for Prometheus on .* (port \([0-9]*\))$/\1/p' "$WATCH_LOG") &&
      [ -n "$port" ] && [ -s "$TMPD/aiomon.prom" ]; do
    [ "$SECONDS" -lt "$deadline" ] && kill -0 "$WATCH_PID" 2>/dev/null ||
        { show_file_ "$WATCH_LOG"; fail_ "--watch --metrics did not start serving"; }
    sleep 0.1       # polling its log: the banner comes when it comes
done
ok_ "--watch serves metrics on 127.0.0.1:$port"

# --- a real Prometheus on loopback, its data in our temp dir
prom_port=$("$HOST_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMPD/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: aiomon
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
promtool check config "$TMPD/prometheus.yml" >/dev/null ||
    framework_failure_ "promtool rejects the test's own prometheus.yml"
start_helper prometheus --config.file="$TMPD/prometheus.yml" --storage.tsdb.path="$TMPD/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn
PROM_PID=$HELPER_PID
PROM_LOG=$TMPD/helper.$_nhelpers.log

# Until Prometheus has scraped a sample in which the app is warmed up, then every check
# against the truth (query.py prints what is wrong, exit 2: not there yet).
cat >"$TMPD/query.py" <<'PYEOF'
import json, sys, time, urllib.parse, urllib.request
prom, truth_path, minor, final = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "final"
truth = json.load(open(truth_path))

def q(expr):
    url = "http://%s/api/v1/query?query=%s" % (prom, urllib.parse.quote(expr))
    with urllib.request.urlopen(url, timeout=5) as r:
        d = json.load(r)
    if d.get("status") != "success":
        sys.exit("query %s: %s" % (expr, d))
    return [(s["metric"], float(s["value"][1])) for s in d["data"]["result"]]

def one(expr):
    v = q(expr)
    return v[0][1] if len(v) == 1 else None

try:
    up = one('up{job="aiomon"}')
except OSError as e:
    print("prometheus not answering yet: %s" % e)
    sys.exit(2)
if up != 1 or one("aiomon_up") != 1 or (one("aiomon_samples_total") or 0) < 5:
    print("not scraped yet (up %s)" % up)
    sys.exit(2)
W, INF, KEEP = truth["workers"], truth["inflight"], truth["keep"]
bad = []
pending = one('aiomon_tasks{state="pending"}')
if pending is None or not W + 1 <= pending <= W + 1 + INF:
    bad.append("pending %s, want %d..%d (workers + main + in flight)" % (pending, W + 1, W + 1 + INF))
done = one('aiomon_tasks{state="done"}')
# the requests kept, those finished whose callback has not run yet, main's last one
if minor <= 13 and (done is None or not 2 * KEEP <= done <= 2 * KEEP + INF + 1):
    bad.append("done %s, want %d..%d (the requests kept referenced)" % (done, 2 * KEEP, 2 * KEEP + INF + 1))
groups = q('aiomon_tasks_by_group{coroutine="worker"}')
where = "worker %s:%d" % (truth["file"], truth["worker_line"])
if len(groups) != 1 or groups[0][1] != W or not groups[0][0]["where"].startswith(where):
    bad.append("worker group %s, want %d tasks where %r..." % (groups, W, where))
other = q('aiomon_tasks_by_group{coroutine="other",where="other"}')
if len(other) != 1 or other[0][1] != 0:
    bad.append("other group %s: fewer groups than --metrics-top, want 0" % other)
ended = {m["outcome"]: v for m, v in q("aiomon_tasks_ended_total")}
# the app's counts, written every 50 ms, read well after the sample Prometheus has
time.sleep(0.2)
counts = json.load(open(truth_path + ".counts"))
if set(ended) != {"ok", "exception", "cancelled", "unknown"}:
    bad.append("ended outcomes %s" % ended)
if ended.get("cancelled"):
    bad.append("%s cancelled: the app cancels nothing" % ended["cancelled"])
# counted once each: never more than the app finished (its counts are written after)
if ended.get("ok", 0) > counts["ok"] or ended.get("exception", 0) > counts["exception"]:
    bad.append("ended %s, more than the app finished %s" % (ended, counts))
if minor <= 13 and final and not (ended.get("ok", 0) > 0 and ended.get("exception", 0) > 0):
    bad.append("no request ended ok and with an exception: %s" % ended)
if sum(ended.values()) > counts["ok"] + counts["exception"]:
    bad.append("ended %s, more than the app finished %s" % (ended, counts))
stops = one("aiomon_target_stop_seconds_count")
samples, errors = one("aiomon_samples_total"), one("aiomon_sample_errors_total")
if stops is None or samples is None or stops != samples - errors:
    bad.append("stop histogram count %s != samples %s - errors %s" % (stops, samples, errors))
if one("aiomon_await_cycles") != 0 or one("aiomon_tasks_swallowing_cancel") != 0:
    bad.append("cycles or swallowed cancellations in an app without any")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: pending %d, done %s, %d workers at %s, ended %s (app: %s), %d samples"
      % (pending, done, W, where, ended, counts, samples))
PYEOF
deadline=$((SECONDS + 60))
while :; do
    "$HOST_PY" "$TMPD/query.py" "127.0.0.1:$prom_port" "$TRUTH" "$PYMINOR" first >"$TMPD/q.out" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && break
    if [ "$rc" -ne 2 ] || [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$PROM_PID" 2>/dev/null; then
        show_file_ "$TMPD/q.out"; show_file_ "$PROM_LOG"; show_file_ "$WATCH_LOG"
        fail_ "Prometheus's view of the metrics does not match the app's truth"
    fi
    sleep 0.5       # polling Prometheus: it scrapes every second
done
ok_ "Prometheus: $(cat "$TMPD/q.out")"
# a few seconds later: requests have ended, counted by outcome
sleep 3             # let the requests the app keeps roll over (~100 per second)
"$HOST_PY" "$TMPD/query.py" "127.0.0.1:$prom_port" "$TRUTH" "$PYMINOR" final >"$TMPD/q.out" 2>&1 ||
    { show_file_ "$TMPD/q.out"; fail_ "ended requests not counted as the app finished them"; }
ok_ "Prometheus, 3 s later: $(cat "$TMPD/q.out")"

promtool check metrics <"$TMPD/aiomon.prom" >"$TMPD/promtool.out" 2>&1 ||
    { show_file_ "$TMPD/promtool.out"; show_file_ "$TMPD/aiomon.prom"; fail_ "promtool check metrics"; }
"$HOST_PY" - "$port" <<'PYEOF' || fail_ "the server answers something else than /metrics"
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen("http://127.0.0.1:%s/nope" % sys.argv[1], timeout=5)
    sys.exit("/nope answered 200")
except urllib.error.HTTPError as e:
    if e.code != 404:
        sys.exit("/nope answered %d" % e.code)
PYEOF
ok_ "--metrics-file passes promtool check metrics; /nope is 404"

# a port in use (Prometheus's): one line, exit 2, the target never touched
expect_line_ 2 "in use" --watch --metrics "127.0.0.1:$prom_port" "$TARGET_PID"
ok_ "a port in use refused (2, one line)"
assert_running "$TARGET_PID"

kill -INT "$WATCH_PID"
wait "$WATCH_PID"
rc=$?
[ "$rc" -eq 0 ] || { show_file_ "$WATCH_LOG"; fail_ "--watch --metrics exited $rc after ^C"; }
grep -q '^History:' "$WATCH_LOG" || fail_ "no history summary after ^C"
ok_ "--watch --metrics stopped on ^C with its summary"
assert_running "$TARGET_PID"

# --- --subprocesses: a supervisor and three Python workers, each its own series
start_target subprocs.py
run_aiomon "$TMPD/sub.out" "$TMPD/sub.err" --watch --subprocesses --interval 200 --samples 3 \
    --metrics-file "$TMPD/sub.prom" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/sub.err"; fail_ "--watch --subprocesses exited $AIO_RC"; }
promtool check metrics <"$TMPD/sub.prom" >"$TMPD/promtool.out" 2>&1 ||
    { show_file_ "$TMPD/promtool.out"; fail_ "promtool check metrics (--subprocesses)"; }
"$HOST_PY" - "$TMPD/sub.prom" "$TRUTH" <<'PYEOF' || { show_file_ "$TMPD/sub.prom" 6000; fail_ "--subprocesses series"; }
import json, re, sys
text = open(sys.argv[1]).read()
truth = json.load(open(sys.argv[2]))
up = dict(re.findall(r'^aiomon_up\{pid="(\d+)"\} (\d)$', text, re.M))
want = sorted([str(truth["parent"])] + list(truth["children"]))
assert sorted(up) == want, "aiomon_up for %s, want %s" % (sorted(up), want)
assert set(up.values()) == {"1"}, up
for pid, names in truth["children"].items():
    m = re.search(r'^aiomon_tasks\{pid="%s",state="pending"\} (\d+)$' % pid, text, re.M)
    assert m and int(m.group(1)) >= len(names), "pid %s: %s pending, want >= %d" % (pid, m and m.group(1), len(names))
print("ok: a series set for each of %d processes" % len(up))
PYEOF
ok_ "--subprocesses: each process labelled with its pid, promtool passes"
assert_running "$TARGET_PID"
