#!/bin/sh
# The one-direction architecture (attach -> read -> model -> view), enforced
# over #include lines.  Each top-level part may include only those below it:
#   common    nothing of ours (errors, allocation, escaping, the file writer)
#   attach    common                          (process sources)
#   snapshot  common                          (the model, its loader, history)
#   pyframes  common attach snapshot          (CPython readers)
#   unwind    common attach snapshot          (native stacks)
#   view      common snapshot                 (text, JSON, record writers)
#   ui        common snapshot view            (the live view)
#   track     common attach snapshot pyframes (the tracker in and out of a process)
#   cmd       everything                      (one file per mode, main, options)
# tools/, tests/ and fuzz/ may include everything.
set -eu
cd "$(dirname "$0")/.."
bad=${TMPDIR:-/tmp}/aiomon-layering.$$
rm -f "$bad"
check() {
    dir=$1; allowed=$2
    for f in $dir/*.[ch] $dir/*/*.[ch]; do
        [ -f "$f" ] || continue
        grep -Hn '^#include "' "$f" | while IFS= read -r line; do
            inc=$(printf '%s' "$line" | sed 's/.*#include "\(.*\)".*/\1/')
            case "$inc" in
                ../../*/*) mod=$(printf '%s' "$inc" | cut -d/ -f3) ;;
                ../*/*) mod=$(printf '%s' "$inc" | cut -d/ -f2) ;;
                */*) mod=$(printf '%s' "$inc" | cut -d/ -f1)
                     # a subfolder of the part itself (pyframes/tables)
                     [ -d "$dir/$mod" ] && mod=$dir ;;
                *) mod=$dir ;;
            esac
            ok=0
            for a in $dir $allowed; do [ "$mod" = "$a" ] && ok=1; done
            if [ $ok -eq 0 ]; then
                echo "layering: $line ($dir may not include $mod)"
                echo x >> "$bad"
            fi
        done
    done
}
check common ""
check attach "common"
check snapshot "common"
check pyframes "common attach snapshot"
check unwind "common attach snapshot"
check view "common snapshot"
check ui "common snapshot view"
check track "common attach snapshot pyframes"
check cmd "common attach snapshot pyframes unwind view ui track"
# no source left outside the parts
for f in *.c *.h; do
    [ -f "$f" ] && { echo "layering: $f is outside every part"; echo x >> "$bad"; }
done
if [ -f "$bad" ]; then
    rm -f "$bad"
    exit 1
fi
# Walkers never test a version.  By construction: struct py_ctx and the ops
# carry no version number (pyint.h), the snapshot gets its version only after
# the walk (runtime.c), and only runtime.c reads the version registry
# (versions.h) and the version-specific layout sources.  Checked here: no
# walker names a version or includes what maps versions.
walkers="pyframes/frames.c pyframes/threads.c pyframes/task_find.c pyframes/task_read.c
    pyframes/task_edges.c pyframes/tasks.h pyframes/containers.c pyframes/objects.c"
for f in $walkers; do
    [ -f "$f" ] || { echo "layering: walker $f is gone (update scripts/check-layering.sh)"; exit 1; }
done
if grep -nE 'version_hex|minor|PY_VERSION|python_version|py_version|pyv\b' $walkers pyframes/pyint.h ||
   grep -nE '#include "(versions|pyframes|layout_debugoffsets|layout_table)\.h"' $walkers pyframes/pyint.h; then
    echo "layering: version test in a walker (use struct py_ops)"
    exit 1
fi
echo "layering: ok"
