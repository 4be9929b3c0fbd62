#!/bin/bash
# 5,500 tasks, all gathered by one (targets/tasks_flood.py): none is lost, none invented.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_flood.py 5500
