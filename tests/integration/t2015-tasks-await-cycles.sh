#!/bin/bash
# Await cycles (targets/tasks_cycles.py: a 2-task and a 3-task cycle, and a
# task awaiting one of them): the tasks and edges equal the truth; JSON
# "cycles" lists exactly the cycles of the truth's edges, each once, rotated
# to its smallest id; the text dump says "deadlock: a → b → a" for each,
# before the tree.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_cycles.py
dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ tasks "$TRUTH" "$TMPD/out.json"
run_aiomon "$TMPD/out.txt" "$TMPD/out.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.err"; fail_ "--dump exited $AIO_RC"; }
assert_running "$TARGET_PID"

"$HOST_PY" - "$TRUTH" "$TMPD/out.json" "$TMPD/out.txt" <<'PYEOF' || fail_ "cycles wrong"
import json, sys
truth = json.load(open(sys.argv[1]))
snap = json.load(open(sys.argv[2]))
text = open(sys.argv[3], encoding="utf-8").read()
tasks = {t["id"]: t for t in truth["tasks"]}
awaits = {t["id"]: sorted(t["awaiting"]) for t in truth["tasks"]}

# every simple cycle of the truth's graph (small here), rotated to its smallest id
want = set()
def walk(path):
    for n in awaits.get(path[-1], []):
        if n == path[0]:
            cyc = path[:]
            i = min(range(len(cyc)), key=lambda k: int(cyc[k], 16))
            want.add(tuple(cyc[i:] + cyc[:i]))
        elif n not in path and int(n, 16) > int(path[0], 16):
            walk(path + [n])
for start in awaits:
    walk([start])
got = [tuple(c) for c in snap["cycles"]]
bad = []
if len(got) != len(set(got)):
    bad.append("a cycle is listed twice: %s" % got)
if set(got) != want:
    bad.append("cycles %s, truth %s" % (sorted(got), sorted(want)))
names = {frozenset(tasks[i]["name"] for i in c) for c in want}
if names != {frozenset({"pair-a", "pair-b"}), frozenset({"ring-x", "ring-y", "ring-z"})}:
    bad.append("the truth's cycles are not the scenario's: %s" % names)
lines = [l for l in text.splitlines() if l.startswith("deadlock: ")]
if len(lines) != len(want):
    bad.append("%d deadlock lines for %d cycles:\n%s" % (len(lines), len(want), "\n".join(lines)))
for c in want:
    seq = " \u2192 ".join("%s (%s)" % (tasks[i]["name"], i) for i in list(c) + [c[0]])
    if "deadlock: " + seq not in lines:
        bad.append("no line 'deadlock: %s'" % seq)
tree_at = text.find("\n\n", text.find("deadlock: "))
if text.find("deadlock: ") < 0 or text.find("pair-a  pending", tree_at) < 0:
    bad.append("the deadlock lines do not come before the tree")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: %d cycles, each once, in JSON and text" % len(want))
PYEOF
ok_ "await cycles"
