#!/bin/bash
# --locals (targets/locals_kinds.py): the arguments and locals of a thread's
# and a task's frames, each kind of value rendered exactly as the target's own
# repr() says (docs/snapshot-format.md), unbound locals null, cells and free
# variables dereferenced, *args/**kwargs; without --locals no frame has them;
# --load gives the same JSON back; the text dump prints them under each frame
# with no raw control character.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target locals_kinds.py
dump_json "$TARGET_PID" "$TMPD/plain.json"
dump_json "$TARGET_PID" "$TMPD/out.json" --locals
compare_ tasks "$TRUTH" "$TMPD/out.json"

"$HOST_PY" - "$TRUTH" "$TMPD/out.json" "$TMPD/plain.json" <<'PYEOF' || fail_ "locals differ from the truth"
import json, sys
truth = json.load(open(sys.argv[1]))["locals"]
snap = json.load(open(sys.argv[2]))
plain = json.load(open(sys.argv[3]))
frames = [f for t in snap["threads"] for f in t["frames"]]
frames += [f for t in snap["tasks"] for f in t["stack"]]
bad = 0
for f in frames:
    if f.get("kind") != "native" and "locals" not in f:
        print("a Python frame without locals:", f["function"]); bad += 1
pf = [f for t in plain["threads"] for f in t["frames"]] + [f for t in plain["tasks"] for f in t["stack"]]
if any("locals" in f for f in pf):
    print("locals without --locals"); bad += 1
for fn, want in sorted(truth.items()):
    got = [f["locals"] for f in frames if f["function"] == fn]
    if len(got) != 1:
        print("%s: %d frames, expected 1" % (fn, len(got))); bad += 1; continue
    if got[0] != want:
        bad += 1
        print("%s: locals differ" % fn)
        for i in range(max(len(want), len(got[0]))):
            w = want[i] if i < len(want) else None
            g = got[0][i] if i < len(got[0]) else None
            if w != g:
                print("  want %r\n  got  %r" % (w, g))
    else:
        print("%s: %d locals exact" % (fn, len(want)))
if len(truth) != 6 or len(truth["loc_many"]) != 64:
    print("truth has %d frames, expected 6 (loc_many: 64 locals)" % len(truth)); bad += 1
sys.exit(1 if bad else 0)
PYEOF
ok_ "locals of 6 frames (thread, closure, task, closure coroutine, task not started, 70 parameters cut at 64) exact"

run_aiomon "$TMPD/back.json" "$TMPD/back.err" --load "$TMPD/out.json" --dump --json
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/back.err"; fail_ "--load exited $AIO_RC"; }
# the loaded snapshot says it was loaded; everything else is the same
sed 's/"loaded": true/"loaded": false/' "$TMPD/back.json" | cmp -s - "$TMPD/out.json" ||
    { diff <(sed 's/"loaded": true/"loaded": false/' "$TMPD/back.json") "$TMPD/out.json" | head -20
      fail_ "--load of a --locals snapshot does not give the same JSON back"; }
ok_ "--load round trip of the locals: identical"

run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump --stacks --locals "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "--dump --stacks --locals exited $AIO_RC"; }
if LC_ALL=C tr -d '\n' <"$TMPD/out.txt" | LC_ALL=C grep -q '[[:cntrl:]]'; then
    LC_ALL=C grep -n '[[:cntrl:]]' "$TMPD/out.txt" | cat -v | head -n 5
    fail_ "the text dump contains raw control characters"
fi
for line in "captured_arg = 42" "pos = 'task-pos'" "unbound = <unbound>" "quotes = 'it\\'s \"quoted\"'" \
            "none = None" "captured = <list len=2>" "dq = <deque len=2>"; do
    grep -qF -- "$line" "$TMPD/out.txt" || { show_file_ "$TMPD/out.txt" 20000; fail_ "text: no line '$line'"; }
done
ok_ "text: --stacks --locals prints name = value under the frames"
assert_running "$TARGET_PID"
