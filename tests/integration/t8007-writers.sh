#!/bin/bash
# Writers against hostile paths and a full disk (issue P1b): --watch -o and
# --dump -o (every format) never follow a planted symlink nor write through a
# hard link, create 0600 and replace atomically; on a full file system it keeps the old contents and
# says why (errno and path), exit 2.  --record refuses a symlink or a hard
# link, and on a full file system leaves only whole lines and says why.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

start_target idle.py
W=(--watch --interval 200 --samples 2)

echo precious >"$TMPD/victim"
ln -s "$TMPD/victim" "$TMPD/sym.out"
run_aiomon "$TMPD/o" "$TMPD/e" "${W[@]}" -o "$TMPD/sym.out" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e"; fail_ "--watch -o over a symlink exited $AIO_RC"; }
[ "$(cat "$TMPD/victim")" = precious ] || fail_ "--watch -o followed the planted symlink"
[ -f "$TMPD/sym.out" ] && [ ! -L "$TMPD/sym.out" ] || fail_ "the symlink was not replaced by the output"
[ "$(stat -c %a "$TMPD/sym.out")" = 600 ] || fail_ "--watch -o wrote mode $(stat -c %a "$TMPD/sym.out")"
ok_ "--watch -o: a planted symlink is replaced, never followed; mode 0600"

# --dump -o goes through the same writer, in each format
for fmt in text json; do
    rm -f "$TMPD/dump.$fmt"
    ln -s "$TMPD/victim" "$TMPD/dump.$fmt"
    run_aiomon "$TMPD/o" "$TMPD/e" --dump --format $fmt -o "$TMPD/dump.$fmt" "$TARGET_PID"
    [ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e"; fail_ "--dump --format $fmt -o over a symlink exited $AIO_RC"; }
    [ "$(cat "$TMPD/victim")" = precious ] || fail_ "--dump --format $fmt -o followed the planted symlink"
    [ -f "$TMPD/dump.$fmt" ] && [ ! -L "$TMPD/dump.$fmt" ] || fail_ "--dump -o: the symlink was not replaced"
    [ "$(stat -c %a "$TMPD/dump.$fmt")" = 600 ] || fail_ "--dump -o wrote mode $(stat -c %a "$TMPD/dump.$fmt")"
done
grep -q '"format": "aiomon-snapshot"' "$TMPD/dump.json" || fail_ "--format json -o did not write JSON"
grep -q '^Process ' "$TMPD/dump.text" || fail_ "--format text -o did not write text"
ok_ "--dump --format text|json -o: a planted symlink is replaced, never followed; mode 0600"

ln "$TMPD/victim" "$TMPD/hard.out"
run_aiomon "$TMPD/o" "$TMPD/e" "${W[@]}" -o "$TMPD/hard.out" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] && [ "$(cat "$TMPD/victim")" = precious ] || fail_ "--watch -o wrote through a hard link"
ok_ "--watch -o: a hard link is replaced, the other name untouched"

for kind in sym hard; do
    rm -f "$TMPD/$kind.rec"
    if [ $kind = sym ]; then ln -s "$TMPD/victim" "$TMPD/$kind.rec"; else ln "$TMPD/victim" "$TMPD/$kind.rec"; fi
    run_aiomon "$TMPD/o" "$TMPD/e" "${W[@]}" --record "$TMPD/$kind.rec" "$TARGET_PID"
    [ "$AIO_RC" -eq 2 ] || fail_ "--record over a ${kind}link exited $AIO_RC, expected 2"
    grep -q "record \"$TMPD/$kind.rec\"" "$TMPD/e" || { show_file_ "$TMPD/e"; fail_ "--record: the error does not name the path"; }
    [ "$(cat "$TMPD/victim")" = precious ] || fail_ "--record wrote through a ${kind}link"
done
ok_ "--record refuses a planted symlink and a hard link"

mkdir "$TMPD/full"
if mount -t tmpfs -o size=64k tmpfs "$TMPD/full" 2>/dev/null; then
    trap 'umount -l "$TMPD/full" 2>/dev/null; _cleanup' EXIT
    echo "old report" >"$TMPD/full/report"
    head -c 60000 /dev/zero >"$TMPD/full/filler" 2>/dev/null
    run_aiomon "$TMPD/o" "$TMPD/e" "${W[@]}" --stacks -o "$TMPD/full/report" "$TARGET_PID"
    [ "$AIO_RC" -eq 2 ] || { show_file_ "$TMPD/e"; fail_ "--watch -o on a full disk exited $AIO_RC, expected 2"; }
    grep -q "No space left on device" "$TMPD/e" && grep -q "$TMPD/full/report" "$TMPD/e" ||
        { show_file_ "$TMPD/e"; fail_ "--watch -o on a full disk: no errno and path in the message"; }
    [ "$(cat "$TMPD/full/report")" = "old report" ] || fail_ "--watch -o on a full disk destroyed the old file"
    ls "$TMPD/full" | grep -q '\.tmp$' && fail_ "a temporary file was left behind"
    ok_ "--watch -o on a full disk: old contents kept, ENOSPC and the path said, exit 2"
    rm -f "$TMPD/full/filler"
    head -c 62000 /dev/zero >"$TMPD/full/filler"
    run_aiomon "$TMPD/o" "$TMPD/e" --watch --interval 100 --samples 4 --record "$TMPD/full/rec" "$TARGET_PID"
    [ "$AIO_RC" -eq 2 ] || { show_file_ "$TMPD/e"; fail_ "--record on a full disk exited $AIO_RC, expected 2"; }
    grep -q "No space left on device" "$TMPD/e" || { show_file_ "$TMPD/e"; fail_ "--record: no ENOSPC said"; }
    if [ -s "$TMPD/full/rec" ]; then
        [ "$(tail -c 1 "$TMPD/full/rec" | od -An -c | tr -d ' ')" = '\n' ] || fail_ "--record left a partial line"
    fi
    ok_ "--record on a full disk: whole lines only ($(wc -l <"$TMPD/full/rec") kept), ENOSPC said"
else
    say "(no full-disk checks: cannot mount a tmpfs here)"
fi
assert_running "$TARGET_PID"
