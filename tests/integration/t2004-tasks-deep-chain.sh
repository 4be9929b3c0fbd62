#!/bin/bash
# A 200-deep await chain of coroutines in one task, and a chain of 50 tasks
# each awaiting the next (targets/tasks_deep_chain.py): whole stacks and edges.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_deep_chain.py 200 50
