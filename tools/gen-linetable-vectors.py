#!/usr/bin/env python3
"""gen-linetable-vectors.py - test vectors for pyframes/linetable.c.

Usage:
    tools/gen-linetable-vectors.py > tests/unit/linetable_vectors.h

For every CPython 3.8..3.13 found under $PYENV_ROOT/versions (default
~/.pyenv/versions; the newest patch release of each minor), this script runs
itself in that interpreter (--child), compiles a fixed set of sources with
compile() and, for every code object found (the module and every nested code
object, recursively), records:

  * the raw line table: co_lnotab on 3.8/3.9, co_linetable on 3.10+;
  * co_firstlineno;
  * the expected line of EVERY code unit (byte offset 2*i), taken from the
    interpreter itself:
      3.8/3.9  dis.findlinestarts(): the line of the last line start <= offset;
      3.10     co_lines(): the range holding the offset (None -> -1);
      3.11+    co_positions(): the entry of the code unit (None -> -1).
    Each expected line is then checked against the interpreter's own
    PyCode_Addr2Line() (via ctypes), which is what frame.f_lineno reports;
    any disagreement aborts the generation.

On 3.10+ the script also checks that the table covers exactly len(co_code)
bytes, so no tested offset lies beyond the table.

The output is deterministic: fixed sources, PYTHONHASHSEED=0, no paths or
dates in the output.  The parent runs with any Python 3.8+.
"""

import glob
import json
import os
import subprocess
import sys

MINORS = (8, 9, 10, 11, 12, 13)
FORMAT_OF_MINOR = {8: "LTV_LNOTAB", 9: "LTV_LNOTAB", 10: "LTV_310"}

# ---------------------------------------------------------------------------
# Sources compiled by the child.  They are never executed.


def _blank(n):
    return "\n" * n


BASE_SOURCE = '''\
import asyncio


def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        while total < i:
            total += 1
            if total > 100:
                break
        else:
            total -= 1
    else:
        total *= 2
    return total


def exceptions(x):
    try:
        y = 1 / x
    except ZeroDivisionError as e:
        y = str(e)
    except (TypeError, ValueError):
        raise
    else:
        y += 1
    finally:
        print("done")
    with open(x) as f, open(y) as g:
        try:
            return f.read()
        finally:
            g.close()
    for k in range(3):
        try:
            if k:
                break
        finally:
            print(k)


def multiline(a, b):
    value = (a +
             b *
             a)
    result = call(a,
                  b,
                  key=[
                      a,
                      b,
                  ])
    return {
        "a": a,
        "b": b,
    }[
        value
    ] + result


def comprehensions(xs):
    a = [x * 2 for x in xs if x]
    b = {x: y for x, y in zip(xs, xs)}
    c = {x for x in xs}
    d = (x for x in xs)
    e = [[y for y in range(x)] for x in xs]
    f = lambda q: q + 1
    return a, b, c, d, e, f


def outer(x):
    def middle(y):
        def inner(z):
            return x + y + z
        return inner

    class Local:
        attr = x

        def method(self):
            return self.attr
    return middle, Local


async def coro(session, urls):
    results = []
    for url in urls:
        resp = await session.get(url)
        async with resp:
            body = await resp.read()
        results.append(body)
    async for chunk in session.stream():
        await chunk.process()
    try:
        await asyncio.wait_for(session.close(), 1)
    except Exception:
        await session.abort()
    return [r async for r in agen(len(results))] if results else None


async def agen(n):
    for i in range(n):
        yield i
        await asyncio.sleep(0)


def gen(n):
    x = yield n
    yield from range(x)
    return x if n else None
'''


def far_source():
    """Line deltas > 255 both ways, inside statements and across jumps."""
    return (
        "def far_lines(a, b):\n"
        "    x = a\n"
        + _blank(300)
        + "    y = x + 1\n"
        "    while x:\n"
        "        x -= 1\n"
        + _blank(400)
        + "        y += x\n"
        "    z = f(a,\n"
        + _blank(300)
        + "          b)\n"
        "    w = (a\n"
        + _blank(140)
        + "         + b)\n"
        "    return y + z + w\n"
    )


def long_source():
    """A function whose code is several kilobytes: addresses well above 255
    bytes, jumps needing EXTENDED_ARG, one line with > 255 bytes of code and
    columns > 127 (long-form entries on 3.11+)."""
    out = ["def long_function(a, b):\n", "    total = 0\n", "    for i in range(a):\n"]
    out.append("        if i == b:\n")
    for k in range(60):
        out.append("            total += func%d(i, a, b)\n" % k)
    out.append("        else:\n")
    for k in range(60):
        out.append("            total -= other%d[i] * b\n" % k)
    calls = ", ".join("g(%d)" % k for k in range(90))
    out.append("    big = (%s)\n" % calls)
    out.append("    return total, big\n")
    return "".join(out)


def deep_columns_source():
    """Columns above 127 on a single line and multi-line positions."""
    pad = " + ".join("v%d" % k for k in range(40))
    return (
        "def deep_columns(v0, v1):\n"
        "    r = %s + helper(v0,\n"
        "                    v1)\n"
        "    return r\n" % pad
    )


MATCH_SOURCE = '''\
def matcher(cmd):
    match cmd:
        case [x, y]:
            return x
        case {"k": v}:
            return v
        case Point(x=0):
            return 0
        case _:
            return None
'''

STAR_SOURCE = '''\
def star(x):
    try:
        x()
    except* ValueError as eg:
        print(eg)
    except* TypeError:
        pass
    return x
'''

GENERIC_SOURCE = '''\
def generic[T](x: T) -> T:
    return x
'''


def child_sources():
    v = sys.version_info[:2]
    srcs = [
        ("base", BASE_SOURCE),
        ("far", far_source()),
        ("long", long_source()),
        ("cols", deep_columns_source()),
    ]
    if v >= (3, 10):
        srcs.append(("match", MATCH_SOURCE))
    if v >= (3, 11):
        srcs.append(("star", STAR_SOURCE))
    if v >= (3, 12):
        srcs.append(("generic", GENERIC_SOURCE))
    return srcs


# ---------------------------------------------------------------------------
# Child: runs inside the interpreter under test.


def child_truth_lnotab(co):
    import dis
    starts = list(dis.findlinestarts(co))
    lines = []
    for off in range(0, len(co.co_code), 2):
        line = co.co_firstlineno
        for addr, ln in starts:
            if addr <= off:
                line = ln
            else:
                break
        lines.append(line)
    return lines


def child_truth_310(co):
    n = len(co.co_code)
    lines = [None] * (n // 2)
    for start, end, line in co.co_lines():
        for off in range(start, end, 2):
            if 0 <= off < n and lines[off // 2] is None:
                lines[off // 2] = -1 if line is None else line
    if any(x is None for x in lines):
        raise SystemExit("co_lines() does not cover %s" % co.co_name)
    return lines


def child_truth_311(co):
    lines = [(-1 if pos[0] is None else pos[0]) for pos in co.co_positions()]
    if len(lines) != len(co.co_code) // 2:
        raise SystemExit("co_positions() length mismatch in %s" % co.co_name)
    return lines


def child_table_span_311(tab):
    """Bytes of code covered by a 3.11+ location table."""
    return sum(((b & 7) + 1) * 2 for b in tab if b & 0x80)


def child_main():
    import ctypes
    import types

    addr2line = ctypes.pythonapi.PyCode_Addr2Line
    addr2line.argtypes = [ctypes.py_object, ctypes.c_int]
    addr2line.restype = ctypes.c_int
    minor = sys.version_info[1]
    out = []
    seen = {}

    def visit(co, prefix):
        name = prefix + co.co_name
        if name in seen:
            seen[name] += 1
            name = "%s#%d" % (name, seen[name])
        else:
            seen[name] = 1
        if minor <= 9:
            tab = co.co_lnotab
            lines = child_truth_lnotab(co)
        elif minor == 10:
            tab = co.co_linetable
            lines = child_truth_310(co)
            span = sum(tab[i] for i in range(0, len(tab) - 1, 2))
            if span != len(co.co_code):
                raise SystemExit("%s: table covers %d of %d bytes"
                                 % (name, span, len(co.co_code)))
        else:
            tab = co.co_linetable
            lines = child_truth_311(co)
            span = child_table_span_311(tab)
            if span != len(co.co_code):
                raise SystemExit("%s: table covers %d of %d bytes"
                                 % (name, span, len(co.co_code)))
        for i, line in enumerate(lines):
            got = addr2line(co, 2 * i)
            if got != line:
                raise SystemExit("%s offset %d: truth %d, PyCode_Addr2Line %d"
                                 % (name, 2 * i, line, got))
        out.append({
            "name": name,
            "firstlineno": co.co_firstlineno,
            "tab": bytes(tab).hex(),
            "lines": lines,
        })
        for const in co.co_consts:
            if isinstance(const, types.CodeType):
                visit(const, name + ".")

    for label, src in child_sources():
        visit(compile(src, "<%s>" % label, "exec"), label + ":")
    json.dump({"version": sys.version.split()[0], "vectors": out}, sys.stdout)


# ---------------------------------------------------------------------------
# Parent: finds interpreters, writes the C header.


def find_interpreters():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = []
    for minor in MINORS:
        best = None
        for d in glob.glob(os.path.join(root, "versions", "3.%d.*" % minor)):
            tail = os.path.basename(d).split(".")[2]
            if not tail.isdigit():
                continue
            exe = os.path.join(d, "bin", "python3.%d" % minor)
            if os.access(exe, os.X_OK) and (best is None or int(tail) > best[0]):
                best = (int(tail), exe)
        if best is not None:
            found.append((minor, best[1]))
    return found


def c_bytes(name, data):
    if not data:
        return "static const uint8_t %s[1] = { 0 };\n" % name
    rows = []
    for i in range(0, len(data), 16):
        rows.append("    " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",")
    return "static const uint8_t %s[] = {\n%s\n};\n" % (name, "\n".join(rows))


def c_ints(name, values):
    rows = []
    row = "   "
    for v in values:
        item = " %d," % v
        if len(row) + len(item) > 99:
            rows.append(row)
            row = "   "
        row += item
    rows.append(row)
    return "static const int %s[] = {\n%s\n};\n" % (name, "\n".join(rows))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main()
        return
    interps = find_interpreters()
    if not interps:
        sys.exit("gen-linetable-vectors: no CPython 3.8..3.13 under $PYENV_ROOT/versions")
    env = {"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    results = []
    for minor, exe in interps:
        proc = subprocess.run([exe, "-S", os.path.abspath(__file__), "--child"],
                              env=env, stdout=subprocess.PIPE, check=True)
        results.append((minor, json.loads(proc.stdout.decode())))

    body = []
    table = []
    summary = []
    idx = 0
    for minor, res in results:
        fmt = FORMAT_OF_MINOR.get(minor, "LTV_311")
        nunits = 0
        nnoline = 0
        for vec in res["vectors"]:
            tab = bytes.fromhex(vec["tab"])
            body.append("/* %s %s */\n" % (res["version"], vec["name"]))
            body.append(c_bytes("ltv_tab_%d" % idx, tab))
            body.append(c_ints("ltv_lines_%d" % idx, vec["lines"]))
            body.append("\n")
            table.append("    { \"%s %s\",\n      %s, %d, ltv_tab_%d, %d, ltv_lines_%d, %d },"
                         % (res["version"], vec["name"], fmt, vec["firstlineno"],
                            idx, len(tab), idx, len(vec["lines"])))
            nunits += len(vec["lines"])
            nnoline += sum(1 for x in vec["lines"] if x == -1)
            idx += 1
        summary.append(" *   CPython %-8s %-10s %3d code objects, %6d code units, "
                       "%4d without a line" % (res["version"], fmt, len(res["vectors"]), nunits, nnoline))

    out = []
    out.append("/*\n")
    out.append(" * linetable_vectors.h - GENERATED, do not edit.\n")
    out.append(" * Command: tools/gen-linetable-vectors.py > tests/unit/linetable_vectors.h\n")
    out.append(" * Interpreters (format, code objects, code units tested, units with no line):\n")
    out.append("\n".join(summary) + "\n")
    out.append(" * lines[i] is the interpreter's own line for byte offset 2*i (PyCode_Addr2Line,\n")
    out.append(" * dis.findlinestarts / co_lines / co_positions agree); -1 means \"no line\".\n")
    out.append(" */\n")
    out.append("#ifndef AIO_TESTS_LINETABLE_VECTORS_H\n#define AIO_TESTS_LINETABLE_VECTORS_H\n\n")
    out.append("#include <stddef.h>\n#include <stdint.h>\n\n")
    out.append("enum ltv_format {\n    LTV_LNOTAB,\n    LTV_310,\n    LTV_311,\n};\n\n")
    out.append("struct ltv_vector {\n")
    out.append("    const char *name;\n")
    out.append("    enum ltv_format format;\n")
    out.append("    int firstlineno;\n")
    out.append("    const uint8_t *tab;\n")
    out.append("    size_t tab_len;\n")
    out.append("    const int *lines;           /* expected line of byte offset 2*i */\n")
    out.append("    size_t nunits;\n")
    out.append("};\n\n")
    out.extend(body)
    out.append("static const struct ltv_vector ltv_vectors[] = {\n")
    out.append("\n".join(table) + "\n")
    out.append("};\n\n")
    out.append("#define LTV_COUNT (sizeof(ltv_vectors) / sizeof(ltv_vectors[0]))\n\n")
    out.append("#endif\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
