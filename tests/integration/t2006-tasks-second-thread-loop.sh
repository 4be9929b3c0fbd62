#!/bin/bash
# Two event loops in two threads (targets/tasks_second_thread_loop.py): every task
# found, with the tid of its loop's thread, and each loop's own running task.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_second_thread_loop.py
