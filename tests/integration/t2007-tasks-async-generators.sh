#!/bin/bash
# Tasks suspended inside async generators: async for, __anext__(), asend(),
# aclose(), a generator inside a generator (targets/tasks_async_generators.py).
# Stacks go through the generator's frame down to the innermost await.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_async_generators.py
