/*
 * The page cache of a source: copies of the target's pages, so that a walk
 * reads each page once, and so that the pages a walk needs are copied in a
 * few large batches while the target is stopped (source_cache_refresh).
 *
 * Pages are found through an open-addressing hash table (linear probing) of
 * twice as many slots as the cache holds pages; a slot belongs to the current
 * generation or is empty, so dropping everything is a generation bump.  The
 * data of the pages of a generation is laid out in the order they came in: a
 * refresh lays out the kept pages by address, so that neighbouring pages are
 * read into neighbouring data pages with one iovec.  A cache that is full
 * starts over (marked cache_full): a walk larger than the cache cannot be
 * walked from one copy, and reads the target under the stop as it goes.
 *
 * While frozen (source_cache_freeze), the target runs again and the cache is
 * the snapshot: a page it lacks is read from the running target (so that the
 * walk still learns where pointers lead) and counted as a miss, which tells
 * the caller that this walk was not of one consistent copy.
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define SOURCE_CACHE_BYTES ((size_t)SOURCE_CACHE_PAGES * SOURCE_PAGE)
#define SOURCE_CACHE_SLOTS (2 * SOURCE_CACHE_PAGES)     /* a power of two */

/* A miss reads this many consecutive pages in one backend call when it can... */
#define SOURCE_READAHEAD 4
/* ...or as many as the read asks for, up to this many (a list of 100,000 tasks: 200 pages) */
#define SOURCE_FILL_MAX 256

/* One contiguous run of pages: consecutive addresses in consecutive data pages. */
struct refresh_run {
    uint32_t data;
    uint32_t npages;
};

static size_t
slot_hash(uint64_t base)
{
    uint64_t h = (base / SOURCE_PAGE) * 0x9E3779B97F4A7C15ULL;

    return (size_t)(h >> 40) & (SOURCE_CACHE_SLOTS - 1);
}

/* The slot of page base in the current generation, or the empty slot where it goes. */
static struct source_page *
slot_find(struct source *src, uint64_t base)
{
    size_t i = slot_hash(base), n;

    for (n = 0; n < SOURCE_CACHE_SLOTS; n++) {
        struct source_page *pg = &src->cache[i];

        if (pg->gen != src->cache_gen || pg->base == base)
            return pg;
        i = (i + 1) & (SOURCE_CACHE_SLOTS - 1);
    }
    return NULL;        /* unreachable: at most half the slots are ever used */
}

static unsigned char *
page_data(struct source *src, uint32_t data)
{
    return src->cache_data + (size_t)data * SOURCE_PAGE;
}

/* Enter page base of the current generation with its data page (err: unreadable). */
static void
slot_set(struct source *src, uint64_t base, uint32_t data, int err)
{
    struct source_page *pg = slot_find(src, base);

    if (!pg)
        return;
    if (pg->gen != src->cache_gen) {
        /* a new entry: unreadable pages too take slots, so bound them (the probes stay short) */
        if (src->cache_slots_used >= SOURCE_CACHE_SLOTS / 4 * 3)
            return;
        src->cache_slots_used++;
    }
    pg->base = base;
    pg->gen = src->cache_gen;
    pg->data = data;
    pg->err = err;
}

void
source_cache_prepare(struct source *src)
{
    if (src->cache)
        return;
    src->cache = xcalloc(SOURCE_CACHE_SLOTS, sizeof(*src->cache));
    /* touched now, so that a refresh under the stop takes no page fault */
    src->cache_kept_pages = xcalloc(SOURCE_CACHE_PAGES, sizeof(uint64_t));
    src->cache_runs = xcalloc(SOURCE_CACHE_PAGES, sizeof(struct refresh_run));
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

/* A new, empty generation. */
static void
cache_new_generation(struct source *src)
{
    src->cache_gen++;
    if (src->cache_gen == 0) {
        memset(src->cache, 0, SOURCE_CACHE_SLOTS * sizeof(*src->cache));
        src->cache_gen = 1;
    }
    src->cache_used = 0;
    src->cache_slots_used = 0;
    src->cache_full = false;
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
    if (src->cache)
        cache_new_generation(src);
    src->cache_on = on;
    src->cache_frozen = false;
    src->cache_nkept = 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

void
source_cache_suspend(struct source *src)
{
    size_t i, n = 0;

    src->cache_on = false;
    src->cache_frozen = false;
    src->cache_nkept = 0;
    if (!src->cache)
        return;
    /* the readable pages of this generation, by address: sorted now, not under the stop */
    for (i = 0; i < SOURCE_CACHE_SLOTS && n < SOURCE_CACHE_PAGES; i++) {
        const struct source_page *pg = &src->cache[i];

        if (pg->gen == src->cache_gen && pg->base && !pg->err)
            src->cache_kept_pages[n++] = pg->base;
    }
    qsort(src->cache_kept_pages, n, sizeof(uint64_t), cmp_u64);
    src->cache_nkept = n;
    src->cache_kept_full = src->cache_full;
}

bool
source_cache_has_kept(const struct source *src)
{
    return src->cache_nkept > 0;
}

/* A run the batch could not read: page by page, marking what fails. */
static size_t
run_slow(struct source *src, const struct refresh_run *r, const uint64_t *bases)
{
    size_t i, ok = 0;

    for (i = 0; i < r->npages; i++) {
        uint32_t data = r->data + (uint32_t)i;

        src->stats.read_calls++;
        if (src->ops->read(src, bases[data], page_data(src, data), SOURCE_PAGE) == 0) {
            src->stats.bytes_read += SOURCE_PAGE;
            ok++;
        } else {
            slot_set(src, bases[data], data, -AIO_E_FAULT);
        }
    }
    return ok;
}

/* Read runs[0..n) in as few backend calls as possible; returns the pages read. */
static size_t
runs_read(struct source *src, const struct refresh_run *runs, size_t n, const uint64_t *bases)
{
    struct iovec local[SOURCE_IOV_MAX], remote[SOURCE_IOV_MAX];
    size_t i = 0, done = 0;

    while (i < n) {
        size_t k = n - i > SOURCE_IOV_MAX ? SOURCE_IOV_MAX : n - i, j;
        long got;

        for (j = 0; j < k; j++) {
            const struct refresh_run *r = &runs[i + j];

            local[j].iov_base = page_data(src, r->data);
            local[j].iov_len = (size_t)r->npages * SOURCE_PAGE;
            remote[j].iov_base = (void *)(uintptr_t)bases[r->data];
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
            done += runs[i + j].npages;
        }
        if (j < k) {
            done += run_slow(src, &runs[i + j], bases);
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
    const uint64_t *bases = src->cache_kept_pages;
    size_t i, n = 0, done, nkept = src->cache_nkept;

    source_cache_enable(src, true);      /* new generation: nothing current yet */
    if (!nkept)
        return 0;
    /* data page i holds kept page i: runs of consecutive addresses are one iovec each */
    runs = src->cache_runs;
    for (i = 0; i < nkept; i++) {
        slot_set(src, bases[i], (uint32_t)i, 0);
        if (n && bases[i - 1] + SOURCE_PAGE == bases[i]) {
            runs[n - 1].npages++;
            continue;
        }
        runs[n].data = (uint32_t)i;
        runs[n].npages = 1;
        n++;
    }
    src->cache_used = (uint32_t)nkept;
    src->cache_full = src->cache_kept_full;
    done = runs_read(src, runs, n, bases);
    src->stats.refreshed_pages += done;
    return done;
}

static int
backend_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    src->stats.read_calls++;
    if (src->ops->read(src, addr, buf, len) < 0)
        return -AIO_E_FAULT;
    src->stats.bytes_read += len;
    return 0;
}

/*
 * Bring page base into the cache, reading ahead the pages of the same mapping
 * it lacks, in one call: SOURCE_READAHEAD, or the `want` pages the read spans.
 * Returns the slot, or NULL and sets *err.
 */
static struct source_page *
page_fill(struct source *src, uint64_t base, uint64_t want, int *err)
{
    const struct map_entry *me = src->maps.n ? maps_find(&src->maps, base) : NULL;
    uint32_t data = src->cache_used;
    uint64_t n = want > SOURCE_READAHEAD ? want : SOURCE_READAHEAD, i;

    *err = 0;
    if (data >= SOURCE_CACHE_PAGES || src->cache_slots_used >= SOURCE_CACHE_SLOTS / 2) {
        /*
         * Full: start over (a snapshot larger than the cache).  What was read
         * is in the caller's hands already; what comes next is near what came
         * last, so the pages read from now on are the ones worth keeping.
         */
        cache_new_generation(src);
        src->cache_full = true;
        data = 0;
    }
    /* read ahead only within one mapping, so a miss never fails because of a neighbour */
    if (!me)
        n = 1;
    else if ((me->end - base) / SOURCE_PAGE < n)
        n = (me->end - base) / SOURCE_PAGE;
    if (n > SOURCE_FILL_MAX)
        n = SOURCE_FILL_MAX;
    if (n > SOURCE_CACHE_PAGES - data)
        n = SOURCE_CACHE_PAGES - data;
    for (i = 1; i < n; i++) {
        const struct source_page *pg = slot_find(src, base + i * SOURCE_PAGE);

        if (pg && pg->gen == src->cache_gen)
            break;                      /* already here: read ahead up to it */
    }
    n = i < 1 ? 1 : i;
    if (backend_read(src, base, page_data(src, data), n * SOURCE_PAGE) < 0) {
        n = 1;
        if (backend_read(src, base, page_data(src, data), SOURCE_PAGE) < 0) {
            slot_set(src, base, 0, -AIO_E_FAULT);
            *err = -AIO_E_FAULT;
            return NULL;
        }
    }
    for (i = 0; i < n; i++)
        slot_set(src, base + i * SOURCE_PAGE, data + (uint32_t)i, 0);
    src->cache_used = data + (uint32_t)n;
    return slot_find(src, base);
}

/* A page the frozen copy lacks: noted, then read from the running target. */
static void
note_frozen_miss(struct source *src)
{
    if (src->cache_frozen)
        src->frozen_misses++;
}

int
source_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    unsigned char *out = buf;

    if (len == 0)
        return 0;
    if (addr == 0 || addr > UINT64_MAX - len)
        return -AIO_E_FAULT;
    if (!src->cache_on) {
        note_frozen_miss(src);
        return backend_read(src, addr, buf, len);
    }
    while (len) {
        uint64_t base = addr & ~(uint64_t)(SOURCE_PAGE - 1);
        size_t off = (size_t)(addr - base), n = SOURCE_PAGE - off;
        struct source_page *pg = slot_find(src, base);
        int err;

        if (n > len)
            n = len;
        if (pg && pg->gen == src->cache_gen && pg->base == base) {
            src->stats.cache_hits++;
            if (pg->err)
                return pg->err;
        } else {
            note_frozen_miss(src);
            pg = page_fill(src, base, (off + len + SOURCE_PAGE - 1) / SOURCE_PAGE, &err);
            if (err)
                return err;
            if (!pg)            /* no slot for it (cannot happen: a full cache starts over) */
                return backend_read(src, addr, out, len);
        }
        memcpy(out, page_data(src, pg->data) + off, n);
        out += n;
        addr += n;
        len -= n;
    }
    return 0;
}

void
source_cache_freeze(struct source *src)
{
    src->cache_frozen = src->cache_on;
    src->frozen_misses = 0;
}

void
source_cache_free(struct source *src)
{
    free(src->cache);
    free(src->cache_runs);
    free(src->cache_kept_pages);
    if (src->cache_mapped)
        munmap(src->cache_data, SOURCE_CACHE_BYTES);
    else
        free(src->cache_data);
    src->cache_mapped = false;
    src->cache = NULL;
    src->cache_runs = NULL;
    src->cache_kept_pages = NULL;
    src->cache_data = NULL;
    src->cache_nkept = 0;
}
