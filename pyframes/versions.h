/*
 * versions.h - the version registry: one row per supported CPython minor
 * version, saying how it is read.  The only place that maps a version
 * number to behaviour and layouts: runtime.c looks the target's version up
 * once and hands the walkers a struct py_ops, which carries no version.
 *
 * Adding CPython 3.16 touches:
 *   1. versions.c: one row { 16, ... } after 3.15's.
 *   2. Only if they differ from 3.15's: its behaviour (a struct py_ops in
 *      ops_314.c, or a new ops_316.c), its _Py_DebugOffsets map
 *      (dbgoff_v316 in layout_debugoffsets.c), its AsyncioDebug map.
 *   3. Its built-in table: with the row's .table still NULL, `make tables`
 *      writes pyframes/tables/py316.c (tools/gen-tables.sh asks the registry
 *      which versions there are and reads Debian's python3.16-dbg), then the
 *      row names &layout_table_py316 (declared at the top of versions.c).
 *      `make check-tables` then compares it, as every other row's.
 * Nothing else: runtime.c, the walkers, tools/ and the image loader of the
 * tests and fuzzers (fuzz/image_runtime.h) all ask this registry.  Until
 * then a 3.16 target is read as the newest row (3.15) with a warning, when
 * its _Py_DebugOffsets pass 3.15's checks, and refused otherwise.
 */
#ifndef AIO_PYFRAMES_VERSIONS_H
#define AIO_PYFRAMES_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct py_ops;
struct layout_table;
struct dbgoff_version;
struct adbg_version;

struct py_version {
    unsigned minor;                             /* 3.<minor> */
    const struct py_ops *ops;                   /* its behaviour (ops_*.c) */
    const struct layout_table *table;           /* built-in layout (tables/py3NN.c), NULL none */
    const struct dbgoff_version *debug_offsets; /* _Py_DebugOffsets map (3.13+), NULL none */
    /*
     * Read through _Py_DebugOffsets first, and refused when they fail
     * validation (3.14+); false: DWARF first, the debug offsets only when
     * DWARF lacks the core fields or --layout=debug-offsets asks for them.
     */
    bool debug_offsets_first;
    const struct adbg_version *asyncio_debug;   /* AsyncioDebug section map (3.14+), NULL none */
};

/*
 * The row for PY_VERSION_HEX hex: its minor's, or the newest row for a
 * later 3.x (then *newer = that minor, else 0).  NULL for a version older
 * than every row or not 3.x.
 */
const struct py_version *py_version_find(uint64_t hex, unsigned *newer);

/* The row of exactly 3.<minor>, or NULL (tools: tables are per known row). */
const struct py_version *py_version_exact(unsigned minor);

/* Every row, oldest first. */
extern const struct py_version py_versions[];
extern const size_t py_versions_count;

#endif
