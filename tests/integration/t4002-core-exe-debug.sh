#!/bin/bash
# --core C --sysroot D --exe PY: the interpreter is PY, and so is where its
# separate debug file is looked for (regression: only D + the core's path for
# the interpreter was searched, so an interpreter copied next to its debug
# file, away from any root file system, gave no DWARF).  PY is a copy of the
# target's stripped interpreter in a directory of its own, its debug file
# (found by build-id in its root file system) in PY's .debug/ under its
# .gnu_debuglink name; D is empty; --layout=dwarf takes the layout from DWARF
# alone, and the layout cache is a fresh one.  Without the debug file next to
# PY the same command must fail: the DWARF came from there, not elsewhere.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v gcore >/dev/null 2>&1 || skip_ "no gcore (gdb)"
root=
exe=$PY
if is_container_label "$PYVER"; then
    read -r _enter root _variant inner _ < <(sed -n 's/^exec //p' "$PY")
    exe=$root$inner
fi
exe=$(readlink -f "$exe")
readelf -sW "$exe" 2>/dev/null | grep -q ' _PyRuntime$' ||
    skip_ "_PyRuntime is in a shared libpython here, not in $exe"
readelf -SW "$exe" 2>/dev/null | grep -q ' \.debug_info ' &&
    skip_ "$exe is not stripped: its DWARF is its own"
bid=$(readelf -nW "$exe" 2>/dev/null | sed -n 's/.*Build ID: *//p' | head -n 1)
link=$(readelf -p .gnu_debuglink "$exe" 2>/dev/null | sed -n 's/^ *\[ *0\] *//p' | head -n 1)
dbg=$root/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug
[ -n "$bid" ] && [ -n "$link" ] || skip_ "$exe has no build-id or no .gnu_debuglink"
[ -f "$dbg" ] || skip_ "no debug file for $exe (install its -dbg package): $dbg"

start_target tasks_gather_nested.py
timeout -k 5 120 gcore -o "$TMPD/core" "$TARGET_PID" >"$TMPD/gcore.log" 2>&1 ||
    { show_file_ "$TMPD/gcore.log"; framework_failure_ "gcore failed"; }
assert_running "$TARGET_PID"
core=$TMPD/core.$TARGET_PID
[ -s "$core" ] || framework_failure_ "gcore wrote no $core"

mkdir -p "$TMPD/empty-sysroot" "$TMPD/interp/.debug" "$TMPD/cache"
cp "$exe" "$TMPD/interp/python" || framework_failure_ "cannot copy $exe"
cp "$dbg" "$TMPD/interp/.debug/$link" || framework_failure_ "cannot copy $dbg"
export XDG_CACHE_HOME=$TMPD/cache

run_aiomon "$TMPD/exe.json" "$TMPD/exe.err" --core "$core" --sysroot "$TMPD/empty-sysroot" \
    --exe "$TMPD/interp/python" --layout=dwarf -v --dump --json
[ "$AIO_RC" -le 1 ] ||
    { show_file_ "$TMPD/exe.err"; fail_ "--core --sysroot EMPTY --exe PY --layout=dwarf: exit $AIO_RC"; }
grep -q "in /.*, layout dwarf$" "$TMPD/exe.err" ||
    { show_file_ "$TMPD/exe.err"; fail_ "the layout is not DWARF's alone"; }
# threads only: an extension module (_asyncio) is not in the empty sysroot
compare_ threads "$TRUTH" "$TMPD/exe.json" --loose-volatile --no-comm
ok_ "--exe: the interpreter's DWARF from the debug file next to it"

rm -rf "$TMPD/interp/.debug" "$TMPD/cache"
mkdir -p "$TMPD/cache"
run_aiomon "$TMPD/nodbg.json" "$TMPD/nodbg.err" --core "$core" --sysroot "$TMPD/empty-sysroot" \
    --exe "$TMPD/interp/python" --layout=dwarf --dump --json
[ "$AIO_RC" -ne 0 ] && grep -q "layout missing" "$TMPD/nodbg.err" ||
    { show_file_ "$TMPD/nodbg.err"; fail_ "no debug file next to PY: exit $AIO_RC, no 'layout missing'"; }
ok_ "without it, no DWARF from anywhere else"
