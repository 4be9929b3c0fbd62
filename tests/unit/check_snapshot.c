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
    snap_cycles_find(s);
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

/* n tasks at addresses 0x1000 * (i + 1), in order */
static struct snap *
cyc_snap(size_t n)
{
    struct snap *s = snap_new(1);
    size_t i;

    for (i = 0; i < n; i++)
        snap_task_add(s)->addr = 0x1000 * (i + 1);
    return s;
}

static void
cyc_expect(const struct snap *s, size_t k, const size_t *want, size_t n)
{
    size_t i;

    ck_assert_uint_lt(k, s->ncycles);
    ck_assert_uint_eq(s->cycles[k].n, n);
    for (i = 0; i < n; i++)
        ck_assert_uint_eq(s->cycle_tasks[s->cycles[k].first + i], want[i]);
}

START_TEST(test_cycles)
{
    struct snap *s = cyc_snap(8);
    static const size_t two[] = { 1, 2 }, three[] = { 3, 4, 5 };

    /* 2 -> 1 -> 2 (found from 2: rotated to start at 1), 5 -> 3 -> 4 -> 5,
     * 0 -> 1 (awaits a cycle, not on it), 6 -> 7 (no cycle) */
    snap_edge_add(s, 2, 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 1, 2, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 5, 3, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 3, 4, SNAP_EDGE_GATHER);
    snap_edge_add(s, 4, 5, SNAP_EDGE_TASKGROUP);
    snap_edge_add(s, 0, 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 6, 7, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    snap_cycles_find(s);
    ck_assert_uint_eq(s->ncycles, 2);
    cyc_expect(s, 0, two, 2);
    cyc_expect(s, 1, three, 3);
    ck_assert(!s->tasks[0].in_cycle && s->tasks[1].in_cycle && s->tasks[5].in_cycle);
    ck_assert(!s->tasks[6].in_cycle && !s->tasks[7].in_cycle);
    ck_assert_uint_eq(s->ndiags, 0);
    /* again (a loader calls it too): the same, nothing kept twice */
    snap_edges_finish(s);
    snap_cycles_find(s);
    ck_assert_uint_eq(s->ncycles, 2);
    ck_assert_uint_eq(s->ncycle_tasks, 5);
    snap_free(s);
}
END_TEST

START_TEST(test_cycles_none_and_deep)
{
    struct snap *s = cyc_snap(1);
    size_t i, n = 200000;

    snap_edges_finish(s);
    snap_cycles_find(s);
    ck_assert_uint_eq(s->ncycles, 0);
    snap_free(s);
    /* a chain 200,000 deep that closes on itself: no recursion, one cycle */
    s = cyc_snap(n);
    for (i = 0; i < n; i++)
        snap_edge_add(s, i, (i + 1) % n, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    snap_cycles_find(s);
    ck_assert_uint_eq(s->ncycles, 1);
    ck_assert_uint_eq(s->cycles[0].n, n);
    ck_assert_uint_eq(s->cycle_tasks[0], 0);
    snap_free(s);
}
END_TEST

START_TEST(test_cycles_bounded)
{
    struct snap *s = cyc_snap(2 * (SNAP_MAX_CYCLES + 10));
    size_t i;

    for (i = 0; i < SNAP_MAX_CYCLES + 10; i++) {
        snap_edge_add(s, 2 * i, 2 * i + 1, SNAP_EDGE_AWAIT);
        snap_edge_add(s, 2 * i + 1, 2 * i, SNAP_EDGE_AWAIT);
    }
    snap_edges_finish(s);
    snap_cycles_find(s);
    ck_assert_uint_eq(s->ncycles, SNAP_MAX_CYCLES);
    ck_assert_uint_eq(s->ndiags, 1);
    ck_assert(strstr(s->diags[0].message, "10 more await cycles") != NULL);
    snap_free(s);
}
END_TEST

/* Every edge kind has a distinct name that reads back as that kind. */
START_TEST(test_edge_kind_names)
{
    enum snap_edge_kind k, back;
    unsigned i, j;

    for (i = 0; i < SNAP_EDGE__COUNT; i++) {
        const char *n = snap_edge_kind_name((enum snap_edge_kind)i);

        ck_assert_str_ne(n, "unknown");
        ck_assert_int_eq(snap_edge_kind_from_name(n, &back), 0);
        ck_assert_int_eq(back, i);
        for (j = 0; j < i; j++)
            ck_assert_str_ne(n, snap_edge_kind_name((enum snap_edge_kind)j));
    }
    k = SNAP_EDGE__COUNT;
    ck_assert_str_eq(snap_edge_kind_name(k), "unknown");
    ck_assert_int_eq(snap_edge_kind_from_name("unknown", &back), -1);
    ck_assert_int_eq(snap_edge_kind_from_name("", &back), -1);
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
    tcase_add_test(tc, test_cycles);
    tcase_add_test(tc, test_cycles_none_and_deep);
    tcase_add_test(tc, test_cycles_bounded);
    tcase_add_test(tc, test_edge_kind_names);
    suite_add_tcase(su, tc);
    return su;
}
