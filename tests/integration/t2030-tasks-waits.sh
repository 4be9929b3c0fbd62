#!/bin/bash
# What every pending task waits on (targets/tasks_waits.py): a held Lock with 200 waiters,
# a Semaphore at 0, a full bounded Queue with putters, an empty LifoQueue with getters,
# a Condition, an Event, sleep(3600) (seconds left), asyncio.timeout(30) / wait_for
# (timeout_in), a plain future, a Future subclass (unknown), a task, a gather, a TaskGroup:
# every fact of "waiting_on" equals the truth read in the target (compare_waits.py), the
# tasks are still exactly the truth, and the text dump ends tree lines with the wait and
# folds the 200 lock waiters into one line; --load reads waiting_on back unchanged.
# The same without the C accelerator.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_waits() {
    local lock
    start_target "$@"
    dump_json "$TARGET_PID" "$TMPD/out.json"
    compare_ tasks "$TRUTH" "$TMPD/out.json"
    "$HOST_PY" "$IT_DIR/compare_waits.py" "$TRUTH" "$TMPD/out.json" ||
        fail_ "waiting_on differs from the truth ($1)"
    ok_ "waiting_on equals the truth ($1)"
    run_aiomon "$TMPD/load.json" "$TMPD/load.err" --load "$TMPD/out.json" --dump --json
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/load.err"; fail_ "--load exited $AIO_RC"; }
    "$HOST_PY" - "$TMPD/out.json" "$TMPD/load.json" <<'PYEOF' || fail_ "--load changed waiting_on"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
wa = {t["id"]: t["waiting_on"] for t in a["tasks"]}
wb = {t["id"]: t["waiting_on"] for t in b["tasks"]}
bad = [k for k in wa if wa[k] != wb.get(k, "missing")]
for k in bad[:5]:
    print("  %s: dumped %r, loaded %r" % (k, wa[k], wb.get(k)))
sys.exit(1 if bad or not any(wa.values()) else 0)
PYEOF
    ok_ "--load reads every waiting_on back ($1)"
    run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "text dump exited $AIO_RC"; }
    lock=$("$HOST_PY" -c 'import json,sys; w=json.load(open(sys.argv[1]))["waits"]
print(next(v["object"] for v in w.values() if v["kind"] == "lock"))' "$TRUTH")
    grep -q "^ *200 tasks wait for Lock $lock (held, 200 waiting)\$" "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "no fold line for the 200 waiters of Lock $lock"; }
    grep -q "lock-holder  pending .* → Event 0x[0-9a-f]* (not set, [0-9]* waiting)\$" \
        "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "the lock holder's tree line has no Event wait"; }
    grep -q "sem-holder-[01]  pending .* → sleep (3[0-9][0-9][0-9] s left)\$" "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "a sleeper's tree line has no seconds left"; }
    grep -q "^timeout  pending .* \[timeout in [0-9]* s\]\$" "$TMPD/out.txt" ||
        { show_file_ "$TMPD/out.txt" 4000; fail_ "the timeout task's line has no deadline"; }
    ok_ "text dump: waits on tree lines, the lock's 200 waiters folded ($1)"
    assert_running "$TARGET_PID"
}

check_waits tasks_waits.py
check_waits tasks_waits_no_accelerator.py
