#!/bin/bash
# A FastAPI-like layout (targets/tasks_user_frame.py): endpoints in userapp/app.py
# called by a package under a site-packages directory, waiting on asyncio.Lock
# and Event.  Every task, its user frame (truth from the target's sysconfig) and
# the whole stack of the running task (crunch <- inner <- middle <- outer: its
# thread's frames above the coroutine) match the truth exactly.  The text shows
# the user frame with the awaited primitive and folds per endpoint; --where,
# --lib-path and --no-group change that.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_user_frame.py

"$HOST_PY" - "$TMPD/out.json" <<'PYEOF' || fail_ "the running task's stack"
import json, sys
tasks = {t["name"]: t for t in json.load(open(sys.argv[1]))["tasks"]}
c = tasks["cruncher"]
names = [f["function"] for f in c["stack"]]
assert names == ["crunch", "inner", "middle", "outer"], names
assert c["thread_frames"] == 3 and c["user_frame"] == 0 and c["running"], c
assert tasks["server"]["user_frame"] is None, tasks["server"]
r = tasks["request-0"]
assert r["stack"][r["user_frame"]]["function"] == "handle_request", r
PYEOF
ok_ "cruncher: crunch <- inner <- middle <- outer, 3 thread frames; server has no user frame"

text() {
    run_aiomon "$TMPD/$1.txt" "$TMPD/$1.txt.err" --dump "${@:2}" "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/$1.txt.err"; fail_ "--dump ${*:2} exited $AIO_RC"; }
}
need() {
    grep -Eq -- "$2" "$TMPD/$1.txt" || { show_file_ "$TMPD/$1.txt" 6000; fail_ "$1: no line matching /$2/"; }
}
refuse() {
    ! grep -Eq -- "$2" "$TMPD/$1.txt" || { show_file_ "$TMPD/$1.txt" 6000; fail_ "$1: a line matches /$2/"; }
}

text user
# the summary: one group per endpoint, each with its user frame and the awaited primitive
need user '^ +3  call_endpoint  handle_request [^ ]*/app\.py:[0-9]+ → (Lock\.)?acquire$'
need user '^ +2  call_endpoint  handle_upload [^ ]*/app\.py:[0-9]+ → (Lock\.)?acquire$'
need user '^ +2  run_in_background  background_job [^ ]*/app\.py:[0-9]+ → (Event\.)?wait$'
need user 'cruncher  pending  outer  crunch [^ ]*/app\.py:[0-9]+  \*running\*'
need user '  ×3( |$)'
ok_ "text: user frames with the awaited primitive, one group per endpoint"

text innermost --where=innermost
need innermost '^ +3  call_endpoint  [^ ]*/asyncio/locks\.py:[0-9]+$'
refuse innermost 'handle_request'
ok_ "--where=innermost: the innermost frame"

text nogroup --no-group
refuse nogroup '  ×[0-9]'
need nogroup 'request-2  pending  call_endpoint  handle_request'
ok_ "--no-group: nothing folded"

text stacks --stacks
need stacks '^ +\|> crunch \('
need stacks '^ +\|  inner \('
need stacks '^ +> handle_request \('
ok_ "--stacks marks the thread's frames and the user frame"

dump_json "$TARGET_PID" "$TMPD/lib.json" --lib-path "$TARGETS/userapp/"
"$HOST_PY" - "$TMPD/lib.json" <<'PYEOF' || fail_ "--lib-path"
import json, sys
tasks = {t["name"]: t for t in json.load(open(sys.argv[1]))["tasks"]}
for n in ("request-0", "upload-1", "job-0", "cruncher", "server"):
    assert tasks[n]["user_frame"] is None, (n, tasks[n]["user_frame"])
PYEOF
ok_ "--lib-path: app.py is library code, those tasks have no user frame"

# --load reads user_frame and thread_frames back
run_aiomon "$TMPD/re.json" "$TMPD/re.json.err" --load "$TMPD/out.json" --dump --json
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/re.json.err"; fail_ "--load exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/out.json" "$TMPD/re.json" <<'PYEOF' || fail_ "--load lost user_frame/thread_frames"
import json, sys
a, b = (json.load(open(p))["tasks"] for p in sys.argv[1:3])
assert [(t["user_frame"], t["thread_frames"]) for t in a] == \
       [(t["user_frame"], t["thread_frames"]) for t in b]
PYEOF
ok_ "--load: user_frame and thread_frames read back"
assert_running "$TARGET_PID"
