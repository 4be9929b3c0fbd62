# tests/integration/lib_track.sh - sourced by the t9xxx tests (--track,
# --untrack), after lib.sh.  Targets are targets/track_app.py (see there).
#
#   track_report N      ask the target (TARGET_PID, TRUTH) for its report N:
#                       SIGUSR1 for a loop, a line on its FIFO when blocked;
#                       waits for $TRUTH.report.N (bounded), prints its path
#   report_get FILE KEY the JSON value of KEY in a report (Python's repr)
#   no_script_left PID  no aiomon-track-*.py is left in the target's /tmp

track_report() {
    local n=$1 f=$TRUTH.report.$1 i
    if [ -p "$TRUTH.fifo" ]; then
        printf 'r\n' >"$TRUTH.fifo"
    else
        kill -USR1 "$TARGET_PID"
    fi
    for ((i = 0; i < 500; i++)); do
        [ -s "$f" ] && { printf '%s\n' "$f"; return 0; }
        sleep 0.02      # polling for a file the target renames into place
    done
    say "--- target log:"; cat "$TARGET_DIR/log"
    fail_ "the target wrote no report $n in 10 s"
}

report_get() {
    "$HOST_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# expect_report FILE KEY VALUE WHAT
expect_report() {
    local got
    got=$(report_get "$1" "$2")
    [ "$got" = "$3" ] || { show_file_ "$1"; fail_ "$4: $2 is '$got', expected '$3'"; }
    ok_ "$4: $2 = $3"
}

no_script_left() {
    local left
    left=$(ls "/proc/$1/root/tmp/" 2>/dev/null | grep -c '^aiomon-track-.*\.py$')
    [ "$left" -eq 0 ] || fail_ "$left aiomon-track-*.py file(s) left in /tmp of process $1"
    ok_ "no script file left in the target's /tmp"
}
