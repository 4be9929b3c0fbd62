#!/bin/bash
# asyncio.wait (all, first completed), asyncio.as_completed and a gather of a
# gather (targets/tasks_wait.py): every task and edge equals the truth, which
# says a task in wait() awaits each pending task it waits for, in
# as_completed() (3.13+) each not yet completed, and a gather's caller the
# leaves of nested gathering futures; the scenario's own edges are checked
# too, so that a truth that lost them fails.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_wait.py
"$HOST_PY" - "$TMPD/out.json" "$PYMINOR" <<'PYEOF' || fail_ "edges of the scenario missing"
import json, sys
snap = json.load(open(sys.argv[1]))
minor = int(sys.argv[2])
by_name = {t["name"]: t for t in snap["tasks"]}
ids = {t["id"]: t["name"] for t in snap["tasks"]}
want = {"wait-all": {"w1", "w2"}, "wait-first": {"w3", "w4"}, "nested": {"n1", "n2", "n3"}}
if minor >= 13:
    want["as-completed"] = {"c1", "c2"}
bad = []
for name, kids in want.items():
    got = {ids[i] for i in by_name[name]["awaiting"]}
    if got != kids:
        bad.append("%s awaits %s, expected %s" % (name, sorted(got), sorted(kids)))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: wait, as_completed and nested gather edges")
PYEOF
ok_ "the scenario's edges"
