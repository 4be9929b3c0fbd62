#!/bin/bash
# Why a task ended, seen by --watch while its object lives
# (targets/tasks_end_later.py): a task that raised and one cancelled with a
# message, both kept in a list by the program, end while watched.  3.14+
# lists a task only until it ends: the capture reads again the tasks that
# were pending in its last snapshot, so both are seen ended, with their
# reasons, on every version.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_end_later.py
run_aiomon "$TMPD/w.json" "$TMPD/w.err" --watch --interval 250 --samples 20 --json "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/w.err"; fail_ "--watch exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/w.json" "$TRUTH" "$PYMINOR" <<'PY' || fail_ "the ends differ from the truth"
import json, sys
h = json.load(open(sys.argv[1]))["history"]
truth = json.load(open(sys.argv[2]))["ends"]
minor = int(sys.argv[3])
ended = {t["name"]: t for t in h["terminated"]}
bad = []
d = ended.get("doomed")
if not d or truth["doomed"] not in (d.get("reason") or ""):
    bad.append("doomed: %r, want a reason with %r" % (d and d.get("reason"), truth["doomed"]))
q = ended.get("quitter")
if not q:
    bad.append("quitter did not end in the history")
# 3.9/3.10 keep no cancel message once the cancellation ran: the target cancels without one
elif minor >= 11 and truth["quitter"] not in (q.get("reason") or ""):
    bad.append("quitter: %r, want a reason with %r" % (q.get("reason"), truth["quitter"]))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: doomed %r, quitter %r" % (d["reason"], q.get("reason")))
PY
assert_running "$TARGET_PID"
