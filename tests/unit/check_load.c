/*
 * check_load.c - snap_read_json (snapshot/load.c) on what other tools and
 * hostile files give it: the required fields alone, malformed and hostile
 * input (a clean error naming the offset, never a crash), a cut file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "snapshot/load.h"
#include "snapshot/snapshot.h"

Suite *suite_load(void);

/* Load JSON text through a temporary file. */
static struct snap *
ld_load(const char *json, int *err)
{
    char path[] = "/tmp/aiomon-check-load-XXXXXX";
    int fd = mkstemp(path);
    size_t len = strlen(json);
    struct snap *s;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, json, len), (ssize_t)len);
    close(fd);
    s = snap_read_json(path, err);
    unlink(path);
    return s;
}

START_TEST(test_json_read_minimal)
{
    struct snap *r;
    int err = 1;

    /* the fixed fields only, written by another tool; edges from "awaiting" */
    r = ld_load("{\"pid\": 12, \"python_version\": \"3.11.7\", \"threads\": [{\"tid\": 12, "
                "\"name\": \"x\", \"frames\": [{\"function\": \"f\", \"qualname\": null, "
                "\"file\": \"a.py\", \"line\": 3}]}], \"tasks\": [{\"id\": \"0x10\", "
                "\"name\": \"t\\ud83d\\ude00\\ud800x\", \"state\": \"pending\", "
                "\"coroutine\": \"c\", \"stack\": [], \"awaiting\": [\"0x20\"], "
                "\"awaited_by\": []}, {\"id\": \"0x20\", \"name\": \"u\", \"state\": "
                "\"cancelled\", \"coroutine\": \"c\", \"stack\": [], \"awaiting\": [], "
                "\"awaited_by\": [\"0x10\"], \"future\": {\"x\": [1, -2.5e3, true, null]}}]}",
                &err);
    ck_assert_msg(r != NULL, "%s", err_msg(err));
    ck_assert_int_eq(r->pid, 12);
    ck_assert_str_eq(r->python_version, "3.11.7");
    ck_assert_uint_eq(r->nthreads, 1);
    ck_assert_uint_eq(r->threads[0].frame_count, 1);
    ck_assert(!r->threads[0].native_only);     /* no "python" field: a Python thread */
    ck_assert_ptr_null(r->frames[0].qualname.s);
    ck_assert_str_eq(r->tasks[0].name.s, "t\xf0\x9f\x98\x80\xef\xbf\xbdx");
    ck_assert_int_eq(r->tasks[1].state, SNAP_TASK_CANCELLED);
    ck_assert_uint_eq(r->nedges, 1);
    ck_assert_uint_eq(r->edges[0].waiter, 0);
    ck_assert_uint_eq(r->edges[0].awaited, 1);
    ck_assert_int_eq(r->edges[0].kind, SNAP_EDGE_AWAIT);
    ck_assert_uint_eq(r->flags, SNAP_F_LOADED);
    snap_free(r);
}
END_TEST

START_TEST(test_json_read_hostile)
{
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "[]",
        "{\"pid\": 1}",
        "{\"threads\": []}",
        "{\"pid\": 1, \"threads\": []} x",
        "{\"pid\": 1, \"threads\": [],}",
        "{\"pid\": 1 \"threads\": []}",
        "{\"pid\": -1, \"threads\": []}",
        "{\"pid\": 1.5, \"threads\": []}",
        "{\"pid\": 01, \"threads\": []}",
        "{\"pid\": 99999999999999999999999, \"threads\": []}",
        "{\"pid\": 2147483648, \"threads\": []}",
        "{\"pid\": 1, \"threads\": {}}",
        "{\"pid\": 1, \"threads\": [], \"format\": \"other\"}",
        "{\"pid\": 1, \"threads\": [], \"format_version\": 2}",
        "{\"pid\": 1, \"threads\": [], \"cmdline\": \"a\x01\"}",
        "{\"pid\": 1, \"threads\": [], \"cmdline\": \"a\\q\"}",
        "{\"pid\": 1, \"threads\": [], \"cmdline\": \"a\\u12\"}",
        "{\"pid\": 1, \"threads\": [], \"cmdline\": \"abc",
        "{\"pid\": 1, \"threads\": [], \"python_version\": \"0123456789012345678901234567890123\"}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"name\": \"no id\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x10000000000000000\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"12\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\"}, {\"id\": \"0x1\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\"}, {\"id\": \"0x2\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\", \"state\": \"odd\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"awaiting\": [], \"id\": \"0x2\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\", \"awaiting\": [\"0x3\"]}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\"}], "
            "\"edges\": [{\"waiter\": \"0x2\", \"awaited\": \"0x9\", \"kind\": \"await\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\"}], "
            "\"edges\": [{\"waiter\": \"0x2\", \"kind\": \"await\"}]}",
        "{\"pid\": 1, \"threads\": [], \"tasks\": [{\"id\": \"0x2\"}], "
            "\"edges\": [{\"waiter\": \"0x2\", \"awaited\": \"0x2\", \"kind\": \"x\"}]}",
        "{\"pid\": 1, \"threads\": [], \"diagnostics\": [{\"scope\": \"task\", \"index\": 0, "
            "\"code\": \"FAULT\", \"message\": \"m\"}]}",
        "{\"pid\": 1, \"threads\": [], \"diagnostics\": [{\"scope\": \"planet\"}]}",
        "{\"pid\": 1, \"threads\": [{\"frames\": [{\"line\": -3}]}]}",
        "{\"pid\": 1, \"threads\": [{\"frames\": [{\"kind\": \"alien\"}]}]}",
        "{\"pid\": 1, \"threads\": [{\"holds_gil\": 1}]}",
        "{\"pid\": 1, \"threads\": [], \"x\": [1, 2,]}",
        "{\"pid\": 1, \"threads\": [], \"x\": {\"a\" 1}}",
        "{\"pid\": 1, \"threads\": [], \"x\": tru}",
        "{\"pid\": 1, \"threads\": [], \"x\": [}",
        "\"just a string\"",
    };
    char deep[200];
    struct snap *r;
    size_t i;
    int err;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = 0;
        r = ld_load(bad[i], &err);
        ck_assert_msg(r == NULL, "accepted bad input %zu: %s", i, bad[i]);
        ck_assert_int_eq(err, -AIO_E_BADFILE);
        ck_assert_msg(strstr(err_msg(err), "cannot load") != NULL, "%s", err_msg(err));
    }

    /* nesting: 30 levels inside an unknown key are fine, 40 are refused */
    snprintf(deep, sizeof(deep), "{\"pid\": 1, \"threads\": [], \"x\": %.30s%.30s}",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    r = ld_load(deep, &err);
    ck_assert_ptr_nonnull(r);
    snap_free(r);
    snprintf(deep, sizeof(deep), "{\"pid\": 1, \"threads\": [], \"x\": %.40s%.40s}",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
             "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    r = ld_load(deep, &err);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(err, -AIO_E_BADFILE);

    /* a missing file is an I/O error */
    r = snap_read_json("/nonexistent/aiomon-absent.json", &err);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(err, -AIO_E_IO);
}
END_TEST

/* Every prefix of a valid file is refused cleanly (no crash, no leak under ASan). */

Suite *
suite_load(void)
{
    Suite *s = suite_create("load");
    TCase *tc = tcase_create("load");

    tcase_add_test(tc, test_json_read_minimal);
    tcase_add_test(tc, test_json_read_hostile);
    suite_add_tcase(s, tc);
    return s;
}
