#!/bin/bash
# --native lists every thread of the process, also C threads without a Python
# thread state (targets/native_thread.py: pthread_create'd threads in libc's
# sleep() and pause()): each with "python": false, no Python frame, a native
# stack with the syscall innermost.  Without --native only Python threads are
# listed (as before).  The Python thread keeps its exact frames.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target native_thread.py
dump_json_native "$TARGET_PID" "$TMPD/native.json" --native
dump_json "$TARGET_PID" "$TMPD/plain.json"
run_aiomon "$TMPD/native.txt" "$TMPD/err" --dump --native "$TARGET_PID"
want_rc=0
grep -q -- '-dbg package' "$TMPD/native.json" && want_rc=1
[ "$AIO_RC" -eq $want_rc ] || { show_file_ "$TMPD/err"; fail_ "--dump --native exited $AIO_RC, expected $want_rc"; }
assert_running "$TARGET_PID"

"$HOST_PY" - "$TRUTH" "$TMPD/native.json" "$TMPD/plain.json" <<'PYEOF' || fail_ "native-only threads wrong"
import json, sys
truth = json.load(open(sys.argv[1]))
native = json.load(open(sys.argv[2]))
plain = json.load(open(sys.argv[3]))
bad = []
want = set(truth["native_tids"])
by_tid = {t["tid"]: t for t in native["threads"]}
for tid in sorted(want):
    t = by_tid.get(tid)
    if t is None:
        bad.append("C thread %d missing with --native" % tid)
        continue
    if t.get("python") is not False:
        bad.append("C thread %d: python is %r, not false" % (tid, t.get("python")))
    kinds = [f.get("kind", "python") for f in t["frames"]]
    if not t["frames"] or any(k != "native" for k in kinds):
        bad.append("C thread %d: frames are not all native: %s" % (tid, kinds[:5]))
    # libc's innermost syscall wrappers may have no dynamic symbol (Debian
    # unstable's glibc): sleep() or pause() itself is then further out
    inner = " ".join((f.get("symbol") or f.get("function") or "") for f in t["frames"][:6])
    if "sleep" not in inner and "pause" not in inner:
        bad.append("C thread %d: innermost frames %r are not in sleep/pause" % (tid, inner))
for tt in truth["threads"]:
    if tt.get("volatile"):
        continue
    t = by_tid.get(tt["tid"])
    if t is None or t.get("python") is not True:
        bad.append("Python thread %s missing or not python" % tt["tid"])
        continue
    py = [(f["function"], f["file"], f["line"]) for f in t["frames"] if f.get("kind", "python") == "python"]
    exp = [(f["function"], f["file"], f["line"]) for f in tt["frames"]]
    if py != exp:
        bad.append("thread %s python frames %s != truth %s" % (tt["tid"], py[:3], exp[:3]))
listed = {t["tid"] for t in plain["threads"]}
if listed & want:
    bad.append("without --native, C threads are listed: %s" % sorted(listed & want))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: %d C threads with native stacks, python false" % len(want))
PYEOF
grep -q "no Python thread state" "$TMPD/native.txt" || { show_file_ "$TMPD/native.txt" 3000; fail_ "text does not mark the C threads"; }
ok_ "threads without a Python thread state"
