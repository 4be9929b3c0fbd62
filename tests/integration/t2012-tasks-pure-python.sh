#!/bin/bash
# Pure-Python tasks (asyncio.tasks._PyTask) next to C tasks (targets/tasks_pure_python.py):
# found in the same registries, read from their instance dicts; every task
# (name, state, coroutine, stack, awaiting/awaited_by, running) matches the truth,
# edges between the two kinds included.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_pure_python.py
