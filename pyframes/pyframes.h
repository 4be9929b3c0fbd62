/*
 * pyframes.h - the public face of the CPython readers: find the runtime of a
 * process, choose its layout and behaviour once, then read snapshots.
 */
#ifndef AIO_PYFRAMES_H
#define AIO_PYFRAMES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../attach/source.h"
#include "../snapshot/snapshot.h"
#include "layout.h"

struct py_ops;
struct py_version;

enum py_layout_choice {
    PY_LAYOUT_AUTO = 0,         /* dwarf (or its cache) -> debug offsets -> table */
    PY_LAYOUT_DWARF,
    PY_LAYOUT_DEBUG_OFFSETS,
    PY_LAYOUT_TABLE,
};

struct py_runtime {
    char core_path[PATH_MAX];   /* ELF holding _PyRuntime (as named in maps) */
    char asyncio_path[PATH_MAX];/* _asyncio module, "" if not loaded */
    char core_build_id[130];
    char asyncio_build_id[130];
    uint64_t runtime_addr;      /* &_PyRuntime in the target */
    uint64_t version_hex;       /* PY_VERSION_HEX */
    char version[32];           /* "3.12.1" */
    struct layout L;
    const struct py_version *pyv;   /* static: the version registry's row (versions.h) */
    const struct py_ops *ops;   /* static: pyv->ops */
    char layout_source[64];     /* "dwarf", "debug-offsets+table", ... */
    char dwarf_core_from[PATH_MAX + 64];    /* the file the interpreter's DWARF came from, "" */
    char dwarf_asyncio_from[PATH_MAX + 64]; /* the file _asyncio's DWARF came from, "" */
    char layout_refused[256];   /* why a layout source was refused (layout_check), "" none */
    int pthread_tid_off;        /* glibc struct pthread tid offset, -1 unknown */
    unsigned newer_than_known;  /* 3.<minor> read with the newest known layout, 0: a known version */
    /* set by the caller after py_runtime_open: --lib-path prefixes (borrowed), not user code */
    const char *const *lib_prefixes;
    size_t nlib_prefixes;
    /*
     * set by the caller before a read: addresses of tasks seen pending in the
     * last snapshot (borrowed).  3.14+ lists a task only while it runs its
     * course; one of these that is still alive and still a task is read too,
     * so a task that ended is seen ended (with its exception) while its
     * object lives.
     */
    const uint64_t *recheck;
    size_t nrecheck;
};

/*
 * Find _PyRuntime and the exact version, choose py_ops and fill the layout.
 * Reads memory (the target may run or be stopped).  0 or a negative
 * AIO_E_* (NOTPY, VERSION, LAYOUT) with an err_set() message naming what is
 * missing.
 */
int py_runtime_open(struct source *src, enum py_layout_choice choice, struct py_runtime *rt);

/*
 * Read one snapshot: every thread and its Python stack (and, later, tasks).
 * The caller stops/resumes the source around it.  Partial results are
 * recorded as diagnostics in snap; returns 0, or a negative code when
 * nothing could be read.
 */
int py_snapshot_read(struct source *src, const struct py_runtime *rt, struct snap *snap);

/*
 * Only the state of the tracker loaded by --track (snap->tracker: present,
 * enabled, error, counts), read without the rest of a snapshot: for waiting
 * until an install has happened.  The target may run.  Returns 0.
 */
int py_tracker_probe(struct source *src, const struct py_runtime *rt, struct snap *snap);

/*
 * The newest minor version this build knows (versions.c); a later one is read
 * as it, with a warning, when its _Py_DebugOffsets pass that version's checks.
 */
unsigned layout_debug_offsets_newest_minor(void);

#endif
