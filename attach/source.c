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

void
source_init(struct source *src, const struct source_ops *ops, int pid)
{
    memset(src, 0, sizeof(*src));
    src->ops = ops;
    src->pid = pid;
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
    if (src->regs_memo_on) {
        const struct user_regs_struct *m = src->regs_memo;
        size_t i;

        for (i = 0; i < src->ntids && src->tids[i] != tid; i++)
            ;
        if (i == src->ntids || size > sizeof(*m) || m[i].rsp == 0)
            return -AIO_E_FAULT;
        memcpy(regs, &m[i], size);
        return 0;
    }
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

/* Note every thread's registers under the stop: a frozen walk reads them after the resume. */
static void
regs_memo_fill(struct source *src)
{
    struct user_regs_struct *m;
    size_t i;

    free(src->regs_memo);
    src->regs_memo = NULL;
    src->regs_memo_on = false;
    if (!src->ops->thread_regs || !src->ntids)
        return;
    m = xcalloc(src->ntids, sizeof(*m));
    for (i = 0; i < src->ntids; i++) {
        if (src->ops->thread_regs(src, src->tids[i], &m[i], sizeof(m[i])) < 0)
            memset(&m[i], 0, sizeof(m[i]));
    }
    src->regs_memo = m;
}

/* The walk from the copy, after the resume: 0 and *done when the copy had every page. */
static int
walk_frozen(struct source *src, source_walk_fn fn, void *arg, struct source_walk_stats *st,
            bool *done)
{
    int rc;

    regs_memo_fill(src);
    st->refreshed = clock_now_ns(CLOCK_MONOTONIC);
    source_resume(src);
    src->regs_memo_on = src->regs_memo != NULL;
    source_cache_freeze(src);
    rc = fn(src, arg);
    src->regs_memo_on = false;
    st->walked = clock_now_ns(CLOCK_MONOTONIC);
    st->misses = src->frozen_misses;
    *done = src->frozen_misses == 0 && !src->cache_full;
    /* the pages of this walk, the missing ones included, are the ones to copy next */
    source_cache_suspend(src);
    return rc;
}

int
source_walk_stopped(struct source *src, source_walk_fn prewalk, source_walk_fn fn, void *arg,
                    struct source_walk_stats *st)
{
    struct source_walk_stats dummy;
    enum source_motion motion = source_motion(src);
    bool keeps = motion == SOURCE_STOPPED || motion == SOURCE_HELD;
    uint64_t calls, pages = src->stats.refreshed_pages;
    struct rusage r0, r1;
    unsigned round;
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
    for (round = 0;; round++) {
        bool frozen = motion == SOURCE_STOPPED && round < src->frozen_rounds &&
                      source_cache_has_kept(src) && !src->cache_kept_full;
        bool done;

        st->stop = clock_now_ns(CLOCK_MONOTONIC);
        rc = source_stop(src);
        if (rc < 0)
            return rc;
        st->rounds++;
        st->stopped = clock_now_ns(CLOCK_MONOTONIC);
        if (keeps)
            source_cache_refresh(src);
        else
            source_cache_enable(src, motion == SOURCE_STATIC);
        st->refreshed_pages = src->stats.refreshed_pages - pages;
        if (!frozen)
            break;
        st->frozen = true;
        rc = walk_frozen(src, fn, arg, st, &done);
        if (done)
            return rc;
        st->frozen = false;
    }
    st->refreshed = clock_now_ns(CLOCK_MONOTONIC);
    calls = src->stats.read_calls;
    getrusage(RUSAGE_SELF, &r0);
    rc = fn(src, arg);
    getrusage(RUSAGE_SELF, &r1);
    st->walked = clock_now_ns(CLOCK_MONOTONIC);
    st->faults = r1.ru_minflt - r0.ru_minflt;
    st->misses = src->stats.read_calls - calls;
    /* the pages of this walk are the ones to re-read at the next stop */
    if (keeps)
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
    src->tids = NULL;
    free(src->regs_memo);
    src->regs_memo = NULL;
    source_cache_free(src);
}
