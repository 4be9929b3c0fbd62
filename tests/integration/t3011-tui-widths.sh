#!/bin/bash
# The live view fits narrow and wide terminals: at 80x24 the function bar
# shows whole entries (F1 Help and F10 Quit kept), the help screen wraps
# rather than cuts, and the detail pane's first lines are the state, where
# the task is, what it waits on and its stack; at 200x50 the COROUTINE
# column is wider than at 120x40.  Driven in tmux by
# targets/tui_width_driver.py on targets/tui_app.py.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tui_app.py
"$HOST_PY" "$TARGETS/tui_width_driver.py" --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_width_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view widths failed (tui_width_driver.py exit $rc)"
assert_running "$TARGET_PID"
