#!/bin/sh
# setup.sh demo|check|all|install: the README's entry point on a fresh Debian.
#
# A freshly installed Debian 12 has no make and no compiler, so this POSIX sh
# script installs the Debian packages first (scripts/deps.sh, apt-get as root;
# as another user it prints the apt-get line to run), then runs make TARGET.
#   sh setup.sh demo     build, run the bundled asyncio app and show it
#   sh setup.sh check    build and run every test (unit under ASan+UBSan,
#                        integration on every interpreter the machine has or
#                        can build from Debian's registry)
#   sh setup.sh install  build and install (PREFIX=/usr/local, DESTDIR)
set -eu
cd "$(dirname "$0")"
target=${1:-demo}
case $target in
demo|all|install) scripts/deps.sh run ;;
check)            scripts/deps.sh test ;;
*) echo "usage: sh setup.sh demo|check|all|install" >&2; exit 64 ;;
esac
shift
exec make "$target" "$@"
