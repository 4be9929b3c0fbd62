/*
 * check_options.c - the command line: modes, --format and its alias --json,
 * argv echoed escaped in usage errors, and the one builder of capture options.
 */
#include <check.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/capture.h"
#include "cmd/metrics_http.h"
#include "cmd/options.h"
#include "common/err.h"

Suite *suite_options(void);

static char *op_argv[32];
static int op_argc;

/* options_parse of "aiomon-attach ARGS..." (NULL-terminated) */
static int
op_parse(struct options *o, ...)
{
    const char *a;
    va_list ap;

    while (op_argc > 0)
        free(op_argv[--op_argc]);
    op_argv[op_argc++] = strdup("aiomon-attach");
    va_start(ap, o);
    while ((a = va_arg(ap, const char *)) != NULL && op_argc < 31)
        op_argv[op_argc++] = strdup(a);
    va_end(ap);
    op_argv[op_argc] = NULL;
    optind = 0;                 /* getopt starts over */
    return options_parse(o, op_argc, op_argv);
}

START_TEST(test_options_modes)
{
    struct options o;

    ck_assert_int_eq(op_parse(&o, "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_VIEW);
    ck_assert_int_eq(o.pid, 42);
    ck_assert_int_eq(op_parse(&o, "--dump", "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);
    ck_assert_int_eq(op_parse(&o, "-o", "x.txt", "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);
    ck_assert_int_eq(op_parse(&o, "--core", "core.1", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_VIEW);
    ck_assert_str_eq(o.core_path, "core.1");
    ck_assert_int_eq(op_parse(&o, "--core", "core.1", "--format", "text", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);
    ck_assert_int_eq(op_parse(&o, "--load", "s.json", "--json", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_LOAD);
    ck_assert(o.dump);
    ck_assert_int_eq(op_parse(&o, "--watch", "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_WATCH);
    ck_assert_int_eq(op_parse(&o, "--run", "--", "sleep", "1", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_RUN);
    ck_assert_str_eq(o.run_argv[0], "sleep");
}
END_TEST

START_TEST(test_options_format)
{
    struct options o;

    ck_assert_int_eq(op_parse(&o, "--dump", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_TEXT);
    ck_assert_int_eq(op_parse(&o, "--format", "json", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_JSON);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);        /* a format asks for an output */
    ck_assert_int_eq(op_parse(&o, "--json", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_JSON);
    ck_assert_int_eq(op_parse(&o, "-j", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_JSON);
    ck_assert_int_eq(op_parse(&o, "--format=text", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_TEXT);
    ck_assert_int_eq(o.mode, OPT_MODE_DUMP);
    ck_assert_int_eq(op_parse(&o, "--json", "--format", "text", "42", NULL), 0);
    ck_assert_int_eq(o.format, SNAP_FMT_TEXT);      /* the last one wins */
    ck_assert_int_eq(op_parse(&o, "--watch", "--json", "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_WATCH);
    ck_assert_int_eq(o.format, SNAP_FMT_JSON);
    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));      /* the usage errors */
    ck_assert_int_eq(op_parse(&o, "--format", "xml", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--format", "", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--format", NULL), -AIO_E_USAGE);
}
END_TEST

/* A usage error quoting argv: one line, the bytes escaped, the known formats listed. */
START_TEST(test_options_error_escaped)
{
    struct options o;
    char buf[1024];
    size_t n;
    FILE *f;

    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
    ck_assert_int_eq(op_parse(&o, "--format", "x\x1b[2J", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "4\x1b]0;t\a", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--interval", "\x9b" "1", "42", NULL), -AIO_E_USAGE);
    fflush(stderr);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    ck_assert_ptr_null(memchr(buf, '\x1b', n));
    ck_assert_ptr_null(memchr(buf, '\a', n));
    ck_assert_ptr_null(memchr(buf, '\x9b', n));
    ck_assert_ptr_nonnull(strstr(buf, "aiomon-attach: unknown format 'x\\x1b[2J' (text, json)\n"));
    ck_assert_ptr_nonnull(strstr(buf, "aiomon-attach: '4\\x1b]0;t\\x07' is not a process id\n"));
    ck_assert_ptr_nonnull(strstr(buf, "not '\xef\xbf\xbd" "1'\n"));    /* a lone C1 byte: U+FFFD */
    fclose(f);
}
END_TEST

START_TEST(test_options_capture)
{
    struct options o;
    struct capture_opts co;

    ck_assert_int_eq(op_parse(&o, "--dump", "--native-all", "--layout=table", "-v", "42", NULL), 0);
    memset(&co, 0xff, sizeof(co));
    options_capture(&o, &co);
    ck_assert(co.native);
    ck_assert(co.native_all);
    ck_assert(co.verbose);
    ck_assert(!co.nonblocking);
    ck_assert_int_eq(co.layout, PY_LAYOUT_TABLE);
    ck_assert_int_eq(op_parse(&o, "--dump", "-n", "42", NULL), 0);
    options_capture(&o, &co);
    ck_assert(co.nonblocking);
    ck_assert(!co.native);
    ck_assert(!co.verbose);
    ck_assert_int_eq(co.layout, PY_LAYOUT_AUTO);
}
END_TEST

/* --where, --lib-path (repeatable, into the capture options), --no-group. */
START_TEST(test_options_where)
{
    struct options o;
    struct capture_opts co;
    FILE *f = tmpfile();

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
    ck_assert_int_eq(op_parse(&o, "--dump", "42", NULL), 0);
    ck_assert(!o.where_innermost);
    ck_assert(!o.no_group);
    ck_assert_int_eq(o.nlib_paths, 0);
    ck_assert_int_eq(op_parse(&o, "--dump", "--where=innermost", "--no-group", "--lib-path",
                              "/opt/vendor/", "--lib-path=/srv/libs", "42", NULL), 0);
    ck_assert(o.where_innermost);
    ck_assert(o.no_group);
    options_capture(&o, &co);
    ck_assert_uint_eq(co.nlib_paths, 2);
    ck_assert_str_eq(co.lib_paths[0], "/opt/vendor/");
    ck_assert_str_eq(co.lib_paths[1], "/srv/libs");
    ck_assert_int_eq(op_parse(&o, "--where=user", "42", NULL), 0);
    ck_assert(!o.where_innermost);
    ck_assert_int_eq(op_parse(&o, "--where=outer", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--lib-path=", "42", NULL), -AIO_E_USAGE);
    fclose(f);
}
END_TEST

START_TEST(test_options_metrics)
{
    struct options o;
    char host[64];
    unsigned port;
    FILE *f = tmpfile();

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
    ck_assert_int_eq(op_parse(&o, "--watch", "--metrics", "127.0.0.1:9464", "--metrics-file",
                              "m.prom", "--metrics-top", "5", "42", NULL), 0);
    ck_assert_int_eq(o.mode, OPT_MODE_WATCH);
    ck_assert_str_eq(o.metrics_addr, "127.0.0.1:9464");
    ck_assert_str_eq(o.metrics_file, "m.prom");
    ck_assert_int_eq(o.metrics_top, 5);
    /* refused without --watch, malformed, a bad --metrics-top */
    ck_assert_int_eq(op_parse(&o, "--metrics", "127.0.0.1:9464", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--metrics-file", "m", "--dump", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--watch", "--metrics", "9464", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--watch", "--metrics", "h:99999", "42", NULL),
                     -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--watch", "--metrics-top", "5", "42", NULL), -AIO_E_USAGE);
    ck_assert_int_eq(op_parse(&o, "--watch", "--metrics", ":1", "--metrics-top", "0", "42",
                              NULL), -AIO_E_USAGE);

    ck_assert_int_eq(metrics_addr_split("127.0.0.1:9464", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_uint_eq(port, 9464);
    ck_assert_int_eq(metrics_addr_split("[::1]:80", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_int_eq(metrics_addr_split(":0", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "");
    ck_assert_uint_eq(port, 0);
    ck_assert_int_eq(metrics_addr_split("::1:80", host, sizeof(host), &port), -1);
    ck_assert_int_eq(metrics_addr_split("host:", host, sizeof(host), &port), -1);
    ck_assert_int_eq(metrics_addr_split("host:-1", host, sizeof(host), &port), -1);
    ck_assert_int_eq(metrics_addr_split("host:+1", host, sizeof(host), &port), -1);
    ck_assert_int_eq(metrics_addr_split("host:65536", host, sizeof(host), &port), -1);
    ck_assert_int_eq(metrics_addr_split("averyveryverylonghostname:1", host, 8, &port), -1);
    fclose(f);
}
END_TEST

Suite *
suite_options(void)
{
    Suite *su = suite_create("options");
    TCase *tc = tcase_create("options");

    tcase_add_test(tc, test_options_modes);
    tcase_add_test(tc, test_options_format);
    tcase_add_test(tc, test_options_error_escaped);
    tcase_add_test(tc, test_options_capture);
    tcase_add_test(tc, test_options_where);
    tcase_add_test(tc, test_options_metrics);
    suite_add_tcase(su, tc);
    return su;
}
