#!/bin/bash
# --run --timeout: a pytest-like run whose event loop deadlocks (two tasks each
# holding the asyncio.Lock the other wants; the test awaits both with gather).
# At the timeout the watchdog writes aiomon-PID.json/.txt, whose tasks are
# exactly the target's own truth (names, states, coroutines, whole stacks,
# await edges), prints a summary naming the stuck tasks, kills the tree and
# exits with the command's status (143: SIGTERM).
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
# truth_first_ TRUTH SNAPSHOT: the truth was written before the snapshot was taken
# (else the watchdog fired before the target was stuck: a machine too loaded)
truth_first_() {
    [ -s "$1" ] && [ -s "$2" ] && "$HOST_PY" - "$1" "$2" <<'PYEOF'
import json, os, sys
sys.exit(0 if os.stat(sys.argv[1]).st_mtime_ns < json.load(open(sys.argv[2]))["taken_at_ns"] else 1)
PYEOF
}
# aiomon-attach without --run (not wired into main yet): nothing to test
need_run_() {
    "$AIOMON" --help 2>&1 | grep -q -- '--run' || skip_ "$AIOMON has no --run (not wired yet)"
}
need_run_

OUT=$TMPD/out
export AIOMON_TRUTH=$TMPD/truth.json
for timeout in 2 10; do
    rm -rf "$OUT" "$AIOMON_TRUTH"
    run_aiomon "$TMPD/stdout" "$TMPD/stderr" --run --timeout "$timeout" -o "$OUT" -- \
        "$PY" -E -s -B "$TARGETS/watchdog_deadlock.py"
    [ -s "$AIOMON_TRUTH" ] && truth_first_ "$AIOMON_TRUTH" "$OUT/aiomon-$(truth_pid "$AIOMON_TRUTH").json" &&
        break
    # A loaded machine can take more than 2 s to start Python: the target was
    # not stuck yet when the watchdog fired.  Say so, and once more with time.
    say "note: the target was not idle after ${timeout}s; again with a longer timeout"
    show_file_ "$TMPD/stderr"
done
truth_first_ "$AIOMON_TRUTH" "$OUT/aiomon-$(truth_pid "$AIOMON_TRUTH").json" ||
    { show_file_ "$TMPD/stderr"; framework_failure_ "the target wrote no truth before the snapshot"; }
show_file_ "$TMPD/stderr"
[ "$AIO_RC" -eq 143 ] || fail_ "exit status $AIO_RC, expected 143 (the command killed by SIGTERM)"
ok_ "exit status 143"

pid=$(truth_pid "$AIOMON_TRUTH")
[ -s "$OUT/aiomon-$pid.json" ] || fail_ "no $OUT/aiomon-$pid.json"
[ -s "$OUT/aiomon-$pid.txt" ] || fail_ "no $OUT/aiomon-$pid.txt"
[ "$(stat -c %a "$OUT")" = 700 ] || fail_ "$OUT has mode $(stat -c %a "$OUT"), expected 700"
ok_ "snapshot files written in a 0700 directory"
compare_ tasks "$AIOMON_TRUTH" "$OUT/aiomon-$pid.json"
ok_ "tasks equal the target's truth"
check_json_ "snapshot not torn, not partial" "$OUT/aiomon-$pid.json" \
    'not s["flags"]["torn"] and not s["flags"]["partial"]'
grep -q 'transfer a->b' "$OUT/aiomon-$pid.txt" || fail_ "the text snapshot does not name 'transfer a->b'"

# The summary: one process, its stuck tasks with their user frame and the awaited primitive.
[ "$(snapshot_count "$TMPD/stderr")" -eq 1 ] || fail_ "expected one process summary"
grep -qF "pid $pid \"$PY_ARGV0 " "$TMPD/stderr" || fail_ "summary does not name pid $pid"
for name in 'transfer a->b' 'transfer b->a'; do
    grep -Eq "task \"$name\" pending transfer: transfer at .*watchdog_deadlock\.py:[0-9]+ → (Lock\.)?acquire\$" \
            "$TMPD/stderr" ||
        fail_ "summary does not show task '$name' stuck in acquire"
done
grep -q "collected 1 item" "$TMPD/stdout" || fail_ "the command's stdout did not pass through"
ok_ "summary names the stuck tasks"

assert_gone_ "$pid"
