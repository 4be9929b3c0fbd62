#!/bin/sh
# tests/rootfs/build.sh NAME [DIR]
#
# Build (once) the root file system NAME for container targets, from Debian's
# registry, into DIR/NAME (default build/rootfs/NAME).  A finished root has the
# stamp file .aiomon-rootfs holding its package list; a root with the right
# stamp is reused, anything else is rebuilt (into NAME.new, renamed when
# complete, so an interrupted build never looks finished).  Prints the path of
# the root on stdout, or one line on stderr and exits 1 (2: the registry cannot
# be reached, so the caller may report its tests as skipped).
#
#   sid       Debian unstable: CPython 3.13, 3.14, 3.15 with their -dbg
#             packages, uvloop and aiohttp
#   bullseye  Debian 11: CPython 3.9 with its -dbg package
#
# The -dbg packages are installed; tests/rootfs/enter hides /usr/lib/debug in
# the container to give the stripped variant of the same interpreter.
set -eu
name=${1:?usage: build.sh NAME [DIR]}
here=$(cd "$(dirname "$0")" && pwd)
dir=${2:-$here/../../build/rootfs}
mirror=${AIOMON_DEBIAN_MIRROR:-http://deb.debian.org/debian}

case $name in
sid)      suite=sid
          pkgs="python3.13 python3.13-dbg python3.14 python3.14-dbg python3.15 python3.15-dbg"
          pkgs="$pkgs python3-uvloop python3-aiohttp mount" ;;
bullseye) suite=bullseye
          pkgs="python3.9 python3.9-dbg mount" ;;
*)        echo "rootfs: unknown root file system '$name' (sid, bullseye)" >&2; exit 1 ;;
esac

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
root=$dir/$name
stamp="$suite: $pkgs"
if [ -f "$root/.aiomon-rootfs" ] && [ "$(cat "$root/.aiomon-rootfs")" = "$stamp" ]; then
    printf '%s\n' "$root"
    exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "rootfs: building $name needs root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "rootfs: no debootstrap (apt-get install -y debootstrap)" >&2; exit 1; }

# One builder at a time per root (parallel test runs share the cache).
exec 9>"$dir/.$name.lock"
flock 9
if [ -f "$root/.aiomon-rootfs" ] && [ "$(cat "$root/.aiomon-rootfs")" = "$stamp" ]; then
    printf '%s\n' "$root"
    exit 0
fi

work=$(mktemp -d "$dir/.$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
wget -q -T 30 -t 2 -O "$work/InRelease" "$mirror/dists/$suite/InRelease" || {
    echo "rootfs: cannot reach Debian's registry ($mirror/dists/$suite/InRelease)" >&2
    exit 2
}

# The signing key.  The host's keyring (Debian 12's debian-archive-keyring)
# verifies bullseye, and verified unstable as long as unstable was also signed
# with a key it knows (bookworm's or trixie's automatic key).  Once unstable is
# signed only with newer keys, Debian 12 cannot verify it by itself; then we
# take debian-archive-keyring from the newest suite the host CAN verify
# (stable, then testing) through an unbroken chain -- the host's key signs that
# suite's InRelease, the InRelease gives the SHA256 of its Packages.xz, that
# gives the SHA256 of the .deb -- and use the keyring inside it.  Never
# --no-check-gpg.
host_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
keyring=$host_keyring
verify() {      # verify KEYRING INRELEASE
    gpgv --keyring "$1" "$2" >/dev/null 2>&1
}
if ! verify "$keyring" "$work/InRelease"; then
    keyring=
    for via in stable testing; do
        k=$work/keyring-$via
        mkdir -p "$k"
        wget -q -T 30 -O "$k/InRelease" "$mirror/dists/$via/InRelease" || continue
        verify "$host_keyring" "$k/InRelease" || continue
        sum=$(awk '/^SHA256:/ {s = 1; next} /^[A-Za-z]/ {s = 0}
                   s && $3 == "main/binary-all/Packages.xz" {print $1}' "$k/InRelease")
        [ -n "$sum" ] || continue
        wget -q -T 30 -O "$k/Packages.xz" "$mirror/dists/$via/main/binary-all/Packages.xz" || continue
        echo "$sum  $k/Packages.xz" | sha256sum -c --status || continue
        xz -dc "$k/Packages.xz" | awk -v RS= '/(^|\n)Package: debian-archive-keyring\n/' >"$k/entry"
        file=$(sed -n 's/^Filename: //p' "$k/entry")
        debsum=$(sed -n 's/^SHA256: //p' "$k/entry")
        [ -n "$file" ] && [ -n "$debsum" ] || continue
        wget -q -T 30 -O "$k/keyring.deb" "$mirror/$file" || continue
        echo "$debsum  $k/keyring.deb" | sha256sum -c --status || continue
        dpkg-deb -x "$k/keyring.deb" "$k/x"
        if verify "$k/x/usr/share/keyrings/debian-archive-keyring.gpg" "$work/InRelease"; then
            keyring=$k/x/usr/share/keyrings/debian-archive-keyring.gpg
            echo "rootfs: $suite is signed with a key Debian 12 does not have; using" \
                 "debian-archive-keyring from $via (verified through $via's InRelease)" >&2
            break
        fi
    done
    [ -n "$keyring" ] || { echo "rootfs: cannot verify $suite's signature with any keyring" >&2; exit 1; }
fi

rm -rf "$root.new"
echo "rootfs: building $name ($suite: $pkgs) into $root; a few minutes, once" >&2
if ! debootstrap --variant=minbase --keyring="$keyring" \
        --include="$(echo "$pkgs" | tr ' ' ',')" "$suite" "$root.new" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    cp "$work/debootstrap.log" "$dir/$name.debootstrap.log" 2>/dev/null || true
    echo "rootfs: debootstrap of $suite failed (log: $dir/$name.debootstrap.log)" >&2
    rm -rf "$root.new"
    exit 1
fi
# Mount points tests/rootfs/enter needs, and nothing of the build's caches.
mkdir -p "$root.new/.oldroot" "$root.new/usr/lib/debug"
rm -rf "$root.new/var/cache/apt/archives"/*.deb
printf '%s\n' "$stamp" >"$root.new/.aiomon-rootfs"
rm -rf "$root"
mv "$root.new" "$root"
printf '%s\n' "$root"
