#!/bin/bash
# The live view: w writes the snapshot as JSON to ./aiomon-PID-TIME.json;
# p pauses, + and - change the interval; when the target exits the last
# snapshot stays on screen, the header says so, and q still quits with 0.
# Driven in tmux by targets/tui_driver.py on targets/tui_app.py.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tui_app.py
"$HOST_PY" "$TARGETS/tui_driver.py" write_gone --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'write_gone' failed (tui_driver.py exit $rc)"
