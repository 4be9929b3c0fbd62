/*
 * check_wait.c - what a task waits on: the kinds' name table, the text line
 * of each kind, and --load of "waiting_on" (good and hostile input).
 */
#include <check.h>
#include <string.h>

#include "snapshot/load.h"
#include "snapshot/snapshot.h"
#include "view/wait.h"

Suite *suite_wait(void);

/* Every wait kind has a distinct name that reads back as that kind. */
START_TEST(test_wait_kind_names)
{
    enum snap_wait_kind back;
    unsigned i, j;

    for (i = 0; i < SNAP_WAIT__COUNT; i++) {
        const char *n = snap_wait_kind_name((enum snap_wait_kind)i);

        ck_assert_int_eq(snap_wait_kind_from_name(n, &back), 0);
        ck_assert_int_eq(back, i);
        for (j = 0; j < i; j++)
            ck_assert_str_ne(n, snap_wait_kind_name((enum snap_wait_kind)j));
    }
    ck_assert_str_eq(snap_wait_kind_name(SNAP_WAIT_QUEUE_GET), "queue_get");
    ck_assert_str_eq(snap_wait_kind_name(SNAP_WAIT__COUNT), "unknown");
    ck_assert_int_eq(snap_wait_kind_from_name("", &back), -1);
    ck_assert_int_eq(snap_wait_kind_from_name("Lock", &back), -1);
}
END_TEST

static struct snap_wait *
wt_waiting(struct snap *s, enum snap_wait_kind kind, uint64_t object, const char *detail)
{
    struct snap_task *t = snap_task_add(s);
    struct snap_wait *w = snap_wait_new(s);

    t->addr = 0x1000 * s->ntasks;
    t->name = snap_str_cstr(s, "t");
    w->kind = kind;
    w->object = object;
    if (detail)
        w->detail = snap_str_cstr(s, detail);
    t->waiting_on = w;
    return w;
}

START_TEST(test_wait_lines)
{
    struct snap *s = snap_new(1);
    struct snap_wait *w;
    char line[256];

    w = wt_waiting(s, SNAP_WAIT_LOCK, 0x7f00, "Lock");
    w->known = SNAP_WK_LOCKED | SNAP_WK_WAITERS | SNAP_WK_TIMEOUT_IN;
    w->locked = true;
    w->waiters = 200;
    w->timeout_in = 29.5;
    w = wt_waiting(s, SNAP_WAIT_QUEUE_PUT, 0x7f10, "Queue");
    w->known = SNAP_WK_QSIZE | SNAP_WK_MAXSIZE | SNAP_WK_WAITERS;
    w->qsize = w->maxsize = 2;
    w->waiters = 3;
    w = wt_waiting(s, SNAP_WAIT_UNKNOWN, 0x7f20, "Evil\x1b[31m");
    w = wt_waiting(s, SNAP_WAIT_EVENT, 0x7f30, "Event");
    w->known = SNAP_WK_IS_SET;
    wt_waiting(s, SNAP_WAIT_FUTURE, 0x7f40, "Future");
    snap_task_add(s)->addr = 0x9000;
    ck_assert_uint_gt(view_wait_line(line, sizeof(line), s, 0), 0);
    ck_assert_str_eq(line, "Lock 0x7f00 (held, 200 waiting) [timeout in 30 s]");
    view_wait_line(line, sizeof(line), s, 1);
    ck_assert_str_eq(line, "Queue 0x7f10 put (qsize 2, maxsize 2, 3 waiting)");
    view_wait_line(line, sizeof(line), s, 2);
    ck_assert_ptr_null(strchr(line, '\x1b'));
    ck_assert_ptr_nonnull(strstr(line, " 0x7f20"));
    view_wait_line(line, sizeof(line), s, 3);
    ck_assert_str_eq(line, "Event 0x7f30 (not set)");
    view_wait_line(line, sizeof(line), s, 4);
    ck_assert_str_eq(line, "future 0x7f40");
    ck_assert_uint_eq(view_wait_line(line, sizeof(line), s, 5), 0);
    ck_assert_str_eq(line, "");
    ck_assert_uint_eq(view_wait_line(line, 8, s, 0), 7);     /* cut, still terminated */
    snap_free(s);
}
END_TEST

#define WT_HEAD "{\"pid\": 7, \"threads\": [], \"tasks\": [{\"id\": \"0x10\", \"name\": \"a\", " \
                "\"state\": \"pending\", \"waiting_on\": "
#define WT_TAIL "}]}"

static struct snap *
wt_load(const char *waiting_on, int *err)
{
    char buf[1024];

    snprintf(buf, sizeof(buf), "%s%s%s", WT_HEAD, waiting_on, WT_TAIL);
    return snap_read_json_mem(buf, strlen(buf), "test", err);
}

START_TEST(test_wait_load)
{
    const struct snap_wait *w;
    struct snap *s;
    int err = 0;

    s = wt_load("{\"kind\": \"semaphore\", \"object\": \"0x7f00\", \"detail\": \"Semaphore\", "
                "\"value\": 0, \"waiters\": 3, \"timeout_in\": -1.5e0, \"extra\": [1]}", &err);
    ck_assert_ptr_nonnull(s);
    w = s->tasks[0].waiting_on;
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(w->kind, SNAP_WAIT_SEMAPHORE);
    ck_assert_uint_eq(w->object, 0x7f00);
    ck_assert_str_eq(w->detail.s, "Semaphore");
    ck_assert_uint_eq(w->known, SNAP_WK_VALUE | SNAP_WK_WAITERS | SNAP_WK_TIMEOUT_IN);
    ck_assert_int_eq(w->value, 0);
    ck_assert_int_eq(w->waiters, 3);
    ck_assert(w->timeout_in == -1.5);
    snap_free(s);

    s = wt_load("null", &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(s->tasks[0].waiting_on);
    snap_free(s);

    s = wt_load("{\"kind\": \"socket\", \"fd\": 7, \"local\": \"[::1]:80\", \"peer\": \"\", "
                "\"direction\": \"write\", \"thread\": null}", &err);
    ck_assert_ptr_nonnull(s);
    w = s->tasks[0].waiting_on;
    ck_assert_int_eq(w->fd, 7);
    ck_assert_str_eq(w->local.s, "[::1]:80");
    ck_assert_int_eq(w->direction, SNAP_WAIT_WRITE);
    ck_assert(w->known & SNAP_WK_THREAD);
    ck_assert_int_eq(w->thread, 0);
    snap_free(s);

    /* hostile: refused, never half-read */
    ck_assert_ptr_null(wt_load("{\"kind\": \"spinlock\"}", &err));
    ck_assert_ptr_null(wt_load("{\"object\": \"0x1\"}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"lock\", \"waiters\": -1}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"lock\", \"waiters\": 1.5}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"sleep\", \"seconds_left\": 1e999}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"socket\", \"fd\": 99999999999}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"socket\", \"direction\": \"up\"}", &err));
    ck_assert_ptr_null(wt_load("{\"kind\": \"sleep\", \"seconds_left\": "
                               "1111111111111111111111111111111111111111111}", &err));
}
END_TEST

Suite *
suite_wait(void)
{
    Suite *su = suite_create("wait");
    TCase *tc = tcase_create("wait");

    tcase_add_test(tc, test_wait_kind_names);
    tcase_add_test(tc, test_wait_lines);
    tcase_add_test(tc, test_wait_load);
    suite_add_tcase(su, tc);
    return su;
}
