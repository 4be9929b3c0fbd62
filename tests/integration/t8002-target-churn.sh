#!/bin/bash
# Faults: a target that never holds still.
#   - churn: the loop creates and cancels short tasks non-stop while a thread
#     starts short-lived threads one after another: 50 dumps, each exits 0 or
#     1 (a partial snapshot) with valid JSON; the target keeps running.
#   - a target that exits, execs (/bin/sleep) or forks (children exiting at
#     once, non-stop) in the middle of a snapshot: triggered as soon as it
#     sees aiomon-attach seize it, or after a delay of 0-60 ms.  Every run
#     ends cleanly: valid JSON with exit 0 or 1, or exit 2 with exactly one
#     line "aiomon-attach: ..." on stderr and nothing on stdout (never a
#     "permission denied": a thread that has begun to exit refuses
#     PTRACE_SEIZE with EPERM); never a crash, never a hang; a forking target
#     keeps running.
#
# A target that exits, or whose non-main thread execs, while aiomon-attach
# seizes its threads once made the tool wait for ever in waitpid() on a zombie
# leader (fixed in live.c: WNOHANG polls plus the thread's /proc state).  A hang
# now fails the test; XFAIL_EXIT_HANG=1 would tolerate it again.
. "$(dirname "$0")/lib.sh"

XFAIL_EXIT_HANG=${XFAIL_EXIT_HANG:-0}

# A target killed and reaped here leaves lib.sh's kill list: its pid may be
# reused (pid_max can be 32768) before the EXIT trap runs.
forget_target() {
    local p keep=()
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    for p in "${_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    _PIDS=("${keep[@]}")
}

json_valid() {      # json_valid FILE: a JSON snapshot (strict UTF-8)
    "$HOST_PY" -c 'import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert d["format"] == "aiomon-snapshot", "not a snapshot"' "$1"
}

# check_run WHAT: the last run_aiomon ended cleanly (see above).
check_run() {
    local what=$1 lines
    case $AIO_RC in
    0|1)
        json_valid "$TMPD/out.json" || { show_file_ "$TMPD/out.json" 2000; fail_ "$what: exit $AIO_RC but invalid JSON"; } ;;
    2)
        lines=$(wc -l <"$TMPD/err")
        if [ "$lines" -ne 1 ] || ! head -n 1 "$TMPD/err" | grep -q '^aiomon-attach: '; then
            show_file_ "$TMPD/err"
            fail_ "$what: exit 2 but stderr is not one 'aiomon-attach: ' line ($lines lines)"
        fi
        [ -s "$TMPD/out.json" ] && { show_file_ "$TMPD/out.json" 500; fail_ "$what: exit 2 with output"; } ;;
    *)
        show_file_ "$TMPD/err"
        fail_ "$what: exit $AIO_RC (a crash, a hang or an unexpected error)" ;;
    esac
}

# ---------------------------------------------------------------- churn
start_target fault_churn.py churn 50
CHURN=$TARGET_PID
declare -A seen=()
AIOMON_TIMEOUT=20
for i in $(seq 50); do
    run_aiomon "$TMPD/out.json" "$TMPD/err" --dump --json "$CHURN"
    [ "$AIO_RC" -eq 2 ] && { show_file_ "$TMPD/err"; fail_ "churn dump $i: exit 2 on a live target"; }
    check_run "churn dump $i"
    seen[$AIO_RC]=$(( ${seen[$AIO_RC]:-0} + 1 ))
done
ok_ "50 dumps of a churning target: exit 0 x${seen[0]:-0}, exit 1 (partial) x${seen[1]:-0}"
assert_running "$CHURN"
forget_target "$CHURN"

# ------------------------------------------------- exit / exec / fork mid-snapshot
AIOMON_TIMEOUT=8
xfails=0
for mode in exit exec fork; do
    seen=()
    for trig in traced 0 20 30 traced 40 50 60 traced 70; do
        start_target fault_churn.py "$mode" "$trig" 2000
        run_aiomon "$TMPD/out.json" "$TMPD/err" --dump --json "$TARGET_PID"
        if [ "$mode" != fork ] && [ "$AIO_RC" -eq 124 ] && [ "$XFAIL_EXIT_HANG" = 1 ]; then
            say "XFAIL: $mode (trigger $trig): aiomon-attach hung (known bug in live.c, reported)"
            xfails=$((xfails + 1))
            forget_target "$TARGET_PID"
            continue
        fi
        check_run "$mode (trigger $trig)"
        say "$mode (trigger $trig): exit $AIO_RC $(head -c 200 "$TMPD/err")"
        seen[$AIO_RC]=$(( ${seen[$AIO_RC]:-0} + 1 ))
        # a target on its way out is "exited", never a permission problem
        if [ "$AIO_RC" -eq 2 ] && grep -qi 'permission' "$TMPD/err"; then
            fail_ "$mode (trigger $trig): a vanishing target reported as a permission problem"
        fi
        if [ "$mode" = fork ]; then
            [ "$AIO_RC" -eq 2 ] && fail_ "fork (trigger $trig): exit 2 on a target that is still there"
            assert_running "$TARGET_PID"
        fi
        forget_target "$TARGET_PID"
    done
    ok_ "$mode mid-snapshot: exit 0 x${seen[0]:-0}, 1 x${seen[1]:-0}, clean error (2) x${seen[2]:-0}"
done
[ "$xfails" -gt 0 ] && say "note: $xfails exit/exec runs hit the known hang (XFAIL)"
exit 0
