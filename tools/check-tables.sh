#!/bin/sh
# Compare every built-in layout table with the DWARF of the reference builds
# present here (pyenv 3.8-3.13, and Debian's python3.11 with its -dbg package).
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
exit $fail
