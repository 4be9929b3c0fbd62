#!/bin/bash
# Done, failed and cancelled tasks still referenced are still in asyncio's
# registry and are reported with their state and an empty stack; a finished
# task nobody references is gone (targets/tasks_done_cancelled.py).
MIN_VERSION=3.11    # lower when the 3.8-3.10 task walkers land
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_done_cancelled.py
