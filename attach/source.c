#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/err.h"
#include "../common/xalloc.h"

#define SOURCE_CACHE_BYTES ((size_t)SOURCE_CACHE_PAGES * SOURCE_PAGE)

/* A miss reads this many consecutive pages in one backend call when it can. */
#define SOURCE_READAHEAD 4

/* One contiguous run of kept pages: consecutive addresses in consecutive slots. */
struct refresh_run {
    size_t slot;
    size_t npages;
};

void
source_init(struct source *src, const struct source_ops *ops, int pid)
{
    memset(src, 0, sizeof(*src));
    src->ops = ops;
    src->pid = pid;
}

void
source_cache_prepare(struct source *src)
{
    if (src->cache)
        return;
    src->cache = xcalloc(SOURCE_CACHE_PAGES, sizeof(*src->cache));
    /* touched now, so that a refresh under the stop takes no page fault */
    src->cache_runs = xmalloc(SOURCE_CACHE_PAGES * sizeof(struct refresh_run));
    memset(src->cache_runs, 0, SOURCE_CACHE_PAGES * sizeof(struct refresh_run));
    /*
     * Our pages fault in as they are first used: by the walk done before the
     * stop (see source_cache_suspend), not while the target is stopped.
     */
    src->cache_data = mmap(NULL, SOURCE_CACHE_BYTES, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src->cache_data == MAP_FAILED) {
        src->cache_data = xmalloc(SOURCE_CACHE_BYTES);
    } else {
        src->cache_mapped = true;
#ifdef MADV_HUGEPAGE
        /* where transparent huge pages are on request: 16 faults instead of thousands */
        (void)madvise(src->cache_data, SOURCE_CACHE_BYTES, MADV_HUGEPAGE);
#endif
    }
}

void
source_cache_enable(struct source *src, bool on)
{
    /*
     * Allocation is cheap (the data pages are only faulted in when used) and
     * dropping is a generation bump: neither costs the stopped target time.
     */
    if (on)
        source_cache_prepare(src);
    src->cache_gen++;
    if (src->cache_gen == 0) {
        memset(src->cache, 0, SOURCE_CACHE_PAGES * sizeof(*src->cache));
        src->cache_gen = 1;
    }
    src->cache_on = on;
    src->cache_kept = false;
}

void
source_cache_suspend(struct source *src)
{
    src->cache_on = false;
    src->cache_kept = src->cache != NULL;
}

/* Mark the pages of a run read under generation gen, or dropped. */
static void
source_run_mark(struct source *src, const struct refresh_run *r, uint32_t gen)
{
    size_t i;

    for (i = 0; i < r->npages; i++) {
        src->cache[r->slot + i].gen = gen;
        src->cache[r->slot + i].err = 0;
    }
}

/* A run the batch could not read: page by page, dropping what fails. */
static size_t
source_run_slow(struct source *src, const struct refresh_run *r)
{
    size_t i, ok = 0;

    for (i = 0; i < r->npages; i++) {
        struct source_page *pg = &src->cache[r->slot + i];

        src->stats.read_calls++;
        if (src->ops->read(src, pg->base, src->cache_data + (r->slot + i) * SOURCE_PAGE,
                           SOURCE_PAGE) == 0) {
            pg->gen = src->cache_gen;
            src->stats.bytes_read += SOURCE_PAGE;
            ok++;
        } else {
            pg->gen = 0;                      /* dropped: no page has address 0 */
            pg->base = 0;
        }
    }
    return ok;
}

/* Read runs[0..n) in as few backend calls as possible; returns the pages read. */
static size_t
source_runs_read(struct source *src, const struct refresh_run *runs, size_t n)
{
    struct iovec local[SOURCE_IOV_MAX], remote[SOURCE_IOV_MAX];
    size_t i = 0, done = 0;

    while (i < n) {
        size_t k = n - i > SOURCE_IOV_MAX ? SOURCE_IOV_MAX : n - i, j;
        long got;

        for (j = 0; j < k; j++) {
            const struct refresh_run *r = &runs[i + j];

            local[j].iov_base = src->cache_data + r->slot * SOURCE_PAGE;
            local[j].iov_len = r->npages * SOURCE_PAGE;
            remote[j].iov_base = (void *)(uintptr_t)src->cache[r->slot].base;
            remote[j].iov_len = local[j].iov_len;
        }
        got = -AIO_E_FAULT;
        if (src->ops->readv) {
            src->stats.read_calls++;
            got = src->ops->readv(src, local, remote, k);
        }
        if (got < 0)
            got = 0;
        src->stats.bytes_read += (uint64_t)got;
        /* whole runs up to the first one that failed */
        for (j = 0; j < k && (long)local[j].iov_len <= got; j++) {
            got -= (long)local[j].iov_len;
            source_run_mark(src, &runs[i + j], src->cache_gen);
            done += runs[i + j].npages;
        }
        if (j < k) {
            done += source_run_slow(src, &runs[i + j]);
            j++;
        }
        i += j;
    }
    return done;
}

size_t
source_cache_refresh(struct source *src)
{
    struct refresh_run *runs;
    uint32_t old = src->cache_gen;
    size_t i, n = 0, done;

    if (!src->cache_kept) {
        source_cache_enable(src, true);
        return 0;
    }
    source_cache_enable(src, true);      /* new generation: nothing current yet */
    runs = src->cache_runs;
    for (i = 0; i < SOURCE_CACHE_PAGES; i++) {
        const struct source_page *pg = &src->cache[i];

        if (pg->gen != old || pg->err || pg->base == 0)
            continue;
        if (n && runs[n - 1].slot + runs[n - 1].npages == i &&
            src->cache[i - 1].base + SOURCE_PAGE == pg->base) {
            runs[n - 1].npages++;
            continue;
        }
        runs[n].slot = i;
        runs[n].npages = 1;
        n++;
    }
    done = source_runs_read(src, runs, n);
    src->stats.refreshed_pages += done;
    return done;
}

static int
source_backend_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    src->stats.read_calls++;
    if (src->ops->read(src, addr, buf, len) < 0)
        return -AIO_E_FAULT;
    src->stats.bytes_read += len;
    return 0;
}

static size_t
source_page_index(uint64_t base)
{
    return (size_t)((base / SOURCE_PAGE) % SOURCE_CACHE_PAGES);
}

static struct source_page *
source_page_slot(struct source *src, uint64_t base)
{
    return &src->cache[source_page_index(base)];
}

static unsigned char *
source_page_data(struct source *src, uint64_t base)
{
    return src->cache_data + source_page_index(base) * SOURCE_PAGE;
}

/*
 * Fill the slot of page `base`, reading ahead up to SOURCE_READAHEAD pages of
 * the same mapping in the same call, straight into their (consecutive) slots.
 */
static int
source_page_fill(struct source *src, uint64_t base)
{
    size_t idx = source_page_index(base);
    uint64_t n = SOURCE_READAHEAD;
    const struct map_entry *me = src->maps.n ? maps_find(&src->maps, base) : NULL;
    uint64_t i;

    /* read ahead only within one mapping, so a miss never fails because of a neighbour */
    if (!me)
        n = 1;
    else if ((me->end - base) / SOURCE_PAGE < n)
        n = (me->end - base) / SOURCE_PAGE;
    if (n < 1)
        n = 1;
    if (idx + n > SOURCE_CACHE_PAGES)
        n = SOURCE_CACHE_PAGES - idx;
    if (source_backend_read(src, base, source_page_data(src, base), n * SOURCE_PAGE) < 0) {
        n = 1;
        if (source_backend_read(src, base, source_page_data(src, base), SOURCE_PAGE) < 0) {
            struct source_page *pg = source_page_slot(src, base);

            pg->base = base;
            pg->gen = src->cache_gen;
            pg->err = -AIO_E_FAULT;
            return -AIO_E_FAULT;
        }
    }
    for (i = 0; i < n; i++) {
        struct source_page *p = &src->cache[idx + i];

        p->base = base + i * SOURCE_PAGE;
        p->gen = src->cache_gen;
        p->err = 0;
    }
    return 0;
}

int
source_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    unsigned char *out = buf;

    if (len == 0)
        return 0;
    if (addr == 0 || addr > UINT64_MAX - len)
        return -AIO_E_FAULT;
    if (!src->cache_on || len > 2 * SOURCE_PAGE)
        return source_backend_read(src, addr, buf, len);
    while (len) {
        uint64_t base = addr & ~(uint64_t)(SOURCE_PAGE - 1);
        size_t off = (size_t)(addr - base), n = SOURCE_PAGE - off;
        struct source_page *pg = source_page_slot(src, base);

        if (n > len)
            n = len;
        if (pg->base == base && pg->gen == src->cache_gen) {
            src->stats.cache_hits++;
            if (pg->err)
                return pg->err;
        } else if (source_page_fill(src, base) < 0) {
            return -AIO_E_FAULT;
        }
        memcpy(out, source_page_data(src, base) + off, n);
        out += n;
        addr += n;
        len -= n;
    }
    return 0;
}

int
source_read_ptr(struct source *src, uint64_t addr, uint64_t *out)
{
    return source_read(src, addr, out, sizeof(*out));
}

int
source_read_u32(struct source *src, uint64_t addr, uint32_t *out)
{
    return source_read(src, addr, out, sizeof(*out));
}

int
source_read_i32(struct source *src, uint64_t addr, int32_t *out)
{
    return source_read(src, addr, out, sizeof(*out));
}

int
source_read_i64(struct source *src, uint64_t addr, int64_t *out)
{
    return source_read(src, addr, out, sizeof(*out));
}

int
source_read_cstr(struct source *src, uint64_t addr, char *out, size_t max)
{
    size_t got = 0;

    if (max == 0)
        return -AIO_E_INTERNAL;
    out[0] = '\0';
    while (got + 1 < max) {
        /* never read across a page boundary in one go: the next page may be unmapped */
        size_t room = SOURCE_PAGE - (size_t)((addr + got) % SOURCE_PAGE);
        size_t n = max - 1 - got;
        void *nul;

        if (n > room)
            n = room;
        if (source_read(src, addr + got, out + got, n) < 0) {
            out[got] = '\0';
            return got ? 0 : -AIO_E_FAULT;
        }
        nul = memchr(out + got, '\0', n);
        if (nul)
            return 0;
        got += n;
    }
    out[max - 1] = '\0';
    return 0;
}

int
source_stop(struct source *src)
{
    return src->ops->stop ? src->ops->stop(src) : 0;
}

void
source_resume(struct source *src)
{
    if (src->ops->resume)
        src->ops->resume(src);
}

void
source_thread_name(struct source *src, long tid, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    if (src->ops->thread_name)
        src->ops->thread_name(src, tid, buf, size);
}

long
source_host_tid(struct source *src, long ns_tid)
{
    if (!src->ops->host_tid || ns_tid <= 0)
        return ns_tid;
    return src->ops->host_tid(src, ns_tid);
}

int
source_thread_regs(struct source *src, long tid, void *regs, size_t size)
{
    if (!src->ops->thread_regs)
        return -AIO_E_FAULT;
    return src->ops->thread_regs(src, tid, regs, size);
}

int
source_host_path(struct source *src, const char *path, char *out, size_t size)
{
    if (size)
        out[0] = '\0';
    if (!src->ops->host_path)
        return -AIO_E_IO;
    return src->ops->host_path(src, path, out, size);
}

int
source_refresh_maps(struct source *src)
{
    return src->ops->refresh_maps ? src->ops->refresh_maps(src) : 0;
}

size_t
source_cmdline(struct source *src, char *buf, size_t size)
{
    return src->ops->cmdline && size ? src->ops->cmdline(src, buf, size) : 0;
}

int
source_thread_cpu(struct source *src, long tid, uint64_t *ns)
{
    return src->ops->thread_cpu ? src->ops->thread_cpu(src, tid, ns) : -AIO_E_FAULT;
}

bool
source_alive(struct source *src)
{
    return src->ops->alive ? src->ops->alive(src) : true;
}

enum source_motion
source_motion(struct source *src)
{
    return src->ops->motion ? src->ops->motion(src) : SOURCE_STATIC;
}

int
source_walk_stopped(struct source *src, source_walk_fn prewalk, source_walk_fn fn, void *arg,
                    struct source_walk_stats *st)
{
    struct source_walk_stats dummy;
    enum source_motion motion = source_motion(src);
    uint64_t calls, pages;
    struct rusage r0, r1;
    int rc;

    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    st->start = clock_now_ns(CLOCK_MONOTONIC);
    if (prewalk && motion == SOURCE_STOPPED) {
        source_cache_enable(src, true);
        (void)prewalk(src, arg);
        source_cache_suspend(src);
    }
    /* the memory map while the target still runs: never read under the stop */
    source_refresh_maps(src);
    st->stop = clock_now_ns(CLOCK_MONOTONIC);
    rc = source_stop(src);
    if (rc < 0)
        return rc;
    st->stopped = clock_now_ns(CLOCK_MONOTONIC);
    pages = src->stats.refreshed_pages;
    if (motion == SOURCE_STOPPED || motion == SOURCE_HELD)
        source_cache_refresh(src);
    else
        source_cache_enable(src, motion == SOURCE_STATIC);
    st->refreshed = clock_now_ns(CLOCK_MONOTONIC);
    st->refreshed_pages = src->stats.refreshed_pages - pages;
    calls = src->stats.read_calls;
    getrusage(RUSAGE_SELF, &r0);
    rc = fn(src, arg);
    getrusage(RUSAGE_SELF, &r1);
    st->walked = clock_now_ns(CLOCK_MONOTONIC);
    st->faults = r1.ru_minflt - r0.ru_minflt;
    st->misses = src->stats.read_calls - calls;
    /* the pages of this walk are the ones to re-read at the next stop */
    if (motion == SOURCE_STOPPED || motion == SOURCE_HELD)
        source_cache_suspend(src);
    else
        source_cache_enable(src, false);
    source_resume(src);
    return rc;
}

long
source_tid_by_thread_pointer(struct source *src, uint64_t tp, struct source_tp_memo *memo)
{
    size_t i;

    if (!memo->filled) {
        memo->filled = true;
        memo->n = 0;
        memo->tp = src->ntids ? calloc(src->ntids, sizeof(*memo->tp)) : NULL;
        if (!memo->tp)
            return 0;
        memo->n = src->ntids;
        for (i = 0; i < src->ntids; i++) {
            struct user_regs_struct regs;

            if (source_thread_regs(src, src->tids[i], &regs, sizeof(regs)) == 0)
                memo->tp[i] = regs.fs_base;
        }
    }
    if (!tp)
        return 0;
    for (i = 0; i < memo->n && i < src->ntids; i++)
        if (memo->tp[i] == tp)
            return src->tids[i];
    return 0;
}

void
source_tp_memo_free(struct source_tp_memo *memo)
{
    free(memo->tp);
    memset(memo, 0, sizeof(*memo));
}

void
source_close(struct source *src)
{
    if (!src)
        return;
    source_resume(src);
    if (src->ops->close)
        src->ops->close(src);
    maps_free(&src->maps);
    free(src->tids);
    free(src->cache);
    free(src->cache_runs);
    src->cache_runs = NULL;
    if (src->cache_mapped)
        munmap(src->cache_data, SOURCE_CACHE_BYTES);
    else
        free(src->cache_data);
    src->cache_mapped = false;
    src->tids = NULL;
    src->cache = NULL;
    src->cache_data = NULL;
}
