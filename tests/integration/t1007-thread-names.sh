#!/bin/bash
# Python thread names on every version (targets/thread_names.py): each
# thread's "name" is threading's (MainThread, ThreadPoolExecutor-0_0, a name
# longer than the kernel's 15 bytes) and "comm" the kernel's, exactly as the
# target says; the text dump and the live view's data show the Python names.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target thread_names.py
dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ threads "$TRUTH" "$TMPD/out.json"
run_aiomon "$TMPD/out.txt" "$TMPD/out.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || fail_ "--dump exited $AIO_RC"
for n in MainThread ThreadPoolExecutor-0_0 ThreadPoolExecutor-0_1 plain \
         a-very-long-python-thread-name-beyond-15-chars; do
    grep -q "^Thread [0-9]* \"$n\"" "$TMPD/out.txt" || { show_file_ "$TMPD/out.txt"; fail_ "text dump has no thread \"$n\""; }
done
ok_ "text dump names the threads as Python does"
"$HOST_PY" - "$TMPD/out.json" <<'PYEOF' || fail_ "names equal to comm: the test proves nothing"
import json, sys
t = json.load(open(sys.argv[1]))["threads"]
assert sum(1 for x in t if x["name"] != x["comm"]) >= 3, [(x["name"], x["comm"]) for x in t]
PYEOF
assert_running "$TARGET_PID"
