#!/bin/bash
# Faults: hostile strings in the target (targets/fault_strings.py): task
# names, coroutine and function names, file names and a thread name with
# terminal escapes (7-bit and 8-bit CSI, OSC), NUL bytes, lone surrogates,
# bidirectional overrides, invalid UTF-8 (co_filename from a bytes file
# name) and a 1,000,000-character name.
#   text (--dump, with --stacks): valid UTF-8 with no raw ESC, no other
#     control byte but newline, no C1 control and no bidi control; no line
#     longer than 8 KiB
#   JSON (--dump --json): valid (strict UTF-8 json.load), every hostile task
#     present, every string at most 64 Ki characters plus the cut mark
. "$(dirname "$0")/lib.sh"

start_target fault_strings.py
PID=$TARGET_PID

run_aiomon "$TMPD/out.txt" "$TMPD/err" --dump --stacks "$PID"
[ "$AIO_RC" -eq 0 ] || [ "$AIO_RC" -eq 1 ] || { show_file_ "$TMPD/err"; fail_ "--dump exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/out.txt" <<'PYEOF' || fail_ "text output carries raw control bytes (see above)"
import sys, unicodedata
raw = open(sys.argv[1], "rb").read()
bad = []
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    print("not valid UTF-8:", e)
    sys.exit(1)
for n, line in enumerate(text.split("\n"), 1):
    for ch in line:
        o = ord(ch)
        if o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f:
            bad.append((n, "control U+%04X" % o))
        elif unicodedata.category(ch) == "Cf" and ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            bad.append((n, "bidi control U+%04X" % o))
        elif 0xd800 <= o <= 0xdfff:
            bad.append((n, "surrogate U+%04X" % o))
    if len(line) > 8192:
        bad.append((n, "line of %d characters" % len(line)))
for n, what in bad[:20]:
    print("line %d: %s" % (n, what))
print("text: %d bytes, %d lines, %d problems" % (len(raw), text.count("\n"), len(bad)))
sys.exit(1 if bad else 0)
PYEOF
ok_ "text output: no raw control bytes, valid UTF-8, lines capped"

run_aiomon "$TMPD/out.json" "$TMPD/err" --dump --json "$PID"
[ "$AIO_RC" -eq 0 ] || [ "$AIO_RC" -eq 1 ] || { show_file_ "$TMPD/err"; fail_ "--dump --json exited $AIO_RC"; }
"$HOST_PY" - "$TMPD/out.json" <<'PYEOF' || fail_ "JSON output is invalid or uncapped (see above)"
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8"))
longest = [0, ""]
def walk(v, path):
    if isinstance(v, str):
        if len(v) > longest[0]:
            longest[0], longest[1] = len(v), path
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(k, path + ".key")
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))
walk(d, "")
names = [t["name"] for t in d["tasks"]]
problems = []
for want in ("\x1b[31mred\x1b[0m", "nul\x00byte", "\x9b31m8-bit-csi"):
    if want not in names:
        problems.append("task %r missing (names: %r)" % (want, [n[:40] for n in names]))
big = [n for n in names if n and n.startswith("mmmm")]
if not big:
    problems.append("the 1,000,000-character task is missing")
elif len(big[0]) >= 1000000:
    problems.append("the 1,000,000-character name was not cut (%d)" % len(big[0]))
if longest[0] > 65536 + 8:
    problems.append("string of %d characters at %s" % tuple(longest))
files = {f["file"] for t in d["tasks"] for f in t["stack"] if f.get("file")}
if not any("bad-" in f for f in files):
    problems.append("no frame with the invalid-UTF-8 file name (files: %r)" % sorted(files))
for p in problems:
    print(p)
print("json: %d bytes, %d tasks, longest string %d at %s" % (len(raw), len(names), longest[0], longest[1]))
sys.exit(1 if problems else 0)
PYEOF
ok_ "JSON output: valid, every hostile task present, strings capped"
assert_running "$PID"
