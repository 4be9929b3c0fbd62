/*
 * check_ui_groups.c - the supervisors view's model (ui/groups.c): who is a
 * supervisor (two or more awaited tasks, or a TaskGroup), the order (most
 * children first), the counts by state and coroutine, the lines' links.
 */
#include <check.h>
#include <string.h>

#include "check_ui_common.h"
#include "ui/groups.h"

Suite *suite_ui_groups(void);

START_TEST(test_groups)
{
    /* big awaits 3 (two pending "work", one done "ping"); pair awaits 2; single awaits 1 */
    struct ut_task t[] = {
        { 0x100, "big", "serve", NULL, 0, SNAP_TASK_PENDING },
        { 0x200, "w1", "work", NULL, 0, SNAP_TASK_PENDING },
        { 0x300, "w2", "work", NULL, 0, SNAP_TASK_PENDING },
        { 0x400, "p1", "ping", NULL, 0, SNAP_TASK_DONE },
        { 0x500, "pair", "serve", NULL, 0, SNAP_TASK_PENDING },
        { 0x600, "x1", "x", NULL, 0, SNAP_TASK_PENDING },
        { 0x700, "x2", "x", NULL, 0, SNAP_TASK_CANCELLED },
        { 0x800, "single", "serve", NULL, 0, SNAP_TASK_PENDING },
        { 0x900, "only", "x", NULL, 0, SNAP_TASK_PENDING },
    };
    const uint64_t e[][2] = { { 0x100, 0x200 }, { 0x100, 0x300 }, { 0x100, 0x400 },
                              { 0x500, 0x600 }, { 0x500, 0x700 }, { 0x800, 0x900 } };
    struct snap *s = ut_snap(t, 9, e, 6);
    struct ui_groups G = { 0 };
    struct ui_lines L = { 0 };

    ui_groups_build(&G, s);
    ck_assert_uint_eq(G.n, 2);
    ck_assert_str_eq(s->tasks[G.v[0].task].name.s, "big");
    ck_assert_uint_eq(G.v[0].n, 3);
    ck_assert_uint_eq(G.v[0].by_state[SNAP_TASK_PENDING], 2);
    ck_assert_uint_eq(G.v[0].by_state[SNAP_TASK_DONE], 1);
    ck_assert_str_eq(s->tasks[G.v[1].task].name.s, "pair");
    ck_assert_uint_eq(G.v[1].by_state[SNAP_TASK_CANCELLED], 1);
    ui_groups_lines(&L, &G, s);
    ck_assert_uint_eq(L.nlines, 2);
    ck_assert_uint_eq(L.lines[0].task, G.v[0].task);
    ck_assert_int_eq(ut_lines_find(&L, "work x2, ping x1"), 0);
    ut_lines_clean(&L);
    ui_group_detail(&L, &G, 0, s);
    ck_assert_int_ge(ut_lines_find(&L, "2  pending   work"), 1);
    ck_assert_int_ge(ut_lines_find(&L, "done      p1  ping"), 1);
    ck_assert_uint_eq(L.lines[ut_lines_find(&L, "w2")].task, snap_task_find(s, 0x300));
    ui_group_detail(&L, &G, 5, s);         /* none selected */
    ck_assert_int_eq(ut_lines_find(&L, "no task awaits"), 0);
    ui_lines_free(&L);
    ui_groups_free(&G);
    snap_free(s);
}
END_TEST

Suite *
suite_ui_groups(void)
{
    Suite *s = suite_create("ui_groups");
    TCase *tc = tcase_create("groups");

    tcase_add_test(tc, test_groups);
    suite_add_tcase(s, tc);
    return s;
}
