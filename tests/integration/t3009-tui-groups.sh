#!/bin/bash
# The live view's supervisors view (G): the tasks that await several others
# (gather here), most children first, their children counted by state and
# listed; Enter shows the supervisor in the task tree.  Driven in tmux by
# targets/tui_driver.py on targets/tasks_gather_nested.py.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target tasks_gather_nested.py
"$HOST_PY" "$TARGETS/tui_driver.py" groups --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view scenario 'groups' failed (tui_driver.py exit $rc)"
assert_running "$TARGET_PID"

# TaskGroups (3.11+): every node of the tree supervises its group's two children
if [ "$PYMINOR" -ge 11 ]; then
    start_target tasks_taskgroup_tree.py
    "$HOST_PY" "$TARGETS/tui_driver.py" groups --aiomon "$AIOMON" --pid "$TARGET_PID" \
        --truth "$TRUTH" --tmp "$TMPD" --how taskgroup ||
        fail_ "live view scenario 'groups' failed on the TaskGroup tree"
    assert_running "$TARGET_PID"
fi
