#!/bin/bash
# Why tasks ended and where they were created (targets/tasks_end.py): every
# done task's exception (type, module, message, traceback, retrieved, cause),
# every cancelled task's message and CancelledError traceback, every debug-mode
# task's creation stack, exactly as the truth has them, C and pure-Python
# tasks; then the text views say the same.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_end.py
