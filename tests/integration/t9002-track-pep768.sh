#!/bin/bash
# --track PID (PEP 768, 3.14+): the tracker is loaded into an idle loop (no
# timer: the loop thread wakes for the request) and into a busy loop; the
# target itself then sees the tracker enabled, BaseEventLoop.create_task
# wrapped (its __wrapped__ the original) and a task made now tracked;
# --track again only updates keep and the patterns (--track-keep,
# --critical); --track --dump --json prints a snapshot; no script file is
# left in the target's /tmp; nothing is left stopped.
MIN_VERSION=3.14
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_track.sh"

for mode in idle busy; do
    start_target track_app.py "$mode"
    r=$(track_report 1)
    expect_report "$r" present False "$mode: before --track"

    run_aiomon "$TMPD/$mode.json" "$TMPD/$mode.err" --track --dump --json "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/$mode.err"; fail_ "$mode: --track --dump --json exited $AIO_RC"; }
    "$HOST_PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); assert s["pid"] == int(sys.argv[2]), s["pid"]' \
        "$TMPD/$mode.json" "$TARGET_PID" || fail_ "$mode: --track --dump --json printed no snapshot of the target"
    ok_ "$mode: --track --dump --json: exit 0, a snapshot"
    assert_running "$TARGET_PID"
    no_script_left "$TARGET_PID"

    r=$(track_report 2)
    expect_report "$r" present True "$mode: after --track"
    expect_report "$r" enabled True "$mode: after --track"
    expect_report "$r" error None "$mode: after --track"
    expect_report "$r" keep 1000 "$mode: after --track"
    expect_report "$r" create_task_orig False "$mode: after --track"
    expect_report "$r" create_task_wraps_orig True "$mode: after --track"
    expect_report "$r" new_task_tracked True "$mode: after --track"

    # again: install() once more, with other arguments
    run_aiomon "$TMPD/$mode.2.txt" "$TMPD/$mode.2.err" --track --track-keep 5 --critical 'db-*' \
        --dump "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/$mode.2.err"; fail_ "$mode: second --track exited $AIO_RC"; }
    r=$(track_report 3)
    expect_report "$r" enabled True "$mode: second --track"
    expect_report "$r" keep 5 "$mode: second --track"
    expect_report "$r" patterns "['db-*']" "$mode: second --track"
    assert_running "$TARGET_PID"
    no_script_left "$TARGET_PID"
done
