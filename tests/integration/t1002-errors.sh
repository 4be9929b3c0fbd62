#!/bin/bash
# Errors are clean: exit 2 (64 for usage; a refusal may be either) with one
# "aiomon-attach: " line, no crash, and nothing left stopped.
#   - a pid that does not exist (the message names it)
#   - a process that is not Python (sleep): "not a Python process"
#   - usage errors: exit 64, the target untouched
#   - aiomon-attach's own pid; pid 1 when it is not Python (in a private pid
#     namespace: the real pid 1 of this machine is not ours to touch)
#   - a process another tracer holds (TracerPid set)
. "$(dirname "$0")/lib.sh"

start_target idle.py
PID=$TARGET_PID

# --help works and says how to dump.
run_aiomon "$TMPD/help" "$TMPD/help.err" --help
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/help.err"; fail_ "--help exited $AIO_RC"; }
grep -q -- --dump "$TMPD/help" || { show_file_ "$TMPD/help"; fail_ "--help does not mention --dump"; }
ok_ "--help"

# A pid that does not exist: one that just exited (and was not reused).
sleep 0 &
gone=$!
wait "$gone"
[ -d "/proc/$gone" ] && framework_failure_ "pid $gone was reused already"
run_aiomon "$TMPD/o" "$TMPD/e" --dump "$gone"
expect_error_ 2 "\\b$gone\\b" "$TMPD/e" "no such pid $gone"
run_aiomon "$TMPD/o" "$TMPD/e" --dump --json "$gone"
expect_error_ 2 "\\b$gone\\b" "$TMPD/e" "no such pid $gone (--json)"
[ -s "$TMPD/o" ] && { show_file_ "$TMPD/o"; fail_ "fatal error but output on stdout"; }

# Not a Python process.
start_helper sleep 1000
run_aiomon "$TMPD/o" "$TMPD/e" --dump "$HELPER_PID"
expect_error_ 2 "not a Python process" "$TMPD/e" "sleep (pid $HELPER_PID)"
assert_running "$HELPER_PID"

# Usage errors: exit 64, and the target is not touched.
usage_case() {
    run_aiomon "$TMPD/o" "$TMPD/e" "$@"
    expect_error_ 64 "" "$TMPD/e" "usage: aiomon-attach $*"
}
usage_case
usage_case --dump
usage_case --dump not-a-pid
usage_case --dump 12abc
usage_case --dump --no-such-option "$PID"
usage_case --dump --layout=bogus "$PID"
usage_case --dump -o
usage_case --dump "$PID" "$PID"
assert_running "$PID"

# Ourselves: aiomon-attach's own pid (sh execs it, so $$ is its pid).
# shellcheck disable=SC2016  # $$ is for the inner sh
timeout -k 5 "$AIOMON_TIMEOUT" sh -c 'exec "$0" --dump $$' "$AIOMON" >"$TMPD/o" 2>"$TMPD/e"
AIO_RC=$?
expect_error_ "2|64" "" "$TMPD/e" "its own pid"

# Pid 1 that is not Python, in a new pid namespace (the machine's own pid 1
# is not ours to touch): "not a Python process", and it keeps running.  (A
# Python pid 1, as in a container, must be dumped: t1005-pid-namespace.)
if unshare --pid --fork --mount-proc --kill-child true 2>/dev/null; then
    start_helper unshare --pid --fork --mount-proc --kill-child sleep 1000
    _WRAPPERS+=("$HELPER_PID")
    ns_init=
    for _ in $(seq 250); do     # bounded poll (5 s) for unshare's child to appear
        ns_init=$(ps -o pid= --ppid "$HELPER_PID" | tr -d ' ')
        [ -n "$ns_init" ] && break
        sleep 0.02
    done
    [ -n "$ns_init" ] || framework_failure_ "unshare started no child"
    _PIDS+=("$ns_init")
    timeout -k 5 "$AIOMON_TIMEOUT" nsenter -t "$ns_init" -p -m "$AIOMON" --dump 1 \
        >"$TMPD/o" 2>"$TMPD/e"
    AIO_RC=$?
    expect_error_ "2|64" "" "$TMPD/e" "pid 1 (sleep, pid 1 of its own pid namespace)"
    assert_running "$ns_init"
else
    say "note: cannot create a pid namespace here; pid 1 not tested"
fi

# A process that another tracer holds.
mkfifo "$TMPD/tracer.fifo" || framework_failure_ "mkfifo failed"
"$PY" -E -s -B "$TARGETS/tracer.py" "$PID" >"$TMPD/tracer.fifo" 2>"$TMPD/tracer.err" &
tracer=$!
_PIDS+=("$tracer")
exec {tfd}<"$TMPD/tracer.fifo"
line=
read -r -t "$READY_TIMEOUT" -u "$tfd" line
[ "$line" = seized ] || { show_file_ "$TMPD/tracer.err"; framework_failure_ "tracer.py did not seize $PID"; }
grep -q "^TracerPid:[[:space:]]*$tracer\$" "/proc/$PID/status" || framework_failure_ "TracerPid of $PID is not $tracer"
run_aiomon "$TMPD/o" "$TMPD/e" --dump "$PID"
expect_error_ 2 "" "$TMPD/e" "target already traced by pid $tracer"
kill -KILL "$tracer"
wait "$tracer" 2>/dev/null
exec {tfd}<&-
assert_running "$PID"
