#!/bin/bash
# Attaching while threads run pure Python (targets/threads.py --spin 2: two
# threads spin and hold the GIL most of the time): twenty dumps in a row all
# exit 0 and match the truth for every parked thread, show each spinner inside
# spin(), and leave the target running.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target threads.py 4 --spin 2
for i in $(seq 20); do
    dump_json "$TARGET_PID" "$TMPD/out$i.json"
    compare_ threads "$TRUTH" "$TMPD/out$i.json"
done
assert_running "$TARGET_PID"
