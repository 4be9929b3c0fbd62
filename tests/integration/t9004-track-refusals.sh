#!/bin/bash
# --track PID refuses, in one line and with a non-zero exit, what it cannot
# do, and leaves the target as it was (running, no tracker, no file):
#   - CPython before 3.14 (no PEP 768): the message names 3.14 and
#     --run --track;
#   - 3.14+ started with -X disable-remote-debug: the message says so;
#   - 3.14+ whose only Python thread is blocked in a system call that is
#     restarted (os.read of a FIFO) never reaches a safe point: after a
#     "waiting for PID to reach a safe point" line, --track-wait runs out,
#     the request is withdrawn (the thread, woken later, does not run it);
#   - 3.14+ whose audit hook refuses remote debugger scripts: the thread
#     takes the request but never reads the file: said so after --track-wait;
#   - ^C while waiting: the request is withdrawn, its file removed;
#   - usage: --track with --core, with --subprocesses; --untrack with --dump.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"

# usage errors need no target
run_aiomon "$TMPD/o" "$TMPD/e" --track --core "$TMPD/no-core"
expect_error_ 64 "not with --load or --core" "$TMPD/e" "--track --core"
run_aiomon "$TMPD/o" "$TMPD/e" --track --subprocesses 1
expect_error_ 64 "not with --subprocesses" "$TMPD/e" "--track --subprocesses"
run_aiomon "$TMPD/o" "$TMPD/e" --untrack --dump 1
expect_error_ 64 "--untrack takes a PID" "$TMPD/e" "--untrack --dump"
run_aiomon "$TMPD/o" "$TMPD/e" --track-keep 5 --dump 1
expect_error_ 64 "--track-keep needs --track" "$TMPD/e" "--track-keep without --track"

if [ "$PYMINOR" -lt 14 ]; then
    start_target track_app.py idle
    run_aiomon "$TMPD/o" "$TMPD/e" --track "$TARGET_PID"
    expect_error_ 2 "--track needs CPython 3\.14\+ \(PEP 768\); this is 3\.$PYMINOR\.[0-9a-z]+: use --run --track -- CMD" \
        "$TMPD/e" "--track on 3.$PYMINOR"
    [ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "--track: more than one line"; }
    assert_running "$TARGET_PID"
    run_aiomon "$TMPD/o" "$TMPD/e" --untrack "$TARGET_PID"
    expect_error_ 2 "--untrack needs CPython 3\.14\+ \(PEP 768\); this is 3\.$PYMINOR\.[0-9a-z]+" \
        "$TMPD/e" "--untrack on 3.$PYMINOR"
    assert_running "$TARGET_PID"
    r=$(track_report 1)
    expect_report "$r" present False "3.$PYMINOR target after the refusals"
    expect_report "$r" create_task_orig True "3.$PYMINOR target after the refusals"
    exit 0
fi

# -X disable-remote-debug: a wrapper keeps the pid (exec) and adds the option
printf '#!/bin/sh\nexec %s -X disable-remote-debug "$@"\n' "$PY" >"$TMPD/py-nodebug"
chmod 755 "$TMPD/py-nodebug"
PY_SAVE=$PY
PY=$TMPD/py-nodebug
start_target track_app.py idle
PY=$PY_SAVE
run_aiomon "$TMPD/o" "$TMPD/e" --track --dump "$TARGET_PID"
expect_error_ 2 "remote debugging is disabled in the target \(-X disable-remote-debug or PYTHON_DISABLE_REMOTE_DEBUG\); use --run --track" \
    "$TMPD/e" "--track of a target with -X disable-remote-debug"
[ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "disabled: more than one line"; }
[ -s "$TMPD/o" ] && { show_file_ "$TMPD/o"; fail_ "disabled: a snapshot was printed anyway"; }
assert_running "$TARGET_PID"
no_script_left "$TARGET_PID"
r=$(track_report 1)
expect_report "$r" present False "-X disable-remote-debug target after the refusal"

# an audit hook refuses the script: taken, never read
start_target track_app.py audit
run_aiomon "$TMPD/o" "$TMPD/e" --track --track-wait 2 --dump "$TARGET_PID"
expect_error_ 2 "process $TARGET_PID took the request but did not read the script \(an audit hook" \
    "$TMPD/e" "--track of a target whose audit hook refuses the script"
[ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "audit: more than one line"; }
assert_running "$TARGET_PID"
no_script_left "$TARGET_PID"
r=$(track_report 1)
expect_report "$r" present False "audited target after the refusal"

# no safe point: the main thread blocked in read(2), no loop
start_target track_app.py block
t0=$SECONDS
run_aiomon "$TMPD/o" "$TMPD/e" --track --track-wait 2 --dump "$TARGET_PID"
grep -q "^aiomon-attach: waiting for $TARGET_PID to reach a safe point" "$TMPD/e" ||
    { show_file_ "$TMPD/e"; fail_ "blocked: no 'waiting for ... safe point' line"; }
sed -i '/waiting for .* to reach a safe point/d' "$TMPD/e"
expect_error_ 2 "process $TARGET_PID did not run the request within 2 s: .*request withdrawn" \
    "$TMPD/e" "--track of a target that never reaches a safe point"
[ $((SECONDS - t0)) -lt 10 ] || fail_ "blocked: --track-wait 2 took $((SECONDS - t0)) s"
assert_running "$TARGET_PID"
no_script_left "$TARGET_PID"
r=$(track_report 1)     # wakes the blocked thread: the withdrawn request must not run
expect_report "$r" present False "blocked target after the timeout"
r=$(track_report 2)
expect_report "$r" present False "blocked target, later"
[ -s "$TARGET_DIR/log" ] && { show_file_ "$TARGET_DIR/log"; fail_ "blocked: the target printed something (a failed script?)"; }
ok_ "blocked: nothing printed by the target"

# ^C while waiting: the request is withdrawn and its file removed at once
"$AIOMON" --track --track-wait 60 --dump "$TARGET_PID" >"$TMPD/o6" 2>"$TMPD/e6" &
aio=$!
_PIDS+=("$aio")
for ((i = 0; i < 500; i++)); do
    grep -q "to reach a safe point" "$TMPD/e6" && break
    sleep 0.02      # polling for aiomon-attach's line
done
t0=$SECONDS
kill -INT "$aio"
wait "$aio"
AIO_RC=$?
[ $((SECONDS - t0)) -lt 5 ] || fail_ "^C: aiomon-attach took $((SECONDS - t0)) s to go"
sed -i '/waiting for .* to reach a safe point/d' "$TMPD/e6"
expect_error_ 2 "interrupted by signal 2: the request was withdrawn" "$TMPD/e6" "^C while waiting"
assert_running "$TARGET_PID"
no_script_left "$TARGET_PID"
r=$(track_report 3)
expect_report "$r" present False "blocked target after ^C"
