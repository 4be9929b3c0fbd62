#!/bin/bash
# Every thread's Python stack, exactly as the target sees it (targets/threads.py):
# --dump --json matches the truth frame by frame; the text dump names every
# thread's innermost function; -o FILE writes the same JSON with mode 0600;
# a --nonblocking read matches too; the target keeps running afterwards.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target threads.py 8

dump_json "$TARGET_PID" "$TMPD/out.json"
compare_ threads "$TRUTH" "$TMPD/out.json"
assert_running "$TARGET_PID"

# The text dump names each parked thread's innermost function.
run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "--dump exited $AIO_RC"; }
"$HOST_PY" - "$TRUTH" >"$TMPD/innermost" <<'PY' || framework_failure_ "cannot read $TRUTH"
import json, sys
for t in json.load(open(sys.argv[1]))["threads"]:
    if not t.get("volatile"):
        print(t["frames"][0]["function"])
PY
missing=
while read -r fn; do
    grep -qF -- "$fn" "$TMPD/out.txt" || missing="$missing $fn"
done <"$TMPD/innermost"
[ -z "$missing" ] || { show_file_ "$TMPD/out.txt"; fail_ "text dump lacks innermost function(s):$missing"; }
ok_ "text dump names every innermost function: $(tr '\n' ' ' <"$TMPD/innermost")"

# -o FILE: same content, mode 0600 (even when the file existed with 0644).
: >"$TMPD/o.json"
chmod 0644 "$TMPD/o.json"
run_aiomon "$TMPD/o.stdout" "$TMPD/o.err" --dump --json -o "$TMPD/o.json" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/o.err"; fail_ "--dump --json -o exited $AIO_RC"; }
mode=$(stat -c %a "$TMPD/o.json")
[ "$mode" = 600 ] || fail_ "-o file has mode $mode, expected 600"
compare_ threads "$TRUTH" "$TMPD/o.json"
ok_ "-o FILE: mode 600, same threads"

# A read without stopping the target: the parked threads do not move, so it
# must match as well (the moving heartbeat thread may be torn: not looked at).
run_aiomon "$TMPD/nb.json" "$TMPD/nb.err" --dump --json --nonblocking "$TARGET_PID"
case $AIO_RC in
0|1) ;;
*) show_file_ "$TMPD/nb.err"; fail_ "--nonblocking exited $AIO_RC" ;;
esac
compare_ threads "$TRUTH" "$TMPD/nb.json" --loose-volatile
ok_ "--nonblocking: parked threads match (exit $AIO_RC)"

assert_running "$TARGET_PID"
