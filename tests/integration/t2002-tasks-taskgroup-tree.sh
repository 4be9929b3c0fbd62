#!/bin/bash
# A three-level TaskGroup tree (targets/tasks_taskgroup_tree.py): tasks in
# TaskGroup.__aexit__ await every task of their group; a task still in its
# `async with` body awaits nothing.
MIN_VERSION=3.11    # asyncio.TaskGroup is new in 3.11
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_taskgroup_tree.py
