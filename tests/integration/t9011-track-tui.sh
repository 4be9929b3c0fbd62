#!/bin/bash
# The live view shows the tracker's records (targets/tracked_chains.py under
# --run --track, driven in tmux by targets/tui_track_driver.py): the
# creation chain in the detail pane with a jump key per live creator, the
# creation stack, and the tracker's ended tasks in the terminated view.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
"$AIOMON" --help 2>&1 | grep -q -- '--track' || skip_ "$AIOMON has no --track"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

PY_FLAGS="-s -B"
TARGET_WRAP="$AIOMON --run --track --critical critical-worker -o $TMPD/run --"
start_target tracked_chains.py
"$HOST_PY" "$TARGETS/tui_track_driver.py" --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_track_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view of the tracker's records failed (tui_track_driver.py exit $rc)"
assert_running "$TARGET_PID"
