#!/bin/bash
# --native (issue P6): every parked thread's merged stack has a native frame innermost
# (it is blocked in C: a lock or a syscall), its Python frames in exactly the order the
# target reports them, and native frames outside them down to the thread's start;
# --native-all keeps the eval-loop frames too.  The target keeps running.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

# A stripped interpreter without its -dbg package (a container's) names no
# eval-loop frame: a partial snapshot (exit 1) that says so and how to fix
# it, with every Python frame still there, appended outermost.
start_target threads.py 4
dump_json_native "$TARGET_PID" "$TMPD/native.json" --native
dump_json_native "$TARGET_PID" "$TMPD/all.json" --native-all
stripped=
grep -q -- '-dbg package' "$TMPD/native.json" && stripped=1
assert_running "$TARGET_PID"

STRIPPED=$stripped "$HOST_PY" - "$TRUTH" "$TMPD/native.json" "$TMPD/all.json" <<'PYEOF' || fail_ "merged stacks wrong"
import json, os, sys
truth = json.load(open(sys.argv[1]))
stripped = bool(os.environ.get("STRIPPED"))
bad = []
for label, path in (("native", sys.argv[2]), ("native-all", sys.argv[3])):
    snap = json.load(open(path))
    threads = {t["tid"]: t for t in snap["threads"]}
    for tt in truth["threads"]:
        if tt.get("volatile"):
            continue
        got = threads.get(tt["tid"])
        if got is None:
            bad.append("%s: thread %s missing" % (label, tt["tid"]))
            continue
        frames = got["frames"]
        py = [(f["function"], f["file"], f["line"]) for f in frames if f.get("kind", "python") == "python"]
        want = [(f["function"], f["file"], f["line"]) for f in tt["frames"]]
        if py != want:
            bad.append("%s: thread %s python frames %s != truth %s" % (label, tt["tid"], py[:4], want[:4]))
        if not frames or frames[0].get("kind") != "native":
            bad.append("%s: thread %s innermost frame is not native: %s" % (label, tt["tid"], frames[:1]))
        if frames and frames[-1].get("kind") != "native" and not stripped:
            bad.append("%s: thread %s outermost frame is not native (no C start)" % (label, tt["tid"]))
        evals = [f for f in frames if f.get("kind") == "native" and
                 (f.get("symbol") or f.get("function") or "").startswith("_PyEval_EvalFrameDefault")]
        if label == "native" and evals:
            bad.append("native: thread %s still has eval-loop frames" % tt["tid"])
        if label == "native-all" and not evals and not stripped and "/usr/bin/python" not in "".join(snap.get("cmdline", "")):
            bad.append("native-all: thread %s has no eval-loop frame" % tt["tid"])
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
print("ok: merged native stacks match the truth")
PYEOF
ok_ "native stacks"
