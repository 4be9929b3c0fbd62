#!/bin/bash
# --run never loses the command's exit status (issue P1b): SIGTERM sent to
# aiomon-attach at moments around its --timeout snapshot (when it may be
# seizing the very process that the forwarded SIGTERM kills) must always end
# with the command's own status, 143 (SIGTERM), never "exit status lost".
# RACE_TRIES tries per interpreter (default 12: over 50 across the matrix).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

tries=${RACE_TRIES:-12}
lost=0 other=0
for i in $(seq 1 "$tries"); do
    rm -rf "$TMPD/out"
    # 300 threads: seizing them all takes long enough for the SIGTERM to land in it
    "$AIOMON" --run --timeout 1 -o "$TMPD/out" -- "$PY" -E -s -c '
import threading, time
for _ in range(300):
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
time.sleep(60)' >/dev/null 2>"$TMPD/err.$i" &
    wd=$!
    # around the snapshot: 0.96 .. 1.11 s after the start, 5 ms apart
    sleep "$(printf '%d.%03d' $(( (960 + (i * 5) % 150) / 1000 )) $(( (960 + (i * 5) % 150) % 1000 )))"
    kill -TERM "$wd" 2>/dev/null
    wait "$wd"
    rc=$?
    if grep -q "status is lost" "$TMPD/err.$i"; then
        lost=$((lost + 1)); show_file_ "$TMPD/err.$i"
    elif [ "$rc" -ne 143 ]; then
        other=$((other + 1)); say "try $i: exit $rc"; show_file_ "$TMPD/err.$i"
    fi
done
[ "$lost" -eq 0 ] && [ "$other" -eq 0 ] || fail_ "$lost of $tries lost the exit status, $other ended otherwise than 143"
ok_ "$tries SIGTERMs around the timeout snapshot: exit 143 every time"
