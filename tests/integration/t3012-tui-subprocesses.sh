#!/bin/bash
# The live view with --subprocesses (targets/subprocs.py: a parent without
# asyncio, three Python children with named tasks): it opens on the parent,
# "pid N (1/4)"; > and < go through the children, each with exactly its own
# tasks; P lists the 4 processes (pid, tasks, command line) and Enter
# shows one; a child that exits (shown or not) is dropped, "process N exited" in
# the footer; without --subprocesses the parent's view hints at its 3 Python
# children.  Driven in tmux by targets/tui_subproc_driver.py.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_ "tmux is not installed"
trap 'rc=$?; for s in "$TMPD"/*.tmux; do [ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null; done
      (exit $rc); _cleanup' EXIT

start_target subprocs.py
"$HOST_PY" "$TARGETS/tui_subproc_driver.py" --aiomon "$AIOMON" --pid "$TARGET_PID" \
    --truth "$TRUTH" --tmp "$TMPD"
rc=$?
[ "$rc" -eq 77 ] && skip_ "tui_subproc_driver.py skipped"
[ "$rc" -eq 0 ] || fail_ "live view --subprocesses failed (tui_subproc_driver.py exit $rc)"
assert_running "$TARGET_PID"
# the child never killed is left running (the two killed are zombies: not reaped)
for p in $(ps -o pid=,stat= --ppid "$TARGET_PID" | awk '$2 !~ /^Z/ { print $1 }'); do
    assert_running "$p"
done
