#!/bin/bash
# Error messages are escaped (issue 14): a message can quote argv, a file name
# given on the command line or a path read from the target, and none of them
# may bring a raw control byte (ESC: a terminal escape sequence) to stderr.
# Every mode reports through err_report (common/err.c), the option parser
# through its own escaped echo.  The target path case uses a tiny ELF named
# like an interpreter ("python3.x ESC[31m") that defines _PyRuntime but no
# version: the runtime search quotes its path in the error, for --dump and
# for --watch alike.
MIN_VERSION=3.8
. "$(dirname "$0")/lib.sh"

ESC=$'\e'
# no_raw_ctl_ FILE WHAT: FILE (stderr) holds no control byte but its newlines
no_raw_ctl_() {
    if tr -d '\n' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        show_file_ "$1"
        fail_ "$2: a raw control byte reached stderr"
    fi
}
# expect_ RC ESCAPED WHAT ARGS...: exit status RC, stderr escaped and holding ESCAPED
expect_() {
    local rc=$1 want=$2 what=$3
    shift 3
    run_aiomon "$TMPD/o" "$TMPD/e" "$@"
    [ "$AIO_RC" -eq "$rc" ] || { show_file_ "$TMPD/e"; fail_ "$what exited $AIO_RC, expected $rc"; }
    no_raw_ctl_ "$TMPD/e" "$what"
    grep -qF -- "$want" "$TMPD/e" || { show_file_ "$TMPD/e"; fail_ "$what: no '$want' in the message"; }
    [ "$(wc -l <"$TMPD/e")" -eq 1 ] || { show_file_ "$TMPD/e"; fail_ "$what: not one line"; }
    ok_ "$what: exit $rc, escaped: $(cat "$TMPD/e")"
}

# the command line (usage errors, 64)
expect_ 64 '\x1b[31m' "a PID with ESC" "12${ESC}[31m"
expect_ 64 '\x1b]0;x\x07' "--interval with OSC" --interval "${ESC}]0;x"$'\a' 1
expect_ 64 '\x1b[2J' "--layout with ESC" "--layout=${ESC}[2J" 1
expect_ 64 "'x\\x1b' (text, json)" "an unknown --format" --format "x${ESC}" 1
expect_ 64 '\x1b[31m' "an unknown option" "--${ESC}[31m" 1

# a file named on the command line
expect_ 2 'snap\x1b[31m.json' "--load of a missing file" --load "$TMPD/snap${ESC}[31m.json"
printf 'not json\n' >"$TMPD/bad${ESC}[31m.json"
expect_ 2 '\x1b[31m' "--load of a malformed file" --load "$TMPD/bad${ESC}[31m.json"

# an output path in a directory that does not exist
start_target idle.py
nodir="$TMPD/no${ESC}[31mdir/out"
expect_ 2 'no\x1b[31mdir' "--dump -o into a missing dir" --dump -o "$nodir" "$TARGET_PID"
expect_ 2 'no\x1b[31mdir' "--watch -o into a missing dir" --watch --interval 100 --samples 1 \
    -o "$nodir" "$TARGET_PID"
expect_ 2 'no\x1b[31mdir' "--record into a missing dir" --watch --interval 100 --samples 1 \
    --record "$nodir" "$TARGET_PID"
assert_running "$TARGET_PID"

# a path read from the target
command -v cc >/dev/null 2>&1 || skip_ "no C compiler (cc) to build the fake interpreter"
mkdir -p "$TMPD/fake"
printf '#include <unistd.h>\nint _PyRuntime[64];\nint main(void) { _PyRuntime[1] = 1; for (;;) pause(); }\n' \
    >"$TMPD/fake/fake.c"
fake="$TMPD/fake/python3.x${ESC}[31m"
cc -o "$fake" "$TMPD/fake/fake.c" || framework_failure_ "cannot build the fake interpreter"
start_helper "$fake"
for _ in $(seq 500); do
    [ "$(readlink "/proc/$HELPER_PID/exe" 2>/dev/null)" = "$fake" ] && break
    sleep 0.01    # polling exec, bounded
done
[ "$(readlink "/proc/$HELPER_PID/exe")" = "$fake" ] || framework_failure_ "the fake interpreter did not start"
expect_ 2 'python3.x\x1b[31m' "--dump of a target whose path has ESC" --dump "$HELPER_PID"
expect_ 2 'python3.x\x1b[31m' "--watch of a target whose path has ESC" --watch --samples 1 "$HELPER_PID"
