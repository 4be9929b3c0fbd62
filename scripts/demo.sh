#!/bin/sh
# The demo: start the bundled asyncio app under an available Python, take a
# snapshot of it with aiomon-attach (the live view on a terminal, a dump
# otherwise), then stop the app.
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-}
if [ -z "$PY" ]; then
    for c in /root/.pyenv/versions/3.12.*/bin/python3.12 /root/.pyenv/versions/3.13.*/bin/python3.13 \
             /usr/bin/python3.11 python3; do
        if command -v "$c" >/dev/null 2>&1; then PY=$c; break; fi
    done
fi
out=$(mktemp)
"$PY" examples/demo_app.py > "$out" &
app=$!
trap 'kill $app 2>/dev/null; rm -f "$out"' EXIT INT TERM
i=0
until grep -q ready "$out"; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $app 2>/dev/null; then
        echo "demo: the example app did not start" >&2
        exit 1
    fi
    sleep 0.1
done
echo "demo: examples/demo_app.py running under $PY as pid $app"
if [ -t 1 ] && [ -z "${AIOMON_DEMO_DUMP:-}" ] && build/aiomon-attach --help | grep -q 'live view'; then
    build/aiomon-attach "$app"
else
    build/aiomon-attach --dump "$app"
fi
