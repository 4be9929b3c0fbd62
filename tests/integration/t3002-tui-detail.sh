#!/bin/bash
# The live view: / search as you type, n; the detail pane shows the whole
# coroutine stack innermost first with file:line and source lines, who
# awaits it; a, b and digits jump; f filters to matches and ancestors, Esc
# clears; s cycles the sort.
# Driven in tmux by targets/tui_driver.py on targets/tui_app.py.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tui_app.py
"$HOST_PY" "$TARGETS/tui_driver.py" detail --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'detail' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
