#!/bin/bash
# The live view on await cycles (targets/tasks_cycles.py): a D in the RCS
# column of exactly the tasks on a cycle, and the detail pane of one of them
# names its cycle; --interval 100 is raised to 200 ms and the view says so.
# Driven in tmux by targets/tui_driver.py.
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_cycles.py
"$HOST_PY" "$TARGETS/tui_driver.py" cycles --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'cycles' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
