#!/bin/sh
# The tracker's cost per task (bench/track_overhead.py): the median of RUNS
# runs of N create_task+await rounds, without and with the tracker, plain
# tasks and eager ones, on each interpreter found (pyenv's 3.12, and
# Debian unstable's 3.14 in its root file system through tests/rootfs/enter).
#   bench/track_overhead.sh [PYTHON...]
# environment: N (200000), RUNS (5), AIOMON_ROOTFS_DIR (build/rootfs)
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
N=${N:-200000}
RUNS=${RUNS:-5}
rootfs=${AIOMON_ROOTFS_DIR:-$repo/build/rootfs}

if [ $# -eq 0 ]; then
    for c in /root/.pyenv/versions/3.12.*/bin/python3.12; do
        [ -x "$c" ] && set -- "$@" "$c"
    done
    if [ -x "$rootfs/sid/usr/bin/python3.14" ]; then
        set -- "$@" "sid:/usr/bin/python3.14"
    fi
fi
[ $# -gt 0 ] || { echo "track_overhead: no interpreter found" >&2; exit 1; }

run() {     # run PY ARGS...: a container interpreter is "sid:/usr/bin/pythonX"
    py=$1
    shift
    case $py in
    sid:*) AIOMON_SHARE=$repo tests/rootfs/enter "$rootfs/sid" stripped "${py#sid:}" -E -s \
               "$repo/bench/track_overhead.py" "$@" ;;
    *) "$py" -E -s bench/track_overhead.py "$@" ;;
    esac
}

printf '%-42s %10s %10s %8s\n' "interpreter (N=$N, median of $RUNS)" "plain µs" "tracked µs" "overhead"
for py in "$@"; do
    for kind in "" --eager; do
        plain=$(run "$py" --n "$N" --runs "$RUNS" --mode plain $kind)
        [ "$plain" = n/a ] && continue
        tracked=$(run "$py" --n "$N" --runs "$RUNS" --mode tracked $kind)
        over=$(awk -v a="$plain" -v b="$tracked" 'BEGIN { if (b + 0 > 0) printf "%+.0f%%", (b - a) / a * 100; else printf "-" }')
        printf '%-42s %10s %10s %8s\n' "$py${kind:+ (eager)}" "$plain" "$tracked" "$over"
    done
done
