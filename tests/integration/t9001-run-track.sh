#!/bin/bash
# --run --track -- CMD (every version): CMD's Python processes load the
# tracker at start from a private directory put first on PYTHONPATH, through
# a sitecustomize that then runs the one it hides.  targets/track_run_check.py
# prints what it sees: the tracker enabled with --track-keep and --critical
# as given (a "db-*" task that ended is in its critical records), its tasks
# tracked, a Python child process tracked too, the sitecustomize it hides
# run (Debian's /usr/lib/python3.X/sitecustomize.py, or a project's own on
# PYTHONPATH, which stays after ours); the exit status passes through; a
# Python run with -I is left alone; the directory is gone after the run.
. "$(dirname "$0")/lib.sh"

CHECK=$TARGETS/track_run_check.py
mkdir -p "$TMPD/tmp" "$TMPD/site"

# check_json FILE PYEXPR WHAT: PYEXPR over d (the JSON) must be true
check_json() {
    "$HOST_PY" -c 'import json, sys; d = json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$1" "$2" || { show_file_ "$1"; fail_ "$3: not ($2)"; }
    ok_ "$3: $2"
}

tmp_empty() {
    [ -z "$(ls -A "$TMPD/tmp")" ] || { ls -la "$TMPD/tmp"; fail_ "$1: the tracker's directory is left in TMPDIR"; }
    ok_ "$1: the tracker's directory removed"
}

# 1. the tracker, its arguments, a child process, the chained sitecustomize
TMPDIR=$TMPD/tmp run_aiomon "$TMPD/o1" "$TMPD/e1" --run --track --track-keep 7 --critical 'db-*' \
    -- "$PY" -B "$CHECK"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e1"; show_file_ "$TMPD/o1"; fail_ "--run --track exited $AIO_RC"; }
[ -s "$TMPD/e1" ] && { show_file_ "$TMPD/e1"; fail_ "--run --track wrote to stderr"; }
check_json "$TMPD/o1" 'd["present"] and d["enabled"] and d["error"] is None' "tracker"
check_json "$TMPD/o1" 'd["keep"] == 7 and d["patterns"] == ["db-*"]' "--track-keep, --critical"
check_json "$TMPD/o1" 'd["critical"] == ["db-1"]' "the ended db-1 task is a critical record"
check_json "$TMPD/o1" 'd["tracked"]' "a task made by create_task is tracked"
check_json "$TMPD/o1" 'd["child"] == "True"' "a Python child process has the tracker too"
"$HOST_PY" -c 'import json, sys; d = json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if d["track_dir"].startswith(sys.argv[2] + "/aiomon-track.") and d["pythonpath"] == d["track_dir"] else 1)' \
    "$TMPD/o1" "$TMPD/tmp" || { show_file_ "$TMPD/o1"; fail_ "the directory is not in TMPDIR or not alone on PYTHONPATH"; }
ok_ "the directory is in TMPDIR, alone on PYTHONPATH"
case $PYVER in
debian3.*|sid3.*|bullseye3.*)
    check_json "$TMPD/o1" 'd["site"] == "/usr/lib/python3.%d/sitecustomize.py" % '"$PYMINOR" \
        "Debian's own sitecustomize still ran (chained)" ;;
*)
    check_json "$TMPD/o1" 'd["site"].endswith("/sitecustomize.py")' "a sitecustomize ran" ;;
esac
tmp_empty "run 1"

# 2. a project's own sitecustomize on PYTHONPATH: still run, PYTHONPATH kept after ours
printf 'import builtins\nbuiltins._t9001_marker = "chained"\n' >"$TMPD/site/sitecustomize.py"
PYTHONPATH=$TMPD/site TMPDIR=$TMPD/tmp run_aiomon "$TMPD/o2" "$TMPD/e2" --run --track -- "$PY" -B "$CHECK"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e2"; fail_ "--run --track with PYTHONPATH exited $AIO_RC"; }
check_json "$TMPD/o2" 'd["enabled"] and d["marker"] == "chained"' "the project's sitecustomize ran after ours"
check_json "$TMPD/o2" 'd["site"] == "'"$TMPD"'/site/sitecustomize.py"' "sitecustomize is the project's module"
check_json "$TMPD/o2" 'd["pythonpath"] == d["track_dir"] + ":'"$TMPD"'/site"' "PYTHONPATH: ours, then the old one"
check_json "$TMPD/o2" 'd["keep"] == 1000 and d["patterns"] == []' "default keep, no patterns"
tmp_empty "run 2"

# 3. the default place (/tmp): a container target sees it too (tests/rootfs/enter binds AIOMON_TRACK_DIR)
run_aiomon "$TMPD/o3" "$TMPD/e3" --run --track -- "$PY" -B "$CHECK"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e3"; fail_ "--run --track (default /tmp) exited $AIO_RC"; }
check_json "$TMPD/o3" 'd["enabled"] and d["child"] == "True"' "default directory under /tmp"
dir=$("$HOST_PY" -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["track_dir"])' "$TMPD/o3")
[ ! -e "$dir" ] || fail_ "$dir left behind"
ok_ "$dir removed after the run"

# 4. the command's exit status; a Python run isolated (-I) is left alone
TMPDIR=$TMPD/tmp run_aiomon "$TMPD/o4" "$TMPD/e4" --run --track -- "$PY" -c 'import sys; sys.exit(3)'
[ "$AIO_RC" -eq 3 ] || { show_file_ "$TMPD/e4"; fail_ "exit status $AIO_RC, expected 3"; }
ok_ "the command's exit status (3) passes through"
TMPDIR=$TMPD/tmp run_aiomon "$TMPD/o5" "$TMPD/e5" --run --track -- "$PY" -I -B "$CHECK"
[ "$AIO_RC" -eq 0 ] || { show_file_ "$TMPD/e5"; fail_ "python -I under --run --track exited $AIO_RC"; }
check_json "$TMPD/o5" 'not d["present"]' "python -I: no tracker, the program ran"
tmp_empty "runs 4, 5"
