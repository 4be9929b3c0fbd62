#!/bin/bash
# asyncio without its C accelerator (targets/tasks_no_accelerator.py): no _asyncio
# module, no TaskObj layout; every task is pure Python and matches the truth.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_no_accelerator.py
