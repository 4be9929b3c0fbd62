#!/bin/bash
# Dumps of a loop that never stops creating and freeing tasks
# (targets/tasks_churn.py): twenty dumps in a row; each exits 0 with the
# stable tasks exactly as in the truth, or 1 (a partial snapshot: the registry
# was caught mid-change) with diagnostics; at most 5 partial; the target keeps
# running.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target tasks_churn.py 10 50
partial=0
for i in $(seq 20); do
    run_aiomon "$TMPD/out$i.json" "$TMPD/out$i.err" --dump --json "$TARGET_PID"
    case $AIO_RC in
    0) compare_ all "$TRUTH" "$TMPD/out$i.json" --extra-tasks churn- ;;
    1) partial=$((partial + 1))
       say "dump $i: partial snapshot (exit 1): $(head -c 300 "$TMPD/out$i.err")" ;;
    *) show_file_ "$TMPD/out$i.err"; fail_ "dump $i: exit $AIO_RC" ;;
    esac
done
[ "$partial" -le 5 ] || fail_ "$partial of 20 dumps were partial"
ok_ "20 dumps of a churning loop, $partial partial"
assert_running "$TARGET_PID"
