#!/bin/bash
# Tasks that swallow CancelledError and keep waiting (targets/tasks_swallow_cancel.py):
# still pending, cancel_requests counted (3.11+: Task.cancelling()).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_swallow_cancel.py
