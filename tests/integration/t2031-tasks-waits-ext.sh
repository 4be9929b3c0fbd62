#!/bin/bash
# Waits that lead out of the event loop (targets/tasks_waits_ext.py): a run_in_executor job
# blocked in its worker thread (thread = the worker's tid), a second job queued behind it
# on the 1-worker pool (thread null), asyncio.to_thread (3.9+), and Process.wait() of a
# running child (its pid): every fact equals the truth (compare_waits.py); the text dump
# names the worker thread and its function; the same without the C accelerator.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_waits_ext() {
    local tid
    start_target "$@"
    dump_json "$TARGET_PID" "$TMPD/out.json"
    compare_ tasks "$TRUTH" "$TMPD/out.json"
    "$HOST_PY" "$IT_DIR/compare_waits.py" "$TRUTH" "$TMPD/out.json" ||
        fail_ "waiting_on differs from the truth ($1)"
    ok_ "waiting_on equals the truth ($1)"
    run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "text dump exited $AIO_RC"; }
    tid=$("$HOST_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["job_thread"])' \
        "$TRUTH")
    grep -q "job-running  pending .* → executor thread $tid \"pool_0\" in blocked_job\$" \
        "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "the running job's line does not name its worker"; }
    grep -q "job-queued  pending .* → executor queued 0x[0-9a-f]*$" "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "the queued job's line does not say queued"; }
    grep -q "child  pending .* → subprocess pid [0-9]* (running)\$" "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "the child's line has no pid"; }
    ok_ "text dump: executor threads, queued job, child pid ($1)"
    assert_running "$TARGET_PID"
}

check_waits_ext tasks_waits_ext.py
check_waits_ext tasks_waits_ext_no_accelerator.py
