#!/bin/bash
# Faults: permissions and the output file.
#   - a target owned by root, aiomon-attach run as user nobody (setpriv, or
#     runuser): exit 2 and exactly one line naming CAP_SYS_PTRACE; the target
#     is untouched
#   - -o FILE is created mode 0600 (even under umask 000)
#   - a symlink planted at the -o path is replaced by the output, never
#     followed: the file it pointed to is unchanged, a dangling link's target
#     is not created
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_ "needs root (to own the target and to become nobody)"
id nobody >/dev/null 2>&1 || skip_ "no user nobody"
nogroup=$(id -gn nobody)
if command -v setpriv >/dev/null; then
    as_nobody() { setpriv --reuid nobody --regid "$nogroup" --clear-groups -- "$@"; }
elif command -v runuser >/dev/null; then
    as_nobody() { runuser -u nobody -- "$@"; }
else
    skip_ "neither setpriv nor runuser"
fi
if ! as_nobody test -x "$AIOMON"; then
    # a checkout in a private directory (/root is 0700): nobody runs a copy
    chmod 711 "$TMPD" && mkdir -m 755 "$TMPD/nobody" && cp "$AIOMON" "$TMPD/nobody/aiomon-attach" ||
        framework_failure_ "cannot copy $AIOMON for user nobody"
    AIOMON=$TMPD/nobody/aiomon-attach
    as_nobody test -x "$AIOMON" || framework_failure_ "user nobody cannot run the copy $AIOMON"
fi

start_target idle.py
PID=$TARGET_PID
[ "$(stat -c %u "/proc/$PID")" -eq 0 ] || framework_failure_ "target $PID is not owned by root"

# ---------------------------------------------------------------- nobody
for mode in "--dump" "--dump --json"; do
    # shellcheck disable=SC2086
    timeout -k 5 "$AIOMON_TIMEOUT" bash -c "$(declare -f as_nobody); nogroup=$nogroup; as_nobody \"\$@\"" \
        _ "$AIOMON" $mode "$PID" >"$TMPD/o" 2>"$TMPD/e"
    AIO_RC=$?
    expect_error_ 2 "CAP_SYS_PTRACE" "$TMPD/e" "aiomon-attach $mode as nobody on root's pid $PID"
    [ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "$mode as nobody: more than one line on stderr"; }
    [ -s "$TMPD/o" ] && { show_file_ "$TMPD/o"; fail_ "$mode as nobody: output on stdout"; }
done
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$PID/status" || fail_ "target left traced"
assert_running "$PID"

# ---------------------------------------------------------------- -o mode
(umask 000; run_aiomon "$TMPD/o" "$TMPD/e" --dump --json -o "$TMPD/out.json" "$PID"
 echo "$AIO_RC" >"$TMPD/rc")
AIO_RC=$(cat "$TMPD/rc")
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e"; fail_ "-o: exit $AIO_RC"; }
mode=$(stat -c %a "$TMPD/out.json")
[ "$mode" = 600 ] || fail_ "-o FILE has mode $mode, expected 600 (umask 000)"
"$HOST_PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMPD/out.json" || fail_ "-o FILE is not JSON"
ok_ "-o FILE: mode 600 under umask 000, valid JSON"

# ---------------------------------------------------------------- symlinks
printf 'precious\n' >"$TMPD/victim"
chmod 644 "$TMPD/victim"
ln -s "$TMPD/victim" "$TMPD/link.json"
run_aiomon "$TMPD/o" "$TMPD/e" --dump --json -o "$TMPD/link.json" "$PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e"; fail_ "-o symlink: exit $AIO_RC"; }
[ "$(cat "$TMPD/victim")" = precious ] || fail_ "-o followed the planted symlink: its target changed"
[ "$(stat -c %a "$TMPD/victim")" = 644 ] || fail_ "-o changed the mode of the symlink's target"
[ -L "$TMPD/link.json" ] && fail_ "-o left the planted symlink in place"
[ -f "$TMPD/link.json" ] || fail_ "-o did not write a regular file at the symlink's path"
"$HOST_PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMPD/link.json" || fail_ "-o over a symlink: not JSON"
ok_ "-o over a planted symlink: the link is replaced, its target unchanged"

ln -s "$TMPD/not-there" "$TMPD/dangling.txt"
run_aiomon "$TMPD/o" "$TMPD/e" --dump -o "$TMPD/dangling.txt" "$PID"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e"; fail_ "-o dangling symlink: exit $AIO_RC"; }
[ -e "$TMPD/not-there" ] && fail_ "-o created the target of a dangling symlink"
[ -f "$TMPD/dangling.txt" ] && [ ! -L "$TMPD/dangling.txt" ] || fail_ "-o over a dangling symlink: no regular file"
ok_ "-o over a dangling symlink: replaced, its target not created"

# a setuid-root install refuses to run at all (it would read root's files for anyone)
chmod 711 "$TMPD"
mkdir -p -m 755 "$TMPD/suid"
cp "$AIOMON" "$TMPD/suid/aiomon-attach" && chmod 4755 "$TMPD/suid/aiomon-attach" ||
    framework_failure_ "cannot make a setuid copy"
echo secret >"$TMPD/secret.json"
chmod 600 "$TMPD/secret.json"
timeout -k 5 "$AIOMON_TIMEOUT" bash -c "$(declare -f as_nobody); nogroup=$nogroup; as_nobody \"\$@\"" \
    _ "$TMPD/suid/aiomon-attach" --load "$TMPD/secret.json" >"$TMPD/o" 2>"$TMPD/e"
AIO_RC=$?
expect_error_ 2 "setuid" "$TMPD/e" "a setuid-root copy run by nobody"
grep -q secret "$TMPD/o" "$TMPD/e" && fail_ "the setuid copy read root's file"
ok_ "a setuid-root install refuses to run"
assert_running "$PID"
