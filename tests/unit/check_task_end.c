/*
 * check_task_end.c - the pure parts of "why a task ended": the type name
 * split and tuple message of pyframes/task_end.c, the reason line of
 * snapshot/reason.c, and the JSON keys' round trip (view/json.c ->
 * snapshot/load.c -> view/json.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyframes/task_end.h"
#include "snapshot/history.h"
#include "snapshot/load.h"
#include "snapshot/reason.h"
#include "view/write.h"

Suite *suite_task_end(void);

START_TEST(test_type_split)
{
    const char *q, *m;
    size_t ql, ml;

    exc_type_split("KeyError", &q, &ql, &m, &ml);
    ck_assert_int_eq((int)ql, 8);
    ck_assert(strncmp(q, "KeyError", ql) == 0);
    ck_assert(strncmp(m, "builtins", ml) == 0 && ml == 8);
    exc_type_split("_asyncio.InvalidStateError", &q, &ql, &m, &ml);
    ck_assert(ql == 17 && strncmp(q, "InvalidStateError", ql) == 0);
    ck_assert(ml == 8 && strncmp(m, "_asyncio", ml) == 0);
    exc_type_split("a.b.C", &q, &ql, &m, &ml);
    ck_assert(ql == 1 && q[0] == 'C');
    ck_assert(ml == 3 && strncmp(m, "a.b", ml) == 0);
}
END_TEST

START_TEST(test_message_join)
{
    struct snap_str it[3] = { { "'boom'", 6 }, { "3", 1 }, { NULL, 0 } };
    char buf[64];
    size_t n;

    n = exc_message_join(it, 2, buf, sizeof(buf));
    ck_assert_str_eq(buf, "('boom', 3)");
    ck_assert_uint_eq(n, strlen(buf));
    exc_message_join(it, 3, buf, sizeof(buf));
    ck_assert_str_eq(buf, "('boom', 3, ?)");
    /* cut: never past the buffer, ends with "…" */
    n = exc_message_join(it, 2, buf, 10);
    ck_assert_uint_lt(n, 10);
    ck_assert_str_eq(buf, "(\xe2\x80\xa6");   /* whole items only */
    ck_assert_uint_eq(exc_message_join(it, 2, buf, 4), 0);
}
END_TEST

/* A snapshot with one task of each kind of ending. */
static struct snap *
mk_ended(void)
{
    struct snap *s = snap_new(7);
    struct snap_exc *e = arena_alloc(&s->arena, sizeof(*e));
    struct snap_exc *cause = arena_alloc(&s->arena, sizeof(*cause));
    struct snap_cancel *k = arena_alloc(&s->arena, sizeof(*k));
    struct snap_task *t;
    struct snap_frame *f;

    e->type = snap_str_cstr(s, "KeyError");
    e->module = snap_str_cstr(s, "builtins");
    e->message = snap_str_cstr(s, "'tenant-7'");
    e->traceback.first = s->nframes;
    e->traceback.count = 2;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "lookup");
    f->file = snap_str_cstr(s, "/srv/app/worker.py");
    f->line = 41;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "run");
    f->file = snap_str_cstr(s, "/srv/app/worker.py");
    f->line = 12;
    cause->type = snap_str_cstr(s, "Quota");
    cause->module = snap_str_cstr(s, "app.errors");
    cause->message = snap_str_cstr(s, "esc\x1b[2J");
    cause->traceback.first = s->nframes;
    cause->retrieved = true;
    e->cause = cause;
    k->message = snap_str_cstr(s, "shutdown");
    k->traceback.first = s->nframes;
    k->traceback.count = 1;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "sleep");
    f->file = snap_str_cstr(s, "/usr/lib/python3.12/asyncio/tasks.py");
    f->line = 665;

    t = snap_task_add(s);
    t->addr = 0x10;
    t->name = snap_str_cstr(s, "crashed-worker");
    t->state = SNAP_TASK_DONE;
    t->exception = e;
    t->created_at.first = s->nframes;
    t->created_at.count = 1;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "main");
    f->file = snap_str_cstr(s, "app.py");
    f->line = 3;
    t = snap_task_add(s);
    t->addr = 0x20;
    t->name = snap_str_cstr(s, "stopped");
    t->state = SNAP_TASK_CANCELLED;
    t->cancelled = k;
    t = snap_task_add(s);
    t->addr = 0x30;
    t->name = snap_str_cstr(s, "plain");
    t->state = SNAP_TASK_CANCELLED;
    t->cancelled = arena_alloc(&s->arena, sizeof(struct snap_cancel));
    t = snap_task_add(s);
    t->addr = 0x40;
    t->name = snap_str_cstr(s, "ok");
    t->state = SNAP_TASK_DONE;
    return s;
}

START_TEST(test_reason)
{
    struct snap *s = mk_ended();
    char buf[256];

    snap_task_reason(s, &s->tasks[0], buf, sizeof(buf));
    ck_assert_str_eq(buf, "KeyError: 'tenant-7' at worker.py:41 (never retrieved)");
    snap_task_reason(s, &s->tasks[1], buf, sizeof(buf));
    ck_assert_str_eq(buf, "cancelled (\"shutdown\") at tasks.py:665");
    snap_task_reason(s, &s->tasks[2], buf, sizeof(buf));
    ck_assert_str_eq(buf, "cancelled");
    ck_assert_uint_eq(snap_task_reason(s, &s->tasks[3], buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "");
    /* module-qualified unless builtins/__main__; target bytes escaped */
    snap_exc_type_text(s->tasks[0].exception->cause, buf, sizeof(buf));
    ck_assert_str_eq(buf, "app.errors.Quota");
    {
        struct snap_exc *e = (struct snap_exc *)s->tasks[0].exception;

        e->retrieved = true;
        e->message = e->cause->message;
    }
    snap_task_reason(s, &s->tasks[0], buf, sizeof(buf));
    ck_assert_str_eq(buf, "KeyError: esc\\x1b[2J at worker.py:41");
    /* a small buffer: cut, terminated */
    snap_task_reason(s, &s->tasks[0], buf, 12);
    ck_assert_uint_lt(strlen(buf), 12);
    snap_free(s);
}
END_TEST

static char *
to_json(const struct snap *s, size_t *len)
{
    char *out = NULL;
    FILE *f = open_memstream(&out, len);

    ck_assert(f != NULL);
    snap_write_json(f, s, NULL);
    fclose(f);
    return out;
}

START_TEST(test_json_round_trip)
{
    struct snap *s = mk_ended(), *back;
    size_t la, lb;
    char *a = to_json(s, &la), *b;
    int err = 0;

    ck_assert(strstr(a, "\"exception\": {\"type\": \"KeyError\", \"module\": \"builtins\", "
                        "\"message\": \"'tenant-7'\", \"traceback\": [\n") != NULL);
    ck_assert(strstr(a, "\"retrieved\": false, \"cause\": {\"type\": \"Quota\", "
                        "\"module\": \"app.errors\", \"message\": \"esc\\u001b[2J\", "
                        "\"traceback\": [], \"retrieved\": true, \"cause\": null}}") != NULL);
    ck_assert(strstr(a, "\"cancelled\": {\"message\": \"shutdown\", \"traceback\": [\n") != NULL);
    ck_assert(strstr(a, "\"cancelled\": {\"message\": null, \"traceback\": []}") != NULL);
    ck_assert(strstr(a, "\"created_at\": [\n") != NULL);
    back = snap_read_json_mem(a, la, "mem", &err);
    ck_assert_msg(back != NULL, "load: %d", err);
    ck_assert(back->tasks[0].exception && back->tasks[0].exception->cause);
    ck_assert(!back->tasks[0].exception->retrieved);
    ck_assert_uint_eq(back->tasks[0].created_at.count, 1);
    ck_assert(back->tasks[1].cancelled && back->tasks[1].cancelled->traceback.count == 1);
    ck_assert(back->tasks[3].exception == NULL && back->tasks[3].cancelled == NULL);
    back->flags = s->flags;
    b = to_json(back, &lb);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    snap_free(back);
    snap_free(s);
}
END_TEST

START_TEST(test_json_cause_depth)
{
    /* a cause chain nested deeper than SNAP_MAX_CAUSES is refused, not recursed into */
    char buf[8192];
    size_t n = 0;
    int i, err = 0;
    struct snap *s;

    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "{\"format\": \"aiomon-snapshot\", \"format_version\": 1, \"pid\": 1, "
                          "\"threads\": [], \"tasks\": [{\"id\": \"0x10\", \"exception\": ");
    for (i = 0; i < SNAP_MAX_CAUSES + 3; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"type\": \"E\", \"cause\": ");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "null");
    for (i = 0; i < SNAP_MAX_CAUSES + 3; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "}");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "}], \"edges\": []}");
    s = snap_read_json_mem(buf, n, "mem", &err);
    ck_assert(s == NULL);
    ck_assert_int_ne(err, 0);
}
END_TEST

/* --watch keeps the reason of a task seen ending, after its object is gone too. */
START_TEST(test_history_reason)
{
    struct snap *a = mk_ended(), *b = snap_new(7);
    struct history h;
    char *out = NULL;
    size_t len = 0, i;
    FILE *f;

    a->taken_at_ns = 1000000000ull;
    b->taken_at_ns = 2000000000ull;
    history_init(&h, 10, 0);
    history_update(&h, a);
    history_update(&h, b);     /* every task gone */
    ck_assert_uint_eq(h.nended, 4);
    for (i = 0; i < h.nended; i++) {
        if (strcmp(h.ended[i].name, "crashed-worker") == 0)
            ck_assert_str_eq(h.ended[i].reason,
                             "KeyError: 'tenant-7' at worker.py:41 (never retrieved)");
        else if (strcmp(h.ended[i].name, "ok") == 0)
            ck_assert(h.ended[i].reason == NULL);
    }
    f = open_memstream(&out, &len);
    history_write_text(f, &h);
    fclose(f);
    ck_assert(strstr(out, "      cancelled (\"shutdown\") at tasks.py:665\n") != NULL);
    free(out);
    f = open_memstream(&out, &len);
    history_write_json(f, &h);
    fclose(f);
    ck_assert(strstr(out, "\"reason\": \"KeyError: 'tenant-7' at worker.py:41 (never "
                          "retrieved)\", \"created_by\": null, \"cancelled_by\": null, "
                          "\"stack\": [") != NULL);
    ck_assert(strstr(out, "\"reason\": null") != NULL);
    free(out);
    history_free(&h);
    snap_free(a);
    snap_free(b);
}
END_TEST

Suite *
suite_task_end(void)
{
    Suite *s = suite_create("task_end");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_type_split);
    tcase_add_test(tc, test_message_join);
    tcase_add_test(tc, test_reason);
    tcase_add_test(tc, test_json_round_trip);
    tcase_add_test(tc, test_json_cause_depth);
    tcase_add_test(tc, test_history_reason);
    suite_add_tcase(s, tc);
    return s;
}
