#!/bin/bash
# The tracker's records, exact (targets/tracked_chains.py under --run --track,
# issue 16): a creation chain three deep through create_task, a TaskGroup and
# gather (each task's creator and the line it was created on); a cancellation
# chain (A cancels B, B's cleanup cancels C: who and where); a critical task
# that died with an exception kept after 1200 others ended (the ring holds
# the last 1000); the same from a core file of the tracked process; the text
# view's chains.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

"$AIOMON" --help 2>&1 | grep -q -- '--track' || skip_ "$AIOMON has no --track (not wired yet)"
# the tracker comes in through PYTHONPATH's sitecustomize: not -E
PY_FLAGS="-s -B"
TARGET_WRAP="$AIOMON --run --track --critical critical-worker --critical B --critical C -o $TMPD/run --"
start_target tracked_chains.py
dump_json "$TARGET_PID" "$TMPD/out.json"

check_track_() {
    "$HOST_PY" - "$TRUTH" "$1" <<'PYEOF'
import json, sys
truth = json.load(open(sys.argv[1]))["track"]
snap = json.load(open(sys.argv[2]))
tasks = {t["id"]: t for t in snap["tasks"]}
ended = {}
for e in snap["terminated"]:
    ended.setdefault(e["id"], e)
bad = []

def user_line(stack):
    for f in stack or []:
        if f["file"].endswith("tracked_chains.py"):
            return f["line"]
    return None

tr = snap.get("tracker")
if not tr or not tr["enabled"] or tr["error"] is not None:
    bad.append("tracker state: %r" % (tr,))
for name, want in sorted(truth["tasks"].items()):
    t = tasks.get(want["id"]) or ended.get(want["id"])
    if t is None:
        bad.append("%s: neither a task nor an ended record" % name)
        continue
    if t["created_by"] != want["created_by"]:
        bad.append("%s: created_by %s, expected %s" % (name, t["created_by"], want["created_by"]))
    if want["created_line"] and user_line(t["creation_stack"]) != want["created_line"]:
        bad.append("%s: created on line %s, expected %s"
                   % (name, user_line(t["creation_stack"]), want["created_line"]))
    if want["cancelled_by"]:
        c = t["cancelled_by"]
        if not c or c["task"] != want["cancelled_by"]:
            bad.append("%s: cancelled_by %r, expected task %s" % (name, c, want["cancelled_by"]))
        elif user_line(c["stack"]) != want["cancel_line"] or not c["at_ns"]:
            bad.append("%s: cancelled on line %s at %s, expected line %s"
                       % (name, user_line(c["stack"]), c["at_ns"], want["cancel_line"]))
    elif t["cancelled_by"] is not None:
        bad.append("%s: cancelled_by %r, expected none" % (name, t["cancelled_by"]))
crit = ended.get(truth["tasks"]["critical-worker"]["id"])
if not crit or not crit["critical"] or not crit["exception"] or \
        crit["exception"]["type"] != "KeyError" or crit["exception"]["message"] != "'tenant-7'":
    bad.append("critical-worker: %r" % (crit,))
plain = [e for e in snap["terminated"] if not e["critical"]]
if not all(e["critical"] for e in snap["terminated"] if e["name"] in ("B", "C")):
    bad.append("B or C ended but not critical")
if len(plain) != truth["keep"]:
    bad.append("%d ended records not critical, expected the ring's %d" % (len(plain), truth["keep"]))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PYEOF
}
check_track_ "$TMPD/out.json" || fail_ "the tracker's records differ from the truth"
ok_ "creation chains, cancel chain, critical task kept: exact"

run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "--dump exited $AIO_RC"; }
cline=$(grep -n 'KEEP\["C"\].cancel()  # CANCEL-C' "$TARGETS/tracked_chains.py" | cut -d: -f1)
grep -q "created by request-17 ← handler-3 ← root ← Task-1\$" "$TMPD/out.txt" &&
    grep -Eq "cancelled by B( \(ended\))? at tracked_chains.py:$cline\$" "$TMPD/out.txt" &&
    grep -q "^  critical-worker  KeyError: 'tenant-7' at tracked_chains.py:[0-9]*  critical  \[critical\]" \
        "$TMPD/out.txt" ||
    { show_file_ "$TMPD/out.txt" 6000; fail_ "text: no creation chain, cancel line or critical record"; }
ok_ "text: chains and the ended critical task"
assert_running "$TARGET_PID"

if command -v gcore >/dev/null 2>&1; then
    timeout -k 5 120 gcore -o "$TMPD/core" "$TARGET_PID" >"$TMPD/gcore.log" 2>&1 ||
        { show_file_ "$TMPD/gcore.log"; framework_failure_ "gcore failed"; }
    sysroot=
    if is_container_label "$PYVER"; then
        read -r _enter sysroot _variant _inner _ < <(sed -n 's/^exec //p' "$PY")
    fi
    run_aiomon "$TMPD/core.json" "$TMPD/core.err" --core "$TMPD/core.$TARGET_PID" \
        ${sysroot:+--sysroot "$sysroot"} --dump --json
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/core.err"; fail_ "--core exited $AIO_RC"; }
    check_track_ "$TMPD/core.json" || fail_ "the core file's tracker records differ"
    ok_ "core file: the same records"
else
    say "# no gcore (gdb): the core-file part is not run"
fi
assert_running "$TARGET_PID"
