/*
 * pep768.c - the PEP 768 request: where its fields are (_Py_DebugOffsets'
 * debugger_support block, per minor version), which thread gets it, and
 * writing it.  See pep768.h.
 *
 * Only the few _Py_DebugOffsets values this needs are read here, each from
 * its byte position in that minor version's struct (checked against the
 * DWARF of Debian's python3.14-dbg and python3.15-dbg: `ptype /o struct
 * _Py_DebugOffsets`); the walkers' layout (rt->L) gives the rest.
 */
#include "pep768.h"
#include "mem.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

#define PEP768_MAX_THREADS 10000        /* thread states walked to find a loop thread */
#define PEP768_MAX_STRUCT (1u << 20)    /* largest struct size believed */
#define PEP768_MIN_PATH 16
#define PEP768_MAX_PATH 4096

/* Byte positions of the values used, inside one minor version's _Py_DebugOffsets. */
struct pep768_layout {
    unsigned minor;
    uint32_t min_hex;           /* first release with this layout */
    const char *min_name;
    uint16_t size;              /* sizeof(_Py_DebugOffsets) */
    uint16_t interp_size;       /* interpreter_state.size */
    uint16_t threads_main;      /* interpreter_state.threads_main */
    uint16_t tstate_size;       /* thread_state.size */
    uint16_t support;           /* debugger_support: eval_breaker, remote_debugger_support,
                                 * remote_debugging_enabled, debugger_pending_call,
                                 * debugger_script_path, debugger_script_path_size */
};

static const struct pep768_layout pep768_layouts[] = {
    /* 3.14: debugger_support at 712..759 (pyframes/layout_debugoffsets.c) */
    { 14, 0x030e00b2, "3.14.0b2", 760, 48, 80, 176, 712 },
    /* 3.15: debugger_support at 840..887 */
    { 15, 0x030f00f0, "3.15.0", 888, 48, 80, 176, 840 },
};

#define PEP768_NLAYOUTS (sizeof(pep768_layouts) / sizeof(pep768_layouts[0]))

static unsigned
pep768_minor(const struct py_runtime *rt)
{
    return (unsigned)(rt->version_hex >> 16) & 0xffu;
}

static const struct pep768_layout *
pep768_layout_of(const struct py_runtime *rt)
{
    size_t i;

    if ((rt->version_hex >> 24) != 3)
        return NULL;
    for (i = 0; i < PEP768_NLAYOUTS; i++)
        if (pep768_layouts[i].minor == pep768_minor(rt) &&
            rt->version_hex >= pep768_layouts[i].min_hex)
            return &pep768_layouts[i];
    return NULL;
}

int
track_pep768_supported(const struct py_runtime *rt)
{
    unsigned minor = pep768_minor(rt);
    size_t i;

    if (pep768_layout_of(rt))
        return 0;
    if ((rt->version_hex >> 24) == 3 && minor < 14)
        return err_set(AIO_E_VERSION, "--track needs CPython 3.14+ (PEP 768); this is %s: "
                       "use --run --track -- CMD", rt->version);
    for (i = 0; i < PEP768_NLAYOUTS; i++)
        if (pep768_layouts[i].minor == minor)
            return err_set(AIO_E_VERSION, "--track needs CPython %s or later of 3.%u; this "
                           "is %s: use --run --track -- CMD", pep768_layouts[i].min_name,
                           minor, rt->version);
    return err_set(AIO_E_VERSION, "--track knows where PEP 768's fields are in CPython 3.14 "
                   "and 3.15 only; this is %s: use --run --track -- CMD", rt->version);
}

static uint64_t
pep768_u64(const unsigned char *buf, size_t pos)
{
    uint64_t v;

    memcpy(&v, buf + pos, sizeof(v));
    return v;
}

/* off + width lies inside a struct of size bytes, aligned to align. */
static bool
pep768_fits(uint64_t off, uint64_t width, uint64_t size, uint64_t align)
{
    return size <= PEP768_MAX_STRUCT && off <= size && width <= size - off && off % align == 0;
}

/* The offsets of the request's fields, checked; the enabled flag's offset into *enabled_off. */
static int
pep768_offsets(struct source *src, const struct py_runtime *rt, const struct pep768_layout *pl,
               struct track_request *req, uint64_t *enabled_off, uint64_t *threads_main_off)
{
    unsigned char buf[1024];
    uint64_t tsize, isize, breaker, support, enabled, pending, path, path_size, version;
    int rc;

    if (pl->size > sizeof(buf))
        return err_set(AIO_E_INTERNAL, "_Py_DebugOffsets of 3.%u is too large", pl->minor);
    if ((rc = source_read(src, rt->runtime_addr, buf, pl->size)) < 0)
        return err_set(-rc, "cannot read _Py_DebugOffsets at 0x%llx",
                       (unsigned long long)rt->runtime_addr);
    version = pep768_u64(buf, 8);
    if (memcmp(buf, "xdebugpy", 8) != 0 || version != rt->version_hex ||
        pep768_u64(buf, 16) != 0)
        return err_set(AIO_E_CORRUPT, "_Py_DebugOffsets of process %d do not match its "
                       "version %s (or it is free-threaded)", req->pid, rt->version);
    tsize = pep768_u64(buf, pl->tstate_size);
    isize = pep768_u64(buf, pl->interp_size);
    breaker = pep768_u64(buf, pl->support);
    support = pep768_u64(buf, pl->support + 8);
    enabled = pep768_u64(buf, pl->support + 16);
    pending = pep768_u64(buf, pl->support + 24);
    path = pep768_u64(buf, pl->support + 32);
    path_size = pep768_u64(buf, pl->support + 40);
    *threads_main_off = pep768_u64(buf, pl->threads_main);
    if (!pep768_fits(breaker, 8, tsize, 8) || !pep768_fits(support, 0, tsize, 4) ||
        support > tsize || !pep768_fits(support + pending, 4, tsize, 4) ||
        path_size < PEP768_MIN_PATH || path_size > PEP768_MAX_PATH ||
        !pep768_fits(support + path, path_size, tsize, 1) ||
        !pep768_fits(enabled, 4, isize, 4) || !pep768_fits(*threads_main_off, 8, isize, 8))
        return err_set(AIO_E_CORRUPT, "the debugger support offsets of process %d are out of "
                       "range (thread state %llu bytes, interpreter %llu)", req->pid,
                       (unsigned long long)tsize, (unsigned long long)isize);
    req->path_size = (size_t)path_size;
    *enabled_off = enabled;
    /* relative to the thread state, until one is chosen */
    req->breaker_addr = breaker;
    req->pending_addr = support + pending;
    req->path_addr = support + path;
    return 0;
}

/* The first thread state running an asyncio loop (the main one if it does), else the main one. */
static int
pep768_choose(struct source *src, const struct py_runtime *rt, uint64_t interp,
              uint64_t threads_main_off, struct track_request *req)
{
    const struct layout *L = &rt->L;
    uint64_t main_ts = 0, ts = 0, loop_ts = 0, loop = 0;
    size_t n;
    int rc;

    if ((rc = source_read_ptr(src, interp + threads_main_off, &main_ts)) < 0 || !main_ts)
        return err_set(rc < 0 ? -rc : AIO_E_CORRUPT, "cannot read the main thread state of "
                       "process %d", req->pid);
    if (layout_has(L, PYF_TS_ASYNCIO_RUNNING_LOOP) && layout_has(L, PYF_IS_TSTATE_HEAD) &&
        layout_has(L, PYF_TS_NEXT)) {
        if (source_read_ptr(src, main_ts + layout_off(L, PYF_TS_ASYNCIO_RUNNING_LOOP),
                            &loop) == 0 && loop)
            loop_ts = main_ts;
        if (!loop_ts && source_read_ptr(src, interp + layout_off(L, PYF_IS_TSTATE_HEAD),
                                        &ts) < 0)
            ts = 0;
        for (n = 0; !loop_ts && ts && n < PEP768_MAX_THREADS; n++) {
            if (source_read_ptr(src, ts + layout_off(L, PYF_TS_ASYNCIO_RUNNING_LOOP),
                                &loop) < 0)
                break;
            if (loop)
                loop_ts = ts;
            else if (source_read_ptr(src, ts + layout_off(L, PYF_TS_NEXT), &ts) < 0)
                break;
        }
    }
    req->tstate = loop_ts ? loop_ts : main_ts;
    req->loop_thread = loop_ts != 0;
    req->main_thread = req->tstate == main_ts;
    req->tid = 0;
    if (layout_has(L, PYF_TS_NATIVE_TID)) {
        int64_t tid = 0;

        if (source_read_i64(src, req->tstate + layout_off(L, PYF_TS_NATIVE_TID), &tid) == 0 &&
            tid > 0 && tid < (1ll << 31))
            req->tid = source_host_tid(src, (long)tid);
    }
    return 0;
}

int
track_pep768_prepare(struct source *src, const struct py_runtime *rt, struct track_request *req)
{
    const struct pep768_layout *pl = pep768_layout_of(rt);
    uint64_t interp = 0, enabled_off = 0, threads_main_off = 0;
    int32_t enabled = 0;
    int rc;

    memset(req, 0, sizeof(*req));
    req->pid = src->pid;
    if (!pl)
        return track_pep768_supported(rt);
    if ((rc = pep768_offsets(src, rt, pl, req, &enabled_off, &threads_main_off)) < 0)
        return rc;
    if (!layout_has(&rt->L, PYF_RT_INTERP_HEAD) ||
        (rc = source_read_ptr(src, rt->runtime_addr + layout_off(&rt->L, PYF_RT_INTERP_HEAD),
                              &interp)) < 0 || !interp)
        return err_set(rc < 0 ? -rc : AIO_E_CORRUPT, "cannot read the interpreter of "
                       "process %d", req->pid);
    if ((rc = source_read_i32(src, interp + enabled_off, &enabled)) < 0)
        return err_set(-rc, "cannot read whether process %d allows remote debugging", req->pid);
    if (enabled != 1)
        return err_set(AIO_E_PERM, "remote debugging is disabled in the target "
                       "(-X disable-remote-debug or PYTHON_DISABLE_REMOTE_DEBUG); "
                       "use --run --track");
    if ((rc = pep768_choose(src, rt, interp, threads_main_off, req)) < 0)
        return rc;
    req->breaker_addr += req->tstate;
    req->pending_addr += req->tstate;
    req->path_addr += req->tstate;
    return 0;
}

int
track_pep768_send(struct source *src, const struct track_request *req, const char *path)
{
    char buf[PEP768_MAX_PATH];
    size_t len = strlen(path);
    uint64_t breaker = 0;
    int32_t one = 1;
    int rc;

    if (len + 1 > req->path_size || len + 1 > sizeof(buf))
        return err_set(AIO_E_INTERNAL, "script path '%s' is longer than the target's %zu "
                       "bytes", path, req->path_size);
    /* the whole buffer: the path, then NULs (the target copies all of it) */
    memset(buf, 0, req->path_size);
    memcpy(buf, path, len);
    if ((rc = track_mem_write(req->pid, req->path_addr, buf, req->path_size)) < 0 ||
        (rc = track_mem_write(req->pid, req->pending_addr, &one, sizeof(one))) < 0)
        return rc;
    /* read-modify-write under the stop: no thread of the target can set a bit meanwhile */
    if ((rc = source_read(src, req->breaker_addr, &breaker, sizeof(breaker))) < 0) {
        track_pep768_cancel(req);
        return err_set(-rc, "cannot read the eval breaker of process %d", req->pid);
    }
    breaker |= TRACK_EVAL_PLEASE_STOP_BIT;
    if ((rc = track_mem_write(req->pid, req->breaker_addr, &breaker, sizeof(breaker))) < 0) {
        track_pep768_cancel(req);
        return rc;
    }
    return 0;
}

int
track_pep768_pending(struct source *src, const struct track_request *req, int *pending)
{
    int32_t v = 0;
    int rc = source_read_i32(src, req->pending_addr, &v);

    *pending = rc == 0 ? (v != 0) : 0;
    return rc;
}

int
track_pep768_cancel(const struct track_request *req)
{
    int32_t zero = 0;

    return track_mem_write(req->pid, req->pending_addr, &zero, sizeof(zero));
}
