#!/bin/bash
# --untrack PID (3.14+) puts back what --track changed: after --track then
# --untrack, the target sees BaseEventLoop.create_task and
# asyncio.events._set_running_loop identical to the ones it started with,
# its own task factory still set, a new task untracked and no tracker
# module; aiomon-attach says so on stdout; a second --untrack finds nothing
# to remove; nothing is left stopped and no script file is left behind.
MIN_VERSION=3.14
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"

start_target track_app.py factory
r=$(track_report 1)
expect_report "$r" factory_is_app True "before --track"

run_aiomon "$TMPD/t.txt" "$TMPD/t.err" --track --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/t.err"; fail_ "--track exited $AIO_RC"; }
r=$(track_report 2)
expect_report "$r" enabled True "after --track"
expect_report "$r" create_task_orig False "after --track"
expect_report "$r" factory_is_app True "after --track (the app's factory is still called)"

run_aiomon "$TMPD/u.txt" "$TMPD/u.err" --untrack "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/u.err"; fail_ "--untrack exited $AIO_RC"; }
grep -q "^tracker removed from process $TARGET_PID" "$TMPD/u.txt" ||
    { show_file_ "$TMPD/u.txt"; fail_ "--untrack did not say it removed the tracker"; }
ok_ "--untrack: exit 0, says so"
assert_running "$TARGET_PID"
no_script_left "$TARGET_PID"

r=$(track_report 3)
expect_report "$r" present False "after --untrack"
expect_report "$r" create_task_orig True "after --untrack"
expect_report "$r" create_task_qualname BaseEventLoop.create_task "after --untrack"
expect_report "$r" set_running_loop_orig True "after --untrack"
expect_report "$r" factory_is_app True "after --untrack"
expect_report "$r" new_task_tracked False "after --untrack"

run_aiomon "$TMPD/u2.txt" "$TMPD/u2.err" --untrack "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] && grep -q "^no tracker in process $TARGET_PID" "$TMPD/u2.txt" ||
    { show_file_ "$TMPD/u2.txt"; show_file_ "$TMPD/u2.err"; fail_ "a second --untrack (exit $AIO_RC)"; }
ok_ "a second --untrack finds nothing to remove"
assert_running "$TARGET_PID"
