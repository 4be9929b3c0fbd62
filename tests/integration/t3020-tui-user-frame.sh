#!/bin/bash
# The live view on a FastAPI-like layout (targets/tasks_user_frame.py): WHERE
# shows each task's user frame with the awaited primitive; f app.py filters to
# the tasks with a frame in app.py anywhere in their stack; / finds a task by
# a function deep in its stack.  Driven in tmux by targets/tui_driver.py.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_user_frame.py
"$HOST_PY" "$TARGETS/tui_driver.py" userframe --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'userframe' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
