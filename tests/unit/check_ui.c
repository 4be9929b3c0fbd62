/*
 * check_ui.c - the live view's model (ui/model.c, rows.c): row order and
 * parents, selection across refreshes, ages, search, tree glyphs; the
 * history in the view: activity, markers, sorts by activity, the terminated
 * view's rows and detail, per-thread CPU shares.  Columns and panes are in
 * check_ui_panes.c, the text of the panes in check_ui_lines.c.
 */
#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "snapshot/history.h"
#include "snapshot/snapshot.h"
#include "snapshot/tree.h"
#include "ui/columns.h"
#include "ui/keys.h"
#include "ui/layout.h"
#include "ui/lines.h"
#include "ui/model.h"
#include "ui/pane.h"
#include "ui/rows.h"
#include "check_ui_common.h"

Suite *suite_ui(void);

/* ------------------------------------------------------------ rows */

START_TEST(test_rows_tree_order)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    char buf[512];

    ui_rows_build(&r, s, t, NULL, UI_SORT_TREE, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    /* forest order: roots by address, children in edge order (by awaited index) */
    ck_assert_str_eq(buf, "root-b@0 kid-9@1 leaf@2 kid-10@1 root-a@0 request-10@0 request-9@0");
    ck_assert_uint_eq(r.parent[0], TREE_NONE);
    ck_assert_uint_eq(r.parent[1], 0);
    ck_assert_uint_eq(r.parent[2], 1);
    ck_assert_uint_eq(r.parent[3], 0);
    ck_assert(r.rows[3].flags & TREE_ROW_LAST);
    ck_assert(!(r.rows[1].flags & TREE_ROW_LAST));
    ck_assert_uint_eq(r.row_of_task[snap_task_find(s, 0x700)], 2);
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_sort_name_natural)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    char buf[512];
    size_t k;

    ui_rows_build(&r, s, t, NULL, UI_SORT_NAME, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    /* siblings sorted, subtrees move with their root, numbers compare as numbers */
    ck_assert_str_eq(buf, "request-9@0 request-10@0 root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1");
    for (k = 0; k < r.nrows; k++) {
        if (r.parent[k] != TREE_NONE) {
            ck_assert_uint_lt(r.parent[k], k);
            ck_assert_uint_eq(r.rows[r.parent[k]].depth + 1, r.rows[k].depth);
        }
    }
    /* LAST: the last sibling of each list only */
    ck_assert(r.rows[3].flags & TREE_ROW_LAST);     /* root-b, last root */
    ck_assert(!(r.rows[2].flags & TREE_ROW_LAST));
    ck_assert(!(r.rows[4].flags & TREE_ROW_LAST));  /* kid-9 */
    ck_assert(r.rows[5].flags & TREE_ROW_LAST);     /* leaf, only child */
    ck_assert(r.rows[6].flags & TREE_ROW_LAST);     /* kid-10 */
    ck_assert_uint_eq(r.row_of_task[snap_task_find(s, 0x300)], 6);

    ui_rows_build(&r, s, t, NULL, UI_SORT_STATE, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "request-9@0 request-10@0 root-b@0 kid-9@1 leaf@2 kid-10@1 root-a@0");

    ui_rows_build(&r, s, t, NULL, UI_SORT_CORO, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "root-b@0 kid-9@1 leaf@2 kid-10@1 request-10@0 request-9@0 root-a@0");
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_sort_age)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    uint64_t first[7] = { 5, 5, 5, 9, 1, 7, 5 };    /* per task index (sorted by address) */
    char buf[512];

    ui_rows_build(&r, s, t, NULL, UI_SORT_AGE, first, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    /* newest first; ties keep the forest order */
    ck_assert_str_eq(buf, "root-a@0 request-9@0 root-b@0 kid-9@1 leaf@2 kid-10@1 request-10@0");
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_collapse_filter_group)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    struct ui_addrset set = { 0 };
    unsigned char flags[7];
    struct tree_view v = { 0 };
    char buf[512];
    size_t row;

    ui_addrset_add(&set, 0x100);
    ui_addrset_mark(&set, s, flags);
    v.collapsed = flags;
    ui_rows_build(&r, s, t, &v, UI_SORT_NAME, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "request-9@0 request-10@0 root-a@0 root-b@0");
    ck_assert(r.rows[3].flags & TREE_ROW_COLLAPSED);
    /* a hidden task is found through its nearest shown ancestor */
    ck_assert_uint_eq(ui_rows_find(&r, s, t, snap_task_find(s, 0x700)), 3);
    ck_assert_uint_eq(ui_forest_search_hidden(&r, s, t, "LEAF"), snap_task_find(s, 0x700));

    /* a filter keeps matches and their ancestors, even under a collapsed task */
    v.filter = "leaf";
    v.filter_icase = true;
    ui_rows_build(&r, s, t, &v, UI_SORT_NAME, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "root-b@0 kid-9@1 leaf@2");

    /* grouping: the two request-* roots share coroutine and suspension point */
    memset(&v, 0, sizeof(v));
    v.group = true;
    ui_rows_build(&r, s, t, &v, UI_SORT_NAME, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    /* the row shows the member that sorts first (request-9), not the lowest address */
    ck_assert_str_eq(buf, "request-9@0* root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1");
    /* request-10 is folded into request-9's row */
    row = ui_rows_find(&r, s, t, snap_task_find(s, 0x500));
    ck_assert_uint_eq(row, 0);
    ck_assert_uint_eq(r.rows[0].count, 2);
    ui_addrset_free(&set);
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_search)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };

    ui_rows_build(&r, s, t, NULL, UI_SORT_TREE, NULL, NULL);
    /* root-b@0 kid-9@1 leaf@2 kid-10@1 root-a@0 request-10@0 request-9@0 */
    ck_assert_uint_eq(ui_rows_search(&r, s, TREE_NONE, 1, "kid"), 1);
    ck_assert_uint_eq(ui_rows_search(&r, s, 1, 1, "kid"), 3);
    ck_assert_uint_eq(ui_rows_search(&r, s, 3, 1, "kid"), 1);      /* wraps */
    ck_assert_uint_eq(ui_rows_search(&r, s, 1, -1, "KID"), 3);     /* backwards, any case */
    ck_assert_uint_eq(ui_rows_search(&r, s, TREE_NONE, -1, "root"), 4);
    ck_assert_uint_eq(ui_rows_search(&r, s, 0, 1, "leafy"), 2);    /* coroutine */
    ck_assert_uint_eq(ui_rows_search(&r, s, 0, 1, "app.py"), 1);   /* file */
    ck_assert_uint_eq(ui_rows_search(&r, s, 0, 1, "nothing"), TREE_NONE);
    ck_assert_uint_eq(ui_rows_search(&r, s, 0, 1, ""), TREE_NONE);
    ck_assert_uint_eq(ui_rows_search(&r, s, 4, 1, "root-a"), 4);   /* only match: itself */
    ck_assert_uint_eq(ui_forest_search_hidden(&r, s, t, "leaf"), TREE_NONE);
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

START_TEST(test_rows_prefix)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    const struct ui_glyphs *a = ui_glyphs_get(false), *u = ui_glyphs_get(true);
    char buf[256];

    ui_rows_build(&r, s, t, NULL, UI_SORT_TREE, NULL, NULL);
    /* root-b@0 kid-9@1 leaf@2 kid-10@1 root-a@0 ... */
    ck_assert_int_eq(ui_rows_prefix(&r, 0, a, 40, buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, "- ");
    ck_assert_int_eq(ui_rows_prefix(&r, 1, a, 40, buf, sizeof(buf)), 4);
    ck_assert_str_eq(buf, "|-- ");
    ck_assert_int_eq(ui_rows_prefix(&r, 2, a, 40, buf, sizeof(buf)), 6);
    ck_assert_str_eq(buf, "| `-- ");
    ck_assert_int_eq(ui_rows_prefix(&r, 3, a, 40, buf, sizeof(buf)), 4);
    ck_assert_str_eq(buf, "`-- ");
    ck_assert_int_eq(ui_rows_prefix(&r, 4, a, 40, buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, "  ");
    ck_assert_int_eq(ui_rows_prefix(&r, 2, u, 40, buf, sizeof(buf)), 6);
    /* "│ └── " */
    ck_assert_str_eq(buf, "\xe2\x94\x82 \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 ");
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* A chain of 300 tasks, each awaiting the next: deep rows show "[depth]" and stay in budget. */
START_TEST(test_rows_prefix_deep)
{
    enum { N = 300 };
    struct ut_task *tk = calloc(N, sizeof(*tk));
    uint64_t (*e)[2] = calloc(N, sizeof(*e));
    struct snap *s;
    struct tree_forest *t;
    struct ui_rows r = { 0 };
    char buf[256], names[N][16];
    int w;
    size_t i;

    for (i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "c%zu", i);
        tk[i] = (struct ut_task){ 0x1000 + 16 * i, names[i], "chain", "x.py", 1,
                                  SNAP_TASK_PENDING };
        if (i + 1 < N) {
            e[i][0] = 0x1000 + 16 * i;
            e[i][1] = 0x1000 + 16 * (i + 1);
        }
    }
    s = ut_snap(tk, N, (const uint64_t (*)[2])e, N - 1);
    t = tree_forest_build(s);
    ui_rows_build(&r, s, t, NULL, UI_SORT_NAME, NULL, NULL);
    ck_assert_uint_eq(r.nrows, N);
    ck_assert_uint_eq(r.rows[N - 1].depth, N - 1);
    w = ui_rows_prefix(&r, N - 1, ui_glyphs_get(false), 30, buf, sizeof(buf));
    ck_assert_int_le(w, 30);
    ck_assert_ptr_nonnull(strstr(buf, "[299]"));
    ck_assert_ptr_nonnull(strstr(buf, "`-- "));
    w = ui_rows_prefix(&r, 5, ui_glyphs_get(false), 30, buf, sizeof(buf));
    ck_assert_int_eq(w, 12);
    ck_assert_str_eq(buf, "        `-- ");
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
    free(tk);
    free(e);
}
END_TEST

/* 100,000 identical tasks under one parent: sorted, grouped, searched, found. */
START_TEST(test_rows_flood)
{
    enum { N = 100000 };
    struct snap *s = snap_new(1);
    struct tree_forest *t;
    struct ui_rows r = { 0 };
    struct tree_view v = { .group = true };
    size_t i, root;
    char name[32];

    for (i = 0; i <= N; i++) {
        struct snap_task *k = snap_task_add(s);

        k->addr = 0x10000 + 16 * i;
        snprintf(name, sizeof(name), i ? "flood-%zu" : "root", i);
        k->name = snap_str_cstr(s, name);
        k->coro = snap_str_cstr(s, i ? "flood_one" : "main");
    }
    snap_tasks_sort(s);
    for (i = 1; i <= N; i++)
        snap_edge_add(s, 0, i, SNAP_EDGE_GATHER);
    snap_edges_finish(s);
    t = tree_forest_build(s);
    ui_rows_build(&r, s, t, NULL, UI_SORT_NAME, NULL, NULL);
    ck_assert_uint_eq(r.nrows, N + 1);
    ck_assert_str_eq(s->tasks[r.rows[1].task].name.s, "flood-1");
    ck_assert_str_eq(s->tasks[r.rows[N].task].name.s, "flood-100000");
    ck_assert_uint_eq(ui_rows_search(&r, s, 0, 1, "flood-99999"), 99999);
    ui_rows_build(&r, s, t, &v, UI_SORT_NAME, NULL, NULL);
    ck_assert_uint_eq(r.nrows, 2);
    ck_assert_uint_eq(r.rows[1].count, N);
    ck_assert_str_eq(s->tasks[r.rows[1].task].name.s, "flood-1");
    root = ui_rows_find(&r, s, t, 77);
    ck_assert_uint_eq(root, 1);
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* ------------------------------------------------------------ selection, ages */

START_TEST(test_sel_across_refresh)
{
    struct snap *s = ut_tree_snap(), *s2;
    struct tree_forest *t = tree_forest_build(s), *t2;
    struct ui_rows r = { 0 };
    struct ui_sel sel = { 0 };
    struct ut_task more[8];
    static const uint64_t more_edges[][2] = { { 0x100, 0x200 }, { 0x200, 0x700 } };
    size_t row;

    ui_rows_build(&r, s, t, NULL, UI_SORT_NAME, NULL, NULL);
    /* request-9 request-10 root-a root-b kid-9 leaf kid-10: select leaf */
    ui_sel_set(&sel, &r, s, 5);
    ck_assert(sel.valid);
    ck_assert_uint_eq(sel.addr, 0x700);

    /* next snapshot: a task sorting first appears, kid-10 is gone */
    memcpy(more, ut_tree, sizeof(ut_tree));
    more[2] = (struct ut_task){ 0x50, "aaa-new", "x", NULL, 0, SNAP_TASK_PENDING };
    more[7] = (struct ut_task){ 0x800, "zzz", "x", NULL, 0, SNAP_TASK_PENDING };
    s2 = ut_snap(more, 8, more_edges, 2);
    t2 = tree_forest_build(s2);
    ui_rows_build(&r, s2, t2, NULL, UI_SORT_NAME, NULL, NULL);
    row = ui_sel_resolve(&sel, &r, s2, t2);
    ck_assert_str_eq(s2->tasks[r.rows[row].task].name.s, "leaf");
    ck_assert_uint_eq(row, 6);

    /* the selected task disappears: the same row position, clamped */
    sel.addr = 0x300;
    sel.row = 100;
    row = ui_sel_resolve(&sel, &r, s2, t2);
    ck_assert_uint_eq(row, r.nrows - 1);
    /* the address reused by another coroutine is another task */
    sel.addr = 0x700;
    sel.coro = 0x1234;
    sel.row = 2;
    ck_assert_uint_eq(ui_sel_resolve(&sel, &r, s2, t2), 2);
    ui_rows_free(&r);
    tree_forest_free(t);
    tree_forest_free(t2);
    snap_free(s);
    snap_free(s2);
}
END_TEST

START_TEST(test_ages)
{
    struct ui_ages a = { 0 };
    struct ut_task x[3] = {
        { 0x10, "a", "c", NULL, 0, SNAP_TASK_PENDING },
        { 0x20, "b", "c", NULL, 0, SNAP_TASK_PENDING },
        { 0x30, "c", "c", NULL, 0, SNAP_TASK_PENDING },
    };
    struct snap *s1 = ut_snap(x, 3, NULL, 0), *s2;

    ui_ages_update(&a, s1, 100);
    ck_assert_uint_eq(a.nfirst, 3);
    ck_assert_uint_eq(a.first[0], 100);
    ck_assert_uint_eq(a.first[2], 100);
    x[0].addr = 0x05;           /* a new task, sorting first */
    s2 = ut_snap(x, 3, NULL, 0);
    s2->tasks[2].coro_addr = 0x999;     /* 0x30 reused by another coroutine */
    ui_ages_update(&a, s2, 200);
    ck_assert_uint_eq(a.first[0], 200);     /* 0x05 new */
    ck_assert_uint_eq(a.first[1], 100);     /* 0x20 kept */
    ck_assert_uint_eq(a.first[2], 200);     /* 0x30 is another task now */
    ui_ages_update(&a, s2, 300);
    ck_assert_uint_eq(a.first[0], 200);
    ck_assert_uint_eq(a.first[1], 100);
    snap_free(s1);
    /* both addresses reused at once by the next task (a churning loop): its name differs */
    x[1].name = "b-next";
    s1 = ut_snap(x, 3, NULL, 0);
    s1->tasks[2].coro_addr = 0x999;
    ui_ages_update(&a, s1, 400);
    ck_assert_uint_eq(a.first[0], 200);     /* 0x05 kept */
    ck_assert_uint_eq(a.first[1], 400);     /* 0x20, 0x28 again, but another task */
    ck_assert_uint_eq(a.first[2], 200);
    ui_ages_free(&a);
    snap_free(s1);
    snap_free(s2);
}
END_TEST

START_TEST(test_addrset)
{
    struct ui_addrset set = { 0 };
    uint64_t v[] = { 50, 10, 30, 10, 70, 20 };
    size_t i;

    for (i = 0; i < 6; i++)
        ui_addrset_add(&set, v[i]);
    ck_assert_uint_eq(set.n, 5);
    for (i = 1; i < set.n; i++)
        ck_assert_uint_lt(set.v[i - 1], set.v[i]);
    ck_assert(ui_addrset_has(&set, 30));
    ck_assert(!ui_addrset_has(&set, 31));
    ui_addrset_del(&set, 30);
    ui_addrset_del(&set, 31);
    ck_assert(!ui_addrset_has(&set, 30));
    ck_assert_uint_eq(set.n, 4);
    ui_addrset_clear(&set);
    ck_assert(!ui_addrset_has(&set, 10));
    ui_addrset_free(&set);
}
END_TEST

START_TEST(test_scroll_fit)
{
    ck_assert_uint_eq(ui_scroll_fit(0, 5, 100, 10), 0);
    ck_assert_uint_eq(ui_scroll_fit(0, 10, 100, 10), 1);       /* just below: scroll 1 */
    ck_assert_uint_eq(ui_scroll_fit(50, 20, 100, 10), 20);     /* above: it becomes the top */
    ck_assert_uint_eq(ui_scroll_fit(95, 99, 100, 10), 90);     /* no blank space at the end */
    ck_assert_uint_eq(ui_scroll_fit(7, 3, 5, 10), 0);          /* fewer rows than lines */
    ck_assert_uint_eq(ui_scroll_fit(3, 3, 0, 10), 0);
    ck_assert_uint_eq(ui_scroll_fit(3, 3, 10, 0), 0);
}
END_TEST

START_TEST(test_fmt)
{
    char b[32];

    ui_fmt_age(b, sizeof(b), 0);
    ck_assert_str_eq(b, "0s");
    ui_fmt_age(b, sizeof(b), 59999999999ull);
    ck_assert_str_eq(b, "59s");
    ui_fmt_age(b, sizeof(b), 184000000000ull);
    ck_assert_str_eq(b, "3m04s");
    ui_fmt_age(b, sizeof(b), 7500ull * 1000000000ull);
    ck_assert_str_eq(b, "2h05m");
    ui_fmt_age(b, sizeof(b), (3ull * 86400 + 4 * 3600) * 1000000000ull);
    ck_assert_str_eq(b, "3d04h");
    ck_assert_uint_le(strlen(b), 6);
    ui_fmt_dur(b, sizeof(b), 850000);
    ck_assert_str_eq(b, "850us");
    ui_fmt_dur(b, sizeof(b), 12345678);
    ck_assert_str_eq(b, "12.3ms");
    ui_fmt_dur(b, sizeof(b), 1250000000);
    ck_assert_str_eq(b, "1.25s");
}
END_TEST

/* ------------------------------------------------------------ history in the view */

/* ut_tree's snapshot at time t seconds (history_update uses taken_at_ns). */
static struct snap *
ut_tree_at(double t)
{
    struct snap *s = ut_tree_snap();

    s->taken_at_ns = (uint64_t)(t * 1e9);
    return s;
}

/* Move task addr's innermost frame to `line` (its stack changes). */
static void
ut_move(struct snap *s, uint64_t addr, int line)
{
    struct snap_task *t = &s->tasks[snap_task_find(s, addr)];

    s->frames[t->frame_first].line = line;
}

START_TEST(test_act_markers_sort)
{
    struct history h;
    struct snap *s = NULL;
    struct ui_act act[7];
    struct tree_forest *t;
    struct ui_rows r = { 0 };
    char buf[512];
    size_t i;

    /*
     * 5 samples 1 s apart, --stuck 2: request-9 runs in every sample and
     * moves every time; request-10 runs in 2 of 5 and moves once; leaf never
     * moves (stuck); kid-9 has a cancellation pending from the second sample
     * on (swallowed); root-b is critical.
     */
    history_init(&h, 10, 2000000000ull);
    history_add_critical(&h, "root-*b");
    for (i = 0; i < 5; i++) {
        snap_free(s);
        s = ut_tree_at(100.0 + (double)i);
        s->tasks[snap_task_find(s, 0x600)].running = true;
        ut_move(s, 0x600, 100 + (int)i);
        if (i >= 3) {
            s->tasks[snap_task_find(s, 0x500)].running = true;
            ut_move(s, 0x500, 41);
        }
        if (i >= 1)
            s->tasks[snap_task_find(s, 0x200)].cancel_requests = 1;
        history_update(&h, s);
    }
    ui_act_build(act, &h, s);
    for (i = 0; i < 7; i++)
        ck_assert(act[i].flags & UI_ACT_KNOWN);
    ck_assert_uint_eq(ui_act_permille(&act[snap_task_find(s, 0x600)]), 1000);
    ck_assert_uint_eq(ui_act_permille(&act[snap_task_find(s, 0x500)]), 400);
    ck_assert_uint_eq(ui_act_permille(&act[snap_task_find(s, 0x700)]), 0);
    ck_assert_uint_eq(act[snap_task_find(s, 0x600)].idle_ns, 0);
    ck_assert_uint_eq(act[snap_task_find(s, 0x500)].idle_ns, 1000000000ull);
    ck_assert_uint_eq(act[snap_task_find(s, 0x700)].idle_ns, 4000000000ull);
    ck_assert(act[snap_task_find(s, 0x700)].flags & UI_ACT_STUCK);
    ck_assert(!(act[snap_task_find(s, 0x600)].flags & UI_ACT_STUCK));
    ck_assert(!(act[snap_task_find(s, 0x500)].flags & UI_ACT_STUCK));
    ck_assert(act[snap_task_find(s, 0x200)].flags & UI_ACT_SWALLOW);
    ck_assert(!(act[snap_task_find(s, 0x700)].flags & UI_ACT_SWALLOW));
    ck_assert(act[snap_task_find(s, 0x100)].flags & UI_ACT_CRITICAL);
    ck_assert(!(act[snap_task_find(s, 0x400)].flags & UI_ACT_CRITICAL));

    /* roots sorted by running share: request-9 (100%), request-10 (40%), then by name */
    t = tree_forest_build(s);
    ui_rows_build(&r, s, t, NULL, UI_SORT_RUNNING, NULL, act);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "request-9@0 request-10@0 root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1");
    /* by idle time, longest first (ties by name): the 4 s ones, request-10 (1s), request-9 */
    ui_rows_build(&r, s, t, NULL, UI_SORT_IDLE, NULL, act);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1 request-10@0 request-9@0");
    /* without the history every task sorts as unknown: by name */
    ui_rows_build(&r, s, t, NULL, UI_SORT_IDLE, NULL, NULL);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "request-9@0 request-10@0 root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1");
    ck_assert_str_eq(ui_sort_name(UI_SORT_RUNNING), "running");
    ck_assert_str_eq(ui_sort_name(UI_SORT_IDLE), "idle");

    /* a task the history does not know: no flags, sorts last */
    s->tasks[snap_task_find(s, 0x500)].coro_addr = 0xdead;
    ui_act_build(act, &h, s);
    ck_assert_uint_eq(act[snap_task_find(s, 0x500)].flags, 0);
    ui_rows_build(&r, s, t, NULL, UI_SORT_RUNNING, NULL, act);
    ut_rows_str(&r, s, buf, sizeof(buf));
    ck_assert_str_eq(buf, "request-9@0 root-a@0 root-b@0 kid-9@1 leaf@2 kid-10@1 request-10@0");

    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
    history_free(&h);
}
END_TEST

START_TEST(test_act_detail)
{
    struct history h;
    struct snap *s;
    struct ui_act act[7];
    struct ui_lines L = { 0 };
    struct ui_links links;
    struct ui_detail_in in;
    int i;

    history_init(&h, 10, 1000000000ull);
    for (i = 0; i < 3; i++) {
        s = ut_tree_at(10.0 + i);
        /* running from the second sample on: started once, then spins on one line */
        s->tasks[snap_task_find(s, 0x700)].running = i >= 1;
        history_update(&h, s);
        if (i < 2)
            snap_free(s);
    }
    ui_act_build(act, &h, s);
    memset(&in, 0, sizeof(in));
    in.s = s;
    in.task = snap_task_find(s, 0x700);
    in.count = 1;
    in.act = act;
    in.now_ns = s->taken_at_ns;
    ui_detail_build(&L, &links, &in);
    ut_lines_clean(&L);
    ck_assert_int_eq(ut_lines_find(&L, "leaf  pending  RUNNING now  STUCK (stack unchanged)"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "activity running in 66.6% of 3 samples, stack unchanged "
                                       "for 1s"), 1);
    ui_lines_free(&L);
    snap_free(s);
    history_free(&h);
}
END_TEST

START_TEST(test_ended_rows)
{
    static const struct ut_task tasks[] = {
        { 0x100, "db-\x1b[31mwriter", "write_rows", "/srv/db.py", 77, SNAP_TASK_PENDING },
        { 0x200, "poller", "poll", "/srv/poll.py", 12, SNAP_TASK_PENDING },
        { 0x300, "main", "main", "/srv/app.py", 5, SNAP_TASK_PENDING },
    };
    struct history h;
    struct snap *s;
    struct ui_lines L = { 0 };
    char buf[512];
    int i;

    history_init(&h, 10, 0);
    history_add_critical(&h, "db-*");
    /* t = 1, 2: all three; t = 3: the writer has gone; t = 4: the poller too */
    for (i = 1; i <= 4; i++) {
        if (i <= 2)
            s = ut_snap(tasks, 3, NULL, 0);
        else
            s = ut_snap(tasks + i - 2, 5 - (size_t)i, NULL, 0);
        s->taken_at_ns = (uint64_t)i * 1000000000ull;
        history_update(&h, s);
        snap_free(s);
    }
    ck_assert_uint_eq(h.nended, 2);
    ui_ended_build(&L, &h, 6000000000ull);
    ut_lines_clean(&L);
    ck_assert_uint_eq(L.nlines, 2);
    /* newest first; .task is the index into h.ended */
    ck_assert_uint_eq(L.lines[0].task, 1);
    ck_assert_uint_eq(L.lines[1].task, 0);
    ui_lines_text(&L, 0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "  gone   2.00s     3s poller  poll  at poll  poll.py:12");
    ui_lines_text(&L, 1, buf, sizeof(buf));
    ck_assert_str_eq(buf, "! gone   1.00s     4s db-\\x1b[31mwriter  write_rows  at write_rows  "
                     "db.py:77");
    ck_assert_str_eq(ui_ended_how(SNAP_TASK_CANCELLED), "canc");

    ui_ended_detail(&L, &h, 0, 6000000000ull, NULL);
    ut_lines_clean(&L);
    ck_assert_int_eq(ut_lines_find(&L, "db-\\x1b[31mwriter  ended between two samples  CRITICAL"),
                     0);
    ck_assert_int_ge(ut_lines_find(&L, "seen for 1.00s  last seen 4s ago"), 1);
    ck_assert_int_ge(ut_lines_find(&L, "last-seen stack, innermost first, 1 frame"), 1);
    ck_assert_int_ge(ut_lines_find(&L, "#0  write_rows  /srv/db.py:77"), 2);
    ui_ended_detail(&L, &h, 5, 0, NULL);
    ck_assert_int_eq(ut_lines_find(&L, "no terminated task selected"), 0);

    /* an empty history: no rows */
    history_free(&h);
    history_init(&h, 10, 0);
    ui_ended_build(&L, &h, 0);
    ck_assert_uint_eq(L.nlines, 0);
    ui_lines_free(&L);
    history_free(&h);
}
END_TEST

START_TEST(test_cpu)
{
    struct snap *a = snap_new(7), *b = snap_new(7);
    struct ui_cpu c = { 0 };
    struct snap_thread *th;
    struct ui_lines L = { 0 };

    a->taken_at_ns = 10000000000ull;
    th = snap_thread_add(a);
    th->tid = 10;
    th->cpu_known = true;
    th->cpu_ns = 3000000000ull;
    th = snap_thread_add(a);
    th->tid = 11;
    th->cpu_known = true;
    th->cpu_ns = 100;
    ui_cpu_update(&c, a);
    ck_assert_uint_eq(c.npct, 2);
    ck_assert(c.pct[0] < 0 && c.pct[1] < 0);        /* the first snapshot: unknown */

    /* 2 s later: 10 used 1.5 s (75%), 12 is new, 11 is gone, 13 has no cpu */
    b->taken_at_ns = 12000000000ull;
    th = snap_thread_add(b);
    th->tid = 12;
    th->cpu_known = true;
    th->cpu_ns = 5;
    th = snap_thread_add(b);
    th->tid = 10;
    th->cpu_known = true;
    th->cpu_ns = 4500000000ull;
    th = snap_thread_add(b);
    th->tid = 13;
    ui_cpu_update(&c, b);
    ck_assert_uint_eq(c.npct, 3);
    ck_assert(c.pct[0] < 0);
    ck_assert(c.pct[1] > 74.99 && c.pct[1] < 75.01);
    ck_assert(c.pct[2] < 0);
    ui_threads_build(&L, b, c.pct, NULL);
    ck_assert_int_ge(ut_lines_find(&L, "Thread 10 \"?\"  cpu 75.0%"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "Thread 12 \"?\"  cpu -"), 0);

    /* the same snapshot time again: no interval, unknown */
    ui_cpu_update(&c, b);
    ck_assert(c.pct[1] < 0);
    ui_lines_free(&L);
    ui_cpu_free(&c);
    snap_free(a);
    snap_free(b);
}
END_TEST

Suite *
suite_ui(void)
{
    Suite *su = suite_create("ui");
    TCase *tc = tcase_create("model");
    TCase *tx = tcase_create("lines");

    tcase_add_test(tc, test_rows_tree_order);
    tcase_add_test(tc, test_rows_sort_name_natural);
    tcase_add_test(tc, test_rows_sort_age);
    tcase_add_test(tc, test_rows_collapse_filter_group);
    tcase_add_test(tc, test_rows_search);
    tcase_add_test(tc, test_rows_prefix);
    tcase_add_test(tc, test_rows_prefix_deep);
    tcase_add_test(tc, test_rows_flood);
    tcase_add_test(tc, test_sel_across_refresh);
    tcase_add_test(tc, test_ages);
    tcase_add_test(tc, test_addrset);
    tcase_add_test(tc, test_scroll_fit);
    tcase_add_test(tc, test_fmt);
    tcase_add_test(tc, test_act_markers_sort);
    tcase_add_test(tx, test_act_detail);
    tcase_add_test(tx, test_ended_rows);
    tcase_add_test(tc, test_cpu);
    suite_add_tcase(su, tc);
    suite_add_tcase(su, tx);
    return su;
}
