/*
 * check_events.c - the history's events (snapshot/history_events.c) and
 * their lines (view/events.c): each given once when it happens, stamped
 * with its sample's time, identical ones of a sample folded, critical ones
 * never.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/history.h"
#include "view/events.h"

Suite *suite_events(void);

struct edef {
    uint64_t id;
    const char *name;
    int line;
};

static void
feed(struct history *h, double t, const struct edef *d, size_t n)
{
    struct snap *s = snap_new(1);
    size_t i;

    s->taken_at_ns = (uint64_t)(t * 1e9);
    for (i = 0; i < n; i++) {
        struct snap_task *k = snap_task_add(s);
        struct snap_frame *f;

        k->addr = d[i].id;
        k->coro_addr = d[i].id + 1;
        k->name = snap_str_cstr(s, d[i].name);
        k->coro = snap_str_cstr(s, "worker");
        k->frame_first = s->nframes;
        k->frame_count = 1;
        f = snap_frame_add(s);
        f->function = snap_str_cstr(s, "handle");
        f->file = snap_str_cstr(s, "app.py");
        f->line = d[i].line;
    }
    snap_tasks_sort(s);
    history_update(h, s);
    snap_free(s);
}

/* The lines of the events taken now. */
static char *
take_text(struct history *h, size_t *n)
{
    struct hist_event *v;
    size_t dropped, len = 0;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, &len);

    history_events_take(h, &v, n, &dropped);
    events_write_text(f, v, *n, dropped);
    history_events_free(v, *n);
    fclose(f);
    return buf;
}

START_TEST(test_off_by_default)
{
    struct history h;
    struct edef a[] = { { 0x10, "a", 1 }, { 0x20, "b", 1 } };

    history_init(&h, 10, 0);
    feed(&h, 1, a, 2);
    feed(&h, 2, a, 1);
    ck_assert_uint_eq(h.nevents, 0);
    ck_assert_uint_eq(h.nended, 1);
    history_free(&h);
}
END_TEST

START_TEST(test_ended_folded_and_stamped)
{
    struct history h;
    struct edef a[] = { { 0x10, "keep", 1 }, { 0x20, "req-1", 39 }, { 0x30, "req-2", 39 },
                        { 0x40, "other", 7 } };
    size_t n;
    char *text;

    history_init(&h, 10, 0);
    history_events_enable(&h);
    feed(&h, 1, a, 4);
    ck_assert_uint_eq(h.nevents, 0);
    feed(&h, 2, a, 1);
    ck_assert_uint_eq(h.nevents, 3);
    ck_assert_uint_eq(h.events[0].at_ns, 2000000000ull);
    ck_assert_uint_eq(h.events[2].at_ns, 2000000000ull);
    ck_assert_int_eq(h.events[0].kind, HIST_EV_ENDED);
    text = take_text(&h, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(h.nevents, 0);
    ck_assert_msg(strstr(text, "  2 tasks ended (vanished from the registry): worker  "
                               "handle app.py:39\n") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "  task \"other\" ended (vanished from the registry): worker  "
                               "handle app.py:7\n") != NULL, "%s", text);
    /* the folded line comes first: its first event came first */
    ck_assert(strstr(text, "2 tasks") < strstr(text, "\"other\""));
    free(text);
    history_free(&h);
}
END_TEST

/* An event names the task's user frame first, then the innermost function it awaits in. */
START_TEST(test_where_user_frame)
{
    struct history h;
    struct snap *s = snap_new(1);
    struct snap_task *k;
    struct snap_frame *f;
    size_t n;
    char *text;

    history_init(&h, 10, 0);
    history_events_enable(&h);
    s->taken_at_ns = 1000000000ull;
    k = snap_task_add(s);
    k->addr = 0x10;
    k->coro_addr = 0x11;
    k->name = snap_str_cstr(s, "req");
    k->coro = snap_str_cstr(s, "handle");
    k->frame_first = s->nframes;
    k->frame_count = 2;
    k->user_frame = 1;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "acquire");
    f->file = snap_str_cstr(s, "/usr/lib/python3.12/asyncio/locks.py");
    f->line = 112;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "handle");
    f->file = snap_str_cstr(s, "app.py");
    f->line = 39;
    history_update(&h, s);
    snap_free(s);
    s = snap_new(1);
    s->taken_at_ns = 2000000000ull;
    history_update(&h, s);
    snap_free(s);
    text = take_text(&h, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_msg(strstr(text, "task \"req\" ended (vanished from the registry): handle  "
                               "handle app.py:39 \xe2\x86\x92 acquire\n") != NULL, "%s", text);
    free(text);
    history_free(&h);
}
END_TEST

START_TEST(test_stuck_once_critical_alone)
{
    struct history h;
    struct edef a[] = { { 0x10, "db-1", 5 }, { 0x20, "db-2", 5 }, { 0x30, "x", 5 } };
    size_t n;
    char *text;

    history_init(&h, 10, 1000000000ull);
    history_add_critical(&h, "db-*");
    history_events_enable(&h);
    feed(&h, 1, a, 3);
    feed(&h, 1.5, a, 3);
    ck_assert_uint_eq(h.nevents, 0);
    feed(&h, 2.5, a, 3);
    ck_assert_uint_eq(h.nevents, 3);
    free(take_text(&h, &n));
    feed(&h, 3.5, a, 3);
    ck_assert_uint_eq(h.nevents, 0);        /* still stuck: said once */
    feed(&h, 4.5, a, 1);
    text = take_text(&h, &n);
    ck_assert_uint_eq(n, 2);
    /* both critical: one line each, never folded */
    ck_assert_msg(strstr(text, "task \"db-2\" ended (vanished from the registry): worker  "
                               "handle app.py:5  CRITICAL\n") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "task \"x\" ended") != NULL, "%s", text);
    free(text);
    history_free(&h);
}
END_TEST

START_TEST(test_bounded)
{
    struct history h;
    struct edef *a = calloc(HISTORY_MAX_EVENTS + 10, sizeof(*a));
    struct hist_event *v;
    size_t i, n, dropped;

    ck_assert_ptr_nonnull(a);
    for (i = 0; i < HISTORY_MAX_EVENTS + 10; i++) {
        a[i].id = 0x100 + i * 0x10;
        a[i].name = "t";
        a[i].line = 1;
    }
    history_init(&h, 10, 0);
    history_events_enable(&h);
    feed(&h, 1, a, HISTORY_MAX_EVENTS + 10);
    feed(&h, 2, a, 0);
    history_events_take(&h, &v, &n, &dropped);
    ck_assert_uint_eq(n, HISTORY_MAX_EVENTS);
    ck_assert_uint_eq(dropped, 10);
    history_events_free(v, n);
    history_free(&h);
    free(a);
}
END_TEST

Suite *
suite_events(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("events");

    tcase_add_test(tc, test_off_by_default);
    tcase_add_test(tc, test_ended_folded_and_stamped);
    tcase_add_test(tc, test_stuck_once_critical_alone);
    tcase_add_test(tc, test_where_user_frame);
    tcase_add_test(tc, test_bounded);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
