#!/bin/sh
# Compare the built-in layout table of every version of the version registry
# (pyframes/versions.c, through `gen-tables --minors`) with the DWARF of its
# reference build: pyenv's 3.NN, else, when the table was made from it,
# Debian unstable's python3.NN with its -dbg package (the tests' root file
# system, tests/rootfs/build.sh sid).  Also Debian's python3.11 with its
# -dbg package when installed.  A build that is absent is reported as skipped.
set -u
gen=$1
root=${PYENV_ROOT:-/root/.pyenv}
sid=${AIOMON_ROOTFS_DIR:-build/rootfs}/sid
fail=0
minors=$("$gen" --minors) || exit 1
for m in $minors; do
    d=$(ls -d "$root"/versions/3."$m".* 2>/dev/null | head -n 1)
    if [ -n "$d" ]; then
        core=$(ls "$d"/lib/libpython3."$m".so.1.0 2>/dev/null || ls "$d"/bin/python3."$m")
        aio=$(ls "$d"/lib/python3."$m"/lib-dynload/_asyncio.cpython-*.so)
        "$gen" --check "$m" "$core" "$aio" || fail=1
        continue
    fi
    # a table is compared with the build it was made from: one made from
    # pyenv's build is not expected to equal Debian's (another patch release
    # may grow a struct: 3.13.0's and Debian's 3.13.18's thread states differ)
    if ! grep -q "built_from = \"Debian's" "pyframes/tables/py3$m.c" 2>/dev/null; then
        echo "tables: 3.$m: SKIP (its table was built from pyenv's build" \
             "($(sed -n 's/.*built_from = "\([^ ]* [^ ]*\) .*/\1/p' "pyframes/tables/py3$m.c")), absent here)"
        continue
    fi
    core=$sid/usr/bin/python3.$m
    if [ ! -x "$core" ]; then
        echo "tables: 3.$m: SKIP (no reference build: none under $root/versions, no Debian" \
             "unstable root file system: tests/rootfs/build.sh sid)"
        continue
    fi
    aio=$(ls "$sid"/usr/lib/python3.$m/lib-dynload/_asyncio.cpython-3$m-x86_64-linux-gnu.so 2>/dev/null ||
          echo "$core")
    printf 'tables: Debian %s, ' "$(dpkg-query --admindir="$sid/var/lib/dpkg" -W -f='${Version}' "python3.$m-minimal")"
    "$gen" --check "$m" "$core" "$aio" "$sid" || fail=1
done
if [ -x /usr/bin/python3.11 ] && [ -f /usr/lib/python3.11/lib-dynload/_asyncio.cpython-311-x86_64-linux-gnu.so ]; then
    if "$gen" --dump /usr/bin/python3.11 >/dev/null 2>&1; then
        printf 'tables: Debian %s, ' "$(/usr/bin/python3.11 -c 'import platform; print(platform.python_version())')"
        "$gen" --check 11 /usr/bin/python3.11 \
            /usr/lib/python3.11/lib-dynload/_asyncio.cpython-311-x86_64-linux-gnu.so || fail=1
    else
        echo "tables: debian 3.11: SKIP (no DWARF: install python3.11-dbg)"
    fi
fi
exit $fail
