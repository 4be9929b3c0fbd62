# tests/integration/lib.sh - sourced (bash) by every tests/integration/tNNNN-*.sh
#
# A test sets, before sourcing this file:
#   MIN_VERSION=3.11     oldest interpreter it supports (default 3.8)
#   MAX_VERSION=3.13     newest (default: no limit)
#                        (ANY_VERSION=1 in the environment ignores both)
#   NEEDS_PYTHON=no      the test does not need $PY (default yes)
# and gets:
#   $PY $PYVER           the interpreter under test (from tests/integration/run;
#                        $PY_ARGV0: what the target's command line names)
#                        standalone default: the newest pyenv one) and its label
#                        ("3.12", "debian3.11"); $PYMINOR (12)
#   $AIOMON              the binary under test; $TMPD a private temp dir
#   skip_ REASON         exit 77        fail_ MSG   exit 1
#   framework_failure_ MSG              exit 99 (the harness itself is broken)
#   start_target SCRIPT [ARGS]          start targets/SCRIPT, wait for its "ready"
#                        on a pipe (never a sleep), set TARGET_PID TRUTH TARGET_DIR;
#                        the target is killed by an EXIT trap whatever happens
#   start_helper CMD...  start any process, killed by the same trap (HELPER_PID)
#   run_aiomon OUT ERR ARGS...          run $AIOMON with a timeout; sets AIO_RC
#   dump_json PID OUT [ARGS]            --dump --json, must exit 0
#   compare_ MODE TRUTH JSON [ARGS]     tests/integration/compare.py, fail_ on mismatch
#   assert_running PID  no thread of PID is t/T/Z/X in /proc, and its heartbeat
#                        counter still advances
#   check_tasks_scenario SCRIPT [ARGS]  the whole tNNNN-tasks-* body
#
# Everything a test prints goes to tests/integration/run's log and is shown
# when the test fails.

set -u

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$IT_DIR/../.." && pwd)
TARGETS=$IT_DIR/targets
HOST_PY=${HOST_PY:-/usr/bin/python3}
AIOMON=${AIOMON:-$REPO_DIR/build/aiomon-attach}
READY_TIMEOUT=${READY_TIMEOUT:-60}
AIOMON_TIMEOUT=${AIOMON_TIMEOUT:-60}
ME=$(basename "$0" .sh)

say() { printf '%s\n' "$*"; }
skip_() { say "SKIP: $*"; exit 77; }
fail_() { say "FAIL: $*"; exit 1; }
framework_failure_() { say "ERROR (harness): $*"; exit 99; }
ok_() { say "ok: $*"; }

# ------------------------------------------------------------- interpreters

# The interpreter for a label.  Prints a path to run it by, or nothing.
#   3.8 .. 3.13        pyenv builds (/root/.pyenv/versions/3.X.*/bin/python3.X)
#   debian3.11         Debian 12's stripped /usr/bin/python3.11 (the host's)
#   sid3.13 .. sid3.15 Debian unstable's python3.X, run as a container target
#                      in build/rootfs/sid (tests/rootfs/enter): stripped, its
#   sid3.X-dbg         -dbg package hidden; "-dbg": with the -dbg package
#   bullseye3.9[-dbg]  Debian 11's python3.9 the same way (build/rootfs/bullseye)
# A container label's path is a small generated script (build/rootfs/bin/LABEL)
# that execs tests/rootfs/enter, so the target keeps the pid it was started
# with; the root file system must have been built (tests/rootfs/build.sh).
python_for() {
    local label=$1 p= dist variant ver root
    case $label in
    debian3.*) p=/usr/bin/python${label#debian} ;;
    3.*) p=$(ls -d /root/.pyenv/versions/"$label".*/bin/python"$label" 2>/dev/null | sort -V | tail -n 1) ;;
    sid3.*|bullseye3.*)
        dist=${label%%3.*}
        ver=${label#"$dist"}
        variant=stripped
        case $ver in *-dbg) variant=dbg; ver=${ver%-dbg} ;; esac
        root=${AIOMON_ROOTFS_DIR:-$REPO_DIR/build/rootfs}/$dist
        [ -f "$root/.aiomon-rootfs" ] && [ -x "$root/usr/bin/python$ver" ] || return 0
        p=${AIOMON_ROOTFS_DIR:-$REPO_DIR/build/rootfs}/bin/$label
        if [ ! -x "$p" ]; then
            mkdir -p "${p%/*}" &&
            printf '#!/bin/sh\n# %s: python%s of %s, %s (tests/integration/lib.sh)\nexec %s %s %s /usr/bin/python%s "$@"\n' \
                "$label" "$ver" "$root" "$variant" "$REPO_DIR/tests/rootfs/enter" "$root" "$variant" "$ver" \
                >"$p.tmp" && chmod 755 "$p.tmp" && mv "$p.tmp" "$p" || return 0
        fi ;;
    esac
    [ -n "$p" ] && [ -x "$p" ] && printf '%s\n' "$p"
}

# Why python_for LABEL printed nothing, for a skip line.
python_missing_reason() {
    case $1 in
    debian3.*) echo "interpreter $1 not installed: no /usr/bin/python${1#debian}" ;;
    3.*) echo "interpreter $1 not installed: no /root/.pyenv/versions/$1.*/bin/python$1" ;;
    sid3.*|bullseye3.*) echo "interpreter $1 not available: the ${1%%3.*} root file system was not built (${ROOTFS_SKIP_REASON:-tests/rootfs/build.sh ${1%%3.*}})" ;;
    *) echo "unknown interpreter label $1" ;;
    esac
}

# "3.11", "debian3.11", "sid3.14-dbg" -> 311, 314
version_num() {
    local v=${1#"${1%%3.*}"}
    v=${v%-dbg}
    printf '%d\n' $(( ${v%%.*} * 100 + ${v#*.} ))
}

# The interpreter under the label has no DWARF to be found: a container
# label without -dbg, or Debian's own without its -dbg package installed.
is_stripped_label() {
    case $1 in
    sid3.*-dbg|bullseye3.*-dbg) return 1 ;;
    sid3.*|bullseye3.*) return 0 ;;
    debian3.*) ! dpkg-query -W -f='${Status}' "python${1#debian}-dbg" 2>/dev/null | grep -q 'ok installed' ;;
    *) return 1 ;;
    esac
}

# The label names a container target (tests/rootfs/enter).
is_container_label() {
    case $1 in sid3.*|bullseye3.*) return 0 ;; esac
    return 1
}

# Functions only (tests/integration/run sources us for python_for).
[ -n "${AIOMON_LIB_FUNCS_ONLY:-}" ] && return 0

# ------------------------------------------------------------- test set-up

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/aiomon-$ME.XXXXXX") || framework_failure_ "mktemp failed"
# A container target (tests/rootfs/enter) sees these at the same paths.
export AIOMON_SHARE=$TMPD:$IT_DIR
# A layout cache of its own: DWARF read for a -dbg variant must not stand in
# for the stripped variant of the same build (same build-id) in a later test.
export XDG_CACHE_HOME=$TMPD/cache
_PIDS=()
_WRAPPERS=()
declare -A _HEARTBEAT=()
_ntargets=0
_nhelpers=0

# _ours PID: PID is still a process this script started (its parent is this
# shell or one of ours).  A pid is only a number: once a target has died and
# been reaped, it may name someone else's process on a busy machine.
_ours() {
    local pp
    pp=$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')
    [ -n "$pp" ] || return 1
    [ "$pp" = "$$" ] || [[ " ${_PIDS[*]} " == *" $pp "* ]]
}

_cleanup() {
    local rc=$? p w c
    trap - EXIT
    # Newest first, and a wrapper (unshare) is not killed but waited for: it
    # exits once its child is dead, after reaping it, so that no zombie is
    # left to the machine's pid 1.
    for ((p = ${#_PIDS[@]} - 1; p >= 0; p--)); do
        w=${_PIDS[p]}
        if [[ " ${_WRAPPERS[*]} " == *" $w "* ]]; then
            for c in $(ps -o pid= --ppid "$w"); do kill -KILL "$c" 2>/dev/null; done
            wait "$w" 2>/dev/null
        elif _ours "$w"; then
            kill -KILL "$w" 2>/dev/null
        fi
    done
    for p in "${_PIDS[@]}"; do
        _ours "$p" && kill -KILL "$p" 2>/dev/null
    done
    for p in "${_PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
        rm -rf "$TMPD"
    else
        say "(files kept in $TMPD)"
    fi
    exit "$rc"
}
trap _cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

: "${NEEDS_PYTHON:=yes}"
: "${MIN_VERSION:=3.8}"
: "${MAX_VERSION:=}"

if [ -z "${PY:-}" ]; then
    for PYVER in 3.13 3.12 3.11 3.10 3.9 3.8; do
        PY=$(python_for "$PYVER") && break
    done
fi
: "${PYVER:=unknown}"
if [ "$NEEDS_PYTHON" = yes ]; then
    [ -n "${PY:-}" ] && [ -x "$PY" ] || skip_ "interpreter $PYVER not found"
    PYMINOR=$("$PY" -c 'import sys; print(sys.version_info[1])') ||
        framework_failure_ "$PY does not run"
    # argv[0] of a target started as "$PY ...": a container label's wrapper
    # script execs the interpreter of its root file system
    PY_ARGV0=$PY
    is_container_label "$PYVER" && PY_ARGV0=/usr/bin/python3.$PYMINOR
    have=$(version_num "3.$PYMINOR")
    # ANY_VERSION=1 runs a test outside its range (to see what lowering
    # MIN_VERSION would give).
    [ -n "${ANY_VERSION:-}" ] || [ "$have" -ge "$(version_num "$MIN_VERSION")" ] ||
        skip_ "$ME supports Python $MIN_VERSION+ (this is $PYVER)"
    if [ -z "${ANY_VERSION:-}" ] && [ -n "$MAX_VERSION" ] && [ "$have" -gt "$(version_num "$MAX_VERSION")" ]; then
        skip_ "$ME supports Python up to $MAX_VERSION (this is $PYVER)"
    fi
fi
[ -x "$AIOMON" ] || framework_failure_ "AIOMON=$AIOMON is not an executable (run make)"
[ -x "$HOST_PY" ] || framework_failure_ "no $HOST_PY to run compare.py"
say "# $ME: PY=${PY:-none} ($PYVER) AIOMON=$AIOMON"

# ------------------------------------------------------------- processes

# start_target SCRIPT [ARGS...]
# Runs $PY targets/SCRIPT with AIOMON_TRUTH, AIOMON_HEARTBEAT and
# AIOMON_READY_FD=3, fd 3 being the write end of a FIFO.  Waits up to
# READY_TIMEOUT seconds for the line "ready"; a target that exits first is
# reported with its log (exit 77 from the target: skip with its reason).
# TARGET_WRAP, if set, is a command prefix (e.g. unshare); TARGET_PID is then
# the wrapper's only child.
start_target() {
    local script=$1 line rfd status wrapper child
    shift
    _ntargets=$((_ntargets + 1))
    TARGET_DIR=$TMPD/target$_ntargets
    mkdir -p "$TARGET_DIR" && mkfifo "$TARGET_DIR/ready" || framework_failure_ "mkfifo failed"
    TRUTH=$TARGET_DIR/truth.json
    # shellcheck disable=SC2086
    AIOMON_TRUTH=$TRUTH AIOMON_HEARTBEAT=$TARGET_DIR/heartbeat AIOMON_READY_FD=3 \
        ${TARGET_WRAP:-} "$PY" ${PY_FLAGS:--E -s -B} "$TARGETS/$script" "$@" \
        3>"$TARGET_DIR/ready" >"$TARGET_DIR/log" 2>&1 &
    wrapper=$!
    _PIDS+=("$wrapper")
    [ -n "${TARGET_WRAP:-}" ] && _WRAPPERS+=("$wrapper")
    # Opening the read end waits for the child to open the write end.
    exec {rfd}<"$TARGET_DIR/ready"
    line=
    read -r -t "$READY_TIMEOUT" -u "$rfd" line
    status=$?       # > 128: timed out; 1: end of file (the target closed the pipe)
    exec {rfd}<&-
    if [ "$line" != ready ]; then
        if [ "$status" -gt 128 ]; then
            say "--- target log ($script):"; cat "$TARGET_DIR/log"
            framework_failure_ "$script not ready after ${READY_TIMEOUT}s"
        fi
        wait "$wrapper"
        status=$?
        [ "$status" -eq 77 ] && skip_ "$(sed -n 's/^SKIP: //p' "$TARGET_DIR/log" | tail -n 1)"
        say "--- target log ($script):"; cat "$TARGET_DIR/log"
        framework_failure_ "$script exited with status $status before it was ready"
    fi
    TARGET_PID=$wrapper
    if [ -n "${TARGET_WRAP:-}" ]; then
        child=$(ps -o pid= --ppid "$wrapper" | tr -d ' ')
        [ -n "$child" ] && [ "$(printf '%s\n' "$child" | wc -l)" -eq 1 ] ||
            framework_failure_ "cannot find the one child of '$TARGET_WRAP' ($wrapper): '$child'"
        TARGET_PID=$child
        _PIDS+=("$child")
    fi
    _HEARTBEAT[$TARGET_PID]=$TARGET_DIR/heartbeat
    [ -s "$TRUTH" ] || framework_failure_ "$script said ready without writing $TRUTH"
    say "# target $script ${*:-} pid $TARGET_PID ready"
}

# start_helper CMD [ARGS...]: a background process killed by the EXIT trap.
start_helper() {
    _nhelpers=$((_nhelpers + 1))
    "$@" </dev/null >"$TMPD/helper.$_nhelpers.log" 2>&1 &
    HELPER_PID=$!
    _PIDS+=("$HELPER_PID")
}

# State letter of every thread of PID, one per line.
_thread_states() {
    local st
    for st in /proc/"$1"/task/*/stat; do
        # comm may hold spaces or parentheses: the state follows the last ") ".
        sed -n 's/.*) \(.\) .*/\1/p' "$st" 2>/dev/null
    done
}

_heartbeat_value() {
    local v
    read -r v <"$1" 2>/dev/null || v=0
    printf '%d\n' "$((10#${v:-0}))"
}

# assert_running PID: the target is alive, no thread is stopped (t, T),
# zombie or dead, and its heartbeat counter advances (the reporter thread
# still gets scheduled and the GIL still moves).
assert_running() {
    local pid=$1 states hb first now deadline
    [ -d "/proc/$pid" ] || fail_ "target $pid is gone"
    states=$(_thread_states "$pid" | sort | uniq -c | tr -s ' \n' ' ')
    if _thread_states "$pid" | grep -q '[tTZX]'; then
        fail_ "target $pid has stopped/dead threads after detach (states:$states)"
    fi
    hb=${_HEARTBEAT[$pid]:-}
    if [ -n "$hb" ]; then
        first=$(_heartbeat_value "$hb")
        deadline=$((SECONDS + 10))
        while now=$(_heartbeat_value "$hb"); [ "$now" -le "$first" ]; do
            [ "$SECONDS" -lt "$deadline" ] ||
                fail_ "target $pid makes no progress: heartbeat stuck at $first for 10s (states:$states)"
            sleep 0.02    # polling a counter, not waiting for readiness
        done
        ok_ "target $pid running (thread states:$states heartbeat $first -> $now)"
    else
        ok_ "target $pid running (thread states:$states)"
    fi
}

# ------------------------------------------------------------- aiomon

# run_aiomon OUT ERR ARGS...: sets AIO_RC.  Never hangs the test: a run longer
# than AIOMON_TIMEOUT gets SIGTERM (the tool must detach on it), then SIGKILL.
run_aiomon() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 "$AIOMON_TIMEOUT" "$AIOMON" "$@" >"$out" 2>"$err"
    AIO_RC=$?
    [ "$AIO_RC" -eq 124 ] && say "aiomon-attach $* timed out after ${AIOMON_TIMEOUT}s"
    return 0
}

show_file_() {
    say "--- $1:"
    head -c "${2:-4000}" "$1"
    [ "$(wc -c <"$1")" -gt "${2:-4000}" ] && say "... (truncated)"
    say "---"
}

# dump_json PID OUT [ARGS...]: aiomon-attach --dump --json [ARGS] PID > OUT, exit 0.
dump_json() {
    local pid=$1 out=$2
    shift 2
    run_aiomon "$out" "$out.err" --dump --json "$@" "$pid"
    if [ "$AIO_RC" -ne 0 ]; then
        show_file_ "$out.err"
        show_file_ "$out" 2000
        fail_ "aiomon-attach --dump --json $* $pid exited $AIO_RC, expected 0"
    fi
    [ -s "$out.err" ] && show_file_ "$out.err"
    ok_ "aiomon-attach --dump --json $* $pid: exit 0"
}

# dump_json_native PID OUT [ARGS]: as dump_json with --native, except that on
# a stripped container interpreter (no -dbg package) whose eval loop has no
# dynamic symbol the dump may be partial (exit 1) with only diagnostics that
# say so.
dump_json_native() {
    local pid=$1 out=$2
    shift 2
    if ! { is_stripped_label "$PYVER" && is_container_label "$PYVER"; }; then
        dump_json "$pid" "$out" "$@"
        return
    fi
    run_aiomon "$out" "$out.err" --dump --json "$@" "$pid"
    if [ "$AIO_RC" -eq 0 ]; then
        ok_ "aiomon-attach --dump --json $* $pid: exit 0 (the eval loop has a dynamic symbol)"
        return
    fi
    [ "$AIO_RC" -eq 1 ] || { show_file_ "$out.err"; fail_ "$* on stripped $PYVER exited $AIO_RC, expected 0 or 1"; }
    "$HOST_PY" - "$out" <<'PYEOF' || fail_ "$* on stripped $PYVER: other diagnostics than the -dbg hint"
import json, sys
d = json.load(open(sys.argv[1]))["diagnostics"]
other = [x["message"] for x in d if "-dbg package" not in x["message"]]
print("\n".join(other))
sys.exit(1 if other or not d else 0)
PYEOF
    ok_ "aiomon-attach --dump --json $* $pid: partial, the stripped eval loop named as the reason"
}

# compare_ MODE TRUTH JSON [compare.py options]
compare_() {
    local mode=$1 truth=$2 got=$3
    shift 3
    "$HOST_PY" "$IT_DIR/compare.py" "$@" "$mode" "$truth" "$got"
    case $? in
    0) ;;
    1) fail_ "aiomon output $got differs from the truth $truth ($mode)" ;;
    *) framework_failure_ "compare.py failed on $got" ;;
    esac
}

# expect_error_ RC PATTERN ERRFILE WHAT: exit status RC (or one of "RC1|RC2"),
# stderr one line starting "aiomon-attach: " and matching the extended regex
# PATTERN.
expect_error_() {
    local want=$1 pattern=$2 err=$3 what=$4 first
    if [[ "|$want|" != *"|$AIO_RC|"* ]]; then
        show_file_ "$err"
        fail_ "$what: exit $AIO_RC, expected $want"
    fi
    first=$(head -n 1 "$err")
    case $first in
    "aiomon-attach: "*) ;;
    *) show_file_ "$err"; fail_ "$what: stderr does not start with 'aiomon-attach: '" ;;
    esac
    if [ -n "$pattern" ] && ! printf '%s\n' "$first" | grep -Eq -- "$pattern"; then
        show_file_ "$err"
        fail_ "$what: message does not match /$pattern/"
    fi
    ok_ "$what: exit $AIO_RC: $first"
}

# check_tasks_scenario SCRIPT [ARGS...]: start the target, dump it, compare
# every task exactly with the truth, check the target still runs.
check_tasks_scenario() {
    start_target "$@"
    dump_json "$TARGET_PID" "$TMPD/out.json"
    compare_ tasks "$TRUTH" "$TMPD/out.json"
    assert_running "$TARGET_PID"
}
