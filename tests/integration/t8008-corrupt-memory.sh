#!/bin/bash
# Corrupt interpreter memory is never a clean result (issue P1b): a target
# damages its own structures (targets/fault_corrupt.py: sys.modules' keys
# pointer, a task's name pointer, a gather's children list size, a frame
# whose previous frame is itself), is dumped, then repaired.  Each dump must
# exit 1 (partial) with a diagnostic naming the damage, never crash or hang,
# and the target must run on.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

for mode in modules task-name gather frame; do
    export AIOMON_REPAIR=$TMPD/repair.$mode
    start_target fault_corrupt.py "$mode"
    pid=$TARGET_PID
    case $mode in
    modules)   want="sys.modules" ;;
    task-name) want="name of task" ;;
    gather)    want="children of the gather" ;;
    frame)     want="frame chain of thread .* loops" ;;
    esac
    run_aiomon "$TMPD/$mode.json" "$TMPD/$mode.err" --dump --json "$pid"
    [ "$AIO_RC" -eq 1 ] || { show_file_ "$TMPD/$mode.err"; show_file_ "$TMPD/$mode.json" 3000; fail_ "$mode: exit $AIO_RC, expected 1 (partial)"; }
    grep -Eq "\"message\": \"[^\"]*$want" "$TMPD/$mode.json" ||
        { show_file_ "$TMPD/$mode.json" 3000; fail_ "$mode: no diagnostic matching '$want'"; }
    run_aiomon "$TMPD/$mode.txt" "$TMPD/$mode.terr" --dump "$pid"
    [ "$AIO_RC" -eq 1 ] || fail_ "$mode: text dump exit $AIO_RC, expected 1"
    touch "$AIOMON_REPAIR"
    sleep 0.2
    assert_running "$pid"
    ok_ "$mode: partial with a diagnostic ('$want'), the target repaired and running"
done
