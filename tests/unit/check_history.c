#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/history.h"

Suite *suite_history(void);

/* A snapshot at time t (seconds) with tasks (id, name, line, cancel_requests). */
struct tdef {
    uint64_t id;
    const char *name;
    int line;
    int cancels;
};

static struct snap *
mk(double t, const struct tdef *d, size_t n)
{
    struct snap *s = snap_new(1);
    size_t i;

    s->taken_at_ns = (uint64_t)(t * 1e9);
    s->stopped_ns = 1000;
    for (i = 0; i < n; i++) {
        struct snap_task *k = snap_task_add(s);
        struct snap_frame *f;

        k->addr = d[i].id;
        k->coro_addr = d[i].id + 1;
        k->name = snap_str_cstr(s, d[i].name);
        k->coro = snap_str_cstr(s, "worker");
        k->cancel_requests = d[i].cancels;
        k->frame_first = s->nframes;
        k->frame_count = 1;
        f = snap_frame_add(s);
        f->function = snap_str_cstr(s, "worker");
        f->file = snap_str_cstr(s, "app.py");
        f->line = d[i].line;
    }
    snap_tasks_sort(s);
    return s;
}

static void
feed(struct history *h, double t, const struct tdef *d, size_t n)
{
    struct snap *s = mk(t, d, n);

    history_update(h, s);
    snap_free(s);
}

START_TEST(test_terminated_keeps_last_stack)
{
    struct history h;
    struct tdef a[] = { { 0x10, "keeper", 5, 0 }, { 0x20, "goner", 7, 0 } };
    struct tdef b[] = { { 0x10, "keeper", 5, 0 } };

    history_init(&h, 10, 0);
    feed(&h, 1, a, 2);
    a[1].line = 9;
    feed(&h, 2, a, 2);
    feed(&h, 3, b, 1);
    ck_assert_uint_eq(h.nlive, 1);
    ck_assert_uint_eq(h.nended, 1);
    ck_assert_str_eq(h.ended[0].name, "goner");
    ck_assert_int_eq(h.ended[0].stack[0].line, 9);
    ck_assert_uint_eq(h.ended[0].first_seen_ns, 1000000000ull);
    ck_assert_uint_eq(h.ended[0].last_seen_ns, 2000000000ull);
    history_free(&h);
}
END_TEST

START_TEST(test_reused_address_is_a_new_task)
{
    struct history h;
    struct tdef a[] = { { 0x10, "first", 5, 0 } };
    struct snap *s;

    history_init(&h, 10, 0);
    feed(&h, 1, a, 1);
    s = mk(2, a, 1);
    s->tasks[0].coro_addr = 0x999;     /* same task address, another coroutine */
    s->tasks[0].name = snap_str_cstr(s, "second");
    history_update(&h, s);
    snap_free(s);
    ck_assert_uint_eq(h.nended, 1);
    ck_assert_str_eq(h.ended[0].name, "first");
    ck_assert_str_eq(h.live[0].name, "second");
    history_free(&h);
}
END_TEST

START_TEST(test_done_but_referenced_has_ended)
{
    struct history h;
    struct tdef a[] = { { 0x10, "db", 5, 0 } };
    struct snap *s;

    history_init(&h, 10, 0);
    feed(&h, 1, a, 1);
    s = mk(2, a, 1);
    s->tasks[0].state = SNAP_TASK_DONE;
    s->tasks[0].frame_count = 0;       /* a finished coroutine has no stack */
    history_update(&h, s);
    snap_free(s);
    ck_assert_uint_eq(h.nended, 1);
    ck_assert_int_eq(h.ended[0].stack[0].line, 5);  /* the last stack seen while pending */
    feed(&h, 3, NULL, 0);                           /* then it goes: not counted twice */
    ck_assert_uint_eq(h.nended, 1);
    history_free(&h);
}
END_TEST

START_TEST(test_reuse_with_new_name)
{
    struct history h;
    struct tdef a[] = { { 0x10, "churn-1", 5, 0 } };
    struct tdef b[] = { { 0x10, "churn-2", 5, 0 } };    /* same addresses, another task */

    history_init(&h, 10, 0);
    feed(&h, 1, a, 1);
    feed(&h, 2, b, 1);
    ck_assert_uint_eq(h.nended, 1);
    ck_assert_str_eq(h.ended[0].name, "churn-1");
    ck_assert_str_eq(h.live[0].name, "churn-2");
    ck_assert_uint_eq(h.live[0].first_seen_ns, 2000000000ull);
    history_free(&h);
}
END_TEST

START_TEST(test_critical_survives_eviction)
{
    struct history h;
    struct tdef all[] = { { 0x1, "critical-db", 1, 0 }, { 0x2, "x", 1, 0 }, { 0x3, "y", 1, 0 },
                          { 0x4, "z", 1, 0 } };

    history_init(&h, 2, 0);
    ck_assert_int_eq(history_add_critical(&h, "critical-*"), 0);
    feed(&h, 1, all, 4);
    feed(&h, 2, NULL, 0);
    /* 3 non-critical ended with room for 2: the oldest non-critical goes, the critical stays */
    ck_assert_uint_eq(h.nended, 3);
    ck_assert(h.ended[0].critical || h.ended[1].critical || h.ended[2].critical);
    history_free(&h);
}
END_TEST

START_TEST(test_stuck_and_swallow)
{
    struct history h;
    struct tdef a[] = { { 0x10, "spinner", 42, 0 }, { 0x20, "swallower", 8, 1 } };
    size_t i;
    bool stuck = false, swallow = false;

    history_init(&h, 10, 5000000000ull);
    feed(&h, 0, a, 2);
    feed(&h, 3, a, 2);
    for (i = 0; i < h.nlive; i++)
        ck_assert(!history_task_stuck(&h, &h.live[i]));
    feed(&h, 6, a, 2);
    for (i = 0; i < h.nlive; i++) {
        if (strcmp(h.live[i].name, "spinner") == 0)
            stuck = history_task_stuck(&h, &h.live[i]);
        if (strcmp(h.live[i].name, "swallower") == 0)
            swallow = history_task_swallowing(&h.live[i]);
    }
    ck_assert(stuck);
    ck_assert(swallow);
    history_free(&h);
}
END_TEST

/*
 * Stuck means stuck: a periodic sleeper (uvicorn's Server.serve) suspends on
 * the same line every sample but awaits a new future each time, and a task
 * seen running after being suspended (or the reverse) ran in between: both
 * active.  The same future on the same line for longer than --stuck is
 * stuck, and so is a spin: running on one line in every sample.
 */
static bool
stuck_after(const uint64_t *waiters, const bool *running, size_t n)
{
    struct history h;
    struct tdef a[] = { { 0x10, "serve", 42, 0 } };
    size_t i;
    bool stuck;

    history_init(&h, 10, 5000000000ull);
    for (i = 0; i < n; i++) {
        struct snap *s = mk(3.0 * (double)i, a, 1);

        s->tasks[0].waiter = waiters[i];
        s->tasks[0].running = running[i];
        history_update(&h, s);
        snap_free(s);
    }
    ck_assert_uint_eq(h.nlive, 1);
    stuck = history_task_stuck(&h, &h.live[0]);
    history_free(&h);
    return stuck;
}

START_TEST(test_stuck_means_stuck)
{
    static const uint64_t same[] = { 0x500, 0x500, 0x500, 0x500 };
    static const uint64_t periodic[] = { 0x500, 0x600, 0x700, 0x800 };
    static const bool never[] = { false, false, false, false }, ran[] = { false, false, true, false };
    static const bool spin[] = { true, true, true, true };

    ck_assert(stuck_after(same, never, 4));
    ck_assert(!stuck_after(periodic, never, 4));
    /* ran at 6 s, suspended again at 9 s: idle 0 s at 9 s */
    ck_assert(!stuck_after(same, ran, 4));
    ck_assert(stuck_after(same, spin, 4));
    /* ... and stuck again once it has not run for longer than the bound */
    ck_assert(stuck_after((const uint64_t[]){ 0x500, 0x500, 0x500, 0x500, 0x500, 0x500 },
                          (const bool[]){ false, false, true, false, false, false }, 6));
}
END_TEST

/* The watch report names a task's user frame and the awaited primitive. */
START_TEST(test_stuck_text_user_frame)
{
    struct history h;
    struct tdef a[] = { { 0x10, "req", 39, 0 } };
    char *out = NULL;
    size_t len = 0, i;
    FILE *f;

    history_init(&h, 10, 1000000000ull);
    for (i = 0; i < 3; i++) {
        struct snap *s = mk(2.0 * (double)i, a, 1);
        struct snap_frame *fr;

        /* a second frame, the user frame; the first becomes Lock.acquire */
        fr = snap_frame_add(s);
        fr->function = snap_str_cstr(s, "handle_request");
        fr->file = snap_str_cstr(s, "app.py");
        fr->line = 39;
        s->frames[0].function = snap_str_cstr(s, "acquire");
        s->frames[0].qualname = snap_str_cstr(s, "Lock.acquire");
        s->frames[0].file = snap_str_cstr(s, "/usr/lib/python3.12/asyncio/locks.py");
        s->tasks[0].frame_count = 2;
        s->tasks[0].user_frame = 1;
        history_update(&h, s);
        snap_free(s);
    }
    f = open_memstream(&out, &len);
    ck_assert_ptr_nonnull(f);
    history_write_text(f, &h);
    fclose(f);
    ck_assert_msg(strstr(out, "    req  worker  handle_request app.py:39 \xe2\x86\x92 Lock.acquire  "
                              "first seen") != NULL, "%s", out);
    free(out);
    history_free(&h);
}
END_TEST

START_TEST(test_flood_growth)
{
    struct history h;
    struct tdef d[16];
    size_t i, n;
    double rate = 0;

    history_init(&h, 10, 0);
    for (i = 0; i < 16; i++) {
        d[i].id = 0x100 + i * 0x10;
        d[i].name = "scan";
        d[i].line = 3;
        d[i].cancels = 0;
    }
    for (n = 1; n <= 6; n++)
        feed(&h, (double)n, d, n * 2);
    ck_assert_uint_eq(h.nfloods, 1);
    ck_assert(history_flood_growing(&h.floods[0], &rate));
    ck_assert(rate > 1.9 && rate < 2.1);
    feed(&h, 7, d, 2);
    ck_assert(!history_flood_growing(&h.floods[0], &rate));
    history_free(&h);
}
END_TEST

START_TEST(test_reports_are_valid)
{
    struct history h;
    struct tdef a[] = { { 0x10, "evil\x1b[31m", 5, 0 } };
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    history_init(&h, 10, 0);
    feed(&h, 1, a, 1);
    feed(&h, 2, NULL, 0);
    f = open_memstream(&buf, &len);
    history_write_text(f, &h);
    history_write_json(f, &h);
    fclose(f);
    ck_assert_ptr_null(memchr(buf, 0x1b, len));
    ck_assert_ptr_nonnull(strstr(buf, "\"terminated\": [{"));
    free(buf);
    history_free(&h);
}
END_TEST

Suite *
suite_history(void)
{
    Suite *su = suite_create("history");
    TCase *tc = tcase_create("history");

    tcase_add_test(tc, test_terminated_keeps_last_stack);
    tcase_add_test(tc, test_reused_address_is_a_new_task);
    tcase_add_test(tc, test_critical_survives_eviction);
    tcase_add_test(tc, test_done_but_referenced_has_ended);
    tcase_add_test(tc, test_reuse_with_new_name);
    tcase_add_test(tc, test_stuck_and_swallow);
    tcase_add_test(tc, test_stuck_means_stuck);
    tcase_add_test(tc, test_stuck_text_user_frame);
    tcase_add_test(tc, test_flood_growth);
    tcase_add_test(tc, test_reports_are_valid);
    suite_add_tcase(su, tc);
    return su;
}
