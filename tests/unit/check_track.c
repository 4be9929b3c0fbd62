/*
 * check_track.c - the tracker's records as the views show them: creation
 * chains through live tasks and ended records, an address reused by a later
 * task (told apart by serials), a creator that is gone, the cancel line, and
 * hostile names escaped.
 */
#include <check.h>
#include <string.h>

#include "snapshot/snapshot.h"
#include "snapshot/track.h"

Suite *suite_track(void);

static struct snap_track *
tt_rec(struct snap *s, int64_t serial, uint64_t by, int64_t by_serial)
{
    struct snap_track *r = arena_alloc(&s->arena, sizeof(*r));

    r->serial = serial;
    r->created_by = by;
    r->creator_serial = by_serial;
    return r;
}

static void
tt_task(struct snap *s, uint64_t addr, const char *name, const struct snap_track *r)
{
    struct snap_task *t = snap_task_add(s);

    t->addr = addr;
    t->name = snap_str_cstr(s, name);
    t->track = r;
}

static void
tt_ended(struct snap *s, uint64_t addr, const char *name, const struct snap_track *r)
{
    struct snap_ended *e = snap_ended_add(s);

    e->addr = addr;
    e->name = snap_str_cstr(s, name);
    e->state = SNAP_TASK_DONE;
    e->track = r;
}

/* leaf ← request-17 (live) ← handler-3 (ended) ← Task-1 (live, root) */
START_TEST(test_track_chain)
{
    struct snap *s = snap_new(1);
    struct track_index ix;
    char buf[256];

    tt_task(s, 0x1000, "Task-1", tt_rec(s, 1, 0, 0));
    tt_task(s, 0x3000, "request-17", tt_rec(s, 3, 0x2000, 2));
    tt_task(s, 0x4000, "leaf", tt_rec(s, 4, 0x3000, 3));
    /* a later task now lives at handler-3's old address: not the creator */
    tt_task(s, 0x2000, "impostor", tt_rec(s, 9, 0x1000, 1));
    snap_tasks_sort(s);
    tt_ended(s, 0x2000, "handler-3", tt_rec(s, 2, 0x1000, 1));
    track_index_build(&ix, s);
    ck_assert_uint_gt(track_chain_text(s, &ix, s->tasks[snap_task_find(s, 0x4000)].track, buf,
                                       sizeof(buf)), 0);
    ck_assert_str_eq(buf, "request-17 \xe2\x86\x90 handler-3 (ended) \xe2\x86\x90 Task-1");
    /* the root has no creator: nothing */
    ck_assert_uint_eq(track_chain_text(s, &ix, s->tasks[snap_task_find(s, 0x1000)].track, buf,
                                       sizeof(buf)), 0);
    ck_assert_str_eq(buf, "");
    track_index_free(&ix);
    snap_free(s);
}
END_TEST

/* A creator neither live nor kept: its id, said gone; a small buffer is cut, NUL-terminated. */
START_TEST(test_track_chain_gone_and_cut)
{
    struct snap *s = snap_new(1);
    struct track_index ix;
    char buf[256], small[8];

    tt_task(s, 0x4000, "leaf", tt_rec(s, 4, 0xabc0, 3));
    snap_tasks_sort(s);
    track_index_build(&ix, s);
    track_chain_text(s, &ix, s->tasks[0].track, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0xabc0 (gone)");
    track_chain_text(s, &ix, s->tasks[0].track, small, sizeof(small));
    ck_assert_uint_lt(strlen(small), sizeof(small));
    track_index_free(&ix);
    snap_free(s);
}
END_TEST

/* A chain that loops (hostile records) stops at the bound. */
START_TEST(test_track_chain_loop)
{
    struct snap *s = snap_new(1);
    struct track_index ix;
    char buf[4096];

    tt_task(s, 0x1000, "a", tt_rec(s, 0, 0x2000, 0));
    tt_task(s, 0x2000, "b", tt_rec(s, 0, 0x1000, 0));
    snap_tasks_sort(s);
    track_index_build(&ix, s);
    track_chain_text(s, &ix, s->tasks[0].track, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "\xe2\x86\x90 \xe2\x80\xa6"));
    track_index_free(&ix);
    snap_free(s);
}
END_TEST

/* Who cancelled: the name, the first frame outside asyncio, the message; names escaped. */
START_TEST(test_track_cancel_text)
{
    struct snap *s = snap_new(1);
    struct snap_cancel_by *k = arena_alloc(&s->arena, sizeof(*k));
    struct snap_frame *f;
    struct track_index ix;
    char buf[256];

    tt_task(s, 0x1000, "evil\x1b[2J", tt_rec(s, 1, 0, 0));
    snap_tasks_sort(s);
    k->task = 0x1000;
    k->stack.first = s->nframes;
    f = snap_frame_add(s);
    f->file = snap_str_cstr(s, "/usr/lib/python3.12/asyncio/timeouts.py");
    f->line = 5;
    f = snap_frame_add(s);
    f->file = snap_str_cstr(s, "/srv/app.py");
    f->line = 88;
    k->stack.count = 2;
    k->message = snap_str_cstr(s, "bye");
    track_index_build(&ix, s);
    track_cancel_text(s, &ix, k, buf, sizeof(buf));
    ck_assert_ptr_null(strchr(buf, '\x1b'));
    ck_assert_ptr_nonnull(strstr(buf, " at app.py:88 (\"bye\")"));
    k->task = 0;
    track_cancel_text(s, &ix, k, buf, sizeof(buf));
    ck_assert_str_eq(buf, "code outside any task at app.py:88 (\"bye\")");
    ck_assert_uint_eq(track_cancel_text(s, &ix, NULL, buf, sizeof(buf)), 0);
    track_index_free(&ix);
    snap_free(s);
}
END_TEST

Suite *
suite_track(void)
{
    Suite *su = suite_create("track");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_track_chain);
    tcase_add_test(tc, test_track_chain_gone_and_cut);
    tcase_add_test(tc, test_track_chain_loop);
    tcase_add_test(tc, test_track_cancel_text);
    suite_add_tcase(su, tc);
    return su;
}
