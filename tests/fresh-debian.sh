#!/bin/sh
# tests/fresh-debian.sh [DIR]
#
# The README's two commands on a truly fresh Debian 12, as a new user runs
# them: debootstrap Debian 12 (default variant: no make, no compiler, no
# man-db, no pyenv) into DIR (default: a new directory under /var/tmp), clone
# this repository (its committed HEAD) into DIR/root/aiomon-attach (a private
# directory, as /root is), mount /proc, /sys, /dev, /dev/pts and a /dev/shm
# tmpfs, pivot into it in a mount namespace of its own (a real root, so the
# tests' own namespaces and containers work) and run, verbatim:
#
#     sh setup.sh demo
#     sh setup.sh check
#
# printing each one's time and last lines.  Not part of make check (it takes
# a quarter of an hour and needs Debian's registry).  Exit status: that of the
# first command that failed.  DIR is removed at the end unless KEEP=1.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian: run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "fresh-debian: apt-get install -y debootstrap" >&2; exit 1; }
dir=${1:-$(mktemp -d /var/tmp/aiomon-fresh.XXXXXX)}
mirror=${AIOMON_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -z "${AIOMON_FRESH_INSIDE:-}" ]; then
    echo "fresh-debian: debootstrap bookworm into $dir"
    t0=$(date +%s)
    debootstrap bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
        tail -n 20 "$dir.debootstrap.log"; exit 1; }
    echo "fresh-debian: debootstrap took $(( $(date +%s) - t0 )) s"
    for tool in make gcc cc man python3.11 pyenv; do
        if chroot "$dir" sh -c "command -v $tool" >/dev/null 2>&1; then
            echo "fresh-debian: the fresh root has $tool: not fresh"; exit 1
        fi
    done
    git clone -q "$here" "$dir/root/aiomon-attach"
    echo "fresh-debian: cloned $(git -C "$here" rev-parse --short HEAD) into $dir/root/aiomon-attach"
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    rc=0
    AIOMON_FRESH_INSIDE=1 unshare --mount --propagation private -- /bin/sh "$0" "$dir" || rc=$?
    if [ -z "${KEEP:-}" ]; then
        rm -rf "$dir" "$dir.debootstrap.log"
    else
        echo "fresh-debian: kept $dir"
    fi
    exit $rc
fi

# Inside our own mount namespace: make $dir a root and go there.
mount --bind "$dir" "$dir"
mount -t proc proc "$dir/proc"
mount -t sysfs sysfs "$dir/sys"
mount --bind /dev "$dir/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts" 2>/dev/null ||
    mount --bind /dev/pts "$dir/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
mkdir -p "$dir/.oldroot"
cd "$dir"
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot 2>/dev/null || true
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
unset AIOMON_FRESH_INSIDE
cd /root/aiomon-attach

status=0
for cmd in "sh setup.sh demo" "sh setup.sh check"; do
    echo "fresh-debian: \$ $cmd"
    t0=$(date +%s)
    rc=0
    # no terminal here: the demo prints a dump instead of opening the live view
    $cmd >/root/out.log 2>&1 </dev/null || rc=$?
    echo "fresh-debian: '$cmd' exited $rc after $(( $(date +%s) - t0 )) s; its last lines:"
    tail -n 25 /root/out.log | sed 's/^/    /'
    if [ "$cmd" = "sh setup.sh check" ]; then
        echo "fresh-debian: the integration summary:"
        grep -E '^(interpreters (tested|skipped):|[0-9]+ passed, [0-9]+ failed)|^[0-9]+%: Checks' /root/out.log |
            sed 's/^/    /'
        nskip=$(grep -cE ' SKIP \((interpreter|t[0-9]+ supports)' /root/out.log || true)
        echo "fresh-debian: skipped lines: $(grep -c ' SKIP (' /root/out.log || true)" \
             "($nskip for a missing interpreter or a version without the feature)"
    fi
    [ $rc -eq 0 ] || { status=$rc; break; }
done
exit $status
