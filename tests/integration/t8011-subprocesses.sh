#!/bin/bash
# --subprocesses (targets/subprocs.py): a parent without asyncio and three
# Python children with named tasks.  --dump --json --subprocesses gives a list
# of four snapshots (the parent first, then each child with exactly its
# tasks); the text dump has one section per process; a plain --dump of the
# parent says how many Python children it has; nothing is left stopped.
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

run_aiomon "$TMPD/w.out" "$TMPD/w.err" --watch --subprocesses "$TARGET_PID"
expect_error_ 64 "--subprocesses is for --dump" "$TMPD/w.err" "--watch --subprocesses"
assert_running "$TARGET_PID"
for p in $(ps -o pid= --ppid "$TARGET_PID"); do assert_running "$p"; done
