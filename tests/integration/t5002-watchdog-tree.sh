#!/bin/bash
# --run --timeout over a process tree: sh -> python (waits) -> python child that
# hangs.  Every Python process of the tree gets a snapshot (the grandchild's tasks
# exactly as its truth says), sh is skipped silently, the whole tree is killed.
# Then an orphan: the middle process exits at once, so the hung child would be
# re-parented to init; the watchdog is a subreaper and still finds and kills it.
. "$(dirname "$0")/lib.sh"
# --- watchdog test helpers (the same in every t5xxx test)
# truth_pid FILE: the "pid" of a truth file
truth_pid() {
    "$HOST_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' "$1"
}
# check_json_ WHAT FILE EXPR [ARGS...]: EXPR (Python, `s` = the JSON of FILE,
# `args` = ARGS) must be true, else fail_ WHAT
check_json_() {
    local what=$1 file=$2 expr=$3
    shift 3
    if ! "$HOST_PY" - "$file" "$expr" "$@" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
args = sys.argv[3:]
ok = eval(sys.argv[2], {"s": s, "args": args})
sys.exit(0 if ok else 1)
PYEOF
    then
        show_file_ "$file" 3000
        fail_ "$what"
    fi
    ok_ "$what"
}
# assert_gone_ PID: no process PID, not even a zombie
assert_gone_() {
    [ -d "/proc/$1" ] && fail_ "process $1 is still there ($(sed 's/.*) //' "/proc/$1/stat" | cut -c1))"
    ok_ "process $1 is gone"
}
# snapshot_count ERRFILE: how many per-process summaries the watchdog printed
snapshot_count() {
    grep -c '^aiomon-attach: [^:]*: pid [0-9]* "' "$1"
}
# truth_first_ TRUTH SNAPSHOT: the truth was written before the snapshot was taken
# (else the watchdog fired before the target was stuck: a machine too loaded)
truth_first_() {
    [ -s "$1" ] && [ -s "$2" ] && "$HOST_PY" - "$1" "$2" <<'PYEOF'
import json, os, sys
sys.exit(0 if os.stat(sys.argv[1]).st_mtime_ns < json.load(open(sys.argv[2]))["taken_at_ns"] else 1)
PYEOF
}
# aiomon-attach without --run (not wired into main yet): nothing to test
need_run_() {
    "$AIOMON" --help 2>&1 | grep -q -- '--run' || skip_ "$AIOMON has no --run (not wired yet)"
}
need_run_

OUT=$TMPD/out
export AIOMON_TRUTH=$TMPD/truth.json
spawn="$PY -E -s -B $TARGETS/watchdog_spawn.py"

# run_tree MODE SH-SCRIPT: run it under --run --timeout (2 s, 10 s if the child
# was not ready yet on a loaded machine); sets GRANDCHILD.
run_tree() {
    local mode=$1 script=$2 timeout
    for timeout in 2 10; do
        rm -rf "$OUT" "$AIOMON_TRUTH"
        run_aiomon "$TMPD/stdout" "$TMPD/stderr" --run --timeout "$timeout" -o "$OUT" -- \
            sh -c "$script" sh "$spawn" "$mode"
        [ -s "$AIOMON_TRUTH" ] &&
            truth_first_ "$AIOMON_TRUTH" "$OUT/aiomon-$(truth_pid "$AIOMON_TRUTH").json" && break
        say "note: the child was not stuck after ${timeout}s; again with a longer timeout"
        show_file_ "$TMPD/stderr"
    done
    truth_first_ "$AIOMON_TRUTH" "$OUT/aiomon-$(truth_pid "$AIOMON_TRUTH").json" ||
        { show_file_ "$TMPD/stderr"; framework_failure_ "the child wrote no truth before the snapshot"; }
    show_file_ "$TMPD/stderr"
    GRANDCHILD=$(truth_pid "$AIOMON_TRUTH")
}

# --- sh -> python parent (waits for its child) -> python child (hangs)
# shellcheck disable=SC2016   # for the inner sh
run_tree parent '$1 $2; echo "sh goes on: $?"'
[ "$AIO_RC" -eq 143 ] || fail_ "exit status $AIO_RC, expected 143 (sh killed by SIGTERM)"
grep -q "sh goes on" "$TMPD/stdout" && fail_ "sh went on after its child: the tree was not killed whole"
[ -s "$OUT/aiomon-$GRANDCHILD.json" ] || fail_ "no snapshot of the grandchild $GRANDCHILD"
compare_ tasks "$AIOMON_TRUTH" "$OUT/aiomon-$GRANDCHILD.json"
ok_ "the grandchild's tasks equal its truth"
ls "$OUT"
n=$(ls "$OUT"/aiomon-*.json | wc -l)
[ "$n" -eq 2 ] || fail_ "$n JSON snapshots, expected 2 (the parent and the grandchild; not sh)"
[ "$(snapshot_count "$TMPD/stderr")" -eq 2 ] || fail_ "expected two process summaries"
grep -q "no snapshot" "$TMPD/stderr" && fail_ "a note about a process that is not Python"
for f in "$OUT"/aiomon-*.json; do
    p=$(basename "$f" .json)
    p=${p#aiomon-}
    [ "$p" = "$GRANDCHILD" ] && continue
    # the parent: blocked in subprocess.call -> Popen.wait
    check_json_ "the parent $p waits for its child" "$f" \
        'any(fr["function"] == "wait" for fr in s["threads"][0]["frames"])'
    assert_gone_ "$p"
done
grep -q '2 Python process(es) of 3 snapshotted' "$TMPD/stderr" || fail_ "expected 2 of 3 processes"
assert_gone_ "$GRANDCHILD"

# --- the orphan: sh -> python parent-exit (starts the child, exits) ; sleep
# shellcheck disable=SC2016
run_tree parent-exit '$1 $2; exec sleep 1000'
[ "$AIO_RC" -eq 143 ] || fail_ "exit status $AIO_RC, expected 143 (sleep killed by SIGTERM)"
[ -s "$OUT/aiomon-$GRANDCHILD.json" ] || fail_ "no snapshot of the orphaned child $GRANDCHILD"
compare_ tasks "$AIOMON_TRUTH" "$OUT/aiomon-$GRANDCHILD.json"
ok_ "the orphan's tasks equal its truth"
assert_gone_ "$GRANDCHILD"
