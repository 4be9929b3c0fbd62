#!/bin/bash
# Done, failed and cancelled tasks still referenced are still in asyncio's
# registry and are reported with their state and an empty stack; a finished
# task nobody references is gone (targets/tasks_done_cancelled.py).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_done_cancelled.py
