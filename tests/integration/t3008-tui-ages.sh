#!/bin/bash
# The live view's AGE on a loop that creates and frees tasks non-stop, as a
# server's handlers under load (targets/tasks_requests.py): the next task
# often reuses both addresses (task and coroutine) of one that ended, so
# identity by address alone showed ages of seconds for tasks that live
# milliseconds.  Driven in tmux by tui_driver.py.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_requests.py
"$HOST_PY" "$TARGETS/tui_driver.py" ages --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'ages' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
