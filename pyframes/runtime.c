/*
 * runtime.c - find _PyRuntime in a process, read the exact version, look it
 * up in the version registry (versions.h: behaviour, built-in table, debug
 * offsets maps) and fill the layout once, from the best source.
 */
#include "pyframes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../attach/elfsym.h"
#include "../common/err.h"
#include "layout_debugoffsets.h"
#include "layout_table.h"
#include "pyint.h"
#include "tracker.h"
#include "versions.h"

#define RUNTIME_MAX_CANDIDATES 64
#define RUNTIME_DBGOFF_BYTES 2048   /* read from _PyRuntime: every known _Py_DebugOffsets fits */
#define RUNTIME_ASYNCIO_DEBUG_BYTES 256

/* Fields without which not even thread stacks can be read. */
static const enum py_field runtime_required[] = {
    PYF_RT_INTERP_HEAD, PYF_IS_NEXT, PYF_IS_TSTATE_HEAD, PYF_TS_NEXT, PYF_TS_THREAD_ID,
    PYF_CODE, PYF_CO_NAME, PYF_CO_FILENAME, PYF_CO_FIRSTLINENO, PYF_CO_LINETABLE,
    PYF_OB_TYPE, PYF_TP_NAME, PYF_OB_SIZE, PYF_ASCII, PYF_COMPACT, PYF_STR_LENGTH,
    PYF_STR_STATE, PYF_BYTES_SVAL,
};

static const char *
runtime_basename(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static bool
runtime_seen(const struct maps *m, size_t upto, const char *path)
{
    size_t i;

    for (i = 0; i < upto; i++) {
        if (strcmp(m->v[i].path, path) == 0)
            return true;
    }
    return false;
}

/* Try one mapped file: does it define _PyRuntime? */
static int
runtime_try_file(struct source *src, const char *path, struct py_runtime *rt)
{
    char full[PATH_MAX + 64];
    struct elfsym *e;
    uint64_t sym = 0, size = 0, base, vbase, pyver = 0;
    int err, minor = -1;
    const char *b = runtime_basename(path);

    source_host_path(src, path, full, sizeof(full));
    e = elfsym_open(full, &err);
    if (!e)
        return -AIO_E_NOTPY;
    if (elfsym_lookup(e, "_PyRuntime", &sym, &size) < 0) {
        elfsym_close(e);
        return -AIO_E_NOTPY;
    }
    base = maps_file_base(&src->maps, path);
    vbase = elfsym_first_load_vaddr(e);
    rt->runtime_addr = sym - vbase + base;
    snprintf(rt->core_path, sizeof(rt->core_path), "%s", path);
    if (!elfsym_build_id(e, rt->core_build_id, sizeof(rt->core_build_id)))
        rt->core_build_id[0] = '\0';
    /* 3.11+: the exact version is the exported constant Py_Version */
    if (elfsym_lookup(e, "Py_Version", &sym, NULL) == 0 &&
        source_read(src, sym - vbase + base, &pyver, 4) == 0 && (pyver >> 24) == 3) {
        rt->version_hex = pyver & 0xffffffffu;
    } else {
        /* older: the minor from the file name, the patch from PY_VERSION in .rodata */
        const char *p = strstr(b, "python3.");

        if (p)
            sscanf(p + strlen("python3."), "%d", &minor);
        if (minor >= 0 && elfsym_find_version(e, minor, rt->version, sizeof(rt->version))) {
            int ma = 0, mi = 0, pa = 0;

            sscanf(rt->version, "%d.%d.%d", &ma, &mi, &pa);
            rt->version_hex = ((uint64_t)ma << 24) | ((uint64_t)mi << 16) | ((uint64_t)pa << 8);
        }
    }
    elfsym_close(e);
    if (rt->version_hex == 0)
        return err_set(AIO_E_VERSION, "cannot tell the Python version of %s", path);
    if (!rt->version[0]) {
        unsigned lvl = (rt->version_hex >> 4) & 0xf, ser = rt->version_hex & 0xf;

        snprintf(rt->version, sizeof(rt->version), "%u.%u.%u", (unsigned)(rt->version_hex >> 24),
                 (unsigned)((rt->version_hex >> 16) & 0xff),
                 (unsigned)((rt->version_hex >> 8) & 0xff));
        if (lvl >= 0xa && lvl <= 0xc)
            snprintf(rt->version + strlen(rt->version), sizeof(rt->version) - strlen(rt->version),
                     "%s%u", lvl == 0xa ? "a" : lvl == 0xb ? "b" : "rc", ser);
    }
    return 0;
}

static int
runtime_locate(struct source *src, struct py_runtime *rt)
{
    const struct maps *m = &src->maps;
    size_t i, tried = 0;
    int pass;

    /* first files whose name says python, then any other executable mapping */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < m->n && tried < RUNTIME_MAX_CANDIDATES; i++) {
            const char *path = m->v[i].path;
            bool named = strstr(runtime_basename(path), "python") != NULL;

            if (path[0] != '/' || runtime_seen(m, i, path) || named != (pass == 0))
                continue;
            if (pass == 1 && m->v[i].perms[2] != 'x')
                continue;
            tried++;
            if (runtime_try_file(src, path, rt) == 0)
                return 0;
            if (rt->core_path[0])
                return -AIO_E_VERSION;   /* found, but its version is unknown */
        }
    }
    return err_set(AIO_E_NOTPY, "not a Python process: no _PyRuntime symbol in process %d's "
                   "mapped files", src->pid);
}

/*
 * The _asyncio accelerator: a separate extension module in most builds, or
 * linked into the interpreter (python-build-standalone and friends).
 */
static void
runtime_find_asyncio(struct source *src, struct py_runtime *rt)
{
    const struct maps *m = &src->maps;
    char full[PATH_MAX + 64];
    struct elfsym *e;
    uint64_t v;
    size_t i;
    int err;

    rt->asyncio_path[0] = '\0';
    for (i = 0; i < m->n; i++) {
        if (strncmp(runtime_basename(m->v[i].path), "_asyncio.", 9) == 0) {
            snprintf(rt->asyncio_path, sizeof(rt->asyncio_path), "%s", m->v[i].path);
            return;
        }
    }
    source_host_path(src, rt->core_path, full, sizeof(full));
    e = elfsym_open(full, &err);
    if (!e)
        return;
    if (elfsym_lookup(e, "PyInit__asyncio", &v, NULL) == 0)
        snprintf(rt->asyncio_path, sizeof(rt->asyncio_path), "%s", rt->core_path);
    elfsym_close(e);
}

static void
runtime_build_id_of(struct source *src, const char *path, char *buf, size_t size)
{
    char full[PATH_MAX + 64];
    struct elfsym *e;
    int err;

    buf[0] = '\0';
    source_host_path(src, path, full, sizeof(full));
    e = elfsym_open(full, &err);
    if (e) {
        if (!elfsym_build_id(e, buf, size))
            buf[0] = '\0';
        elfsym_close(e);
    }
}

/* layout_from_dwarf's way to the target's files: the source's. */
static int
runtime_host_path(void *src, const char *path, char *out, size_t size)
{
    return source_host_path(src, path, out, size);
}

/*
 * A layout source failed its checks (rc is -AIO_E_CORRUPT, from
 * layout_check() or the debug offsets' own checks): the source is refused and
 * the next one fills in; the first reason is kept for the snapshot's
 * diagnostics and for the error when a required field ends up missing.
 */
static void
runtime_note_refused(struct py_runtime *rt, int rc)
{
    if (rc == -AIO_E_CORRUPT && !rt->layout_refused[0])
        snprintf(rt->layout_refused, sizeof(rt->layout_refused), "%s", err_msg(rc));
}

/* layout_check() of the layout L from one source; a failure is noted. */
static int
runtime_layout_ok(struct py_runtime *rt, const struct layout *L, const char *source)
{
    int rc = layout_check(L, source);

    runtime_note_refused(rt, rc);
    return rc;
}

/* DWARF for one owner, through the build-id cache. */
static void
runtime_layout_dwarf(struct source *src, struct py_runtime *rt, enum layout_owner owner)
{
    const char *path = owner == LAYOUT_CORE ? rt->core_path : rt->asyncio_path;
    const char *bid = owner == LAYOUT_CORE ? rt->core_build_id : rt->asyncio_build_id;
    char *from = owner == LAYOUT_CORE ? rt->dwarf_core_from : rt->dwarf_asyncio_from;
    char file[PATH_MAX + 64];
    struct layout tmp;

    if (!path[0])
        return;
    memset(&tmp, 0, sizeof(tmp));
    if (bid[0] && layout_cache_load(&tmp, owner, bid) == 0) {
        if (runtime_layout_ok(rt, &tmp, "cached DWARF") == 0) {
            layout_merge(&rt->L, &tmp, owner);
            snprintf(from, PATH_MAX + 64, "the layout cache (build id %s)", bid);
        }
        return;
    }
    source_host_path(src, path, file, sizeof(file));
    if (layout_from_dwarf(&tmp, owner, file, path, runtime_host_path, src, from,
                          PATH_MAX + 64) > 0 &&
        runtime_layout_ok(rt, &tmp, "DWARF") == 0) {
        if (bid[0])
            layout_cache_store(&tmp, owner, bid);
        layout_merge(&rt->L, &tmp, owner);
    }
}

static int
runtime_layout_debug_offsets(struct source *src, struct py_runtime *rt)
{
    unsigned char buf[2048];
    struct layout tmp;
    int rc;

    if (!rt->pyv->debug_offsets)
        return err_set(AIO_E_LAYOUT, "_Py_DebugOffsets exist only in Python 3.13 and later "
                       "(this is %s)", rt->version);
    if (source_read(src, rt->runtime_addr, buf, sizeof(buf)) < 0)
        return err_set(AIO_E_FAULT, "cannot read _PyRuntime at 0x%llx",
                       (unsigned long long)rt->runtime_addr);
    memset(&tmp, 0, sizeof(tmp));
    rc = layout_from_debug_offsets(&tmp, buf, sizeof(buf), rt->pyv->debug_offsets,
                                   rt->version_hex);
    if (rc < 0) {
        runtime_note_refused(rt, rc);
        return rc;
    }
    layout_merge(&rt->L, &tmp, LAYOUT_CORE);
    return 0;
}

/*
 * Versions read through _Py_DebugOffsets first (3.14+): the runtime must
 * carry the cookie and the layout of the registry's map (for a later minor,
 * the newest map), else the version is refused, naming what could not be
 * read.  Free-threaded builds are refused.  On success *dbg holds the layout.
 */
static int
runtime_open_debug_offsets(struct source *src, struct py_runtime *rt, struct layout *dbg)
{
    unsigned char buf[RUNTIME_DBGOFF_BYTES];
    char why[256];
    unsigned newest;
    int rc;

    memset(dbg, 0, sizeof(*dbg));
    if (source_read(src, rt->runtime_addr, buf, sizeof(buf)) < 0)
        return err_set(AIO_E_FAULT, "cannot read _PyRuntime at 0x%llx",
                       (unsigned long long)rt->runtime_addr);
    newest = rt->pyv->minor;
    rc = layout_from_debug_offsets(dbg, buf, sizeof(buf), rt->pyv->debug_offsets,
                                   rt->version_hex);
    if (rc < 0) {
        snprintf(why, sizeof(why), "%s", err_msg(rc));
        if (rt->newer_than_known)
            return err_set(AIO_E_VERSION, "unsupported Python version %s: newer than this build "
                           "knows (3.%u), and its _Py_DebugOffsets do not fit the 3.%u layout (%s)",
                           rt->version, newest, newest, why);
        return err_set(AIO_E_VERSION, "unsupported Python version %s: %s", rt->version, why);
    }
    return 0;
}

/*
 * 3.14+: the _asyncio module publishes the offsets of its task objects and of
 * the task lists in section .AsyncioDebug (GENERATE_DEBUG_SECTION); the
 * section is in the target's memory at its link-time address plus the load
 * bias of the file holding it (the _asyncio extension, or the interpreter
 * when _asyncio is built in).
 */
static void
runtime_layout_asyncio_debug(struct source *src, struct py_runtime *rt)
{
    unsigned char buf[RUNTIME_ASYNCIO_DEBUG_BYTES];
    char full[PATH_MAX + 64];
    struct elfsym *e;
    struct layout tmp;
    uint64_t addr = 0, size = 0, vbase, base;
    size_t n;
    int err, rc;

    if (!rt->asyncio_path[0] || !rt->pyv->asyncio_debug)
        return;
    source_host_path(src, rt->asyncio_path, full, sizeof(full));
    e = elfsym_open(full, &err);
    if (!e)
        return;
    if (elfsym_section(e, ".AsyncioDebug", &addr, &size) < 0 || size == 0) {
        elfsym_close(e);
        return;
    }
    vbase = elfsym_first_load_vaddr(e);
    elfsym_close(e);
    base = maps_file_base(&src->maps, rt->asyncio_path);
    n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
    if (!base || addr < vbase || source_read(src, addr - vbase + base, buf, n) < 0)
        return;
    /* a copy of the layout so far: the core fields help derive task members */
    tmp = rt->L;
    rc = layout_from_asyncio_debug(&tmp, buf, n, rt->pyv->asyncio_debug);
    if (rc < 0) {
        runtime_note_refused(rt, rc);
        return;
    }
    layout_merge(&rt->L, &tmp, LAYOUT_ASYNCIO);
    layout_merge(&rt->L, &tmp, LAYOUT_CORE);
}

/* The built-in table of this minor version fills what is still missing. */
static int
runtime_layout_table(struct py_runtime *rt)
{
    const struct layout_table *t = rt->newer_than_known ? NULL : rt->pyv->table;
    struct layout tmp;
    int rc;

    if (!t)
        return err_set(AIO_E_LAYOUT, "no built-in layout table for Python %s", rt->version);
    memset(&tmp, 0, sizeof(tmp));
    layout_from_table(&tmp, t);
    /*
     * _PyThreadStateImpl's own members follow the public PyThreadState, which
     * may grow in a patch release (3.13.0: 304 bytes, Debian's 3.13.18: 312).
     * When another source gave this build's size, the table's members of
     * _PyThreadStateImpl move with it.
     */
    if (layout_has(&rt->L, PYF_TSTATE) && layout_has(&tmp, PYF_TSTATE) &&
        rt->L.f[PYF_TSTATE].off != tmp.f[PYF_TSTATE].off) {
        int64_t delta = (int64_t)rt->L.f[PYF_TSTATE].off - (int64_t)tmp.f[PYF_TSTATE].off;
        int i;

        for (i = 0; i < PYF__COUNT; i++) {
            if (tmp.f[i].present && !layout_descs[i].is_size &&
                strcmp(layout_descs[i].structs, "_PyThreadStateImpl") == 0 &&
                (int64_t)tmp.f[i].off + delta > 0)
                tmp.f[i].off = (uint32_t)((int64_t)tmp.f[i].off + delta);
        }
    }
    rc = runtime_layout_ok(rt, &tmp, "built-in table");
    if (rc < 0)
        return rc;
    layout_merge(&rt->L, &tmp, LAYOUT_CORE);
    /* asyncio's layout only matters (and is only reported) when _asyncio is loaded */
    if (rt->asyncio_path[0])
        layout_merge(&rt->L, &tmp, LAYOUT_ASYNCIO);
    return 0;
}

/*
 * 3.14+ (auto and --layout=debug-offsets): _Py_DebugOffsets first, then
 * AsyncioDebug, then DWARF where the target has it, then the built-in table
 * of a known minor version for what is still missing.
 */
static void
runtime_layout_314(struct source *src, struct py_runtime *rt, const struct layout *dbg)
{
    layout_merge(&rt->L, dbg, LAYOUT_CORE);
    runtime_layout_asyncio_debug(src, rt);
    runtime_layout_dwarf(src, rt, LAYOUT_CORE);
    runtime_layout_dwarf(src, rt, LAYOUT_ASYNCIO);
    /*
     * What neither describes (dict and set internals, bound methods,
     * functions, cells, weak references: pure-Python tasks, TaskGroups,
     * shield) comes from the built-in table of this minor version, built from
     * Debian's -dbg DWARF; a later minor version has none and goes without.
     */
    if (!rt->newer_than_known)
        runtime_layout_table(rt);
}

/* "dwarf", or "debug-offsets+dwarf" when other sources filled the gaps. */
static void
runtime_describe_sources(struct py_runtime *rt)
{
    bool used[8] = { false };
    int i, primary = rt->L.f[PYF_RT_INTERP_HEAD].src;
    size_t len;

    if (primary == LAYOUT_SRC_CACHE)
        primary = LAYOUT_SRC_DWARF;
    snprintf(rt->layout_source, sizeof(rt->layout_source), "%s", layout_src_name(primary));
    used[primary] = true;
    used[LAYOUT_SRC_CACHE] = true;
    for (i = 0; i < PYF__COUNT; i++) {
        int s = rt->L.f[i].src == LAYOUT_SRC_CACHE ? LAYOUT_SRC_DWARF : rt->L.f[i].src;

        if (!rt->L.f[i].present || used[s])
            continue;
        used[s] = true;
        len = strlen(rt->layout_source);
        snprintf(rt->layout_source + len, sizeof(rt->layout_source) - len, "+%s",
                 layout_src_name(s));
    }
}

/*
 * glibc publishes where struct pthread keeps the kernel tid, for libthread_db:
 * _thread_db_pthread_tid = { size in bits, count, offset }.
 */
static int
runtime_pthread_tid_off(struct source *src)
{
    const struct maps *m = &src->maps;
    size_t i;

    for (i = 0; i < m->n; i++) {
        const char *b = runtime_basename(m->v[i].path);
        char full[PATH_MAX + 64];
        struct elfsym *e;
        uint64_t sym, vbase;
        uint32_t desc[3];
        int err, off = -1;

        if (strncmp(b, "libc.so", 7) != 0 && strncmp(b, "libc-", 5) != 0)
            continue;
        source_host_path(src, m->v[i].path, full, sizeof(full));
        e = elfsym_open(full, &err);
        if (!e)
            return -1;
        if (elfsym_lookup(e, "_thread_db_pthread_tid", &sym, NULL) == 0) {
            vbase = elfsym_first_load_vaddr(e);
            if (source_read(src, sym - vbase + maps_file_base(m, m->v[i].path), desc,
                            sizeof(desc)) == 0 && desc[0] == 32 && desc[2] < 65536)
                off = (int)desc[2];
        }
        elfsym_close(e);
        return off;
    }
    return -1;
}

int
py_runtime_open(struct source *src, enum py_layout_choice choice, struct py_runtime *rt)
{
    struct layout dbg;
    bool by_debug_offsets = false;
    size_t i;
    int rc;

    memset(rt, 0, sizeof(*rt));
    rc = runtime_locate(src, rt);
    if (rc < 0)
        return rc;
    rt->pyv = py_version_find(rt->version_hex, &rt->newer_than_known);
    /* a version later than every row is read only through its _Py_DebugOffsets */
    if (!rt->pyv || (rt->newer_than_known && !rt->pyv->debug_offsets_first))
        return err_set(AIO_E_VERSION, "unsupported Python version %s (supported: 3.%u to "
                       "3.%u)", rt->version, py_versions[0].minor,
                       py_versions[py_versions_count - 1].minor);
    if (rt->pyv->debug_offsets_first) {
        rc = runtime_open_debug_offsets(src, rt, &dbg);
        if (rc < 0)
            return rc;
        by_debug_offsets = true;
    }
    rt->ops = rt->pyv->ops;
    rt->pthread_tid_off = runtime_pthread_tid_off(src);
    runtime_find_asyncio(src, rt);
    if (rt->asyncio_path[0])
        runtime_build_id_of(src, rt->asyncio_path, rt->asyncio_build_id,
                            sizeof(rt->asyncio_build_id));
    /*
     * A forced source provides every field it can; what it cannot provide
     * (debug offsets know no tasks, dicts or generators) comes from the next
     * source, and layout_source says so.  --layout=dwarf and --layout=table
     * use nothing else.
     */
    if (by_debug_offsets && (choice == PY_LAYOUT_AUTO || choice == PY_LAYOUT_DEBUG_OFFSETS))
        runtime_layout_314(src, rt, &dbg);
    else switch (choice) {
    case PY_LAYOUT_DEBUG_OFFSETS:
        rc = runtime_layout_debug_offsets(src, rt);
        if (rc < 0)
            return rc;
        runtime_layout_dwarf(src, rt, LAYOUT_CORE);
        runtime_layout_dwarf(src, rt, LAYOUT_ASYNCIO);
        runtime_layout_table(rt);
        break;
    case PY_LAYOUT_DWARF:
        runtime_layout_dwarf(src, rt, LAYOUT_CORE);
        runtime_layout_dwarf(src, rt, LAYOUT_ASYNCIO);
        break;
    case PY_LAYOUT_TABLE:
        rc = runtime_layout_table(rt);
        if (rc < 0)
            return rc;
        break;
    case PY_LAYOUT_AUTO:
        runtime_layout_dwarf(src, rt, LAYOUT_CORE);
        if (!layout_has(&rt->L, PYF_RT_INTERP_HEAD))
            runtime_layout_debug_offsets(src, rt);
        runtime_layout_dwarf(src, rt, LAYOUT_ASYNCIO);
        runtime_layout_table(rt);
        break;
    }
    layout_validate(&rt->L);
    for (i = 0; i < sizeof(runtime_required) / sizeof(runtime_required[0]); i++) {
        if (!layout_has(&rt->L, runtime_required[i]))
            return err_set(AIO_E_LAYOUT, "layout missing for Python %s: %s (%s)%s%s", rt->version,
                           layout_descs[runtime_required[i]].name,
                           choice == PY_LAYOUT_DWARF ? "no DWARF in the binary or a debug file; "
                           "install the -dbg package or try --layout=table" :
                           "no DWARF, no _Py_DebugOffsets and no built-in table has it",
                           rt->layout_refused[0] ? "; " : "", rt->layout_refused);
    }
    runtime_describe_sources(rt);
    return 0;
}

int
py_snapshot_read(struct source *src, const struct py_runtime *rt, struct snap *snap)
{
    struct py_ctx c;
    int rc;

    py_ctx_init(&c, src, &rt->L, rt->ops, snap);
    c.runtime = rt->runtime_addr;
    c.pthread_tid_off = rt->pthread_tid_off;
    c.locals = snap->flags & SNAP_F_LOCALS;
    c.lib_prefixes = rt->lib_prefixes;
    c.nlib_prefixes = rt->nlib_prefixes;
    c.recheck = rt->recheck;
    c.nrecheck = rt->nrecheck;
    snap->layout_source = arena_strdup(&snap->arena, rt->layout_source);
    if (!snap->taken_at_ns)
        snap->taken_at_ns = clock_now_ns(CLOCK_REALTIME);
    if (rt->layout_refused[0])
        snap_diag_add(snap, SNAP_DIAG_PROCESS, 0, AIO_E_LAYOUT, "%s; read with the other "
                      "layout sources", rt->layout_refused);
    if (rt->newer_than_known)
        snap_diag_add(snap, SNAP_DIAG_PROCESS, 0, AIO_E_VERSION, "Python 3.%u is newer than this "
                      "build knows: read with the 3.%u layout (its _Py_DebugOffsets passed "
                      "validation); results may be incomplete", rt->newer_than_known,
                      layout_debug_offsets_newest_minor());
    rc = py_threads_walk(&c);
    if (rc == 0)
        rc = py_tasks_walk(&c);
    py_ctx_done(&c);
    /* after the walk: the walkers see no version, not even the snapshot's */
    snprintf(snap->python_version, sizeof(snap->python_version), "%s", rt->version);
    snap->py_version_hex = rt->version_hex;
    return rc;
}

int
py_tracker_probe(struct source *src, const struct py_runtime *rt, struct snap *snap)
{
    struct py_ctx c;

    py_ctx_init(&c, src, &rt->L, rt->ops, snap);
    c.runtime = rt->runtime_addr;
    py_tracker_read_state(&c);
    py_ctx_done(&c);
    return 0;
}
