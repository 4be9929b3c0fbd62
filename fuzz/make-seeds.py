#!/usr/bin/env python3
"""fuzz/make-seeds.py - the small synthetic seeds of fuzz_elf and fuzz_core.

  fuzz/corpus/elf/   shared objects (cc -g -shared) whose DWARF describes
                     structs and typedefs under CPython's names (pyruntimestate,
                     _is, _ts, PyCodeObject, ...) with nested members, and whose
                     symbols are the ones the runtime finder looks up
                     (_PyRuntime, Py_Version, PY_VERSION in .rodata); one
                     stripped copy with a .gnu_debuglink
  fuzz/corpus/core/  x86_64 ELF core files of a few KiB: NT_PRPSINFO, two
                     NT_PRSTATUS, NT_AUXV, NT_FILE, dumped and undumped PT_LOADs;
                     variants without NT_FILE and without notes

usage: fuzz/make-seeds.py [CC]   (run from anywhere; overwrites the seeds)
The captured seeds (walk, json) come from fuzz/capture-corpus.sh instead.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

FUZZ = os.path.dirname(os.path.abspath(__file__))
CC = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CC", "cc")

ELF_SRC = r"""
#include <stdint.h>
typedef struct _object { intptr_t ob_refcnt; struct _typeobject *ob_type; } PyObject;
typedef struct { PyObject ob_base; intptr_t ob_size; } PyVarObject;
typedef struct _typeobject { PyVarObject ob_base; const char *tp_name; intptr_t tp_basicsize;
    unsigned long tp_flags; struct _typeobject *tp_base; intptr_t tp_dictoffset; } PyTypeObject;
typedef struct { PyObject ob_base; intptr_t length; intptr_t hash;
    struct { unsigned interned:2; unsigned kind:3; unsigned compact:1; unsigned ascii:1; } state;
} PyASCIIObject;
typedef struct { PyASCIIObject _base; intptr_t utf8_length; char *utf8; } PyCompactUnicodeObject;
typedef struct { PyVarObject ob_base; intptr_t ob_shash; char ob_sval[1]; } PyBytesObject;
typedef struct { PyVarObject ob_base; PyObject *ob_item[1]; } PyTupleObject;
typedef struct { PyVarObject ob_base; PyObject **ob_item; intptr_t allocated; } PyListObject;
typedef struct { PyObject ob_base; int co_firstlineno; PyObject *co_name, *co_qualname,
    *co_filename, *co_linetable; char co_code_adaptive[1]; } PyCodeObject;
struct _PyInterpreterFrame { PyObject *f_executable; struct _PyInterpreterFrame *previous;
    void *instr_ptr; int stacktop; char owner; PyObject *localsplus[1]; };
struct _gil_runtime_state { unsigned long interval; int locked; unsigned long last_holder; };
struct _ts { struct _ts *prev, *next; struct _is *interp; unsigned long thread_id;
    unsigned long native_thread_id; struct _PyInterpreterFrame *current_frame; };
typedef struct _ts PyThreadState;
struct _is { struct _is *next; struct { struct _ts *head; } threads;
    struct { PyObject *modules; } imports; struct { struct _gil_runtime_state *gil; } ceval; };
typedef struct _is PyInterpreterState;
typedef struct pyruntimestate { int initialized; struct { struct _is *head, *main; } interpreters;
    struct { struct _gil_runtime_state gil; } ceval; } _PyRuntimeState;
typedef struct { PyObject ob_base; intptr_t ma_used; void *ma_keys; PyObject **ma_values; } PyDictObject;
_PyRuntimeState _PyRuntime = { 1 };
const unsigned long Py_Version = 0x030c01f0;
const char py_version_string[] = "3.12.1";
const char py_build_info[] = "3.12.1 (main, Jan  1 2024, 00:00:00) [GCC]";
PyCodeObject *use1; PyDictObject *use2; PyTupleObject *use3; PyListObject *use4;
PyBytesObject *use5; PyCompactUnicodeObject *use6; PyThreadState *use7; PyInterpreterState *use8;
int PyInit__asyncio(void) { return 0; }
"""


def build_elf(out):
    src = ELF_SRC
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "seed.c")
        with open(c, "w") as f:
            f.write(src)
        so = os.path.join(out, "cpython-like.so")
        subprocess.check_call([CC, "-g", "-O0", "-shared", "-fPIC", "-nostdlib",
                               "-Wl,--build-id", "-o", so, c])
        subprocess.check_call([CC, "-gdwarf-4", "-O0", "-shared", "-fPIC", "-nostdlib",
                               "-o", os.path.join(out, "cpython-like-dwarf4.so"), c])
        stripped = os.path.join(out, "cpython-like-stripped.so")
        dbg = os.path.join(d, "cpython-like.debug")
        if shutil.which("objcopy"):
            subprocess.check_call(["objcopy", "--only-keep-debug", so, dbg])
            subprocess.check_call(["objcopy", "--strip-debug", "--add-gnu-debuglink=" + dbg,
                                   so, stripped])


# ------------------------------------------------------------------ cores

PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS, NT_PRPSINFO, NT_AUXV, NT_FILE = 1, 3, 6, 0x46494c45


def note(ntype, desc, name=b"CORE"):
    name0 = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name0), len(desc), ntype) + pad(name0) + pad(desc)


def prstatus(tid, sig, regs_seed):
    d = bytearray(336)
    struct.pack_into("<h", d, 12, sig)             # pr_cursig
    struct.pack_into("<i", d, 32, tid)             # pr_pid
    for i in range(27):                            # pr_reg
        struct.pack_into("<Q", d, 112 + 8 * i, regs_seed + i)
    return bytes(d)


def prpsinfo(pid, fname, args):
    d = bytearray(136)
    struct.pack_into("<i", d, 24, pid)             # pr_pid
    d[40:40 + 16] = fname.ljust(16, b"\0")[:16]    # pr_fname
    d[56:56 + 80] = args.ljust(80, b"\0")[:80]     # pr_psargs
    return bytes(d)


def nt_file(maps):
    d = struct.pack("<QQ", len(maps), 4096)
    for start, end, pgoff, _ in maps:
        d += struct.pack("<QQQ", start, end, pgoff)
    for *_, path in maps:
        d += path + b"\0"
    return d


def core(loads, notes):
    """loads: (vaddr, memsz, flags, bytes dumped)."""
    phnum = len(loads) + (1 if notes else 0)
    off = 64 + 56 * phnum
    phdrs, blobs = b"", b""
    if notes:
        phdrs += struct.pack("<IIQQQQQQ", PT_NOTE, 0, off, 0, 0, len(notes), 0, 4)
        blobs += notes
        off += len(notes)
    for vaddr, memsz, flags, data in loads:
        pad = -off % 4096 if data else 0
        blobs += b"\0" * pad
        off += pad
        phdrs += struct.pack("<IIQQQQQQ", PT_LOAD, flags, off if data else 0, vaddr, 0,
                             len(data), memsz, 4096)
        blobs += data
        off += len(data)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 0, 0, 0)
    return ehdr + phdrs + blobs


def build_cores(out):
    text = b"\x7fELF" + bytes(range(256)) * 15 + b"\0" * 12
    text = text[:4096]
    heap = b"".join(struct.pack("<Q", 0x600000 + 8 * i) for i in range(512))
    maps = [(0x400000, 0x402000, 0, b"/usr/bin/python3.12"),
            (0x7f0000000000, 0x7f0000003000, 0, b"/lib/x86_64-linux-gnu/libc.so.6")]
    auxv = struct.pack("<QQQQQQ", 9, 0x401000, 6, 4096, 0, 0)     # AT_ENTRY, AT_PAGESZ, AT_NULL
    full = (note(NT_PRPSINFO, prpsinfo(4242, b"python3.12", b"python3.12 app.py")) +
            note(NT_PRSTATUS, prstatus(4242, 11, 0x1000)) +
            note(NT_PRSTATUS, prstatus(4243, 0, 0x2000)) +
            note(NT_AUXV, auxv) + note(NT_FILE, nt_file(maps)) +
            note(0x202, b"\0" * 64, b"LINUX"))
    loads = [(0x400000, 0x1000, 5, text), (0x401000, 0x1000, 5, b""),
             (0x600000, 0x1000, 6, heap),
             (0x7f0000000000, 0x1000, 5, text), (0x7f0000001000, 0x2000, 5, b""),
             (0x7ffff0000000, 0x2000, 6, heap * 2)]
    seeds = {
        "full.core": core(loads, full),
        "no-nt-file.core": core(loads, full.replace(note(NT_FILE, nt_file(maps)), b"")),
        "one-thread.core": core(loads[2:3], note(NT_PRSTATUS, prstatus(7, 0, 0x3000))),
        "no-notes.core": core(loads[:3], b""),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    for sub in ("elf", "core"):
        os.makedirs(os.path.join(FUZZ, "corpus", sub), exist_ok=True)
    build_elf(os.path.join(FUZZ, "corpus", "elf"))
    build_cores(os.path.join(FUZZ, "corpus", "core"))


if __name__ == "__main__":
    main()
