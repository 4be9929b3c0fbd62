#!/bin/bash
# On 3.13+, the two ways of learning the interpreter's layout, DWARF and
# _Py_DebugOffsets, both give exactly the truth (threads and tasks), and the
# output says which one was used.
MIN_VERSION=3.13
. "$(dirname "$0")/lib.sh"

start_target tasks_gather_nested.py
for layout in debug-offsets dwarf; do
    dump_json "$TARGET_PID" "$TMPD/$layout.json" --layout=$layout
    compare_ all "$TRUTH" "$TMPD/$layout.json" --layout-source $layout
    assert_running "$TARGET_PID"
done
