#!/bin/bash
# The live view's waits (targets/tui_waits.py on targets/tasks_waits_ext.py): the WAIT
# column on a wide terminal, "waits on executor thread TID" in the detail pane, and x
# jumping to that worker thread in the threads view.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_waits_ext.py
"$HOST_PY" "$TARGETS/tui_waits.py" --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_waits.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view waits failed (tui_waits.py exit $rc)"
assert_running "$TARGET_PID"
