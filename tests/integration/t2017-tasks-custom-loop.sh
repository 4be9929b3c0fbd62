#!/bin/bash
# Loops without a BaseEventLoop.run_forever frame (targets/tasks_custom_loop.py):
# two loops driven by hand on two threads, or uvloop's on the second where
# uvloop is installed (Debian unstable's 3.14): every task's "thread" is the
# thread running its loop, found through the interpreter's own per-thread
# running-loop state; tasks and edges equal the truth.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_custom_loop.py
"$HOST_PY" - "$TRUTH" "$TMPD/out.json" <<'PYEOF' || fail_ "threads of the tasks"
import json, sys
truth = json.load(open(sys.argv[1]))
snap = json.load(open(sys.argv[2]))
ok = [t for t in snap["tasks"] if t["name"][:2] in ("a-", "b-") and t.get("thread")]
threads = {t["name"][:2]: t["thread"] for t in ok}
if len(ok) != 6 or len(set(threads.values())) != 2:
    print("tasks with their loop's thread: %s" % [(t["name"], t.get("thread")) for t in snap["tasks"]])
    sys.exit(1)
print("ok: six tasks on two threads' loops%s" % (" (b: uvloop)" if truth.get("uvloop") else ""))
PYEOF
ok_ "the loops' threads"
