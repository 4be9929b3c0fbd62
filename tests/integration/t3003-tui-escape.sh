#!/bin/bash
# The live view: g folds the flood of 2,000 identical tasks into one counted
# row; the task named "\x1b[31mred" is shown escaped and, with NO_COLOR, the
# pane has no colour at all (capture-pane -e); UTF-8 names intact; in the C
# locale only ASCII reaches the screen (tree glyphs, x2000, '?').
# Driven in tmux by targets/tui_driver.py on targets/tui_app.py.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tui_app.py
"$HOST_PY" "$TARGETS/tui_driver.py" escape --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'escape' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
