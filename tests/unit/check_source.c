/*
 * The page cache of source.c: reads through it, and the refresh that re-reads
 * under the stop exactly the pages a walk done before the stop kept.  A fake
 * source over a local buffer whose pages can change or disappear between
 * passes, with and without a batched readv.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach/image.h"
#include "attach/live.h"
#include "attach/source.h"
#include "common/err.h"
#include "skip.h"

Suite *suite_source(void);

#define FK_BASE 0x7f1200000000ull
#define FK_PAGES 64

struct fake {
    unsigned char mem[FK_PAGES * SOURCE_PAGE];
    bool unmapped[FK_PAGES];
    unsigned reads, readvs, max_iov;
    enum source_motion motion;
    char trace[64];             /* the choreography: p(rewalk) m(aps) s(top) w(alk) r(esume) */
};

static void
fk_trace(struct fake *fk, char c)
{
    size_t n = strlen(fk->trace);

    if (n + 1 < sizeof(fk->trace)) {
        fk->trace[n] = c;
        fk->trace[n + 1] = '\0';
    }
}

static bool
fk_ok(const struct fake *fk, uint64_t addr, size_t len)
{
    uint64_t p;

    if (addr < FK_BASE || len > sizeof(fk->mem) || addr - FK_BASE > sizeof(fk->mem) - len)
        return false;
    for (p = (addr - FK_BASE) / SOURCE_PAGE; p <= (addr - FK_BASE + len - 1) / SOURCE_PAGE; p++) {
        if (fk->unmapped[p])
            return false;
    }
    return true;
}

static int
fk_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct fake *fk = src->priv;

    fk->reads++;
    if (!fk_ok(fk, addr, len))
        return -AIO_E_FAULT;
    memcpy(buf, fk->mem + (addr - FK_BASE), len);
    return 0;
}

/* Like process_vm_readv: whole elements, stops at the first that fails. */
static long
fk_readv(struct source *src, const struct iovec *local, const struct iovec *remote, size_t n)
{
    struct fake *fk = src->priv;
    long got = 0;
    size_t i;

    fk->readvs++;
    if (n > fk->max_iov)
        fk->max_iov = (unsigned)n;
    ck_assert_uint_le(n, SOURCE_IOV_MAX);
    for (i = 0; i < n; i++) {
        uint64_t a = (uint64_t)(uintptr_t)remote[i].iov_base;

        ck_assert_uint_eq(local[i].iov_len, remote[i].iov_len);
        if (!fk_ok(fk, a, remote[i].iov_len))
            break;
        memcpy(local[i].iov_base, fk->mem + (a - FK_BASE), remote[i].iov_len);
        got += (long)remote[i].iov_len;
    }
    return got;
}

static const struct source_ops fk_ops = { .read = fk_read, .readv = fk_readv };

static int
fk_stop(struct source *src)
{
    fk_trace(src->priv, 's');
    return 0;
}

static void
fk_resume(struct source *src)
{
    fk_trace(src->priv, 'r');
}

static int
fk_refresh_maps(struct source *src)
{
    fk_trace(src->priv, 'm');
    return 0;
}

static enum source_motion
fk_motion(struct source *src)
{
    return ((struct fake *)src->priv)->motion;
}

static const struct source_ops fk_ops_walk = {
    .read = fk_read, .readv = fk_readv, .stop = fk_stop, .resume = fk_resume,
    .refresh_maps = fk_refresh_maps, .motion = fk_motion,
};
static const struct source_ops fk_ops_plain = { .read = fk_read };

static struct fake *
fk_new(struct source *src, const struct source_ops *ops)
{
    struct fake *fk = calloc(1, sizeof(*fk));
    size_t i;

    ck_assert_ptr_nonnull(fk);
    for (i = 0; i < sizeof(fk->mem); i++)
        fk->mem[i] = (unsigned char)(i / SOURCE_PAGE + 1);
    source_init(src, ops, 0);
    src->priv = fk;
    return fk;
}

static void
fk_free(struct source *src)
{
    struct fake *fk = src->priv;

    source_close(src);
    free(fk);
    src->priv = NULL;
}

static unsigned char
byte_at(struct source *src, uint64_t page, size_t off)
{
    unsigned char b = 0;

    ck_assert_int_eq(source_read(src, FK_BASE + page * SOURCE_PAGE + off, &b, 1), 0);
    return b;
}

/* A first pass leaves pages 3, 4, 5 and 20 in the cache (no maps: no read-ahead). */
static void
first_pass(struct source *src)
{
    source_cache_enable(src, true);
    ck_assert_uint_eq(byte_at(src, 3, 0), 4);
    ck_assert_uint_eq(byte_at(src, 5, 0), 6);
    ck_assert_uint_eq(byte_at(src, 4, 0), 5);
    ck_assert_uint_eq(byte_at(src, 20, 100), 21);
    source_cache_suspend(src);
}

START_TEST(refresh_rereads_kept_pages_in_one_call)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops);
    unsigned reads;

    first_pass(&src);
    /* the target runs: pages change */
    fk->mem[3 * SOURCE_PAGE] = 0xaa;
    fk->mem[20 * SOURCE_PAGE + 100] = 0xbb;
    fk->mem[5 * SOURCE_PAGE + 7] = 0xcc;
    reads = fk->reads;
    fk->readvs = 0;
    /* two runs (3..5 and 20), one call */
    ck_assert_uint_eq(source_cache_refresh(&src), 4);
    ck_assert_uint_eq(fk->readvs, 1);
    ck_assert_uint_eq(fk->max_iov, 2);
    ck_assert_uint_eq(byte_at(&src, 3, 0), 0xaa);
    ck_assert_uint_eq(byte_at(&src, 20, 100), 0xbb);
    ck_assert_uint_eq(byte_at(&src, 5, 7), 0xcc);
    ck_assert_uint_eq(fk->reads, reads);         /* all from the cache */
    ck_assert_uint_eq(src.stats.refreshed_pages, 4);
    fk_free(&src);
}
END_TEST

START_TEST(refresh_drops_pages_gone_since)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops);
    unsigned char b;

    first_pass(&src);
    fk->unmapped[4] = true;     /* in the middle of the first run */
    fk->mem[20 * SOURCE_PAGE] = 0x11;
    ck_assert_uint_eq(source_cache_refresh(&src), 3);
    ck_assert_uint_eq(byte_at(&src, 3, 0), 4);
    ck_assert_int_eq(source_read(&src, FK_BASE + 4 * SOURCE_PAGE, &b, 1), -AIO_E_FAULT);
    ck_assert_uint_eq(byte_at(&src, 5, 0), 6);
    ck_assert_uint_eq(byte_at(&src, 20, 0), 0x11);     /* the run after the bad one too */
    /* within one stop the failure is remembered; at the next, the page is read again */
    fk->unmapped[4] = false;
    ck_assert_int_eq(source_read(&src, FK_BASE + 4 * SOURCE_PAGE, &b, 1), -AIO_E_FAULT);
    source_cache_suspend(&src);
    ck_assert_uint_eq(source_cache_refresh(&src), 3);
    ck_assert_uint_eq(byte_at(&src, 4, 0), 5);
    fk_free(&src);
}
END_TEST

START_TEST(refresh_without_readv_reads_page_by_page)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_plain);

    first_pass(&src);
    fk->mem[4 * SOURCE_PAGE] = 0x22;
    fk->reads = 0;
    ck_assert_uint_eq(source_cache_refresh(&src), 4);
    ck_assert_uint_eq(fk->reads, 4);
    ck_assert_uint_eq(byte_at(&src, 4, 0), 0x22);
    ck_assert_uint_eq(fk->reads, 4);
    fk_free(&src);
}
END_TEST

START_TEST(refresh_with_nothing_kept_is_an_empty_cache)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops);

    ck_assert_uint_eq(source_cache_refresh(&src), 0);
    ck_assert_uint_eq(fk->readvs, 0);
    ck_assert_uint_eq(byte_at(&src, 9, 0), 10);
    /* enable(false) drops, so a refresh after it re-reads nothing */
    source_cache_enable(&src, false);
    fk->mem[9 * SOURCE_PAGE] = 0x99;
    ck_assert_uint_eq(source_cache_refresh(&src), 0);
    ck_assert_uint_eq(byte_at(&src, 9, 0), 0x99);
    fk_free(&src);
}
END_TEST

START_TEST(cache_off_reads_straight_through)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops);

    first_pass(&src);
    fk->mem[3 * SOURCE_PAGE] = 0x33;
    /* suspended: not a cache any more, only a list of pages */
    ck_assert_uint_eq(byte_at(&src, 3, 0), 0x33);
    /* a read across the end of the memory fails whole */
    {
        unsigned char b[16];

        ck_assert_int_eq(source_read(&src, FK_BASE + sizeof(fk->mem) - 8, b, sizeof(b)),
                         -AIO_E_FAULT);
    }
    fk_free(&src);
}
END_TEST

START_TEST(refresh_many_runs_span_calls)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops);
    size_t i;

    /* every other page: 32 runs of one page each (no read-ahead joins them) */
    source_cache_enable(&src, true);
    for (i = 0; i < FK_PAGES; i += 2)
        fk->unmapped[i + 1] = true;
    for (i = 0; i < FK_PAGES; i += 2)
        ck_assert_uint_eq(byte_at(&src, i, 0), i + 1);
    source_cache_suspend(&src);
    fk->readvs = 0;
    ck_assert_uint_eq(source_cache_refresh(&src), FK_PAGES / 2);
    ck_assert_uint_eq(fk->readvs, 1);
    ck_assert_uint_eq(fk->max_iov, FK_PAGES / 2);
    fk_free(&src);
}
END_TEST

/* ------------------------------------------------------------ source_walk_stopped */

struct walk_arg {
    struct fake *fk;
    bool cache_on;              /* what the walk saw */
};

/* Reads pages 3, 4, 5 and 20, as first_pass does. */
static int
walk_pages(struct source *src, void *arg)
{
    struct walk_arg *w = arg;

    fk_trace(w->fk, 'w');
    w->cache_on = src->cache_on;
    ck_assert_uint_eq(byte_at(src, 3, 0), 4);
    ck_assert_uint_eq(byte_at(src, 5, 0), 6);
    ck_assert_uint_eq(byte_at(src, 4, 0), 5);
    ck_assert_uint_eq(byte_at(src, 20, 100), 21);
    return 0;
}

static int
prewalk_pages(struct source *src, void *arg)
{
    fk_trace(((struct walk_arg *)arg)->fk, 'p');
    walk_pages(src, arg);
    return -AIO_E_FAULT;        /* ignored */
}

static int
walk_fails(struct source *src, void *arg)
{
    (void)src;
    fk_trace(((struct walk_arg *)arg)->fk, 'w');
    return -AIO_E_FAULT;
}

START_TEST(walk_stopped_prewalks_then_refreshes_in_one_call)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_walk);
    struct walk_arg w = { fk, false };
    struct source_walk_stats st;

    fk->motion = SOURCE_STOPPED;
    ck_assert_int_eq(source_walk_stopped(&src, prewalk_pages, walk_pages, &w, &st), 0);
    /* the pre-walk runs before the maps and the stop; pages 3-5 and 20 re-read in one readv */
    ck_assert_str_eq(fk->trace, "pwmswr");
    ck_assert(w.cache_on);
    ck_assert_uint_eq(st.refreshed_pages, 4);
    ck_assert_uint_eq(fk->readvs, 1);
    ck_assert_uint_eq(st.misses, 0);
    ck_assert(st.start <= st.stop && st.stop <= st.stopped && st.stopped <= st.refreshed &&
              st.refreshed <= st.walked);
    /* the walk's pages are kept for the next stop, the cache is off while the target runs */
    ck_assert(!src.cache_on);
    ck_assert(source_cache_has_kept(&src));
    fk->trace[0] = '\0';
    fk->readvs = 0;
    fk->mem[20 * SOURCE_PAGE + 100] = 99;
    ck_assert_int_eq(source_walk_stopped(&src, NULL, walk_fails, &w, &st), -AIO_E_FAULT);
    ck_assert_str_eq(fk->trace, "mswr");
    ck_assert_uint_eq(st.refreshed_pages, 4);
    ck_assert_uint_eq(fk->readvs, 1);
    fk_free(&src);
}
END_TEST

START_TEST(walk_stopped_static_and_running)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_walk);
    struct walk_arg w = { fk, false };
    struct source_walk_stats st;

    /* a core: never a pre-walk, a fresh cache for the walk, dropped after */
    fk->motion = SOURCE_STATIC;
    ck_assert_int_eq(source_walk_stopped(&src, prewalk_pages, walk_pages, &w, &st), 0);
    ck_assert_str_eq(fk->trace, "mswr");
    ck_assert(w.cache_on);
    ck_assert_uint_eq(st.refreshed_pages, 0);
    ck_assert(!src.cache_on && !source_cache_has_kept(&src));
    /* --nonblocking: no pre-walk and no cache at all */
    fk->motion = SOURCE_RUNNING;
    fk->trace[0] = '\0';
    ck_assert_int_eq(source_walk_stopped(&src, prewalk_pages, walk_pages, &w, NULL), 0);
    ck_assert_str_eq(fk->trace, "mswr");
    ck_assert(!w.cache_on);
    fk_free(&src);
}
END_TEST

/* The target runs on while the walk reads the copy: it changes page 3 first. */
static int
walk_copy(struct source *src, void *arg)
{
    struct walk_arg *w = arg;

    int rc;

    w->fk->mem[3 * SOURCE_PAGE] = 0x77;
    rc = walk_pages(src, arg);          /* still sees 4 on page 3: the copy */
    w->fk->mem[3 * SOURCE_PAGE] = 4;
    return rc;
}

/* Reads what walk_pages reads, and page 30 too (something the target made since). */
static int
walk_more(struct source *src, void *arg)
{
    walk_pages(src, arg);
    ck_assert_uint_eq(byte_at(src, 30, 0), 31);
    return 0;
}

START_TEST(walk_frozen_reads_the_copy_after_the_resume)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_walk);
    struct walk_arg w = { fk, false };
    struct source_walk_stats st;

    fk->motion = SOURCE_STOPPED;
    src.frozen_rounds = 2;
    ck_assert_int_eq(source_walk_stopped(&src, prewalk_pages, walk_copy, &w, &st), 0);
    /* stopped only for the copy: resumed before the walk */
    ck_assert_str_eq(fk->trace, "pwmsrw");
    ck_assert(st.frozen);
    ck_assert_uint_eq(st.rounds, 1);
    ck_assert_uint_eq(st.misses, 0);
    ck_assert_uint_eq(st.refreshed_pages, 4);
    ck_assert(!src.cache_on && !src.cache_frozen);
    ck_assert(source_cache_has_kept(&src));
    /* a page the copy lacks: copied again with it, and that copy is walked */
    fk->trace[0] = '\0';
    ck_assert_int_eq(source_walk_stopped(&src, NULL, walk_more, &w, &st), 0);
    ck_assert_str_eq(fk->trace, "msrwsrw");
    ck_assert(st.frozen);
    ck_assert_uint_eq(st.rounds, 2);
    ck_assert_uint_eq(st.misses, 0);
    fk_free(&src);
}
END_TEST

START_TEST(walk_frozen_falls_back_to_the_walk_under_the_stop)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_walk);
    struct walk_arg w = { fk, false };
    struct source_walk_stats st;

    fk->motion = SOURCE_STOPPED;
    src.frozen_rounds = 1;
    ck_assert_int_eq(source_walk_stopped(&src, prewalk_pages, walk_more, &w, &st), 0);
    /* the copy lacked page 30; one frozen round only: then the walk under the stop */
    ck_assert_str_eq(fk->trace, "pwmsrwswr");
    ck_assert(!st.frozen);
    ck_assert_uint_eq(st.rounds, 2);
    ck_assert_uint_eq(st.misses, 0);      /* page 30 was in the second copy */
    /* a target held by a tracer of ours is never resumed for a walk */
    fk->motion = SOURCE_HELD;
    fk->trace[0] = '\0';
    ck_assert_int_eq(source_walk_stopped(&src, NULL, walk_pages, &w, &st), 0);
    ck_assert_str_eq(fk->trace, "mswr");
    ck_assert(!st.frozen);
    fk_free(&src);
}
END_TEST

/* Any address reads as its page number: memory as large as the address space. */
static int
any_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct fake *fk = src->priv;
    unsigned char *b = buf;
    size_t i;

    fk->reads++;
    for (i = 0; i < len; i++)
        b[i] = (unsigned char)((addr + i) / SOURCE_PAGE);
    return 0;
}

static const struct source_ops fk_ops_any = { .read = any_read };

START_TEST(cache_keeps_pages_a_cache_size_apart)
{
    struct source src;
    struct fake *fk = fk_new(&src, &fk_ops_any);
    const uint64_t a = 0x7f0000000000ull, b = a + (uint64_t)SOURCE_CACHE_PAGES * SOURCE_PAGE;
    unsigned char x = 0, y = 0;
    unsigned reads;
    size_t i;

    source_cache_enable(&src, true);
    ck_assert_int_eq(source_read(&src, a, &x, 1), 0);
    ck_assert_int_eq(source_read(&src, b, &y, 1), 0);
    reads = fk->reads;
    /* a direct-mapped cache would have thrown one out for the other */
    ck_assert_int_eq(source_read(&src, a, &x, 1), 0);
    ck_assert_int_eq(source_read(&src, b, &y, 1), 0);
    ck_assert_uint_eq(fk->reads, reads);
    ck_assert_uint_eq(x, (unsigned char)(a / SOURCE_PAGE));
    ck_assert_uint_eq(y, (unsigned char)(b / SOURCE_PAGE));
    /* full: it starts over, and says so; the pages read since are kept */
    for (i = 0; i < SOURCE_CACHE_PAGES + 16; i++)
        ck_assert_int_eq(source_read(&src, a + (i + 1) * 2 * SOURCE_PAGE, &x, 1), 0);
    ck_assert(src.cache_full);
    reads = fk->reads;
    ck_assert_int_eq(source_read(&src, a + (SOURCE_CACHE_PAGES + 10) * 2 * SOURCE_PAGE, &x, 1), 0);
    ck_assert_uint_eq(fk->reads, reads);
    ck_assert_int_eq(source_read(&src, b, &y, 1), 0);
    ck_assert_uint_eq(fk->reads, reads + 1);
    ck_assert_uint_eq(y, (unsigned char)(b / SOURCE_PAGE));
    fk_free(&src);
}
END_TEST

/* Like process_vm_readv on a mapping with a hole: copies up to the hole, then fails. */
#define HOLE_PAGE 0x7f0000002000ull

/* A byte that tells pages apart, also pages SOURCE_CACHE_PAGES apart. */
static unsigned char
page_byte(uint64_t addr)
{
    return (unsigned char)((addr / SOURCE_PAGE * 2654435761u) >> 24);
}

static int
holed_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct fake *fk = src->priv;
    unsigned char *b = buf;
    size_t i;

    fk->reads++;
    for (i = 0; i < len; i++) {
        if ((addr + i) / SOURCE_PAGE == HOLE_PAGE / SOURCE_PAGE)
            return -AIO_E_FAULT;        /* what came before is written all the same */
        b[i] = page_byte(addr + i);
    }
    return 0;
}

static const struct source_ops fk_ops_holed = { .read = holed_read };

START_TEST(cache_read_ahead_into_a_hole_spoils_no_page)
{
    struct source src;
    const uint64_t x = HOLE_PAGE - 2 * SOURCE_PAGE;
    /* the page a cache of SOURCE_CACHE_PAGES direct-mapped slots kept where x + 1 goes */
    const uint64_t a = x + ((uint64_t)SOURCE_CACHE_PAGES + 1) * SOURCE_PAGE;
    char line[] = "7f0000000000-7f0000008000 rw-p 00000000 00:00 0\n";
    FILE *f;
    unsigned char v = 0;

    fk_new(&src, &fk_ops_holed);
    f = fmemopen(line, strlen(line), "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(maps_parse(&src.maps, f), 0);
    fclose(f);
    source_cache_enable(&src, true);
    ck_assert_int_eq(source_read(&src, a, &v, 1), 0);
    /* the read-ahead of x covers x + 1, then the hole: x alone is read again */
    ck_assert_int_eq(source_read(&src, x, &v, 1), 0);
    ck_assert_uint_eq(v, page_byte(x));
    ck_assert_int_eq(source_read(&src, a, &v, 1), 0);
    ck_assert_uint_eq(v, page_byte(a));
    ck_assert_int_eq(source_read(&src, x + SOURCE_PAGE, &v, 1), 0);
    ck_assert_uint_eq(v, page_byte(x + SOURCE_PAGE));
    fk_free(&src);
}
END_TEST

/* ------------------------------------------------------------ what only a live process knows */

START_TEST(live_source_knows_its_process)
{
    char cmd[256], host[4096], want[64];
    struct source src;
    struct stat a, b;
    uint64_t ns = 0;
    const char *exe = NULL;
    size_t i, n;
    pid_t child;
    int rc, status;

    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        execl("/bin/sleep", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    /* until the exec is done: the command line is sleep's */
    for (i = 0; i < 500; i++) {
        char path[64], got[64] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)child);
        f = fopen(path, "r");
        if (f) {
            n = fread(got, 1, sizeof(got) - 1, f);
            fclose(f);
            if (n == 9 && memcmp(got, "sleep\0" "60", 9) == 0)
                break;
        }
        usleep(10000);
    }
    rc = live_open(&src, child, true);
    if (rc == -AIO_E_PERM) {
        unit_skip(__func__, "%s", err_msg(rc));
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        return;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(source_motion(&src), SOURCE_RUNNING);      /* opened nonblocking */
    n = source_cmdline(&src, cmd, sizeof(cmd));
    ck_assert_uint_eq(n, strlen("sleep 60"));
    ck_assert(memcmp(cmd, "sleep 60", n) == 0);
    ck_assert_int_eq(source_thread_cpu(&src, child, &ns), 0);
    ck_assert(source_alive(&src));
    /* a mapped file: /proc/PID/root + path, the very file (device and inode) */
    for (i = 0; i < src.maps.n && !exe; i++)
        if (strstr(src.maps.v[i].path, "sleep"))
            exe = src.maps.v[i].path;
    ck_assert_ptr_nonnull(exe);
    ck_assert_int_eq(source_host_path(&src, exe, host, sizeof(host)), 0);
    snprintf(want, sizeof(want), "/proc/%d/root/", (int)child);
    ck_assert_int_eq(strncmp(host, want, strlen(want) - 1), 0);
    ck_assert_int_eq(stat(host, &a), 0);
    ck_assert_int_eq(stat(exe, &b), 0);
    ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    /* a file the target does not map: under its root all the same */
    ck_assert_int_eq(source_host_path(&src, "/etc/hostname", host, sizeof(host)), 0);
    snprintf(want, sizeof(want), "/proc/%d/root/etc/hostname", (int)child);
    ck_assert_str_eq(host, want);
    kill(child, SIGKILL);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(!source_alive(&src));
    source_close(&src);
}
END_TEST

START_TEST(image_source_has_no_files)
{
    static const uint8_t hdr[] = { 'A', 'I', 'O', 'M', 'I', 'M', 'G', '\n',
                                   1, 0, 0, 0, 0, 0, 0, 0 };
    struct source src;
    char host[64] = "x", cmd[16];
    uint64_t ns;

    /* no INFO record: refused, yet src is usable as after source_init */
    ck_assert_int_lt(image_open_mem(&src, hdr, sizeof(hdr), &(struct image_runtime){ 0 }), 0);
    ck_assert_int_eq(source_host_path(&src, "/usr/bin/python3", host, sizeof(host)), -AIO_E_IO);
    ck_assert_str_eq(host, "");
    ck_assert_uint_eq(source_cmdline(&src, cmd, sizeof(cmd)), 0);
    ck_assert_int_lt(source_thread_cpu(&src, 1, &ns), 0);
    ck_assert(source_alive(&src));
    ck_assert_int_eq(source_motion(&src), SOURCE_STATIC);
    source_close(&src);
}
END_TEST

Suite *
suite_source(void)
{
    Suite *s = suite_create("source");
    TCase *tc = tcase_create("cache");

    tcase_add_test(tc, refresh_rereads_kept_pages_in_one_call);
    tcase_add_test(tc, refresh_drops_pages_gone_since);
    tcase_add_test(tc, refresh_without_readv_reads_page_by_page);
    tcase_add_test(tc, refresh_with_nothing_kept_is_an_empty_cache);
    tcase_add_test(tc, cache_off_reads_straight_through);
    tcase_add_test(tc, cache_keeps_pages_a_cache_size_apart);
    tcase_add_test(tc, cache_read_ahead_into_a_hole_spoils_no_page);
    tcase_add_test(tc, walk_frozen_reads_the_copy_after_the_resume);
    tcase_add_test(tc, walk_frozen_falls_back_to_the_walk_under_the_stop);
    tcase_add_test(tc, refresh_many_runs_span_calls);
    suite_add_tcase(s, tc);
    tc = tcase_create("walk");
    tcase_add_test(tc, walk_stopped_prewalks_then_refreshes_in_one_call);
    tcase_add_test(tc, walk_stopped_static_and_running);
    tcase_add_test(tc, live_source_knows_its_process);
    tcase_add_test(tc, image_source_has_no_files);
    suite_add_tcase(s, tc);
    return s;
}
