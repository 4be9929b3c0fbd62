#!/bin/sh
# The one-direction architecture, enforced over #include lines:
#   common    includes nothing of ours
#   attach    common
#   snapshot  common
#   pyframes  common, attach, snapshot
#   unwind    common, attach, snapshot
#   ui        common, snapshot
# Only src/main.c, src/options.* and tools/ include everything.
set -eu
cd "$(dirname "$0")/.."
bad=0
check() {
    dir=$1; allowed=$2
    for f in src/$dir/*.[ch] src/$dir/*/*.[ch]; do
        [ -f "$f" ] || continue
        grep -Hn '^#include "' "$f" | while IFS= read -r line; do
            inc=$(printf '%s' "$line" | sed 's/.*#include "\(.*\)".*/\1/')
            case "$inc" in
                ../*/*) mod=$(printf '%s' "$inc" | cut -d/ -f2) ;;
                ../../*/*) mod=$(printf '%s' "$inc" | cut -d/ -f3) ;;
                */*) mod=$(printf '%s' "$inc" | cut -d/ -f1); [ "$mod" = ".." ] && mod=$dir ;;
                *) mod=$dir ;;
            esac
            ok=0
            for a in $dir $allowed; do [ "$mod" = "$a" ] && ok=1; done
            if [ $ok -eq 0 ]; then
                echo "layering: $line (src/$dir may not include src/$mod)"
                echo x >> "${TMPDIR:-/tmp}/aiomon-layering.$$"
            fi
        done
    done
}
rm -f "${TMPDIR:-/tmp}/aiomon-layering.$$"
check common ""
check attach "common"
check snapshot "common"
check pyframes "common attach snapshot"
check unwind "common attach snapshot"
check ui "common snapshot"
if [ -f "${TMPDIR:-/tmp}/aiomon-layering.$$" ]; then
    rm -f "${TMPDIR:-/tmp}/aiomon-layering.$$"
    exit 1
fi
# walkers never compare version numbers: that belongs to runtime.c and the ops tables
if grep -nE 'version_hex|minor|PY_VERSION' src/pyframes/frames.c src/pyframes/threads.c \
        src/pyframes/tasks.c src/pyframes/containers.c src/pyframes/objects.c; then
    echo "layering: version test in a walker (use struct py_ops)"
    exit 1
fi
echo "layering: ok"
