#!/bin/bash
# gather() nested through coroutines and a task awaiting a task (targets/tasks_gather_nested.py):
# every task (name, state, coroutine, stack, awaiting/awaited_by, running) matches the truth.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_gather_nested.py
