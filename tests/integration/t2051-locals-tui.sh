#!/bin/bash
# --locals in the live view: the selected task's detail pane shows each
# frame's arguments and locals under it (targets/locals_kinds.py), exactly
# as the target renders them.  Driven in tmux by targets/tui_driver.py.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
# whatever happens, no tmux server (holding aiomon-attach) outlives the test
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target locals_kinds.py
"$HOST_PY" "$TARGETS/tui_driver.py" locals --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'locals' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"
