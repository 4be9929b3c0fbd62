#!/bin/bash
# --subprocesses (targets/subprocs.py): a parent without asyncio and three
# Python children with named tasks.  --dump --json --subprocesses gives a list
# of four snapshots (the parent first, then each child with exactly its
# tasks); the text dump has one section per process; a plain --dump of the
# parent says how many Python children it has; --watch --subprocesses gives
# one report per process and says when a child exits; nothing is left stopped.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target subprocs.py

dump_json "$TARGET_PID" "$TMPD/tree.json" --subprocesses
"$HOST_PY" - "$TMPD/tree.json" "$TRUTH" <<'PY' || fail_ "--subprocesses JSON differs from the truth"
import json, sys
snaps = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
assert isinstance(snaps, list), "not a list"
pids = [s["pid"] for s in snaps]
want = [truth["parent"]] + sorted(int(p) for p in truth["children"])
assert pids[0] == truth["parent"], "first snapshot is pid %s, not the parent %s" % (pids[0], truth["parent"])
assert sorted(pids[1:]) == want[1:], "pids %s, want %s" % (pids, want)
assert not snaps[0]["tasks"], "the parent has tasks: %s" % snaps[0]["tasks"]
for s in snaps[1:]:
    names = sorted(t["name"] for t in s["tasks"] if t["name"].startswith("w"))
    exp = sorted(truth["children"][str(s["pid"])])
    assert names == exp, "pid %d: tasks %s, want %s" % (s["pid"], names, exp)
print("ok: %d snapshots, tasks of every child exact" % len(snaps))
PY

run_aiomon "$TMPD/tree.txt" "$TMPD/tree.err" --dump --subprocesses "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/tree.err"; fail_ "text --subprocesses exited $AIO_RC"; }
n=$(grep -c '^======== process [0-9]* ([1-4] of 4) ========$' "$TMPD/tree.txt")
[ "$n" -eq 4 ] || { show_file_ "$TMPD/tree.txt"; fail_ "text: $n process sections, want 4"; }
ok_ "text: 4 process sections"

run_aiomon "$TMPD/one.txt" "$TMPD/one.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/one.err"; fail_ "--dump of the parent exited $AIO_RC"; }
grep -q "3 Python child processes: use --subprocesses" "$TMPD/one.err" ||
    { show_file_ "$TMPD/one.err"; fail_ "no hint about the Python children"; }
ok_ "the parent's dump names its 3 Python children"

# --watch --subprocesses: one report per process (JSON: a list), each child's tasks
run_aiomon "$TMPD/w.json" "$TMPD/w.err" --watch --subprocesses --samples 2 --interval 200 \
    --json "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/w.err"; fail_ "--watch --subprocesses exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/w.json" "$TRUTH" <<'PY' || fail_ "--watch --subprocesses JSON differs from the truth"
import json, sys
reps = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
assert isinstance(reps, list) and len(reps) == 4, "want 4 reports, got %r" % type(reps)
assert reps[0]["last"]["pid"] == truth["parent"]
for r in reps[1:]:
    pid = r["last"]["pid"]
    names = sorted(t["name"] for t in r["last"]["tasks"] if t["name"].startswith("w"))
    assert names == sorted(truth["children"][str(pid)]), "pid %d: %s" % (pid, names)
    assert r["history"]["samples"] == 2, r["history"].get("samples")
print("ok: --watch --subprocesses: 4 reports, every child's tasks exact")
PY

# a child that exits while watched is said so; the others go on
victim=$(ps -o pid= --ppid "$TARGET_PID" | head -n 1 | tr -d ' ')
timeout -k 5 60 "$AIOMON" --watch --subprocesses --interval 200 "$TARGET_PID" \
    >"$TMPD/ws.txt" 2>"$TMPD/ws.err" &
wpid=$!
_PIDS+=("$wpid")
deadline=$((SECONDS + 20))
until [ "$(grep -c '^process [0-9]*: watching it too' "$TMPD/ws.txt")" -ge 3 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { show_file_ "$TMPD/ws.txt"; fail_ "the children were not watched"; }
    sleep 0.1       # polling a growing file
done
kill -KILL "$victim"
until grep -q "^process $victim: exited\$" "$TMPD/ws.txt"; do
    [ "$SECONDS" -lt "$deadline" ] || { show_file_ "$TMPD/ws.txt"; fail_ "no 'process $victim: exited' line"; }
    sleep 0.1
done
kill -INT "$wpid"
wait "$wpid"
rc=$?
[ "$rc" -eq 0 ] || { show_file_ "$TMPD/ws.err"; fail_ "--watch --subprocesses exited $rc after ^C"; }
n=$(grep -c '^======== process [0-9]* ([1-4] of 4) ========$' "$TMPD/ws.txt")
[ "$n" -eq 4 ] || { show_file_ "$TMPD/ws.txt"; fail_ "text report: $n process sections, want 4"; }
ok_ "--watch --subprocesses: a child's exit said, 4 sections in the report"
assert_running "$TARGET_PID"
for p in $(ps -o pid= --ppid "$TARGET_PID"); do
    [ "$p" = "$victim" ] || assert_running "$p"
done
