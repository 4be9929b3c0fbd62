#include <check.h>
#include <string.h>

#include "snapshot/snapshot.h"

Suite *suite_snapshot(void);

START_TEST(test_tasks_sort_find)
{
    struct snap *s = snap_new(1);
    uint64_t addrs[] = { 0x3000, 0x1000, 0x2000 };
    size_t i;

    for (i = 0; i < 3; i++)
        snap_task_add(s)->addr = addrs[i];
    snap_tasks_sort(s);
    ck_assert_uint_eq(s->tasks[0].addr, 0x1000);
    ck_assert_uint_eq(snap_task_find(s, 0x2000), 1);
    ck_assert_uint_eq(snap_task_find(s, 0x2001), (size_t)-1);
    snap_free(s);
}
END_TEST

START_TEST(test_edges_dedup)
{
    struct snap *s = snap_new(1);

    snap_edge_add(s, 1, 2, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 0, 2, SNAP_EDGE_GATHER);
    snap_edge_add(s, 1, 2, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    ck_assert_uint_eq(s->nedges, 2);
    ck_assert_uint_eq(s->edges[0].waiter, 0);
    snap_free(s);
}
END_TEST

START_TEST(test_str_nul)
{
    struct snap *s = snap_new(1);
    struct snap_str x = snap_str_from(s, "a\0b", 3);

    ck_assert_uint_eq(x.len, 3);
    ck_assert(memcmp(x.s, "a\0b", 4) == 0);
    snap_diag_add(s, SNAP_DIAG_TASK, 0, -5, "x %d", 1);
    ck_assert(s->flags & SNAP_F_PARTIAL);
    ck_assert_int_eq(s->diags[0].code, 5);
    snap_free(s);
}
END_TEST

Suite *
suite_snapshot(void)
{
    Suite *su = suite_create("snapshot");
    TCase *tc = tcase_create("model");

    tcase_add_test(tc, test_tasks_sort_find);
    tcase_add_test(tc, test_edges_dedup);
    tcase_add_test(tc, test_str_nul);
    suite_add_tcase(su, tc);
    return su;
}
