#!/bin/bash
# asyncio.wait_for / shield (targets/tasks_wait_for.py): a task in wait_for() awaits the
# task it waits for (through wait_for's own frame up to 3.11, directly from 3.12); a task
# awaiting shield(inner) awaits inner (through the closure of the outer future's callback);
# every task and edge matches the truth, with the C accelerator and without it.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_wait_for.py
# the same with pure-Python tasks and futures (no _asyncio)
check_tasks_scenario tasks_wait_for_no_accelerator.py
