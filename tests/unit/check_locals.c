/*
 * check_locals.c - --locals in the model, the writers and the loader: the
 * kinds' names, JSON "locals" exactly, the text lines, the --load round
 * trip, and hostile "locals" in a loaded file.
 */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/capture.h"
#include "cmd/options.h"
#include "common/err.h"
#include "snapshot/load.h"
#include "snapshot/snapshot.h"
#include "view/write.h"

Suite *suite_locals(void);

static void
lc_local(struct snap *s, const char *name, enum snap_local_kind kind, const char *type,
         const char *value, size_t value_len)
{
    struct snap_local *l = snap_local_add(s);

    l->name = snap_str_cstr(s, name);
    l->kind = kind;
    if (type)
        l->type = snap_str_cstr(s, type);
    if (value)
        l->value = snap_str_from(s, value, value_len);
}

/* One thread: a Python frame with four locals, a native frame, a frame without locals. */
static struct snap *
lc_sample(bool with_locals)
{
    struct snap *s = snap_new(77);
    struct snap_thread *th = snap_thread_add(s);
    struct snap_frame *fr;

    strcpy(s->python_version, "3.12.1");
    s->layout_source = "table";
    s->taken_at_ns = 1700000000000000000ull;
    th->tid = 77;
    th->thread_id = 1;
    th->is_main = true;
    th->name = snap_str_cstr(s, "MainThread");
    th->frame_first = s->nframes;
    fr = snap_frame_add(s);
    fr->function = snap_str_cstr(s, "handler");
    fr->file = snap_str_cstr(s, "app.py");
    fr->line = 9;
    fr->local_first = s->nlocals;
    lc_local(s, "req", SNAP_LOCAL_ARG, "str", "'a\\nb'", 6);
    /* a hostile rendering: raw ESC and newline bytes must never pass through */
    lc_local(s, "x", SNAP_LOCAL_LOCAL, "bytes", "\x1b[2J\nz", 6);
    lc_local(s, "late", SNAP_LOCAL_LOCAL, NULL, NULL, 0);
    lc_local(s, "outer", SNAP_LOCAL_FREE, "list", "<list len=3>", 12);
    s->frames[0].local_count = s->nlocals - s->frames[0].local_first;
    fr = snap_frame_add(s);
    fr->kind = SNAP_FRAME_NATIVE;
    fr->function = snap_str_cstr(s, "select");
    fr->module = snap_str_cstr(s, "libc.so.6");
    fr = snap_frame_add(s);
    fr->function = snap_str_cstr(s, "<module>");
    fr->file = snap_str_cstr(s, "app.py");
    fr->line = 1;
    fr->local_first = s->nlocals;
    th->frame_count = s->nframes - th->frame_first;
    s->flags |= SNAP_F_NO_TASKS;
    if (with_locals)
        s->flags |= SNAP_F_LOCALS;
    return s;
}

static char *
lc_write(const struct snap *s, enum snap_format fmt)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(snap_write(f, s, fmt, NULL), 0);
    fclose(f);
    return buf;
}

START_TEST(test_local_kind_names)
{
    static const char *const want[] = { "arg", "local", "cell", "free" };
    enum snap_local_kind k;
    unsigned i;

    for (i = 0; i < SNAP_LOCAL__COUNT; i++) {
        ck_assert_str_eq(snap_local_kind_name((enum snap_local_kind)i), want[i]);
        ck_assert_int_eq(snap_local_kind_from_name(want[i], &k), 0);
        ck_assert_int_eq(k, (int)i);
    }
    ck_assert_int_eq(snap_local_kind_from_name("global", &k), -1);
    ck_assert_int_eq(snap_local_kind_from_name("", &k), -1);
}
END_TEST

START_TEST(test_json_locals_exact)
{
    struct snap *s = lc_sample(true);
    char *out = lc_write(s, SNAP_FMT_JSON);

    ck_assert_ptr_nonnull(strstr(out,
        "{\"function\": \"handler\", \"qualname\": null, \"file\": \"app.py\", \"line\": 9, "
        "\"locals\": [{\"name\": \"req\", \"kind\": \"arg\", \"type\": \"str\", "
        "\"value\": \"'a\\\\nb'\"}, {\"name\": \"x\", \"kind\": \"local\", \"type\": \"bytes\", "
        "\"value\": \"\\u001b[2J\\nz\"}, {\"name\": \"late\", \"kind\": \"local\", "
        "\"type\": null, \"value\": null}, {\"name\": \"outer\", \"kind\": \"free\", "
        "\"type\": \"list\", \"value\": \"<list len=3>\"}]}"));
    /* a Python frame without locals has an empty list; a native frame none */
    ck_assert_ptr_nonnull(strstr(out, "\"line\": 1, \"locals\": []}"));
    ck_assert_ptr_null(strstr(out, "\"module\": \"libc.so.6\", \"offset\": 0, \"pc\": \"0x0\", "
                                   "\"locals\""));
    free(out);
    snap_free(s);
    /* without --locals: no key at all */
    s = lc_sample(false);
    out = lc_write(s, SNAP_FMT_JSON);
    ck_assert_ptr_null(strstr(out, "\"locals\""));
    free(out);
    snap_free(s);
}
END_TEST

START_TEST(test_text_locals)
{
    struct snap *s = lc_sample(true);
    char *out = lc_write(s, SNAP_FMT_TEXT);

    ck_assert_msg(strstr(out,
        "    handler (app.py:9)\n"
        "        req = 'a\\nb'\n"
        "        x = \\x1b[2J\\x0az\n"
        "        late = <unbound>\n"
        "        outer = <list len=3>\n"
        "    select+0x0 (libc.so.6)\n"
        "    <module> (app.py:1)\n") != NULL, "%s", out);
    ck_assert_ptr_null(strchr(out, '\x1b'));
    free(out);
    snap_free(s);
    s = lc_sample(false);
    out = lc_write(s, SNAP_FMT_TEXT);
    ck_assert_ptr_null(strstr(out, "req = "));
    free(out);
    snap_free(s);
}
END_TEST

/* write -> --load -> write: the same JSON but "loaded"; the loaded snapshot has the flag */
START_TEST(test_locals_roundtrip)
{
    struct snap *s = lc_sample(true), *r;
    char *a = lc_write(s, SNAP_FMT_JSON), *b, *p;
    int err = 1;

    r = snap_read_json_mem(a, strlen(a), "a.json", &err);
    ck_assert_msg(r != NULL, "%s", err_msg(err));
    ck_assert(r->flags & SNAP_F_LOCALS);
    ck_assert_uint_eq(r->nlocals, 4);
    ck_assert_uint_eq(r->frames[0].local_count, 4);
    ck_assert_uint_eq(r->frames[2].local_count, 0);
    ck_assert_ptr_null(r->locals[2].value.s);
    ck_assert_ptr_null(r->locals[2].type.s);
    ck_assert_int_eq(r->locals[3].kind, SNAP_LOCAL_FREE);
    ck_assert_uint_eq(r->locals[1].value.len, 6);
    ck_assert(memcmp(r->locals[1].value.s, "\x1b[2J\nz", 6) == 0);
    b = lc_write(r, SNAP_FMT_JSON);
    p = strstr(a, "\"loaded\": false");
    ck_assert_ptr_nonnull(p);
    memmove(p + 14, p + 15, strlen(p + 15) + 1);
    memcpy(p + 10, "true", 4);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    snap_free(r);
    snap_free(s);
}
END_TEST

START_TEST(test_locals_load_hostile)
{
    static const char *const bad[] = {
        "{\"kind\": \"local\"}",                                    /* no name */
        "{\"name\": \"a\"}",                                        /* no kind */
        "{\"name\": \"a\", \"kind\": \"global\"}",
        "{\"name\": \"a\", \"kind\": \"arg\\u0000x\"}",
        "{\"name\": \"a\", \"kind\": 1}",
        "{\"name\": null, \"kind\": \"arg\"}",
        "{\"name\": \"a\", \"kind\": \"arg\", \"value\": 3}",
        "{\"name\": \"a\", \"kind\": \"arg\", \"type\": []}",
        "[]",
        "\"a\"",
    };
    char buf[512];
    struct snap *r;
    size_t i;
    int err;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf), "{\"pid\": 1, \"threads\": [{\"tid\": 1, \"frames\": "
                 "[{\"function\": \"f\", \"file\": \"a.py\", \"line\": 1, \"locals\": [%s]}]}]}",
                 bad[i]);
        err = 0;
        r = snap_read_json_mem(buf, strlen(buf), "bad.json", &err);
        ck_assert_msg(r == NULL, "accepted: %s", bad[i]);
        ck_assert_int_eq(err, -AIO_E_BADFILE);
    }
    /* "locals" that is not a list */
    snprintf(buf, sizeof(buf), "{\"pid\": 1, \"threads\": [{\"tid\": 1, \"frames\": "
             "[{\"function\": \"f\", \"locals\": {}}]}]}");
    r = snap_read_json_mem(buf, strlen(buf), "bad.json", &err);
    ck_assert_ptr_null(r);
    /* unknown keys of a local are skipped; an empty list is fine */
    snprintf(buf, sizeof(buf), "{\"pid\": 1, \"threads\": [{\"tid\": 1, \"frames\": "
             "[{\"function\": \"f\", \"locals\": [{\"name\": \"a\", \"kind\": \"cell\", "
             "\"extra\": [1, {}]}]}, {\"function\": \"g\", \"locals\": []}]}]}");
    r = snap_read_json_mem(buf, strlen(buf), "ok.json", &err);
    ck_assert_msg(r != NULL, "%s", err_msg(err));
    ck_assert_uint_eq(r->nlocals, 1);
    ck_assert_int_eq(r->locals[0].kind, SNAP_LOCAL_CELL);
    ck_assert_ptr_null(r->locals[0].value.s);
    ck_assert(r->flags & SNAP_F_LOCALS);
    snap_free(r);
}
END_TEST

/* --locals reaches the capture options (every mode: dump, live view, watch, core) */
START_TEST(test_locals_option)
{
    char a0[] = "aiomon-attach", a1[] = "--locals", a2[] = "--stacks", a3[] = "42";
    char *argv[] = { a0, a1, a2, a3, NULL };
    char *plain[] = { a0, a3, NULL };
    struct options o;
    struct capture_opts co;

    optind = 0;
    ck_assert_int_eq(options_parse(&o, 4, argv), 0);
    ck_assert(o.locals);
    ck_assert_int_eq(o.mode, OPT_MODE_VIEW);
    memset(&co, 0, sizeof(co));
    options_capture(&o, &co);
    ck_assert(co.locals);
    optind = 0;
    ck_assert_int_eq(options_parse(&o, 2, plain), 0);
    ck_assert(!o.locals);
    memset(&co, 0xff, sizeof(co));
    options_capture(&o, &co);
    ck_assert(!co.locals);
}
END_TEST

Suite *
suite_locals(void)
{
    Suite *s = suite_create("locals");
    TCase *tc = tcase_create("locals");

    tcase_add_test(tc, test_local_kind_names);
    tcase_add_test(tc, test_json_locals_exact);
    tcase_add_test(tc, test_text_locals);
    tcase_add_test(tc, test_locals_roundtrip);
    tcase_add_test(tc, test_locals_load_hostile);
    tcase_add_test(tc, test_locals_option);
    suite_add_tcase(s, tc);
    return s;
}
