#!/bin/bash
# Eager tasks (targets/tasks_eager.py): suspended eager tasks are found with their
# stacks and edges; one that finished during its eager step was never registered.
MIN_VERSION=3.12    # asyncio.eager_task_factory is new in 3.12
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_eager.py
