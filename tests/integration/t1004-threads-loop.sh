#!/bin/bash
# Thread stacks of event-loop threads: two loops in two threads, each blocked
# inside a running task (targets/tasks_second_thread_loop.py).  Stacks run
# through Handle._run / _run_once / run_forever and the C task step.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_second_thread_loop.py
dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ threads "$TRUTH" "$TMPD/out.json"
assert_running "$TARGET_PID"
