#!/bin/bash
# Faults: aiomon-attach killed at any moment never harms the target.
# A target with several threads (parked, and one spinning) and 2,000 tasks;
# 200 runs of --dump PID, each killed with SIGKILL after a random delay of
# 0-30 ms, counted from the start of the run (odd runs: most land before or
# during the attach) or from the moment the target shows a tracer (even runs:
# while seizing, while stopped, while reading, while resuming); then 25 runs
# each with SIGINT and SIGTERM, counted the same ways (the signal guard
# detaches and re-raises).  After every run: no thread of the target is
# stopped (t/T) or dead, and after each batch of runs its heartbeat counter
# still advances.  A run killed by SIGINT/SIGTERM exits by that signal or
# finished first (0 or 1); it never hangs.
#   KILL_RUNS=200 SIG_RUNS=25 override the counts.
. "$(dirname "$0")/lib.sh"

KILL_RUNS=${KILL_RUNS:-200}
SIG_RUNS=${SIG_RUNS:-25}

start_target fault_kill.py 2000 3
PID=$TARGET_PID

# No thread of PID stopped or dead (the heartbeat is checked per batch: it
# costs a tick of the target's clock).
# Shell builtins only: 250 runs of forks would cost more than the runs.
states_now() {
    local st line s
    STATES=
    for st in /proc/"$PID"/task/*/stat; do
        read -r line <"$st" 2>/dev/null || continue
        s=${line##*) }
        STATES+=${s%% *}
    done
}
quick_check() {
    local what=$1 st
    if [ ! -d "/proc/$PID" ]; then
        wait "$PID" 2>/dev/null
        st=$?
        say "--- target log:"; tail -n 20 "$TARGET_DIR/log"
        fail_ "$what: target $PID is gone (wait status $st: 137 = SIGKILL, 139 = SIGSEGV)"
    fi
    states_now
    case $STATES in
    *[tTZX]*)
        sleep 0.2   # once more after a moment: a detach cannot still be on its way
        states_now
        case $STATES in *[tTZX]*) fail_ "$what: target threads left in states '$STATES'" ;; esac ;;
    esac
}

# Wait (builtins, at most 2 s) until PID shows a tracer or process $1 is gone.
wait_traced() {
    local apid=$1 k v end=$((SECONDS + 2))
    while [ "$SECONDS" -le "$end" ] && kill -0 "$apid" 2>/dev/null; do
        while read -r k v; do
            [ "$k" = TracerPid: ] && break
        done <"/proc/$PID/status"
        [ "${v:-0}" != 0 ] && return 0
    done
    return 1
}

# run_killed SIGNAL DELAY_MS FROM: start --dump, send SIGNAL DELAY_MS after
# the start (FROM=start) or after the target shows a tracer (FROM=traced),
# reap.  Sets RUN_RC.  SIGINT is restored to its default first: a background job of
# a non-interactive shell starts with SIGINT ignored.
run_killed() {
    local sig=$1 ms=$2 from=$3 apid d n
    env --default-signal=INT,TERM "$AIOMON" --dump "$PID" >"$TMPD/out" 2>"$TMPD/err" &
    apid=$!
    [ "$from" = traced ] && wait_traced "$apid" && TRACED_SEEN=$((TRACED_SEEN + 1))
    printf -v d '0.%03d' "$ms"
    sleep "$d"
    kill -s "$sig" "$apid" 2>/dev/null
    # a tool that ignores the signal and hangs is caught here: 10 s, then KILL
    for ((n = 0; n < 500; n++)); do
        kill -0 "$apid" 2>/dev/null || break
        sleep 0.02
    done
    if kill -0 "$apid" 2>/dev/null; then
        kill -KILL "$apid"
        wait "$apid" 2>/dev/null
        show_file_ "$TMPD/err"
        fail_ "aiomon-attach still running 10 s after SIG$sig (delay ${ms} ms)"
    fi
    wait "$apid" 2>/dev/null
    RUN_RC=$?
}

declare -A seen=()
TRACED_SEEN=0
for i in $(seq "$KILL_RUNS"); do
    ms=$((RANDOM % 31))
    from=start
    [ $((i % 2)) -eq 0 ] && from=traced
    # (stderr: bash's own "Killed" notices of the runs)
    run_killed KILL "$ms" "$from" 2>/dev/null
    case $RUN_RC in
    0|1|137) ;;
    *) show_file_ "$TMPD/err"; fail_ "SIGKILL run $i (delay ${ms} ms from $from): exit $RUN_RC" ;;
    esac
    seen[$RUN_RC]=$(( ${seen[$RUN_RC]:-0} + 1 ))
    quick_check "SIGKILL run $i (delay ${ms} ms from $from, exit $RUN_RC)"
    [ $((i % 50)) -eq 0 ] && assert_running "$PID"
done
ok_ "$KILL_RUNS SIGKILL runs: exit 137 x${seen[137]:-0}, finished (0/1) x$(( ${seen[0]:-0} + ${seen[1]:-0} )), $TRACED_SEEN killed after the attach was seen"

for sig in INT TERM; do
    want=$((128 + $(kill -l "$sig")))
    seen=()
    for i in $(seq "$SIG_RUNS"); do
        ms=$((RANDOM % 31))
        from=start
        [ $((i % 2)) -eq 0 ] && from=traced
        run_killed "$sig" "$ms" "$from" 2>/dev/null
        if [ "$RUN_RC" -ne 0 ] && [ "$RUN_RC" -ne 1 ] && [ "$RUN_RC" -ne "$want" ]; then
            show_file_ "$TMPD/err"
            fail_ "SIG$sig run $i (delay ${ms} ms from $from): exit $RUN_RC, expected $want (or 0/1 if it finished)"
        fi
        seen[$RUN_RC]=$(( ${seen[$RUN_RC]:-0} + 1 ))
        quick_check "SIG$sig run $i (delay ${ms} ms from $from, exit $RUN_RC)"
    done
    assert_running "$PID"
    ok_ "$SIG_RUNS SIG$sig runs: exit $want x${seen[$want]:-0}, finished x$(( ${seen[0]:-0} + ${seen[1]:-0} ))"
done

# and a last normal dump still works
dump_json "$PID" "$TMPD/final.json"
assert_running "$PID"
