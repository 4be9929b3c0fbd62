#!/bin/bash
# Task names that are hard to print (targets/tasks_names.py): unicode, 4,000
# characters, an ANSI escape, quotes and backslash, empty.  The JSON carries
# them exactly; the text dump never lets a raw control character through.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

check_tasks_scenario tasks_names.py

run_aiomon "$TMPD/out.txt" "$TMPD/out.txt.err" --dump "$TARGET_PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/out.txt.err"; fail_ "--dump exited $AIO_RC"; }
if LC_ALL=C grep -q "$(printf '\033')" "$TMPD/out.txt"; then
    LC_ALL=C grep -n "$(printf '\033')" "$TMPD/out.txt" | cat -v | head -n 5
    fail_ "the text dump contains a raw ESC byte"
fi
if LC_ALL=C tr -d '\n\t' <"$TMPD/out.txt" | LC_ALL=C grep -q '[[:cntrl:]]'; then
    fail_ "the text dump contains raw control characters"
fi
grep -q 'nested-qualname' "$TMPD/out.txt" || { show_file_ "$TMPD/out.txt"; fail_ "text dump lacks task nested-qualname"; }
ok_ "text dump: no raw control characters"
assert_running "$TARGET_PID"
