#!/bin/sh
# Install the Debian packages aiomon-attach needs, if any is missing.
#   deps.sh run    what building and running need
#   deps.sh test   that, plus what the tests need
set -eu
RUN_PKGS="gcc make pkg-config libc6-dev libelf-dev libdw-dev libunwind-dev libncurses-dev python3.11 procps"
TEST_PKGS="check tmux gdb python3-aiohttp python3.11-dbg clang"
want=$RUN_PKGS
[ "${1:-run}" = test ] && want="$RUN_PKGS $TEST_PKGS"
missing=
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "aiomon-attach: missing Debian packages:$missing (run as root, or: sudo apt-get install -y$missing)" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update >/dev/null 2>&1
    apt-get install -y --no-install-recommends $missing
}
