#!/bin/bash
# fuzz/capture-corpus.sh - regenerate the captured seeds: for every
# interpreter present, start an asyncio target (a few tasks in a gather tree,
# tests/integration/targets/tasks_gather_nested.py), record one snapshot's
# walk with build/capture-image, and keep
#   fuzz/corpus/walk/py<label>.img    the memory image (seeds fuzz_walk; the
#                                     unit test check_image replays it)
#   fuzz/corpus/json/py<label>.json   the same snapshot as JSON (seeds fuzz_json)
#
# usage: fuzz/capture-corpus.sh [LABEL...]   (default: 3.8 .. 3.13 debian3.11)
# The pytask<label> seeds (pure-Python tasks next to C tasks) were made with
#   TARGET=tasks_pure_python.py fuzz/capture-corpus.sh 3.12 3.8
# and the outputs renamed from py<label> to pytask<label>.
# Run after a change of the walkers' output or of the image format, then
# commit the files.
set -eu
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$FUZZ_DIR/.." && pwd)
AIOMON_LIB_FUNCS_ONLY=1 . "$REPO_DIR/tests/integration/lib.sh"
CAPTURE=${CAPTURE:-$REPO_DIR/build/capture-image}
TARGET=${TARGET:-tasks_gather_nested.py}
[ -x "$CAPTURE" ] || { echo "capture-corpus: build $CAPTURE first (make build/capture-image)" >&2; exit 2; }
labels=${*:-3.8 3.9 3.10 3.11 3.12 3.13 debian3.11}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for label in $labels; do
    py=$(python_for "$label") || { echo "capture-corpus: no interpreter $label, skipped"; continue; }
    rm -f "$tmp/ready"
    mkfifo "$tmp/ready"
    AIOMON_TRUTH=$tmp/truth.json AIOMON_HEARTBEAT=$tmp/hb AIOMON_READY_FD=3 \
        "$py" -E -s -B "$REPO_DIR/tests/integration/targets/$TARGET" 3>"$tmp/ready" >"$tmp/log" 2>&1 &
    pid=$!
    read -r -t 60 line <"$tmp/ready" || true
    [ "${line:-}" = ready ] || { cat "$tmp/log"; echo "capture-corpus: $label target not ready" >&2; exit 2; }
    "$CAPTURE" --json "$FUZZ_DIR/corpus/json/py$label.json" "$pid" "$FUZZ_DIR/corpus/walk/py$label.img"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
done
