#include "capture.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "attach/core.h"
#include "attach/live.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "unwind/unwind.h"

#define MAX_NATIVE_THREADS 4096

/*
 * Reads under the stop that the batched re-read did not cover (each one a
 * call): beyond this many, the next capture walks once before stopping again.
 */
#define CAPTURE_PREWALK_MISSES 128

struct capture {
    struct source src;
    struct py_runtime rt;
    struct capture_opts o;
    unsigned snap_flags;        /* flags every snapshot of this capture gets (SNAP_F_CORE) */
    struct unwinder *unw;       /* owned; NULL without --native */
    bool prewalk_next;          /* the last walk under the stop missed many pages */
    unsigned frozen_backoff;    /* captures to take with the walk under the stop */
    size_t last_heap;           /* heap the last snapshot took */
    uint64_t *pending;          /* owned: the last snapshot's pending tasks (rt.recheck) */
    size_t npending;
};

/* One walk under the stop: its snapshot, and the reads it missed in the cache. */
struct capture_walk {
    struct capture *cap;
    struct snap *s;
    uint64_t misses;            /* backend reads of the Python walk (not the native one) */
    unsigned calls;             /* walks so far (a copy that lacked pages is walked again) */
};

/*
 * Walks from the copy after the resume before one under the stop
 * (source_walk_stopped): the first copy may lack the pages of what the target
 * created since the walk before the stop; the second has them.
 */
#define CAPTURE_FROZEN_ROUNDS 2
/* After a capture whose copies all lacked pages (a churning target), this many walk stopped. */
#define CAPTURE_FROZEN_BACKOFF 4

/*
 * Page faults cost ~10 us each on these VMs, and so does the first access to
 * a page even after MADV_POPULATE_WRITE (the hypervisor's shadow page tables
 * fill lazily): a 10,000-task snapshot allocates some 10 MB, 25-45 ms if
 * that happens under the stop.  So glibc is told to keep what it has (no
 * trimming, no fresh mmaps for large blocks); the first capture's walk before
 * the stop touches what the walk under the stop then reuses, and before each
 * later capture (the last snapshot still alive: --watch, the live view) the
 * top of the heap gets as much touched memory as the last snapshot took.
 */
#define CAPTURE_HEAP_MAX (1024u << 20)

static void
capture_heap_keep(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    /* 32 MiB is the largest mmap threshold glibc accepts on 64-bit (it refuses more) */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
}

static void
capture_heap_ready(size_t need)
{
    struct mallinfo2 mi;
    size_t i;
    char *p;

    if (need > CAPTURE_HEAP_MAX)
        need = CAPTURE_HEAP_MAX;
    /*
     * At the top of the heap (keepcost): the free chunks elsewhere are the
     * last snapshot's small pieces, and the large arrays grow from the top.
     */
    mi = mallinfo2();
    if (mi.keepcost >= need)
        return;
    need += mi.keepcost;
    p = malloc(need);
    if (!p)
        return;
    /* a byte per page does it; volatile, or the compiler drops malloc+write+free */
    for (i = 0; i < need; i += 4096)
        ((volatile char *)p)[i] = 0;
    free(p);
}

/* Find the runtime in an opened source. */
static struct capture *
capture_runtime_open(struct capture *cap, int pid, int *err)
{
    const struct capture_opts *o = &cap->o;
    int rc;

    rc = py_runtime_open(&cap->src, o->layout, &cap->rt);
    /*
     * A process that replaces its program (exec) between the read of its
     * memory map and the read of its runtime fails here with FAULT: read it
     * once more as it is now (another Python, or not a Python process).
     */
    if (rc == -AIO_E_FAULT && source_motion(&cap->src) != SOURCE_STATIC &&
        source_alive(&cap->src) && source_refresh_maps(&cap->src) == 0)
        rc = py_runtime_open(&cap->src, o->layout, &cap->rt);
    if (rc < 0) {
        if (rc != -AIO_E_VERSION && rc != -AIO_E_LAYOUT && !source_alive(&cap->src))
            rc = err_set(AIO_E_EXITED, "process %d exited during the read", pid);
        goto fail;
    }
    cap->rt.lib_prefixes = o->lib_paths;
    cap->rt.nlib_prefixes = o->nlib_paths;
    if (cap->rt.newer_than_known)
        fprintf(stderr, "aiomon-attach: warning: Python %s is newer than this build knows; "
                "reading it with the 3.%u layout\n", cap->rt.version,
                layout_debug_offsets_newest_minor());
    if (o->locals)
        cap->snap_flags |= SNAP_F_LOCALS;
    if (o->verbose)
        fprintf(stderr, "aiomon-attach: Python %s, _PyRuntime at 0x%llx in %s, layout %s\n",
                cap->rt.version, (unsigned long long)cap->rt.runtime_addr, cap->rt.core_path,
                cap->rt.layout_source);
    if (o->verbose && (cap->rt.dwarf_core_from[0] || cap->rt.dwarf_asyncio_from[0]))
        fprintf(stderr, "aiomon-attach: DWARF of the interpreter from %s; of _asyncio from %s\n",
                cap->rt.dwarf_core_from[0] ? cap->rt.dwarf_core_from : "nowhere",
                cap->rt.dwarf_asyncio_from[0] ? cap->rt.dwarf_asyncio_from :
                cap->rt.asyncio_path[0] ? "nowhere" : "nowhere (not loaded)");
    if (o->native && !(cap->unw = unwind_new(&cap->src))) {
        rc = err_set(AIO_E_INTERNAL, "cannot set up the native unwinder");
        goto fail;
    }
    source_cache_prepare(&cap->src);
    capture_heap_keep();
    *err = 0;
    return cap;
fail:
    *err = rc;
    capture_close(cap);
    return NULL;
}

struct capture *
capture_open(int pid, const struct capture_opts *o, int *err)
{
    struct capture *cap = xcalloc(1, sizeof(*cap));
    int rc;

    cap->o = *o;
    rc = live_open(&cap->src, pid, o->nonblocking);
    if (rc < 0) {
        *err = rc;
        capture_close(cap);
        return NULL;
    }
    if (o->nonblocking)
        cap->snap_flags = SNAP_F_TORN;
    return capture_runtime_open(cap, pid, err);
}

struct capture *
capture_open_core(const char *core, const char *exe, const char *sysroot,
                  const struct capture_opts *o, int *err)
{
    struct capture *cap = xcalloc(1, sizeof(*cap));
    int rc;

    cap->o = *o;
    cap->o.nonblocking = false;
    cap->snap_flags = SNAP_F_CORE;
    rc = core_open(&cap->src, core, exe, sysroot);
    if (rc < 0) {
        *err = rc;
        capture_close(cap);
        return NULL;
    }
    return capture_runtime_open(cap, cap->src.pid, err);
}

const struct py_runtime *
capture_runtime(const struct capture *cap)
{
    return &cap->rt;
}

struct source *
capture_source(struct capture *cap)
{
    return &cap->src;
}

static double
ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

/*
 * The walk done once while the target runs, into a snapshot thrown away
 * (source_walk_stopped's prewalk): it leaves in the page cache the pages the
 * real walk will need, so that under the stop they are re-read in a few large
 * batches, and it takes the first-touch costs (ours and the kernel's) out of
 * the stop.  Its errors do not matter.
 */
static int
capture_prewalk(struct source *src, void *arg)
{
    struct capture *cap = ((struct capture_walk *)arg)->cap;
    struct snap *scratch = snap_new(src->pid);

    scratch->flags |= cap->snap_flags;
    (void)py_snapshot_read(src, &cap->rt, scratch);
    snap_free(scratch);
    return 0;
}

/*
 * With --native every thread of the process is shown, also those without a
 * Python thread state (C threads of extensions, thread pools of native
 * libraries): appended after the interpreter's threads, native stack only.
 */
static void
capture_native_threads(struct capture *cap, struct snap *s)
{
    size_t i, j, npy = s->nthreads;

    for (i = 0; i < cap->src.ntids && s->nthreads < MAX_NATIVE_THREADS; i++) {
        long tid = cap->src.tids[i];
        struct snap_thread *t;
        char name[64];

        for (j = 0; j < npy && s->threads[j].tid != tid; j++)
            ;
        if (j < npy)
            continue;
        t = snap_thread_add(s);
        t->tid = tid;
        t->native_only = true;
        t->is_main = tid == s->pid;
        t->frame_first = s->nframes;
        source_thread_name(&cap->src, tid, name, sizeof(name));
        t->comm = snap_str_cstr(s, name);
        t->name = t->comm;
    }
}

/* Per-thread CPU time, where the source knows it (a live process). */
static void
capture_thread_cpu(struct source *src, struct snap *s)
{
    size_t i;

    for (i = 0; i < s->nthreads; i++) {
        struct snap_thread *t = &s->threads[i];

        if (t->tid > 0 && source_thread_cpu(src, t->tid, &t->cpu_ns) == 0)
            t->cpu_known = true;
    }
}

static void
capture_report(const struct snap *s, const struct source_walk_stats *tm)
{
    fprintf(stderr, "aiomon-attach: pre-walk %.1f ms, stop %.1f ms, copy %.1f ms "
            "(%llu pages), walk %.1f ms %s (%ld page faults, %llu misses); %u stop%s, "
            "stopped %.1f ms; %llu reads, %llu KiB\n", ms(tm->stop - tm->start),
            ms(tm->stopped - tm->stop), ms(tm->refreshed - tm->stopped),
            (unsigned long long)tm->refreshed_pages, ms(tm->walked - tm->refreshed),
            tm->frozen ? "after the resume" : "under the stop", tm->faults,
            (unsigned long long)tm->misses, tm->rounds, tm->rounds == 1 ? "" : "s",
            ms(s->stopped_ns), (unsigned long long)s->read_calls,
            (unsigned long long)(s->bytes_read >> 10));
}

/* A capture that stops a running target (not a core, not --nonblocking). */
static bool
capture_stops(struct capture *cap)
{
    enum source_motion m = source_motion(&cap->src);

    return m == SOURCE_STOPPED || m == SOURCE_HELD;
}

/*
 * The thread holding the GIL is running Python code, so it has Python frames,
 * unless it was stopped in the few instructions where the interpreter pushes
 * or pops a frame (seen about once in a hundred dumps of a thread busy
 * creating tasks).  Such a snapshot is taken again.
 */
static bool
capture_caught_in_transit(const struct snap *s)
{
    size_t i;

    for (i = 0; i < s->nthreads; i++) {
        const struct snap_thread *t = &s->threads[i];

        if (t->holds_gil && !t->native_only && t->frame_count == 0)
            return true;
    }
    return false;
}

/* The walk under the stop (source_walk_stopped's fn): Python, then native stacks. */
static int
capture_walk(struct source *src, void *arg)
{
    struct capture_walk *w = arg;
    struct capture *cap = w->cap;
    uint64_t calls = src->stats.read_calls;
    int rc;

    if (w->calls++) {           /* the last walk read an incomplete copy: start afresh */
        snap_free(w->s);
        w->s = snap_new(src->pid);
    }
    w->s->flags |= cap->snap_flags;     /* SNAP_F_LOCALS: the readers read the locals */
    rc = py_snapshot_read(src, &cap->rt, w->s);
    w->misses = src->cache_frozen ? src->frozen_misses : src->stats.read_calls - calls;
    /* native stacks are walked while stopped; symbolised and merged after the resume */
    if (rc == 0 && cap->unw)
        capture_native_threads(cap, w->s);
    if (rc == 0 && cap->unw && unwind_capture(cap->unw, w->s) < 0)
        snap_diag_add(w->s, SNAP_DIAG_PROCESS, 0, AIO_E_FAULT, "native stacks unavailable: %s",
                      err_msg(AIO_E_FAULT));
    return rc;
}

/*
 * One snapshot read under one stop (source_walk_stopped): with the walk
 * before the stop when it tells which pages to re-read under it (first
 * capture, or the last one missed many; source_walk_stopped skips it for a
 * target a tracer of ours already holds).
 */
static int
capture_walk_stopped(struct capture *cap, struct snap **sp, struct source_walk_stats *tm)
{
    struct capture_walk w = { cap, *sp, 0, 0 };
    bool prewalk = !source_cache_has_kept(&cap->src) || cap->prewalk_next;
    int rc;

    /* native stacks need the threads stopped while they are walked */
    cap->src.frozen_rounds = cap->unw || cap->frozen_backoff ? 0 : CAPTURE_FROZEN_ROUNDS;
    if (cap->frozen_backoff)
        cap->frozen_backoff--;
    rc = source_walk_stopped(&cap->src, prewalk ? capture_prewalk : NULL, capture_walk, &w, tm);
    *sp = w.s;
    /* the target changed a lot since the last walk: walk first again next time */
    cap->prewalk_next = w.misses > CAPTURE_PREWALK_MISSES;
    if (cap->src.frozen_rounds && !tm->frozen)
        cap->frozen_backoff = CAPTURE_FROZEN_BACKOFF;
    return rc;
}

/*
 * The next snapshot also reads the tasks pending in this one (py_runtime's
 * recheck): a task that ended is seen ended while its object lives, even
 * where the runtime lists only tasks that have not ended (3.14+).
 */
static void
capture_note_pending(struct capture *cap, const struct snap *s)
{
    size_t i, n = 0;

    cap->pending = xreallocarray(cap->pending, s->ntasks ? s->ntasks : 1,
                                 sizeof(*cap->pending));
    for (i = 0; i < s->ntasks; i++) {
        if (s->tasks[i].state == SNAP_TASK_PENDING)
            cap->pending[n++] = s->tasks[i].addr;
    }
    cap->npending = n;
    cap->rt.recheck = cap->pending;
    cap->rt.nrecheck = n;
}

struct snap *
capture_take(struct capture *cap, int *err)
{
    struct source *src = &cap->src;
    struct snap *s = snap_new(src->pid);
    struct source_walk_stats tm = { 0 };
    char cmd[4096];
    size_t n = source_cmdline(src, cmd, sizeof(cmd)), heap0, used;
    uint64_t stop0 = src->stats.stopped_ns, bytes0 = src->stats.bytes_read;
    uint64_t calls0 = src->stats.read_calls, start;
    int rc;

    start = clock_now_ns(CLOCK_MONOTONIC);
    heap0 = mallinfo2().uordblks;
    /* the heap ready for this snapshot before the stop, not under it */
    if (capture_stops(cap) && cap->last_heap)
        capture_heap_ready(cap->last_heap + cap->last_heap / 4);
    rc = capture_walk_stopped(cap, &s, &tm);
    if (rc == 0 && capture_stops(cap) && capture_caught_in_transit(s)) {
        /* once more, a moment later: the pages are in the cache already */
        struct snap *again = snap_new(src->pid);

        if (capture_walk_stopped(cap, &again, &tm) == 0) {
            snap_free(s);
            s = again;
        } else {
            snap_free(again);
        }
    }
    s->cmdline = snap_str_from(s, cmd, n);
    /* -v's pre-walk counts from the start of the capture (the heap made ready too) */
    tm.start = start;
    /* per-thread CPU time: read after the resume, so that it does not lengthen the stop */
    if (rc == 0)
        capture_thread_cpu(src, s);
    if (rc == 0 && cap->unw)
        unwind_finish(cap->unw, s, cap->o.native_all ? UNWIND_ALL : UNWIND_MERGE);
    used = mallinfo2().uordblks;
    cap->last_heap = used > heap0 ? used - heap0 : 0;
    s->stopped_ns = src->stats.stopped_ns - stop0;
    s->read_ns = clock_now_ns(CLOCK_MONOTONIC) - start;
    s->bytes_read = src->stats.bytes_read - bytes0;
    s->read_calls = src->stats.read_calls - calls0;
    if (cap->o.verbose && rc == 0)
        capture_report(s, &tm);
    s->flags |= cap->snap_flags;
    if (rc == 0)
        capture_note_pending(cap, s);
    if (rc < 0 && !source_alive(src))
        rc = err_set(AIO_E_EXITED, "process %d exited during the read", src->pid);
    if (rc < 0)
        goto fail;
    *err = 0;
    return s;
fail:
    *err = rc;
    snap_free(s);
    return NULL;
}

int
capture_host_path(void *cap, const char *path, char *out, size_t size)
{
    return source_host_path(&((struct capture *)cap)->src, path, out, size);
}

void
capture_close(struct capture *cap)
{
    if (!cap)
        return;
    unwind_free(cap->unw);
    source_close(&cap->src);
    free(cap->pending);
    free(cap);
}
