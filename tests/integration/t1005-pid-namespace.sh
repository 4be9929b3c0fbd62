#!/bin/bash
# A Python process that is pid 1 of its own pid namespace, as in a container,
# dumped from inside that namespace (nsenter): every thread matches the truth,
# whose pid and tids are the namespace's.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

unshare --pid --fork --mount-proc --kill-child true 2>/dev/null ||
    skip_ "cannot create a pid namespace here (unshare --pid failed)"

TARGET_WRAP="unshare --pid --fork --mount-proc --kill-child" start_target threads.py 3
# The target's pid namespace with a /proc of its own, but this side's files:
# the tool itself need not exist in the target's root (a container target).
timeout -k 5 "$AIOMON_TIMEOUT" nsenter -t "$TARGET_PID" -p -- unshare --mount --mount-proc \
    "$AIOMON" --dump --json 1 >"$TMPD/out.json" 2>"$TMPD/out.err"
AIO_RC=$?
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.err"; fail_ "aiomon-attach --dump --json 1 (inside the namespace) exited $AIO_RC"; }
ok_ "aiomon-attach --dump --json 1 inside the namespace: exit 0"
compare_ threads "$TRUTH" "$TMPD/out.json"
assert_running "$TARGET_PID"
