#!/bin/bash
# Loaders against hostile files (issue P1b): --load and --core of a FIFO are
# refused at once (never wait for a writer), a 100 MB file that is not JSON is
# refused before it is read (small peak RSS), and a record whose last line is
# cut (a --watch --record killed mid-write) loads every complete snapshot,
# says which line was cut, and exits 1 (partial).
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

mkfifo "$TMPD/fifo"
for mode in --load --core; do
    start=$(date +%s%N)
    timeout -k 2 10 "$AIOMON" $mode "$TMPD/fifo" --dump >"$TMPD/o" 2>"$TMPD/e"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$rc" -eq 2 ] || { show_file_ "$TMPD/e"; fail_ "$mode FIFO exited $rc (124: it waited), expected 2"; }
    grep -q "not a regular file" "$TMPD/e" || { show_file_ "$TMPD/e"; fail_ "$mode FIFO: no 'not a regular file'"; }
    ok_ "$mode of a FIFO refused in $ms ms"
done

{ printf 'garbage'; head -c 100000000 /dev/zero; } >"$TMPD/big"
/usr/bin/time -f "%M" -o "$TMPD/rss" "$AIOMON" --load "$TMPD/big" --dump >"$TMPD/o" 2>"$TMPD/e"
rc=$?
[ "$rc" -eq 2 ] && grep -q "not JSON" "$TMPD/e" || { show_file_ "$TMPD/e"; fail_ "100 MB of garbage: exit $rc"; }
rss=$(tail -n 1 "$TMPD/rss")
[ "$rss" -lt 20000 ] || fail_ "100 MB of garbage: peak RSS $rss KB before refusing it"
ok_ "100 MB that is not JSON refused at its first byte (peak RSS $rss KB)"

start_target tasks_gather_nested.py
run_aiomon "$TMPD/w.txt" "$TMPD/w.err" --watch --interval 200 --samples 3 --record "$TMPD/rec.jsonl" "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/w.err"; fail_ "--watch --record exited $AIO_RC"; }
lines=$(wc -l <"$TMPD/rec.jsonl")
[ "$lines" -ge 1 ] || fail_ "the record has no line"
# a killed writer: the start of one more line, without its end
head -c 300 "$TMPD/rec.jsonl" >>"$TMPD/rec.jsonl"
run_aiomon "$TMPD/l.json" "$TMPD/l.err" --load "$TMPD/rec.jsonl" --dump --json
[ "$AIO_RC" -eq 1 ] || { show_file_ "$TMPD/l.err"; fail_ "--load of a cut record exited $AIO_RC, expected 1"; }
grep -q "line $((lines + 1)) of the record is cut" "$TMPD/l.err" || { show_file_ "$TMPD/l.err"; fail_ "no warning naming line $((lines + 1))"; }
[ -s "$TMPD/l.json" ] || fail_ "--load of a cut record printed nothing"
ok_ "a cut record: $lines complete snapshots loaded, line $((lines + 1)) named, exit 1"
assert_running "$TARGET_PID"
