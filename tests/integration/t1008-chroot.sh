#!/bin/bash
# A chroot'ed target (tests/rootfs/enter with AIOMON_ENTER_CHROOT: chroot(8)
# into the label's root file system, no pivot_root): its memory map names
# its files by this side's paths (/work/.../build/rootfs/sid/usr/bin/python3.X)
# while /proc/PID/root is the chroot; every file is still found (the
# interpreter by device and inode) and every thread and task equals the
# truth.  Container labels only: the others have no root file system.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

is_container_label "$PYVER" || skip_ "a chroot target needs a root file system (container labels: sid3.X, bullseye3.9)"
read -r enter root variant py _ < <(sed -n 's/^exec //p' "$PY")
[ -x "$enter" ] && [ -d "$root" ] || framework_failure_ "cannot read the wrapper $PY"
cat >"$TMPD/py-chroot" <<EOS
#!/bin/sh
AIOMON_ENTER_CHROOT=1 exec $enter $root $variant $py "\$@"
EOS
chmod 755 "$TMPD/py-chroot"
PY=$TMPD/py-chroot start_target tasks_gather_nested.py
grep -q " $root/usr/bin/python" "/proc/$TARGET_PID/maps" ||
    framework_failure_ "the target's map does not name $root/usr/bin/python...: not the chroot case"
[ "$(readlink "/proc/$TARGET_PID/root")" = "$root" ] || framework_failure_ "/proc/$TARGET_PID/root is not $root"
dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ all "$TRUTH" "$TMPD/out.json"
assert_running "$TARGET_PID"
