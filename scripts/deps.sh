#!/bin/sh
# Install the Debian packages aiomon-attach needs, if any is missing.
#   deps.sh run    what building and running need (make and the compiler too:
#                  setup.sh calls this before make exists)
#   deps.sh test   that, plus what the tests need
# Packages are installed with --no-install-recommends, so everything a step
# uses is named here (libclang-rt-14-dev: the fuzzers' runtime is only a
# Recommends of clang; man-db: the man page check renders the page).
set -eu
RUN_PKGS="make gcc pkg-config libc6-dev libelf-dev libdw-dev libunwind-dev libncurses-dev"
RUN_PKGS="$RUN_PKGS python3.11 python3 procps man-db"
TEST_PKGS="check tmux gdb python3-aiohttp python3.11-dbg clang libclang-rt-14-dev"
TEST_PKGS="$TEST_PKGS debootstrap wget xz-utils gpgv man-db groff-base util-linux time"
TEST_PKGS="$TEST_PKGS prometheus"     # t9101 runs its own on loopback, never the service
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
# prometheus is packaged as a service its postinst starts and enables (systemd, else init.d).
# The tests want only its binaries: while apt runs, a policy-rc.d forbids starts (101), unless
# the system has its own; afterwards the service is disabled.
guard=
case " $missing " in
*" prometheus "*)
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        guard=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi ;;
esac
# A freshly debootstrapped system has no package lists yet: update on failure.
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y --no-install-recommends $missing
}
case " $missing " in
*" prometheus "*)
    deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
    update-rc.d prometheus disable >/dev/null 2>&1 || true ;;
esac
if [ -n "$guard" ]; then
    rm -f /usr/sbin/policy-rc.d
fi
