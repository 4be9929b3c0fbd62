#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define SOURCE_CACHE_BYTES ((size_t)SOURCE_CACHE_PAGES * SOURCE_PAGE)

/* A miss reads this many consecutive pages in one backend call when it can. */
#define SOURCE_READAHEAD 4

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
    /*
     * Fault our own pages in now, in one go, not one by one while the target
     * is stopped (a page fault costs ~10 us on these VMs).
     */
    src->cache_data = mmap(NULL, SOURCE_CACHE_BYTES, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (src->cache_data == MAP_FAILED)
        src->cache_data = xmalloc(SOURCE_CACHE_BYTES);
    else
        src->cache_mapped = true;
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
    if (src->cache_mapped)
        munmap(src->cache_data, SOURCE_CACHE_BYTES);
    else
        free(src->cache_data);
    src->cache_mapped = false;
    src->tids = NULL;
    src->cache = NULL;
    src->cache_data = NULL;
}
