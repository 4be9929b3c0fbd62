/*
 * check_track_install.c - the tracker's way in (track/): the embedded source
 * is the file's, the scripts quote what comes from argv so that nothing can end
 * their literals, the versions PEP 768 is refused for, and the options.
 */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/image.h"
#include "cmd/options.h"
#include "common/err.h"
#include "track/pep768.h"
#include "track/script.h"

Suite *suite_track_install(void);

START_TEST(test_track_embedded_source)
{
    FILE *f = fopen("track/aiomon_tracker.py", "rb");
    char *buf;
    size_t n;

    ck_assert_ptr_nonnull(f);
    buf = malloc(track_tracker_py_len + 2);
    ck_assert_ptr_nonnull(buf);
    n = fread(buf, 1, track_tracker_py_len + 1, f);
    fclose(f);
    ck_assert_uint_eq(n, track_tracker_py_len);
    ck_assert(memcmp(buf, track_tracker_py, n) == 0);
    ck_assert_int_eq(track_tracker_py[track_tracker_py_len], '\0');
    free(buf);
}
END_TEST

START_TEST(test_track_script_quotes_patterns)
{
    const char *pats[] = { "a'b", "x\\y", "\n)\nimport os #", "\xff\x01" };
    struct track_args a = { .keep = 7, .critical = pats, .ncritical = 4 };
    char *s = track_script_install(&a), *site = track_sitecustomize(&a);

    ck_assert_ptr_nonnull(strstr(s, "m.install(keep=7, critical=["));
    ck_assert_ptr_nonnull(strstr(s, "b'a\\x27b'.decode('utf-8', 'surrogateescape')"));
    ck_assert_ptr_nonnull(strstr(s, "b'x\\x5cy'"));
    ck_assert_ptr_nonnull(strstr(s, "b'\\xff\\x01'"));
    /* the newlines of a pattern are escapes, never lines of the script */
    ck_assert_ptr_null(strstr(s, "\nimport os"));
    ck_assert_ptr_null(strstr(s, "\n)\n"));
    ck_assert_ptr_nonnull(strstr(site, "_aiomon_tracker.install_at_start(keep=7, critical=["));
    ck_assert_ptr_null(strstr(site, "\nimport os"));
    ck_assert_ptr_nonnull(strstr(site, "PathFinder.find_spec('sitecustomize', path)"));
    /* the tracker's own source is in the script, escaped: no quote of it is raw */
    ck_assert_ptr_nonnull(strstr(s, "b'STATE = {\\n'"));
    free(s);
    free(site);
    s = track_script_untrack();
    ck_assert_ptr_nonnull(strstr(s, "m.untrack()"));
    free(s);
}
END_TEST

static int
track_supported_hex(uint64_t hex, const char *version)
{
    struct py_runtime rt;

    memset(&rt, 0, sizeof(rt));
    rt.version_hex = hex;
    snprintf(rt.version, sizeof(rt.version), "%s", version);
    err_clear();
    return track_pep768_supported(&rt);
}

START_TEST(test_track_pep768_versions)
{
    ck_assert_int_eq(track_supported_hex(0x030e0af0, "3.14.10"), 0);
    ck_assert_int_eq(track_supported_hex(0x030f02f0, "3.15.2"), 0);
    ck_assert_int_eq(track_supported_hex(0x030c01f0, "3.12.1"), -AIO_E_VERSION);
    ck_assert_str_eq(err_msg(AIO_E_VERSION), "--track needs CPython 3.14+ (PEP 768); this is "
                     "3.12.1: use --run --track -- CMD");
    ck_assert_int_eq(track_supported_hex(0x030e00a7, "3.14.0a7"), -AIO_E_VERSION);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_VERSION), "3.14.0b2 or later"));
    ck_assert_int_eq(track_supported_hex(0x031000f0, "3.16.0"), -AIO_E_VERSION);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_VERSION), "3.14 and 3.15 only"));
}
END_TEST

/* ---------------------------------------------------------------- a made-up 3.14 process */

#define PI_RUNTIME 0x10000ull
#define PI_INTERP 0x20000ull
#define PI_MAIN 0x30000ull
#define PI_OTHER 0x31000ull
#define PI_TS_SIZE 1000
#define PI_LOOP_OFF 900         /* asyncio_running_loop in the thread state */

struct pi_buf {
    uint8_t b[16384];
    size_t n;
};

static void
pi_put(struct pi_buf *ib, const void *p, size_t n)
{
    ck_assert_uint_le(ib->n + n, sizeof(ib->b));
    memcpy(ib->b + ib->n, p, n);
    ib->n += n;
}

static void
pi_rec(struct pi_buf *ib, uint32_t type, const void *p, size_t n, const void *p2, size_t n2)
{
    uint32_t hdr[2] = { type, (uint32_t)(n + n2) };
    static const uint8_t zero[8];

    pi_put(ib, hdr, sizeof(hdr));
    pi_put(ib, p, n);
    if (n2)
        pi_put(ib, p2, n2);
    pi_put(ib, zero, (8 - (n + n2) % 8) % 8);
}

static void
pi_range(struct pi_buf *ib, uint64_t addr, const void *p, size_t n)
{
    pi_rec(ib, IMAGE_REC_RANGE, &addr, sizeof(addr), p, n);
}

static void
pi_u64(uint8_t *b, size_t pos, uint64_t v)
{
    memcpy(b + pos, &v, sizeof(v));
}

/*
 * The image: _Py_DebugOffsets of 3.14 (only what --track reads), one
 * interpreter, the main thread and another one; loop_main / loop_other: which
 * runs an asyncio loop.  Changes: enabled (the interpreter's flag), path_size.
 */
static void
pi_build(struct pi_buf *ib, int enabled, uint64_t path_size, bool loop_main, bool loop_other,
         const char *cookie)
{
    uint8_t rtb[760], interp[0x200], ts[PI_TS_SIZE];
    uint8_t info[120];
    int32_t pid = 4242, tidoff = -1;
    uint64_t v = PI_RUNTIME, hex = 0x030e0af0;

    ib->n = 0;
    pi_put(ib, IMAGE_MAGIC, 8);
    pi_put(ib, &(uint32_t){ IMAGE_VERSION }, 4);
    pi_put(ib, &(uint32_t){ 0 }, 4);
    memset(info, 0, sizeof(info));
    memcpy(info, &pid, 4);
    memcpy(info + 4, &tidoff, 4);
    memcpy(info + 8, &v, 8);
    memcpy(info + 16, &hex, 8);
    strcpy((char *)info + 24, "3.14.10");
    pi_rec(ib, IMAGE_REC_INFO, info, sizeof(info), NULL, 0);

    memset(rtb, 0, sizeof(rtb));
    memcpy(rtb, cookie, 8);
    pi_u64(rtb, 8, hex);
    pi_u64(rtb, 40, PI_INTERP);         /* _PyRuntime.interpreters.head (the layout says 40) */
    pi_u64(rtb, 48, sizeof(interp));    /* interpreter_state.size */
    pi_u64(rtb, 80, 0x50);              /* interpreter_state.threads_main */
    pi_u64(rtb, 176, PI_TS_SIZE);       /* thread_state.size */
    pi_u64(rtb, 712, 0x18);             /* eval_breaker */
    pi_u64(rtb, 720, 0x130);            /* remote_debugger_support */
    pi_u64(rtb, 728, 0x100);            /* remote_debugging_enabled (in the interpreter) */
    pi_u64(rtb, 736, 0);                /* debugger_pending_call */
    pi_u64(rtb, 744, 4);                /* debugger_script_path */
    pi_u64(rtb, 752, path_size);        /* debugger_script_path_size */
    pi_range(ib, PI_RUNTIME, rtb, sizeof(rtb));

    memset(interp, 0, sizeof(interp));
    pi_u64(interp, 72, PI_OTHER);       /* threads.head: the newest thread */
    pi_u64(interp, 0x50, PI_MAIN);
    memcpy(interp + 0x100, &enabled, 4);
    pi_range(ib, PI_INTERP, interp, sizeof(interp));

    memset(ts, 0, sizeof(ts));
    pi_u64(ts, 192, PI_MAIN);           /* next */
    pi_u64(ts, 224, 4343);              /* native_thread_id */
    pi_u64(ts, PI_LOOP_OFF, loop_other ? 0x7000 : 0);
    pi_range(ib, PI_OTHER, ts, sizeof(ts));
    memset(ts, 0, sizeof(ts));
    pi_u64(ts, 224, 4242);
    pi_u64(ts, PI_LOOP_OFF, loop_main ? 0x7000 : 0);
    pi_range(ib, PI_MAIN, ts, sizeof(ts));
}

static void
pi_field(struct py_runtime *rt, enum py_field f, uint32_t off)
{
    rt->L.f[f].present = true;
    rt->L.f[f].off = off;
    rt->L.f[f].size = 8;
}

static int
pi_prepare(struct pi_buf *ib, struct track_request *req)
{
    struct image_runtime ir;
    struct py_runtime rt;
    struct source src;
    int rc;

    ck_assert_int_eq(image_open_mem(&src, ib->b, ib->n, &ir), 0);
    memset(&rt, 0, sizeof(rt));
    rt.runtime_addr = ir.runtime_addr;
    rt.version_hex = ir.version_hex;
    snprintf(rt.version, sizeof(rt.version), "%s", ir.version);
    pi_field(&rt, PYF_RT_INTERP_HEAD, 40);
    pi_field(&rt, PYF_IS_TSTATE_HEAD, 72);
    pi_field(&rt, PYF_TS_NEXT, 192);
    pi_field(&rt, PYF_TS_NATIVE_TID, 224);
    pi_field(&rt, PYF_TS_ASYNCIO_RUNNING_LOOP, PI_LOOP_OFF);
    err_clear();
    rc = track_pep768_prepare(&src, &rt, req);
    source_close(&src);
    return rc;
}

START_TEST(test_track_pep768_prepare)
{
    static struct pi_buf ib;
    struct track_request req;

    /* the main thread runs the loop: it is asked */
    pi_build(&ib, 1, 512, true, false, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), 0);
    ck_assert_uint_eq(req.tstate, PI_MAIN);
    ck_assert(req.loop_thread && req.main_thread);
    ck_assert_int_eq(req.tid, 4242);
    ck_assert_uint_eq(req.breaker_addr, PI_MAIN + 0x18);
    ck_assert_uint_eq(req.pending_addr, PI_MAIN + 0x130);
    ck_assert_uint_eq(req.path_addr, PI_MAIN + 0x134);
    ck_assert_uint_eq(req.path_size, 512);
    /* another thread runs it: that one */
    pi_build(&ib, 1, 512, false, true, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), 0);
    ck_assert_uint_eq(req.tstate, PI_OTHER);
    ck_assert(req.loop_thread && !req.main_thread);
    ck_assert_int_eq(req.tid, 4343);
    /* no loop: the main thread */
    pi_build(&ib, 1, 512, false, false, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), 0);
    ck_assert_uint_eq(req.tstate, PI_MAIN);
    ck_assert(!req.loop_thread && req.main_thread);
    /* remote debugging disabled */
    pi_build(&ib, 0, 512, true, false, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), -AIO_E_PERM);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_PERM), "remote debugging is disabled in the "
                                 "target (-X disable-remote-debug or "
                                 "PYTHON_DISABLE_REMOTE_DEBUG)"));
    /* hostile offsets: a path buffer past the thread state, a wrong cookie */
    pi_build(&ib, 1, 100000, true, false, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), -AIO_E_CORRUPT);
    pi_build(&ib, 1, 900, true, false, "xdebugpy");
    ck_assert_int_eq(pi_prepare(&ib, &req), -AIO_E_CORRUPT);
    pi_build(&ib, 1, 512, true, false, "xdebugpx");
    ck_assert_int_eq(pi_prepare(&ib, &req), -AIO_E_CORRUPT);
}
END_TEST

static char *tr_argv[16];
static int tr_argc;

static int
tr_parse(struct options *o, const char *const *args)
{
    while (tr_argc > 0)
        free(tr_argv[--tr_argc]);
    tr_argv[tr_argc++] = strdup("aiomon-attach");
    while (*args && tr_argc < 15)
        tr_argv[tr_argc++] = strdup(*args++);
    tr_argv[tr_argc] = NULL;
    optind = 0;
    return options_parse(o, tr_argc, tr_argv);
}

START_TEST(test_track_options)
{
    static const char *const ok1[] = { "--track", "--track-keep", "5", "--critical", "db-*",
                                       "--dump", "42", NULL };
    static const char *const ok2[] = { "--run", "--track", "--", "python3", "x.py", NULL };
    static const char *const ok3[] = { "--untrack", "--track-wait", "2.5", "42", NULL };
    static const char *const bad[][7] = {
        { "--track", "--untrack", "42", NULL },
        { "--track", "--core", "c", NULL },
        { "--track", "--subprocesses", "42", NULL },
        { "--track-keep", "5", "42", NULL },
        { "--track", "--track-keep", "0", "42", NULL },
        { "--untrack", "--dump", "42", NULL },
        { "--run", "--track", "--track-wait", "1", "--", "x", NULL },
    };
    struct options o;
    size_t i;

    ck_assert_int_eq(tr_parse(&o, ok1), 0);
    ck_assert(o.track && !o.untrack);
    ck_assert_int_eq(o.track_keep, 5);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);
    ck_assert_int_eq(o.ncritical, 1);
    ck_assert_int_eq(tr_parse(&o, ok2), 0);
    ck_assert(o.track);
    ck_assert_int_eq(o.mode, OPT_MODE_RUN);
    ck_assert_int_eq(o.track_keep, TRACK_DEFAULT_KEEP);
    ck_assert_int_eq(tr_parse(&o, ok3), 0);
    ck_assert(o.untrack);
    ck_assert(o.track_wait > 2.4 && o.track_wait < 2.6);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(tr_parse(&o, bad[i]), -AIO_E_USAGE);
    while (tr_argc > 0)
        free(tr_argv[--tr_argc]);
}
END_TEST

Suite *
suite_track_install(void)
{
    Suite *s = suite_create("track_install");
    TCase *tc = tcase_create("track_install");

    tcase_add_test(tc, test_track_embedded_source);
    tcase_add_test(tc, test_track_script_quotes_patterns);
    tcase_add_test(tc, test_track_pep768_versions);
    tcase_add_test(tc, test_track_pep768_prepare);
    tcase_add_test(tc, test_track_options);
    suite_add_tcase(s, tc);
    return s;
}
