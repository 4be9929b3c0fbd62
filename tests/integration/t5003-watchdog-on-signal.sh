#!/bin/bash
# --run --on-signal: a Python process of the tree that is about to die of a fatal
# signal is snapshotted at that moment (the faulting thread in its
# signal-delivery-stop, the other threads interrupted: not torn), then the signal
# goes on: the process dies exactly as without aiomon-attach (same status).
#   abort: os.abort() inside a task -> SIGABRT, 134
#   segv:  ctypes.memset(0, 0, 1) inside a task -> SIGSEGV, 139
#   segv with -X faulthandler: Python's handler runs (its traceback on stderr),
#          re-raises, still 139, and one snapshot only
. "$(dirname "$0")/lib.sh"
# --- watchdog test helpers (the same in every t5xxx test)
# truth_pid FILE: the "pid" of a truth file
truth_pid() {
    "$HOST_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' "$1"
}
# check_json_ WHAT FILE EXPR [ARGS...]: EXPR (Python, `s` = the JSON of FILE,
# `args` = ARGS) must be true, else fail_ WHAT
check_json_() {
    local what=$1 file=$2 expr=$3
    shift 3
    if ! "$HOST_PY" - "$file" "$expr" "$@" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
args = sys.argv[3:]
ok = eval(sys.argv[2], {"s": s, "args": args})
sys.exit(0 if ok else 1)
PYEOF
    then
        show_file_ "$file" 3000
        fail_ "$what"
    fi
    ok_ "$what"
}
# assert_gone_ PID: no process PID, not even a zombie
assert_gone_() {
    [ -d "/proc/$1" ] && fail_ "process $1 is still there ($(sed 's/.*) //' "/proc/$1/stat" | cut -c1))"
    ok_ "process $1 is gone"
}
# snapshot_count ERRFILE: how many per-process summaries the watchdog printed
snapshot_count() {
    grep -c '^aiomon-attach: [^:]*: pid [0-9]* "' "$1"
}
# aiomon-attach without --run (not wired into main yet): nothing to test
need_run_() {
    "$AIOMON" --help 2>&1 | grep -q -- '--run' || skip_ "$AIOMON has no --run (not wired yet)"
}
need_run_

ulimit -c 0     # no core files from the deliberate crashes
OUT=$TMPD/out
export AIOMON_TRUTH=$TMPD/truth.json

# crash_case WHAT MODE STATUS SIGNAL [PYTHON-OPTIONS...]
crash_case() {
    local what=$1 mode=$2 status=$3 sig=$4 pid rc
    shift 4
    # The same command without us: the status the watchdog must give back.
    ("$PY" -E -s -B "$@" "$TARGETS/watchdog_fatal.py" "$mode"; exit $?) >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq "$status" ] || framework_failure_ "$what: without aiomon-attach it exits $rc, not $status"
    rm -rf "$OUT" "$AIOMON_TRUTH"
    run_aiomon "$TMPD/stdout" "$TMPD/stderr" --run --on-signal -o "$OUT" -- \
        "$PY" -E -s -B "$@" "$TARGETS/watchdog_fatal.py" "$mode"
    show_file_ "$TMPD/stderr"
    [ "$AIO_RC" -eq "$status" ] || fail_ "$what: exit status $AIO_RC, expected $status"
    ok_ "$what: exit status $status, as without aiomon-attach"
    [ -s "$AIOMON_TRUTH" ] || framework_failure_ "$what: the target wrote no truth"
    pid=$(truth_pid "$AIOMON_TRUTH")
    [ -s "$OUT/aiomon-$pid.json" ] || fail_ "$what: no snapshot $OUT/aiomon-$pid.json"
    [ -s "$OUT/aiomon-$pid.txt" ] || fail_ "$what: no snapshot $OUT/aiomon-$pid.txt"
    compare_ tasks "$AIOMON_TRUTH" "$OUT/aiomon-$pid.json"
    ok_ "$what: tasks equal the truth written on the crashing line"
    # Not torn: the other thread ("parked") was interrupted while the process was read.
    check_json_ "$what: the main thread is in the crasher, 2 threads, not torn" \
        "$OUT/aiomon-$pid.json" \
        '(not s["flags"]["torn"] and len(s["threads"]) == 2 and
          any(f["function"] == "crasher" for t in s["threads"] if t["is_main"] for f in t["frames"]))'
    [ "$(snapshot_count "$TMPD/stderr")" -eq 1 ] || fail_ "$what: expected one summary"
    grep -q "^aiomon-attach: $sig in thread $pid: pid $pid " "$TMPD/stderr" ||
        fail_ "$what: the summary does not name $sig and pid $pid"
    assert_gone_ "$pid"
}

crash_case "os.abort() in a task" abort 134 SIGABRT
crash_case "ctypes.memset(0, 0, 1) in a task" segv 139 SIGSEGV
crash_case "SIGSEGV with faulthandler" segv 139 SIGSEGV -X faulthandler
grep -q "Fatal Python error: Segmentation fault" "$TMPD/stderr" ||
    fail_ "faulthandler's report did not reach stderr"
ok_ "faulthandler ran and re-raised"
