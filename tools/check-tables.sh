#!/bin/sh
# Compare every built-in layout table with the DWARF of the reference builds
# present here (pyenv 3.8-3.13, Debian's python3.11 with its -dbg package, and
# Debian unstable's 3.14 and 3.15 with theirs).
# A build that is absent is reported as skipped.
set -u
gen=$1
root=${PYENV_ROOT:-/root/.pyenv}
fail=0
for m in 8 9 10 11 12 13; do
    d=$(ls -d "$root"/versions/3."$m".* 2>/dev/null | head -n 1)
    if [ -z "$d" ]; then
        echo "tables: 3.$m: SKIP (no reference build under $root/versions)"
        continue
    fi
    core=$(ls "$d"/lib/libpython3."$m".so.1.0 2>/dev/null || ls "$d"/bin/python3."$m")
    aio=$(ls "$d"/lib/python3."$m"/lib-dynload/_asyncio.cpython-*.so)
    "$gen" --check "$m" "$core" "$aio" || fail=1
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
# 3.14 and later: Debian unstable's builds with their -dbg packages (the
# tests' root file system, tests/rootfs/build.sh sid)
sid=${AIOMON_ROOTFS_DIR:-build/rootfs}/sid
for m in 14 15; do
    core=$sid/usr/bin/python3.$m
    if [ ! -x "$core" ]; then
        echo "tables: 3.$m: SKIP (no Debian unstable root file system: tests/rootfs/build.sh sid)"
        continue
    fi
    aio=$(ls "$sid"/usr/lib/python3.$m/lib-dynload/_asyncio.cpython-3$m-x86_64-linux-gnu.so 2>/dev/null ||
          echo "$core")
    printf 'tables: Debian %s, ' "$(dpkg-query --admindir="$sid/var/lib/dpkg" -W -f='${Version}' "python3.$m-minimal")"
    "$gen" --check "$m" "$core" "$aio" "$sid" || fail=1
done
exit $fail
