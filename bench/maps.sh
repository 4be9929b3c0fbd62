#!/bin/sh
# Benchmark (not a test): how long a target with a huge memory map is stopped
# for a dump.  The target has MAPPINGS (default 200,000) separate mappings
# (alternating protections, so the kernel cannot merge them) and 1,000 tasks;
# the memory map is read before the stop, never under it.  Prints the median
# of REPS dumps: wall and stopped time, and the maps file size.
#   bench/maps.sh build/aiomon-attach [PYTHON]
set -eu
bin=$(readlink -f "$1")
PY=${2:-/usr/bin/python3.11}
N=${MAPPINGS:-200000}
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
pid=
"$PY" - "$N" >"$tmp/out" <<'PYEOF' &
import asyncio, ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
base = libc.mmap(None, 4096 * int(sys.argv[1]), 0, 0x22, -1, 0)          # PROT_NONE, private anon
for i in range(0, int(sys.argv[1]), 2):
    libc.mprotect(ctypes.c_void_p(base + 4096 * i), 4096, 1)            # every other page readable
async def sleeper():
    await asyncio.sleep(3600)
async def main():
    ts = [asyncio.create_task(sleeper()) for _ in range(1000)]
    await asyncio.sleep(0.2)
    print("ready", flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
PYEOF
pid=$!
i=0
until grep -q ready "$tmp/out"; do
    i=$((i + 1)); [ $i -gt 600 ] && { echo "bench: target did not start" >&2; exit 1; }
    sleep 0.1
done
lines=$(wc -l </proc/$pid/maps)
for r in $(seq "$REPS"); do
    t0=$(date +%s%N)
    "$bin" --dump --json "$pid" >"$tmp/snap.json"
    t1=$(date +%s%N)
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print((int(sys.argv[2]) - int(sys.argv[3])) // 1000, d["stopped_us"], len(d["tasks"]))' \
        "$tmp/snap.json" "$t1" "$t0"
done | sort -n -k2 | awk -v n="$REPS" -v lines="$lines" '
    { w[NR] = $1; s[NR] = $2; t = $3 }
    END { m = int((n + 1) / 2); printf "maps: %d mappings, %d tasks: wall %.1f ms, stopped %.1f ms (median of %d)\n", lines, t, w[m] / 1000, s[m] / 1000, n }'
