#!/bin/bash
# Core files of a real target (gdb's gcore of targets/tasks_gather_nested.py
# while it is parked): --core gives the same threads and tasks as the live
# process (a container's core with --sysroot its root file system), and
# (a core names only the process, not each thread: comm is not compared) and
# --exe is honoured when the runtime lives in the executable: with an empty
# --sysroot and --exe naming the interpreter, the snapshot is the same.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

command -v gcore >/dev/null 2>&1 || skip_ "no gcore (gdb)"
start_target tasks_gather_nested.py
sysroot=
exe=$PY
if is_container_label "$PYVER"; then
    read -r _enter sysroot _variant inner _ < <(sed -n 's/^exec //p' "$PY")
    exe=$sysroot$inner
fi
timeout -k 5 120 gcore -o "$TMPD/core" "$TARGET_PID" >"$TMPD/gcore.log" 2>&1 ||
    { show_file_ "$TMPD/gcore.log"; framework_failure_ "gcore failed"; }
assert_running "$TARGET_PID"
core=$TMPD/core.$TARGET_PID
[ -s "$core" ] || framework_failure_ "gcore wrote no $core"

run_aiomon "$TMPD/core.json" "$TMPD/core.err" --core "$core" ${sysroot:+--sysroot "$sysroot"} --dump --json
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/core.err"; fail_ "--core exited $AIO_RC"; }
compare_ all "$TRUTH" "$TMPD/core.json" --loose-volatile --no-comm
ok_ "--core: the same threads and tasks as the live process"

# --exe: only where _PyRuntime is in the executable (not in a libpython)
if readelf -sW "$exe" 2>/dev/null | grep -q ' _PyRuntime$'; then
    mkdir -p "$TMPD/empty-sysroot"
    run_aiomon "$TMPD/exe.json" "$TMPD/exe.err" --core "$core" --sysroot "$TMPD/empty-sysroot" \
        --exe "$exe" --dump --json
    [ "$AIO_RC" -le 1 ] || { show_file_ "$TMPD/exe.err"; fail_ "--core --sysroot EMPTY --exe $exe exited $AIO_RC"; }
    # threads only: an extension module (_asyncio) is not in the empty sysroot
    compare_ threads "$TRUTH" "$TMPD/exe.json" --loose-volatile --no-comm
    ok_ "--exe honoured: the interpreter from --exe, nothing else from the sysroot"
else
    say "(no --exe check: _PyRuntime is in a shared libpython here, not in $exe)"
fi
