#!/bin/bash
# The live view's history (issue P7): the terminated view (e) lists the critical task
# that ended, newest first, with its last-seen stack (function, file:line, source line)
# as the target reports it; s sorts by running share (the spinner first, R and S
# markers) and by idle time; the swallowed cancellation has its W marker; the threads
# view shows each thread's CPU share.  Driven in tmux by targets/tui_driver.py on
# targets/history_app.py (3.11+: Task.cancelling()).
MIN_VERSION=3.11
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target history_app.py
"$HOST_PY" "$TARGETS/tui_driver.py" history --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'history' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
