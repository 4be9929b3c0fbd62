#!/bin/bash
# Faults: --nonblocking (the target is never stopped, so every read races
# it) against a loop that creates and cancels tasks as fast as it can while
# threads come and go: 100 dumps, each within 10 s, never a crash (exit >=
# 128) or a hang, always exit 0 or 1 with valid JSON whose "torn" flag is
# set; the target keeps running.
#
# A thread state freed under the walk (a thread ending during a --nonblocking
# read) used to trip the layout sanity check of threads.c ("does not point
# back to its interpreter", exit 2) when it was the head of the list; the head
# is now read again before the layout is blamed.  XFAIL_TORN_TSTATE=1 would
# tolerate the old failure.
. "$(dirname "$0")/lib.sh"

XFAIL_TORN_TSTATE=${XFAIL_TORN_TSTATE:-0}
xfails=0

start_target fault_churn.py churn 200
PID=$TARGET_PID
AIOMON_TIMEOUT=10
declare -A seen=()
for i in $(seq 100); do
    run_aiomon "$TMPD/out.json" "$TMPD/err" --nonblocking --dump --json "$PID"
    if [ "$AIO_RC" -eq 2 ] && [ "$XFAIL_TORN_TSTATE" = 1 ] &&
        grep -q 'does not point back to its interpreter' "$TMPD/err"; then
        say "XFAIL: --nonblocking dump $i: $(head -c 200 "$TMPD/err") (known bug, reported)"
        xfails=$((xfails + 1))
        continue
    fi
    case $AIO_RC in
    0|1) ;;
    124) fail_ "--nonblocking dump $i: hung (timeout ${AIOMON_TIMEOUT}s)" ;;
    *) show_file_ "$TMPD/err"; fail_ "--nonblocking dump $i: exit $AIO_RC" ;;
    esac
    "$HOST_PY" -c 'import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert d["format"] == "aiomon-snapshot", "not a snapshot"
assert d["flags"]["torn"] is True, "torn flag not set"' "$TMPD/out.json" ||
        { show_file_ "$TMPD/out.json" 2000; fail_ "--nonblocking dump $i: invalid JSON or torn not set"; }
    seen[$AIO_RC]=$(( ${seen[$AIO_RC]:-0} + 1 ))
    # the target is never stopped: no tracer, no stopped thread, at any time
    grep -q '^TracerPid:[[:space:]]*0$' "/proc/$PID/status" || fail_ "--nonblocking dump $i left a tracer"
done
ok_ "100 --nonblocking dumps of a churning target: exit 0 x${seen[0]:-0}, exit 1 (partial) x${seen[1]:-0}, XFAIL x$xfails"
[ "$(( ${seen[0]:-0} + ${seen[1]:-0} ))" -ge 50 ] || fail_ "fewer than 50 of 100 dumps gave a snapshot"
assert_running "$PID"
