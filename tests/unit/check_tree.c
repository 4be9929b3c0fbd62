#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"
#include "snapshot/tree.h"

Suite *suite_tree(void);

/* Add a task with a one-frame stack; tasks get ascending addresses in creation order. */
static void
tr_task(struct snap *s, const char *name, const char *coro, const char *file, int line)
{
    size_t first = s->nframes;
    struct snap_frame *fr;
    struct snap_task *t;

    if (file) {
        fr = snap_frame_add(s);
        fr->function = snap_str_cstr(s, coro);
        fr->qualname = snap_str_cstr(s, coro);
        fr->file = snap_str_cstr(s, file);
        fr->line = line;
    }
    t = snap_task_add(s);
    t->addr = 0x1000 + 0x100 * s->ntasks;
    t->name = snap_str_cstr(s, name);
    t->coro = snap_str_cstr(s, coro);
    t->frame_first = first;
    t->frame_count = file ? 1 : 0;
}

/* n tasks "T0".."Tn-1", all running coroutine "c" at app.py:1 */
static struct snap *
tr_snap(size_t n)
{
    struct snap *s = snap_new(1);
    char name[32];
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "T%zu", i);
        tr_task(s, name, "c", "app.py", 1);
    }
    snap_tasks_sort(s);
    return s;
}

/* Every task exactly once, preorder consistent with subtree sizes and parents. */
static void
tr_check_forest(const struct snap *s, const struct tree_forest *t)
{
    unsigned char *seen = calloc(s->ntasks + 1, 1);
    size_t i, roots = 0;

    ck_assert_uint_eq(t->nnodes, s->ntasks);
    for (i = 0; i < t->nnodes; i++) {
        const struct tree_node *nd = &t->nodes[i];

        ck_assert(!seen[nd->task]);
        seen[nd->task] = 1;
        ck_assert_uint_eq(t->node_of_task[nd->task], i);
        ck_assert(nd->subtree >= 1 && i + nd->subtree <= t->nnodes);
        if (nd->parent == TREE_NONE) {
            roots++;
            ck_assert_uint_eq(nd->depth, 0);
        } else {
            ck_assert(nd->parent < i);
            ck_assert(i < nd->parent + t->nodes[nd->parent].subtree);
            ck_assert_uint_eq(nd->depth, t->nodes[nd->parent].depth + 1);
        }
    }
    ck_assert_uint_eq(roots, t->nroots);
    free(seen);
}

static const struct tree_node *
tr_node(const struct tree_forest *t, size_t task)
{
    return &t->nodes[t->node_of_task[task]];
}

START_TEST(test_nesting)
{
    struct snap *s = tr_snap(4);
    struct tree_forest *t;

    /* 0 -> 1 -> 2, 0 -> 3 */
    snap_edge_add(s, 0, 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 1, 2, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 0, 3, SNAP_EDGE_GATHER);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 1);
    ck_assert_uint_eq(t->nodes[0].task, 0);
    ck_assert_uint_eq(t->nodes[0].subtree, 4);
    ck_assert_uint_eq(t->nodes[0].nchildren, 2);
    ck_assert_uint_eq(t->nodes[1].task, 1);
    ck_assert_uint_eq(t->nodes[2].task, 2);
    ck_assert_uint_eq(t->nodes[2].depth, 2);
    ck_assert_uint_eq(t->nodes[3].task, 3);
    ck_assert_uint_eq(t->nodes[3].depth, 1);
    ck_assert(!t->nodes[0].cycle && !t->nodes[2].cycle);
    /* graph lists */
    ck_assert_uint_eq(t->graph.out_first[1] - t->graph.out_first[0], 2);
    ck_assert_uint_eq(t->graph.in_first[3] - t->graph.in_first[2], 1);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_multi_parent)
{
    struct snap *s = tr_snap(4);
    struct tree_forest *t;

    /* 0 -> 2, 1 -> 2, 3 -> 2: 2 under 0, awaited by two others */
    snap_edge_add(s, 0, 2, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 1, 2, SNAP_EDGE_GATHER);
    snap_edge_add(s, 3, 2, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 3);
    ck_assert_uint_eq(tr_node(t, 2)->parent, t->node_of_task[0]);
    ck_assert_uint_eq(tr_node(t, 2)->extra_waiters, 2);
    ck_assert_uint_eq(tr_node(t, 1)->nchildren, 0);
    ck_assert_uint_eq(tr_node(t, 0)->extra_waiters, 0);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_cycles)
{
    struct snap *s = tr_snap(2);
    struct tree_forest *t;

    /* A -> B -> A */
    snap_edge_add(s, 0, 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 1, 0, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 1);
    ck_assert_uint_eq(t->nodes[0].task, 0);
    ck_assert_uint_eq(tr_node(t, 1)->parent, 0);
    ck_assert(tr_node(t, 1)->cycle);
    ck_assert(!tr_node(t, 0)->cycle);
    ck_assert_uint_eq(tr_node(t, 0)->extra_waiters, 1);
    tree_forest_free(t);
    snap_free(s);

    /* self-loop */
    s = tr_snap(1);
    snap_edge_add(s, 0, 0, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 1);
    ck_assert(t->nodes[0].cycle);
    ck_assert_uint_eq(t->nodes[0].extra_waiters, 0);
    tree_forest_free(t);
    snap_free(s);

    /*
     * A cycle 1 <-> 2 that awaits task 0 (lowest index): the root must be
     * taken on the cycle, so 0 hangs under it instead of standing alone.
     */
    s = tr_snap(3);
    snap_edge_add(s, 1, 2, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 2, 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, 2, 0, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 1);
    ck_assert_uint_eq(t->nodes[0].subtree, 3);
    ck_assert(t->nodes[0].task != 0);
    ck_assert_uint_eq(tr_node(t, 0)->extra_waiters, 0);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* Rows as "depth:name[xcount][L]" joined by spaces, for compact exact checks. */
static char *
tr_rows_str(const struct snap *s, const struct tree_rows *r)
{
    static char buf[4096];
    size_t i, n = 0;

    buf[0] = '\0';
    for (i = 0; i < r->nrows; i++) {
        const struct tree_row *row = &r->rows[i];

        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%zu:%s", i ? " " : "", row->depth,
                              s->tasks[row->task].name.s);
        if (row->count > 1)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "x%zu", row->count);
        if (row->flags & TREE_ROW_LAST)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "L");
        if (row->flags & TREE_ROW_COLLAPSED)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "+");
        if (row->flags & TREE_ROW_MATCH)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "*");
    }
    return buf;
}

/*
 * P awaits W1..W5 (identical: worker at app.py:12), X (worker at app.py:99)
 * and G; G awaits H.  Q is a second root.
 */
static struct snap *
tr_group_snap(void)
{
    struct snap *s = snap_new(1);
    size_t i;

    tr_task(s, "P", "main", "app.py", 40);          /* 0 */
    tr_task(s, "W1", "worker", "app.py", 12);       /* 1 */
    tr_task(s, "W2", "worker", "app.py", 12);       /* 2 */
    tr_task(s, "X", "worker", "app.py", 99);        /* 3 */
    tr_task(s, "W3", "worker", "app.py", 12);       /* 4 */
    tr_task(s, "G", "worker", "app.py", 12);        /* 5: same key, but has a child */
    tr_task(s, "H", "leaf", "deep/Needle.py", 7);   /* 6 */
    tr_task(s, "Q", "other", NULL, 0);              /* 7 */
    snap_tasks_sort(s);
    for (i = 1; i <= 5; i++)
        snap_edge_add(s, 0, i, SNAP_EDGE_GATHER);
    snap_edge_add(s, 5, 6, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    return s;
}

START_TEST(test_rows_group)
{
    struct snap *s = tr_group_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct tree_rows r = { 0 };
    struct tree_view v = { 0 };

    tree_rows_build(&r, s, t, NULL);
    ck_assert_str_eq(tr_rows_str(s, &r),
                     "0:P 1:W1 1:W2 1:X 1:W3 1:GL 2:HL 0:QL");
    ck_assert(r.rows[0].flags & TREE_ROW_CHILDREN);
    v.group = true;
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:P 1:W1x3 1:X 1:GL 2:HL 0:QL");
    tree_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_filter_collapse)
{
    struct snap *s = tr_group_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct tree_rows r = { 0 };
    struct tree_view v = { 0 };
    unsigned char collapsed[8] = { 0 };

    /* substring of the innermost frame's file, with ancestors */
    v.filter = "Needle";
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:PL 1:GL 2:HL*");
    v.filter = "needle";
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 0);
    v.filter_icase = true;
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 3);
    /* name and coroutine */
    v.filter_icase = false;
    v.filter = "W";
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:PL 1:W1* 1:W2* 1:W3L*");
    /* G's child is filtered out, so G is a leaf row like W1..W3 and joins their group */
    v.filter = "worker";
    v.group = true;
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:PL 1:W1x4* 1:XL*");

    /* collapse */
    memset(&v, 0, sizeof(v));
    v.collapsed = collapsed;
    collapsed[0] = 1;
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:P+ 0:QL");
    collapsed[0] = 0;
    collapsed[5] = 1;
    collapsed[7] = 1;   /* no children: nothing to collapse */
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:P 1:W1 1:W2 1:X 1:W3 1:GL+ 0:QL");
    /* a filter opens the path to its matches */
    collapsed[0] = 1;
    v.filter = "Needle";
    tree_rows_build(&r, s, t, &v);
    ck_assert_str_eq(tr_rows_str(s, &r), "0:PL 1:GL 2:HL*");
    tree_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_summary)
{
    struct snap *s = snap_new(1);
    struct tree_summary sum;
    struct tree_forest *t;
    size_t i;

    for (i = 0; i < 6000; i++)
        tr_task(s, "w", "worker", "app.py", 12);
    tr_task(s, "m", "main", "app.py", 40);
    tr_task(s, "a", "worker", "app.py", 13);
    tr_task(s, "b", "worker", "app.py", 13);
    tr_task(s, "d", "worker", NULL, 0);
    s->tasks[6001].state = SNAP_TASK_DONE;
    s->tasks[6003].state = SNAP_TASK_CANCELLED;
    snap_tasks_sort(s);
    tree_summary_build(&sum, s, NULL);
    ck_assert_uint_eq(sum.by_state[SNAP_TASK_PENDING], 6002);
    ck_assert_uint_eq(sum.by_state[SNAP_TASK_DONE], 1);
    ck_assert_uint_eq(sum.by_state[SNAP_TASK_CANCELLED], 1);
    ck_assert_uint_eq(sum.ngroups, 4);
    ck_assert_uint_eq(sum.groups[0].count, 6000);
    ck_assert_uint_eq(sum.groups[0].task, 0);
    ck_assert_uint_eq(sum.groups[1].count, 2);
    ck_assert_uint_eq(sum.groups[1].task, 6001);
    /* ties by key: "main" < "worker" */
    ck_assert_uint_eq(sum.groups[2].task, 6000);
    ck_assert_uint_eq(sum.groups[3].task, 6003);
    ck_assert_ptr_null(tree_task_top(s, 6003));
    tree_summary_free(&sum);
    /* the same through a forest's keys */
    t = tree_forest_build(s);
    ck_assert_uint_eq(t->nkeys, 4);
    ck_assert_uint_eq(t->key_of_task[0], t->key_of_task[5999]);
    ck_assert_uint_eq(t->key_of_task[6001], t->key_of_task[6002]);
    ck_assert(t->key_of_task[6000] != t->key_of_task[6001]);
    tree_summary_build(&sum, s, t);
    ck_assert_uint_eq(sum.ngroups, 4);
    ck_assert_uint_eq(sum.groups[0].count, 6000);
    ck_assert_uint_eq(sum.groups[3].task, 6003);
    tree_summary_free(&sum);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* A 100,000-deep await chain: everything iterative, nothing overflows the C stack. */
/* A task "name" of coroutine "serve": Lock.acquire (locks.py) <- endpoint (user_file:line). */
static void
tr_endpoint_task(struct snap *s, const char *name, const char *endpoint, const char *user_file,
                 int line)
{
    size_t first = s->nframes;
    struct snap_frame *fr;
    struct snap_task *t;

    fr = snap_frame_add(s);
    fr->function = snap_str_cstr(s, "acquire");
    fr->qualname = snap_str_cstr(s, "Lock.acquire");
    fr->file = snap_str_cstr(s, "/usr/lib/python3.12/asyncio/locks.py");
    fr->line = 212;
    fr = snap_frame_add(s);
    fr->function = snap_str_cstr(s, endpoint);
    fr->file = snap_str_cstr(s, user_file);
    fr->line = line;
    t = snap_task_add(s);
    t->addr = 0x1000 + 0x100 * s->ntasks;
    t->name = snap_str_cstr(s, name);
    t->coro = snap_str_cstr(s, "serve");
    t->frame_first = first;
    t->frame_count = 2;
    t->user_frame = 1;
}

/*
 * Grouping key (coroutine, user frame, innermost function): two endpoints
 * waiting on the same lock never fold together; the same endpoint does.
 * The filter matches any frame, not only the innermost.
 */
START_TEST(test_user_frame_group_filter)
{
    struct snap *s = snap_new(1);
    struct tree_forest *t;
    struct tree_rows r = { 0 };
    struct tree_view v = { .group = true };
    struct tree_summary sum;

    tr_endpoint_task(s, "a0", "handle_request", "/srv/app.py", 39);
    tr_endpoint_task(s, "a1", "handle_request", "/srv/app.py", 39);
    tr_endpoint_task(s, "a2", "handle_request", "/srv/app.py", 39);
    tr_endpoint_task(s, "b0", "handle_upload", "/srv/upload.py", 12);
    snap_tasks_sort(s);
    ck_assert_ptr_eq(tree_task_user(s, 0), &s->frames[1]);
    ck_assert_ptr_eq(tree_task_where(s, 0, false), &s->frames[1]);
    ck_assert_ptr_eq(tree_task_where(s, 0, true), &s->frames[0]);
    t = tree_forest_build(s);
    ck_assert_uint_eq(t->nkeys, 2);
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 2);
    ck_assert_uint_eq(r.rows[0].count, 3);
    ck_assert_uint_eq(r.rows[1].count, 1);
    tree_summary_build(&sum, s, t);
    ck_assert_uint_eq(sum.ngroups, 2);
    ck_assert_uint_eq(sum.groups[0].count, 3);
    tree_summary_free(&sum);

    v.group = false;
    v.filter = "upload.py";
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_uint_eq(r.rows[0].task, 3);
    v.filter = "handle_request";
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 3);
    v.filter = "Lock.acq";
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, 4);
    ck_assert(tree_task_match(s, 3, "UPLOAD.PY", true));
    ck_assert(!tree_task_match(s, 0, "upload", true));
    tree_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* The filter matches the exception's type and message when there is one. */
START_TEST(test_filter_exception)
{
    struct snap *s = tr_snap(2);
    struct snap_exc *e = arena_alloc(&s->arena, sizeof(*e));

    memset(e, 0, sizeof(*e));
    e->type = snap_str_cstr(s, "KeyError");
    e->message = snap_str_cstr(s, "'tenant-7'");
    s->tasks[1].state = SNAP_TASK_DONE;
    s->tasks[1].exception = e;
    ck_assert(tree_task_match(s, 1, "tenant-7", false));
    ck_assert(tree_task_match(s, 1, "keyerror", true));
    ck_assert(!tree_task_match(s, 0, "tenant-7", false));
    snap_free(s);
}
END_TEST

START_TEST(test_deep_chain)
{
    size_t n = 100000, i;
    struct snap *s = tr_snap(n);
    struct tree_forest *t;
    struct tree_rows r = { 0 };
    struct tree_view v = { .group = true, .filter = "T99999" };

    for (i = 0; i + 1 < n; i++)
        snap_edge_add(s, i, i + 1, SNAP_EDGE_AWAIT);
    snap_edge_add(s, n - 1, 0, SNAP_EDGE_AWAIT);     /* and close it into one big cycle */
    snap_edges_finish(s);
    t = tree_forest_build(s);
    tr_check_forest(s, t);
    ck_assert_uint_eq(t->nroots, 1);
    ck_assert_uint_eq(t->nodes[n - 1].depth, n - 1);
    ck_assert(t->nodes[n - 1].cycle);
    tree_rows_build(&r, s, t, &v);
    ck_assert_uint_eq(r.nrows, n);
    ck_assert(r.rows[n - 1].flags & TREE_ROW_MATCH);
    for (i = 0; i < n; i++)
        ck_assert(r.rows[i].flags & TREE_ROW_LAST);
    tree_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

Suite *
suite_tree(void)
{
    Suite *su = suite_create("tree");
    TCase *tc = tcase_create("tree");

    tcase_add_test(tc, test_nesting);
    tcase_add_test(tc, test_multi_parent);
    tcase_add_test(tc, test_cycles);
    tcase_add_test(tc, test_rows_group);
    tcase_add_test(tc, test_rows_filter_collapse);
    tcase_add_test(tc, test_summary);
    tcase_add_test(tc, test_deep_chain);
    tcase_add_test(tc, test_user_frame_group_filter);
    tcase_add_test(tc, test_filter_exception);
    suite_add_tcase(su, tc);
    return su;
}
