#!/bin/bash
# --run leaves the command alone: its stdout, stderr and stdin pass through, its
# exit status is ours (128+N when a signal killed it), its process group is ours,
# a command that cannot start gives one line and exit 127 (not found) or 126
# (not runnable), as timeout(1) and shells do; SIGTERM, SIGINT and
# SIGHUP sent to aiomon-attach reach the command, and aiomon-attach waits for it.
# Each case runs plain and with --on-signal (the tree traced).
. "$(dirname "$0")/lib.sh"
# --- watchdog test helpers (the same in every t5xxx test)
# aiomon-attach without --run (not wired into main yet): nothing to test
need_run_() {
    "$AIOMON" --help 2>&1 | grep -q -- '--run' || skip_ "$AIOMON has no --run (not wired yet)"
}
need_run_

for mode in plain on-signal; do
    opts=(--run)
    [ "$mode" = on-signal ] && opts=(--run --on-signal)

    # stdout, exit status
    run_aiomon "$TMPD/o" "$TMPD/e" "${opts[@]}" -- "$PY" -c 'print(1); exit(3)'
    [ "$AIO_RC" -eq 3 ] || { show_file_ "$TMPD/e"; fail_ "$mode: exit status $AIO_RC, expected 3"; }
    [ "$(cat "$TMPD/o")" = 1 ] || { show_file_ "$TMPD/o"; fail_ "$mode: stdout is not '1'"; }
    [ -s "$TMPD/e" ] && { show_file_ "$TMPD/e"; fail_ "$mode: something on stderr"; }
    ok_ "$mode: print(1); exit(3) -> stdout 1, exit 3, stderr empty"

    # stdin and stderr
    printf 'abc' | timeout -k 5 "$AIOMON_TIMEOUT" "$AIOMON" "${opts[@]}" -- "$PY" -c \
        'import sys; sys.stdout.write(sys.stdin.read().upper()); sys.stderr.write("err\n")' \
        >"$TMPD/o" 2>"$TMPD/e"
    AIO_RC=$?
    [ "$AIO_RC" -eq 0 ] && [ "$(cat "$TMPD/o")" = ABC ] && [ "$(cat "$TMPD/e")" = err ] ||
        { show_file_ "$TMPD/o"; show_file_ "$TMPD/e"; fail_ "$mode: stdin/stderr pass-through (exit $AIO_RC)"; }
    ok_ "$mode: stdin and stderr pass through"

    # killed by a signal: 128 + N
    run_aiomon "$TMPD/o" "$TMPD/e" "${opts[@]}" -- "$PY" -c \
        'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'
    [ "$AIO_RC" -eq 137 ] || { show_file_ "$TMPD/e"; fail_ "$mode: SIGKILL: exit $AIO_RC, expected 137"; }
    ok_ "$mode: a command killed by SIGKILL -> 137"

    # same process group and session, parent is aiomon-attach
    run_aiomon "$TMPD/o" "$TMPD/e" "${opts[@]}" -- "$PY" -c \
        'import os; p = os.getppid(); print(os.getpgid(p) == os.getpgrp(), os.getsid(p) == os.getsid(0))'
    [ "$(cat "$TMPD/o")" = "True True" ] || { show_file_ "$TMPD/o"; fail_ "$mode: process group changed"; }
    ok_ "$mode: same process group and session"

    # cannot start
    run_aiomon "$TMPD/o" "$TMPD/e" "${opts[@]}" -- "$TMPD/no-such-command" arg
    expect_error_ 127 "no-such-command.*No such file" "$TMPD/e" "$mode: a command that does not exist"
    [ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "$mode: more than one line"; }
    # found but not runnable: 126, as timeout(1) and shells say
    printf 'not a program\n' >"$TMPD/not-executable"
    chmod 644 "$TMPD/not-executable"
    run_aiomon "$TMPD/o" "$TMPD/e" "${opts[@]}" -- "$TMPD/not-executable"
    expect_error_ 126 "not-executable.*Permission denied" "$TMPD/e" "$mode: a command that is not executable"

    # forwarding: the command catches the signal, says so, exits 7 a moment later
    for sig in TERM INT HUP; do
        mkfifo "$TMPD/ready.$mode.$sig" || framework_failure_ "mkfifo failed"
        # Not under timeout(1): it would signal its whole process group, the
        # command included, and the command would get the signal twice.
        # shellcheck disable=SC2016
        "$AIOMON" "${opts[@]}" -- "$PY" -c '
import os, signal, sys, time
got = []
signal.signal(getattr(signal, "SIG" + sys.argv[1]), lambda n, f: got.append(n))
os.write(3, b"ready\n"); os.close(3)
while not got:
    time.sleep(0.01)
time.sleep(0.2)
print("got", signal.Signals(got[0]).name, len(got))
sys.exit(7)' "$sig" 3>"$TMPD/ready.$mode.$sig" >"$TMPD/o" 2>"$TMPD/e" &
        aio=$!
        _PIDS+=("$aio")
        read -r -t "$READY_TIMEOUT" line <"$TMPD/ready.$mode.$sig"
        [ "$line" = ready ] || framework_failure_ "$mode: the SIG$sig command did not start"
        kill -"$sig" "$aio"
        wait "$aio"
        AIO_RC=$?
        [ "$AIO_RC" -eq 7 ] && [ "$(cat "$TMPD/o")" = "got SIG$sig 1" ] ||
            { show_file_ "$TMPD/o"; show_file_ "$TMPD/e"; fail_ "$mode: SIG$sig not forwarded once (exit $AIO_RC)"; }
        ok_ "$mode: SIG$sig forwarded once, aiomon-attach waited for the command (exit 7)"
    done
done
