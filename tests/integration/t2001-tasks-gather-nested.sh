#!/bin/bash
# gather() nested through coroutines and a task awaiting a task (targets/tasks_gather_nested.py):
# every task (name, state, coroutine, stack, awaiting/awaited_by, running) matches the truth.
MIN_VERSION=3.11    # lower when the 3.8-3.10 task walkers land
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_gather_nested.py
