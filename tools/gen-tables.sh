#!/bin/sh
# Regenerate pyframes/tables/py3NN.c for every version of the version
# registry (pyframes/versions.c, asked through `gen-tables --minors`), from
# the DWARF of its reference build: pyenv's 3.NN under $PYENV_ROOT (default
# /root/.pyenv), else Debian unstable's python3.NN with its -dbg package in the
# tests' root file system (tests/rootfs/build.sh sid).  A version with neither
# is skipped and named.  The registry row then names layout_table_py3NN.
# usage: tools/gen-tables.sh build/gen-tables
set -eu
gen=$1
root=${PYENV_ROOT:-/root/.pyenv}
sid=${AIOMON_ROOTFS_DIR:-build/rootfs}/sid
out=pyframes/tables
mkdir -p "$out"
for m in $("$gen" --minors); do
    d=$(ls -d "$root"/versions/3."$m".* 2>/dev/null | head -n 1)
    if [ -n "$d" ]; then
        v=$(basename "$d")
        core=$(ls "$d"/lib/libpython3."$m".so.1.0 2>/dev/null || ls "$d"/bin/python3."$m")
        aio=$(ls "$d"/lib/python3."$m"/lib-dynload/_asyncio.cpython-*.so)
        "$gen" --gen "$m" "CPython $v ($(basename "$core"), $(basename "$aio"))" "$core" "$aio" \
            > "$out/py3$m.c.tmp"
        mv "$out/py3$m.c.tmp" "$out/py3$m.c"
        echo "tables: 3.$m from $v"
        continue
    fi
    core=$sid/usr/bin/python3.$m
    [ -x "$core" ] || { echo "tables: 3.$m: no pyenv 3.$m, no $core (tests/rootfs/build.sh sid)"; continue; }
    aio=$(ls "$sid"/usr/lib/python3.$m/lib-dynload/_asyncio.cpython-3$m-x86_64-linux-gnu.so 2>/dev/null ||
          echo "$core")
    v=$(dpkg-query --admindir="$sid/var/lib/dpkg" -W -f='${Version}' "python3.$m-minimal")
    "$gen" --gen "$m" "Debian's CPython $v (python3.$m, python3.$m-dbg; $(basename "$aio"))" \
        "$core" "$aio" "$sid" > "$out/py3$m.c.tmp"
    mv "$out/py3$m.c.tmp" "$out/py3$m.c"
    echo "tables: 3.$m from Debian's $v"
done
