#!/bin/bash
# Every way of learning the interpreter's structure layouts gives exactly the
# truth (threads and tasks), and the output says which one was used:
#   --layout=table          built-in tables: every version, "table" alone
#   --layout=dwarf          the target's DWARF (pyenv builds, Debian's builds
#                           with their -dbg package), "dwarf" alone; a stripped
#                           build without it: a clean exit 2
#   --layout=debug-offsets  _Py_DebugOffsets, 3.13+: "debug-offsets" first (other
#                           sources may fill what it does not describe, e.g.
#                           asyncio's structures: "debug-offsets+dwarf");
#                           before 3.13 a clean exit 2 that names 3.13
# and -v names the file the DWARF came from.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_gather_nested.py
for layout in table dwarf debug-offsets; do
    if [ "$layout" = debug-offsets ] && [ "$PYMINOR" -lt 13 ]; then
        run_aiomon "$TMPD/$layout.json" "$TMPD/$layout.err" --dump --json --layout=$layout "$TARGET_PID"
        expect_error_ 2 "3\\.13" "$TMPD/$layout.err" "--layout=$layout on $PYVER"
        continue
    fi
    if [ "$layout" = dwarf ] && is_stripped_label "$PYVER"; then
        run_aiomon "$TMPD/$layout.json" "$TMPD/$layout.err" --dump --json --layout=$layout "$TARGET_PID"
        expect_error_ 2 "" "$TMPD/$layout.err" "--layout=dwarf on a stripped $PYVER without python3.$PYMINOR-dbg"
        continue
    fi
    dump_json "$TARGET_PID" "$TMPD/$layout.json" --layout=$layout
    exact=--layout-exact
    [ "$layout" = debug-offsets ] && exact=
    compare_ all "$TRUTH" "$TMPD/$layout.json" --layout-source $layout $exact
    if [ "$layout" = dwarf ]; then
        # -v names the file the DWARF was read from (or the layout cache that holds it)
        run_aiomon "$TMPD/v.txt" "$TMPD/v.err" --dump -v --layout=dwarf "$TARGET_PID"
        grep -Eq "^aiomon-attach: DWARF of the interpreter from (/|the layout cache)" "$TMPD/v.err" ||
            { show_file_ "$TMPD/v.err"; fail_ "-v does not name the file the DWARF came from"; }
        ok_ "-v: $(grep -m1 'DWARF of the interpreter' "$TMPD/v.err")"
    fi
done
assert_running "$TARGET_PID"
