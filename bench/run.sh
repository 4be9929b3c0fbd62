#!/bin/sh
# Benchmarks (not tests): wall time of a dump and how long the target was
# stopped, for N tasks and for a 50-thread process, with the layout cache
# cold and warm; and the stop per sample of --watch on 10,000 tasks.
# `aiomon-attach -v --dump PID` shows where the time of one dump goes
# (attach, walk before the stop, stop, refresh, walk under the stop, output).  The JSON goes to a redirected stdout: -o FILE adds an fsync
# (durable, atomic writes), which costs ~20 ms per MB on these disks.  Prints one line per measurement; the median of REPS runs.
#   bench/run.sh build/aiomon-attach [PYTHON]
set -eu
bin=$(readlink -f "$1")
cd "$(dirname "$0")"
PY=${2:-}
if [ -z "$PY" ]; then
    for c in /root/.pyenv/versions/3.12.*/bin/python3.12 /usr/bin/python3.11; do
        [ -x "$c" ] && { PY=$c; break; }
    done
fi
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
pid=

now_ns() { date +%s%N; }

start() {
    "$PY" tasks_target.py "$1" "$2" > "$tmp/out" &
    pid=$!
    i=0
    until grep -q ready "$tmp/out"; do
        i=$((i + 1)); [ $i -gt 600 ] && { echo "bench: target did not start" >&2; exit 1; }
        sleep 0.1
    done
}

# one dump; prints "wall_us stopped_us bytes calls"
measure() {
    t0=$(now_ns)
    XDG_CACHE_HOME=$tmp/cache "$bin" --dump --json "$pid" > "$tmp/snap.json"
    t1=$(now_ns)
    python3 - "$tmp/snap.json" "$(( (t1 - t0) / 1000 ))" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[2], s.get("stopped_us"), s.get("bytes_read"), s.get("read_calls"), len(s["tasks"]),
      len(s["threads"]))
PYEOF
}

median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }

report() {
    label=$1; shift
    : > "$tmp/runs"
    r=0
    while [ $r -lt "$REPS" ]; do
        [ "${COLD:-0}" = 1 ] && rm -rf "$tmp/cache"
        measure >> "$tmp/runs"
        r=$((r + 1))
    done
    wall=$(cut -d' ' -f1 "$tmp/runs" | median)
    stop=$(cut -d' ' -f2 "$tmp/runs" | median)
    set -- $(tail -n 1 "$tmp/runs")
    printf '%-34s wall %7.1f ms  stopped %7.1f ms  read %6s KiB in %5s calls  (%s tasks, %s threads)\n' \
        "$label" "$(awk "BEGIN {print $wall / 1000}")" "$(awk "BEGIN {print $stop / 1000}")" \
        "$(( $3 / 1024 ))" "$4" "$5" "$6"
}

echo "aiomon-attach benchmarks: $("$PY" -c 'import sys; print(sys.version.split()[0])') ($PY), median of $REPS"
# --watch: every sample after the first refreshes the pages the last one used
watch_report() {
    h=$(XDG_CACHE_HOME=$tmp/cache timeout 120 "$bin" --watch --interval 200 --samples 11 "$pid" \
        2>/dev/null | grep '^History' | tail -n 1)
    printf '%-34s %s\n' "$1" "${h#History: }"
}

for n in 1000 10000 100000; do
    start "$n" 0
    COLD=0 report "$n tasks (layout cache warm)"
    [ "$n" = 10000 ] && watch_report "$n tasks, --watch every 200 ms"
    kill $pid; wait $pid 2>/dev/null || true
done
start 0 50
COLD=1 report "50 threads (layout cache cold)"
COLD=0 report "50 threads (layout cache warm)"
