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

#include "cmd/options.h"
#include "common/err.h"
#include "track/pep768.h"
#include "track/track.h"

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
    tcase_add_test(tc, test_track_options);
    suite_add_tcase(s, tc);
    return s;
}
