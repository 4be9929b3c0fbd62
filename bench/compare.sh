#!/bin/sh
# Comparisons (not tests), on one and the same target each: a JSON dump of
# N tasks (default 10,000) by aiomon-attach against
#   - CPython 3.14's own `python3.14 -m asyncio ps PID` (Debian unstable's
#     3.14 in the tests' root file system: tests/rootfs/build.sh sid), and
#   - the gdb-injected walk of asyncio's task registry on 3.12 (pyenv's 3.12
#     and gdb: PyGILState_Ensure, then every task's stack through
#     Task.get_stack(), printed to a file, as one would by hand);
# each the median wall time of REPS runs (default 5), taken in turn A B A B,
# and the ratio of the medians.  Prints what is missing instead of a figure.
#   bench/compare.sh build/aiomon-attach [N]
set -eu
bin=$(readlink -f "$1")
N=${2:-10000}
REPS=${REPS:-5}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rootfs=${AIOMON_ROOTFS_DIR:-$repo/build/rootfs}
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT INT TERM

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }

# start PYTHON...: the target, ready
start() {
    : > "$tmp/out"
    "$@" "$here/tasks_target.py" "$N" 0 > "$tmp/out" 2>&1 &
    pid=$!
    i=0
    until grep -q ready "$tmp/out"; do
        i=$((i + 1))
        [ $i -gt 1200 ] && { echo "compare: target did not start: $(cat "$tmp/out")" >&2; exit 1; }
        sleep 0.1
    done
}

stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=; }

# time_ms CMD...: wall milliseconds of one run (output to a file), exit status checked
time_ms() {
    t0=$(now_ns)
    "$@" > "$tmp/cmd.out" 2> "$tmp/cmd.err" || {
        echo "compare: '$*' failed: $(head -c 300 "$tmp/cmd.err")" >&2; exit 1; }
    t1=$(now_ns)
    echo $(( (t1 - t0) / 1000000 ))
}

# pair LABEL_A LABEL_B 'CMD A' 'CMD B': REPS runs of each, alternating
pair() {
    : > "$tmp/a"; : > "$tmp/b"
    r=0
    while [ $r -lt "$REPS" ]; do
        # shellcheck disable=SC2086
        time_ms $3 >> "$tmp/a"
        # shellcheck disable=SC2086
        time_ms $4 >> "$tmp/b"
        r=$((r + 1))
    done
    a=$(median < "$tmp/a"); b=$(median < "$tmp/b")
    printf '%-28s %6d ms   %-36s %6d ms   ratio %5.1fx   (runs a: %s; b: %s)\n' "$1" "$a" "$2" "$b" \
        "$(awk "BEGIN {print $b / ($a > 0 ? $a : 1)}")" "$(tr '\n' ' ' < "$tmp/a")" \
        "$(tr '\n' ' ' < "$tmp/b")"
}

echo "aiomon-attach comparisons: $N tasks, median of $REPS, wall time of the whole command"

py314=$rootfs/bin/sid3.14
if [ -x "$py314" ]; then
    AIOMON_SHARE=$here start "$py314"
    "$bin" --dump --json "$pid" > "$tmp/warm.json"      # the layout cache, as in use
    pair "aiomon-attach --dump --json" "python3.14 -m asyncio ps" \
        "$bin --dump --json $pid" "$py314 -m asyncio ps $pid"
    python3 - "$tmp/cmd.out" "$N" <<'PYEOF' || true
import sys
lines = open(sys.argv[1]).read().splitlines()
print("  (asyncio ps listed %d lines for %s tasks)" % (len(lines), sys.argv[2]))
PYEOF
    stop
else
    echo "3.14: no $py314 (tests/rootfs/build.sh sid): no comparison with asyncio ps"
fi

py312=$(ls /root/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | head -n 1 || true)
if [ -n "$py312" ] && command -v gdb >/dev/null 2>&1; then
    start "$py312"
    "$bin" --dump --json "$pid" > "$tmp/warm.json"
    cat > "$tmp/walk.py" <<PYEOF
import asyncio.tasks as T
every = list(getattr(T, "_scheduled_tasks", getattr(T, "_all_tasks", ()))) + \\
    list(getattr(T, "_eager_tasks", ()))
with open("$tmp/gdb-walk.txt", "w") as f:
    for t in every:
        f.write("%r %r\n" % (t, [(fr.f_code.co_name, fr.f_lineno) for fr in t.get_stack()]))
PYEOF
    cat > "$tmp/gdb.cmds" <<GDBEOF
set pagination off
call (int)PyGILState_Ensure()
call (int)PyRun_SimpleString("exec(open('$tmp/walk.py').read())")
call (void)PyGILState_Release(\$1)
detach
quit
GDBEOF
    pair "aiomon-attach --dump --json" "gdb-injected all_tasks walk" \
        "$bin --dump --json $pid" "gdb -p $pid -batch -nx -x $tmp/gdb.cmds"
    walked=$(wc -l < "$tmp/gdb-walk.txt" 2>/dev/null || echo 0)
    echo "  (the gdb walk wrote $walked tasks)"
    [ "$walked" -ge "$N" ] || echo "compare: the gdb walk did not list every task: its ratio means nothing" >&2
    stop
else
    echo "3.12: no pyenv 3.12 or no gdb: no comparison with the gdb-injected walk"
fi
