#!/bin/bash
# fuzz/run.sh - run libFuzzer harnesses for a time budget each (make fuzz,
# make fuzz-smoke).
#
# usage: FUZZ_SECONDS=N fuzz/run.sh BUILD_DIR NAME...
#
# For each NAME: first every fuzz/regressions/NAME-* input is replayed (each
# must pass), then BUILD_DIR/fuzz_NAME runs for FUZZ_SECONDS with
# -timeout=5 (a hang) and -rss_limit_mb=512 (an OOM).  New corpus entries go
# to BUILD_DIR/corpus-NAME (fuzz/corpus/NAME, the committed seeds, is only
# read); a crash, hang or OOM leaves its input in BUILD_DIR/artifacts/ and
# fails the run.  Prints one line per harness (executions, corpus size) and
# exits 1 if any failed.
set -u
BF=$1
shift
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
FUZZ_ARGS=${FUZZ_ARGS:-}
failed=0
mkdir -p "$BF/artifacts"
# libFuzzer's own leak check stays on; ASan options for a clear report
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for name in "$@"; do
    bin=$BF/fuzz_$name
    log=$BF/fuzz_$name.log
    [ -x "$bin" ] || { echo "fuzz: $bin missing" >&2; failed=1; continue; }
    regs=()
    for r in "$FUZZ_DIR"/regressions/"$name"-*; do
        [ -f "$r" ] && regs+=("$r")
    done
    if [ ${#regs[@]} -gt 0 ]; then
        if ! "$bin" -timeout=5 -rss_limit_mb=512 "${regs[@]}" >"$log.regressions" 2>&1; then
            tail -n 40 "$log.regressions"
            echo "fuzz_$name: FAIL: a regression input fails again (log $log.regressions)"
            failed=1
            continue
        fi
    fi
    mkdir -p "$BF/corpus-$name"
    seeds=$FUZZ_DIR/corpus/$name
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=512 -print_final_stats=1 \
        -artifact_prefix="$BF/artifacts/$name-" $FUZZ_ARGS \
        "$BF/corpus-$name" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    units=$(ls "$BF/corpus-$name" | wc -l)
    nseeds=$(ls "$seeds" 2>/dev/null | wc -l)
    if [ "$rc" -ne 0 ]; then
        grep -E "ERROR: |SUMMARY: |runtime error|Test unit written" "$log" | head -n 20
        echo "fuzz_$name: FAIL (exit $rc) after ${execs:-?} executions; full log $log"
        failed=1
    else
        echo "fuzz_$name: ok: ${execs:-?} executions in ${SECONDS_EACH}s, corpus $units new + $nseeds seeds, ${#regs[@]} regressions replayed"
    fi
done
exit "$failed"
