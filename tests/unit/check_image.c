/*
 * check_image.c - the memory-image source (attach/image.[ch]).
 *
 *   - replay: every image under fuzz/corpus/walk (captured from a real
 *     process by tools/capture-image) walked with py_snapshot_read gives the
 *     same threads and tasks as the live snapshot stored in its NOTE
 *     (compared as JSON writer output, both sides read back through
 *     snap_read_json so that only what the JSON carries is compared, and the
 *     timings zeroed)
 *   - the memory model (page granularity, zero fill, faults), the writer
 *     round trip, thread names and namespace tids
 *   - hostile images: each malformed header, record and range is refused
 *     with BADFILE; truncated and bit-flipped captured images walk without a
 *     crash; every fuzz/regressions/walk-* input walks without a crash
 *
 * Files are found relative to the working directory (make check-unit runs
 * from the top of the tree), or under $AIOMON_SRCDIR.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach/image.h"
#include "common/err.h"
#include "skip.h"
#include "snapshot/load.h"
#include "view/write.h"
#include "../../fuzz/image_runtime.h"

Suite *suite_image(void);

#define IT_MAX_FILES 64

static void
it_path(char *buf, size_t size, const char *rel)
{
    const char *top = getenv("AIOMON_SRCDIR");

    snprintf(buf, size, "%s/%s", top && top[0] ? top : ".", rel);
}

/* Sorted names in dir starting with prefix and ending with suffix. */
static size_t
it_list(const char *dir, const char *prefix, const char *suffix, char names[][256], size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0, i, j;

    if (!d)
        return 0;
    while ((de = readdir(d)) && n < max) {
        size_t len = strlen(de->d_name), sl = strlen(suffix);

        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || len < sl ||
            strcmp(de->d_name + len - sl, suffix) != 0 || len >= 256)
            continue;
        snprintf(names[n++], 256, "%s", de->d_name);
    }
    closedir(d);
    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[256];

            memcpy(t, names[j], 256);
            memcpy(names[j], names[j - 1], 256);
            memcpy(names[j - 1], t, 256);
        }
    }
    return n;
}

static uint8_t *
it_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert(buf != NULL);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* What the JSON carries, minus what differs between two reads of one state. */
static char *
it_normal_json(const struct snap *in)
{
    char tmpl[] = "/tmp/aiomon-check-image.XXXXXX";
    char *out = NULL;
    size_t len = 0, i;
    struct snap *s;
    FILE *f;
    int fd = mkstemp(tmpl), err;

    ck_assert(fd >= 0);
    f = fdopen(fd, "w");
    ck_assert(f != NULL);
    snap_write_json(f, in, NULL);
    ck_assert_int_eq(fclose(f), 0);
    s = snap_read_json(tmpl, &err);
    unlink(tmpl);
    ck_assert_msg(s != NULL, "snap_read_json: %s", err_msg(err));
    s->taken_at_ns = s->stopped_ns = s->read_ns = s->bytes_read = s->read_calls = 0;
    s->flags &= ~(SNAP_F_LOADED | SNAP_F_TORN | SNAP_F_CORE);
    s->cmdline.s = NULL;
    s->cmdline.len = 0;
    /*
     * Seconds are against the clock of the moment: a live walk has one, a
     * replay none.
     */
    for (i = 0; i < s->ntasks; i++) {
        struct snap_task *t = &s->tasks[i];

        if (t->waiting_on)
            ((struct snap_wait *)t->waiting_on)->known &=
                ~(SNAP_WK_SECONDS_LEFT | SNAP_WK_TIMEOUT_IN);
    }
    f = open_memstream(&out, &len);
    ck_assert(f != NULL);
    snap_write_json(f, s, NULL);
    fclose(f);
    snap_free(s);
    return out;
}

static struct snap *
it_walk(struct source *src, const struct image_runtime *ir, int *rc)
{
    struct py_runtime *rt = calloc(1, sizeof(*rt));
    struct snap *s = snap_new(src->pid);

    ck_assert(rt != NULL);
    *rc = image_runtime_fill(ir, rt);
    if (*rc == 0)
        *rc = py_snapshot_read(src, rt, s);
    free(rt);
    return s;
}

/* Hostile bytes through the whole path; must simply not crash. */
static void
it_walk_bytes(const uint8_t *data, size_t len)
{
    struct source src;
    struct image_runtime ir;
    struct write_opts wo = { .stacks = true };
    FILE *null = fopen("/dev/null", "w");

    ck_assert(null != NULL);
    if (image_open_mem(&src, data, len, &ir) == 0) {
        int rc;
        struct snap *s = it_walk(&src, &ir, &rc);

        snap_write_json(null, s, NULL);
        snap_write_text(null, s, &wo);
        snap_free(s);
    }
    source_close(&src);
    fclose(null);
}

static void
it_replay_one(const char *path)
{
    struct source src;
    struct image_runtime ir;
    char tmpl[] = "/tmp/aiomon-check-image-note.XXXXXX";
    char *a, *b;
    struct snap *s, *live;
    FILE *f;
    int rc, fd, err;

    rc = image_open(&src, path, &ir);
    ck_assert_msg(rc == 0, "%s: %s", path, err_msg(rc));
    ck_assert_msg(ir.note && ir.note_len > 0, "%s: no NOTE (the live snapshot)", path);
    s = it_walk(&src, &ir, &rc);
    ck_assert_msg(rc == 0, "%s: walk: %s", path, err_msg(rc));
    ck_assert_msg(s->nthreads >= 1, "%s: no thread", path);
    ck_assert_msg(s->ntasks >= 1, "%s: no task", path);

    fd = mkstemp(tmpl);
    ck_assert(fd >= 0);
    f = fdopen(fd, "w");
    ck_assert(f != NULL);
    ck_assert_uint_eq(fwrite(ir.note, 1, ir.note_len, f), ir.note_len);
    ck_assert_int_eq(fclose(f), 0);
    live = snap_read_json(tmpl, &err);
    unlink(tmpl);
    ck_assert_msg(live != NULL, "%s: NOTE is not a snapshot: %s", path, err_msg(err));

    a = it_normal_json(s);
    b = it_normal_json(live);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "--- %s: replay\n%s\n--- live\n%s\n", path, a, b);
        ck_abort_msg("%s: the replay differs from the live snapshot", path);
    }
    free(a);
    free(b);
    snap_free(live);
    snap_free(s);
    source_close(&src);
}

START_TEST(test_replay_corpus)
{
    static char names[IT_MAX_FILES][256];
    char dir[512], path[1024];
    size_t n, i;

    it_path(dir, sizeof(dir), "fuzz/corpus/walk");
    n = it_list(dir, "py", ".img", names, IT_MAX_FILES);
    ck_assert_msg(n >= 3, "fewer than 3 captured images in %s (run from the top of the tree)",
                  dir);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        it_replay_one(path);
    }
}
END_TEST

/* ------------------------------------------------------------ hostile input */

struct it_buf {
    uint8_t b[4096];
    size_t n;
};

static void
it_put(struct it_buf *ib, const void *p, size_t n)
{
    ck_assert(ib->n + n <= sizeof(ib->b));
    memcpy(ib->b + ib->n, p, n);
    ib->n += n;
}

static void
it_u32(struct it_buf *ib, uint32_t v)
{
    it_put(ib, &v, 4);     /* x86_64: little-endian already */
}

static void
it_u64(struct it_buf *ib, uint64_t v)
{
    it_put(ib, &v, 8);
}

static void
it_header(struct it_buf *ib, uint32_t version)
{
    ib->n = 0;
    it_put(ib, IMAGE_MAGIC, 8);
    it_u32(ib, version);
    it_u32(ib, 0);
}

static void
it_pad(struct it_buf *ib)
{
    static const uint8_t z[8];

    if (ib->n % 8)
        it_put(ib, z, 8 - ib->n % 8);
}

static void
it_info(struct it_buf *ib, int32_t pid, int32_t toff)
{
    uint8_t info[120] = { 0 };

    memcpy(info, &pid, 4);
    memcpy(info + 4, &toff, 4);
    memcpy(info + 24, "3.12.1", 6);
    memcpy(info + 56, "table", 5);
    it_u32(ib, IMAGE_REC_INFO);
    it_u32(ib, sizeof(info));
    it_put(ib, info, sizeof(info));
}

static void
it_range(struct it_buf *ib, uint64_t addr, const void *bytes, uint32_t n)
{
    it_u32(ib, IMAGE_REC_RANGE);
    it_u32(ib, 8 + n);
    it_u64(ib, addr);
    it_put(ib, bytes, n);
    it_pad(ib);
}

static void
it_thread(struct it_buf *ib, int64_t tid, int64_t ns, const char *name)
{
    it_u32(ib, IMAGE_REC_THREAD);
    it_u32(ib, 16 + (uint32_t)strlen(name));
    it_u64(ib, (uint64_t)tid);
    it_u64(ib, (uint64_t)ns);
    it_put(ib, name, strlen(name));
    it_pad(ib);
}

static void
it_expect_bad(const struct it_buf *ib, const char *what)
{
    struct source src;
    struct image_runtime ir;
    int rc = image_open_mem(&src, ib->b, ib->n, &ir);

    ck_assert_msg(rc == -AIO_E_BADFILE, "%s: got %d, expected BADFILE", what, rc);
    ck_assert(src.priv == NULL && src.tids == NULL);
    source_close(&src);
}

static void
it_expect_ok(const struct it_buf *ib, const char *what)
{
    struct source src;
    struct image_runtime ir;
    int rc = image_open_mem(&src, ib->b, ib->n, &ir);

    ck_assert_msg(rc == 0, "%s: %s", what, err_msg(rc));
    source_close(&src);
}

START_TEST(test_hostile_headers)
{
    struct it_buf ib;
    uint8_t bytes[16] = { 1, 2, 3 };

    ib.n = 0;
    it_expect_bad(&ib, "empty");
    it_header(&ib, IMAGE_VERSION);
    ib.b[0] = 'X';
    it_expect_bad(&ib, "bad magic");
    it_header(&ib, 2);
    it_info(&ib, 1, -1);
    it_expect_bad(&ib, "version 2");
    it_header(&ib, IMAGE_VERSION);
    it_expect_bad(&ib, "no INFO");
    it_info(&ib, 42, -1);
    it_expect_ok(&ib, "INFO only");
    ib.n -= 1;
    it_expect_bad(&ib, "INFO cut short");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 42, -1);
    it_u32(&ib, IMAGE_REC_RANGE);
    it_expect_bad(&ib, "half a record header");
    ib.n -= 4;
    it_u32(&ib, IMAGE_REC_RANGE);
    it_u32(&ib, 0xffffffffu);
    it_u64(&ib, 0x1000);
    it_expect_bad(&ib, "record longer than the file");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 42, -1);
    it_info(&ib, 43, -1);
    it_expect_bad(&ib, "two INFO");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, -5, -1);
    it_expect_bad(&ib, "negative pid");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, 70000);
    it_expect_bad(&ib, "tid offset");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, 77);
    it_u32(&ib, 3);
    it_put(&ib, bytes, 3);
    it_pad(&ib);
    it_expect_ok(&ib, "unknown record type skipped");
    it_u32(&ib, 77);
    it_u32(&ib, 3);
    it_put(&ib, bytes, 3);
    it_expect_ok(&ib, "missing final padding");
}
END_TEST

START_TEST(test_hostile_records)
{
    struct it_buf ib;
    uint8_t bytes[64];
    uint8_t fx[16] = { 0 };

    memset(bytes, 0xab, sizeof(bytes));
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, IMAGE_REC_FIELD);
    it_u32(&ib, 16 + 4);
    it_put(&ib, fx, 16);
    it_put(&ib, "ts\x1b[", 4);
    it_expect_bad(&ib, "field name with escape");

    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, IMAGE_REC_FIELD);
    it_u32(&ib, 16);
    it_put(&ib, fx, 16);
    it_expect_bad(&ib, "field without a name");

    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, IMAGE_REC_FIELD);
    it_u32(&ib, 16 + 64);
    it_put(&ib, fx, 16);
    memset(bytes, 'A', 64);
    it_put(&ib, bytes, 64);
    it_expect_bad(&ib, "field name of 64 bytes");

    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_thread(&ib, 0, 0, "x");
    it_expect_bad(&ib, "tid 0");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_thread(&ib, 5, -1, "x");
    it_expect_bad(&ib, "negative namespace tid");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_thread(&ib, 1L << 40, 0, "x");
    it_expect_bad(&ib, "huge tid");

    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, IMAGE_REC_RANGE);
    it_u32(&ib, 8);
    it_u64(&ib, 0x1000);
    it_expect_bad(&ib, "empty range");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_range(&ib, UINT64_MAX - 3, bytes, 8);
    it_expect_bad(&ib, "range wrapping around");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_range(&ib, 0x1000, bytes, 16);
    it_range(&ib, 0x100f, bytes, 16);
    it_expect_bad(&ib, "overlapping ranges");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_range(&ib, 0x1010, bytes, 16);
    it_range(&ib, 0x1000, bytes, 16);
    it_expect_ok(&ib, "adjacent ranges out of order");
    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_range(&ib, UINT64_MAX - 8, bytes, 8);
    it_expect_ok(&ib, "range ending at the top of the address space");

    it_header(&ib, IMAGE_VERSION);
    it_info(&ib, 5, -1);
    it_u32(&ib, IMAGE_REC_NOTE);
    it_u32(&ib, 0);
    it_u32(&ib, IMAGE_REC_NOTE);
    it_u32(&ib, 0);
    it_expect_bad(&ib, "two NOTE");
}
END_TEST

/* The memory model and the writer, through a file. */
START_TEST(test_memory_model)
{
    char path[] = "/tmp/aiomon-check-image-w.XXXXXX";
    struct image_field fields[1] = { { .name = "TS_NEXT", .off = 8, .size = 8 } };
    struct image_runtime ir = { .pid = 77, .pthread_tid_off = 720, .runtime_addr = 0x5000,
                                .version_hex = 0x030c01f0, .version = "3.12.1",
                                .layout_source = "dwarf", .fields = fields, .nfields = 1 };
    struct image_runtime back;
    struct image_writer *w;
    struct source src;
    uint8_t pat[100], buf[8192];
    char name[32];
    size_t i;
    int fd = mkstemp(path);

    ck_assert(fd >= 0);
    close(fd);
    for (i = 0; i < sizeof(pat); i++)
        pat[i] = (uint8_t)(i + 1);
    w = image_writer_new(&ir);
    image_writer_add(w, 0x10010, pat, 50);          /* page 0x10000: bytes 0x10..0x41 */
    image_writer_add(w, 0x10030, pat, 100);         /* overlaps; later bytes win */
    image_writer_add(w, 0x11ff0, pat, 32);          /* straddles into page 0x12000 */
    image_writer_add(w, UINT64_MAX - 4, pat, 4);    /* the last bytes a range can hold */
    image_writer_add(w, UINT64_MAX - 3, pat, 4);    /* one too far: dropped */
    image_writer_thread(w, 1234, 7, "worker\x1b");
    image_writer_thread(w, 77, 0, "main");
    image_writer_note(w, "{}", 2);
    ck_assert_uint_eq(image_writer_bytes(w), 0x94 - 0x10 + 32 + 4);
    ck_assert_int_eq(image_writer_save(w, path), 0);
    image_writer_free(w);

    ck_assert_int_eq(image_open(&src, path, &back), 0);
    unlink(path);
    ck_assert_int_eq(src.pid, 77);
    ck_assert_int_eq(back.pthread_tid_off, 720);
    ck_assert_uint_eq(back.runtime_addr, 0x5000);
    ck_assert_uint_eq(back.version_hex, 0x030c01f0);
    ck_assert_str_eq(back.version, "3.12.1");
    ck_assert_str_eq(back.layout_source, "dwarf");
    ck_assert_uint_eq(back.nfields, 1);
    ck_assert_str_eq(back.fields[0].name, "TS_NEXT");
    ck_assert_uint_eq(back.fields[0].off, 8);
    ck_assert_uint_eq(back.note_len, 2);
    ck_assert_uint_eq(src.ntids, 2);

    /* bytes as written, later ones winning, zeros where nothing was read */
    ck_assert_int_eq(source_read(&src, 0x10000, buf, 0x100), 0);
    for (i = 0; i < 0x10; i++)
        ck_assert_uint_eq(buf[i], 0);
    for (i = 0x10; i < 0x30; i++)
        ck_assert_uint_eq(buf[i], pat[i - 0x10]);
    for (i = 0x30; i < 0x94; i++)
        ck_assert_uint_eq(buf[i], pat[i - 0x30]);
    for (i = 0x94; i < 0x100; i++)
        ck_assert_uint_eq(buf[i], 0);
    /* a whole page, and across the two pages the straddling read touched */
    ck_assert_int_eq(source_read(&src, 0x10000, buf, 4096), 0);
    ck_assert_int_eq(source_read(&src, 0x11000, buf, 8192), 0);
    ck_assert_uint_eq(buf[0xff0], pat[0]);
    ck_assert_uint_eq(buf[0x100f], pat[31]);
    /* into a page nothing was read from: a fault, as unmapped memory */
    ck_assert_int_eq(source_read(&src, 0x12000, buf, 4097), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, 0xf000, buf, 0x1001), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, 0x20000, buf, 1), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, 0, buf, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, UINT64_MAX - 4, buf, 4), 0);
    ck_assert_uint_eq(buf[3], pat[3]);
    ck_assert_int_eq(source_read(&src, UINT64_MAX - 4, buf, 5), -AIO_E_FAULT);
    /* the same through the page cache */
    source_cache_enable(&src, true);
    ck_assert_int_eq(source_read(&src, 0x10030, buf, 4), 0);
    ck_assert_uint_eq(buf[0], pat[0]);
    ck_assert_int_eq(source_read(&src, 0x11ffe, buf, 4), 0);
    ck_assert_int_eq(source_read(&src, 0x12ffe, buf, 4), -AIO_E_FAULT);
    source_cache_enable(&src, false);

    /* names as recorded (raw bytes), namespace tids translated */
    source_thread_name(&src, 1234, name, sizeof(name));
    ck_assert_str_eq(name, "worker\x1b");
    source_thread_name(&src, 999, name, sizeof(name));
    ck_assert_str_eq(name, "");
    ck_assert_int_eq(source_host_tid(&src, 7), 1234);
    ck_assert_int_eq(source_host_tid(&src, 8), 8);
    ck_assert_int_eq(source_stop(&src), 0);
    source_close(&src);
}
END_TEST

/* Truncations and bit flips of a captured image: refused or walked, never a crash. */
START_TEST(test_corrupted_corpus)
{
    static char names[IT_MAX_FILES][256];
    char dir[512], path[1024];
    uint64_t lcg = 0x2545f4914f6cdd1dull;
    uint8_t *data, *copy;
    size_t n, len, cut, k, j;

    it_path(dir, sizeof(dir), "fuzz/corpus/walk");
    n = it_list(dir, "py", ".img", names, IT_MAX_FILES);
    ck_assert(n >= 1);
    snprintf(path, sizeof(path), "%s/%s", dir, names[_i % n]);
    data = it_slurp(path, &len);
    copy = malloc(len);
    ck_assert(copy != NULL);
    for (cut = 0; cut < len; cut += len / 40 + 1)
        it_walk_bytes(data, cut);
    for (k = 0; k < 60; k++) {
        memcpy(copy, data, len);
        for (j = 0; j < 8; j++) {
            lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
            copy[(lcg >> 17) % len] ^= (uint8_t)(1u << ((lcg >> 5) % 8));
        }
        it_walk_bytes(copy, len);
    }
    free(copy);
    free(data);
}
END_TEST

/* Inputs that once crashed or hung a fuzzer (fuzz/regressions/walk-*). */
START_TEST(test_regressions)
{
    static char names[IT_MAX_FILES][256];
    char dir[512], path[1024];
    uint8_t *data;
    size_t n, i, len;

    it_path(dir, sizeof(dir), "fuzz/regressions");
    n = it_list(dir, "walk-", "", names, IT_MAX_FILES);
    if (n == 0) {
        unit_skip(__func__, "no fuzz/regressions/walk-* inputs in %s (run from the top of the "
                  "tree, or set AIOMON_SRCDIR)", dir);
        return;
    }
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        data = it_slurp(path, &len);
        it_walk_bytes(data, len);
        free(data);
    }
}
END_TEST

Suite *
suite_image(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("image");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_replay_corpus);
    tcase_add_test(tc, test_hostile_headers);
    tcase_add_test(tc, test_hostile_records);
    tcase_add_test(tc, test_memory_model);
    tcase_add_loop_test(tc, test_corrupted_corpus, 0, 3);
    tcase_add_test(tc, test_regressions);
    suite_add_tcase(s, tc);
    return s;
}
