#!/bin/bash
# The live view's detail pane says why a task ended: the reason line, the
# traceback innermost first with source lines, the cause, and the creation
# stack of a debug-mode task (targets/tasks_end.py, driven in tmux by
# targets/tui_end_driver.py).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_end.py
"$HOST_PY" "$TARGETS/tui_end_driver.py" --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_end_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view detail of ended tasks failed (tui_end_driver.py exit $rc)"
assert_running "$TARGET_PID"
