#!/bin/bash
# Two aiomon-attach on one target at once (a --dump while the live view or a
# --watch refreshes): the second waits (bounded) for the first to let go
# instead of failing with "already traced"; 2 x 25 dumps in parallel all
# succeed, and the target runs on untraced.  A real debugger (tracer.py) is
# still refused at once with the message naming it (t1002).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_gather_nested.py
for side in a b; do
    ( for i in $(seq 25); do
          timeout -k 5 "$AIOMON_TIMEOUT" "$AIOMON" --dump --json "$TARGET_PID" >/dev/null 2>>"$TMPD/err.$side" ||
              echo "$side $i: exit $?" >>"$TMPD/fail"
      done ) &
    pids="${pids:-} $!"
done
# shellcheck disable=SC2086
wait $pids      # not a bare wait: the target is a background job of this shell too
[ -s "$TMPD/fail" ] && { cat "$TMPD/fail"; show_file_ "$TMPD/err.a"; show_file_ "$TMPD/err.b"; fail_ "some parallel dumps failed"; }
ok_ "2 x 25 parallel dumps of one target: all exit 0"
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$TARGET_PID/status" || fail_ "the target is left traced"
assert_running "$TARGET_PID"
