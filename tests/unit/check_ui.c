/*
 * check_ui.c - the live view's pure logic (ui/model.c, layout.c,
 * lines.c): row order and parents, selection across refreshes, ages,
 * search, tree glyphs, screen layout, columns, text cut to columns, escaped
 * content of the detail pane and the threads view, the source-line cache;
 * the history in the view: activity, markers, sorts by activity, the
 * terminated view's rows and detail, per-thread CPU shares.
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

Suite *suite_ui(void);

/* ------------------------------------------------------------ fixtures */

struct ut_task {
    uint64_t addr;
    const char *name;
    const char *coro;
    const char *file;           /* innermost frame, or NULL for no frame */
    int line;
    enum snap_task_state state;
};

/* A snapshot of tasks (sorted by address here) and edges given by address. */
static struct snap *
ut_snap(const struct ut_task *t, size_t n, const uint64_t (*edges)[2], size_t nedges)
{
    struct snap *s = snap_new(42);
    size_t i;

    for (i = 0; i < n; i++) {
        struct snap_task *k = snap_task_add(s);
        size_t first = s->nframes;

        k->addr = t[i].addr;
        k->coro_addr = t[i].addr + 8;
        k->name = snap_str_cstr(s, t[i].name);
        k->coro = snap_str_cstr(s, t[i].coro);
        k->state = t[i].state;
        if (t[i].file) {
            struct snap_frame *f = snap_frame_add(s);

            f->function = snap_str_cstr(s, t[i].coro);
            f->file = snap_str_cstr(s, t[i].file);
            f->line = t[i].line;
            /* snap_task_add may move tasks: index again */
            s->tasks[s->ntasks - 1].frame_first = first;
            s->tasks[s->ntasks - 1].frame_count = 1;
        }
    }
    snap_tasks_sort(s);
    for (i = 0; i < nedges; i++)
        snap_edge_add(s, snap_task_find(s, edges[i][0]), snap_task_find(s, edges[i][1]),
                      SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    return s;
}

/* The names of the rows, "name@depth" joined by spaces. */
static void
ut_rows_str(const struct ui_rows *r, const struct snap *s, char *buf, size_t size)
{
    size_t k, used = 0;

    buf[0] = '\0';
    for (k = 0; k < r->nrows && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s@%zu%s", k ? " " : "",
                                 s->tasks[r->rows[k].task].name.s, r->rows[k].depth,
                                 r->rows[k].count > 1 ? "*" : "");
}

/*
 *   root-b (0x100) awaits kid-10 (0x300), kid-9 (0x200)
 *   root-a (0x400)
 *   request-10 (0x500), request-9 (0x600)
 *   kid-9 awaits leaf (0x700)
 */
static const struct ut_task ut_tree[] = {
    { 0x100, "root-b", "main", "app.py", 10, SNAP_TASK_PENDING },
    { 0x200, "kid-9", "kid", "app.py", 20, SNAP_TASK_PENDING },
    { 0x300, "kid-10", "kid", "app.py", 20, SNAP_TASK_DONE },
    { 0x400, "root-a", "zzz", "app.py", 30, SNAP_TASK_CANCELLED },
    { 0x500, "request-10", "req", "app.py", 40, SNAP_TASK_PENDING },
    { 0x600, "request-9", "req", "app.py", 40, SNAP_TASK_PENDING },
    { 0x700, "leaf", "leafy", "app.py", 50, SNAP_TASK_PENDING },
};
static const uint64_t ut_tree_edges[][2] = {
    { 0x100, 0x300 }, { 0x100, 0x200 }, { 0x200, 0x700 },
};

static struct snap *
ut_tree_snap(void)
{
    return ut_snap(ut_tree, 7, ut_tree_edges, 3);
}

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

/* ------------------------------------------------------------ layout */

static void
ut_rect_inside(const struct ui_rect *r, int lines, int cols)
{
    if (r->h == 0)
        return;
    ck_assert_int_ge(r->y, 0);
    ck_assert_int_ge(r->x, 0);
    ck_assert_int_le(r->y + r->h, lines);
    ck_assert_int_le(r->x + r->w, cols);
}

START_TEST(test_layout)
{
    static const int sizes[][2] = { { 24, 80 }, { 40, 120 }, { 10, 40 }, { 60, 250 },
                                    { 300, 1000 }, { 25, 149 }, { 13, 200 } };
    struct ui_layout l;
    size_t i;

    ui_layout_compute(&l, 24, 80);
    ck_assert(!l.too_small);
    ck_assert(!l.side);
    ck_assert_int_eq(l.header.y, 0);
    ck_assert_int_eq(l.header.h, 3);
    ck_assert_int_eq(l.colhdr.y, 3);
    ck_assert_int_eq(l.tree.y, 4);
    ck_assert_int_eq(l.tree.h, 10);
    ck_assert_int_eq(l.dtitle.y, 14);
    ck_assert_int_eq(l.detail.y, 15);
    ck_assert_int_eq(l.detail.h, 8);
    ck_assert_int_eq(l.footer.y, 23);
    ck_assert_int_eq(l.footer.w, 80);

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        int L = sizes[i][0], C = sizes[i][1];

        ui_layout_compute(&l, L, C);
        ck_assert(!l.too_small);
        ut_rect_inside(&l.header, L, C);
        ut_rect_inside(&l.colhdr, L, C);
        ut_rect_inside(&l.tree, L, C);
        ut_rect_inside(&l.dtitle, L, C);
        ut_rect_inside(&l.detail, L, C);
        ut_rect_inside(&l.footer, L, C);
        ck_assert_int_ge(l.tree.h, 1);
        ck_assert_int_ge(l.detail.h, 1);
        if (l.side) {
            ck_assert_int_eq(l.tree.x + l.tree.w + 1, l.detail.x);
            ck_assert_int_eq(l.tree.y, l.detail.y);
        } else {
            ck_assert_int_eq(l.tree.y + l.tree.h, l.dtitle.y);
            ck_assert_int_eq(l.detail.y + l.detail.h, l.footer.y);
        }
    }
    ui_layout_compute(&l, 60, 250);
    ck_assert(l.side);
    ui_layout_compute(&l, 9, 80);
    ck_assert(l.too_small);
    ui_layout_compute(&l, 24, 39);
    ck_assert(l.too_small);
    ui_layout_compute(&l, 0, 0);
    ck_assert(l.too_small);
    ui_layout_compute(&l, -3, -7);
    ck_assert(l.too_small);
}
END_TEST

START_TEST(test_cols)
{
    int st = ui_col_find("STAT"), mark = ui_col_find("RCS"), age = ui_col_find("AGE");
    int run = ui_col_find("RUN%"), idle = ui_col_find("IDLE"), task = ui_col_find("TASK");
    int coro = ui_col_find("COROUTINE"), where = ui_col_find("WHERE");
    struct ui_cols c;
    int w, end;
    size_t i;

    ck_assert_int_ge(st, 0);
    ck_assert_int_ge(mark, 0);
    ck_assert_int_ge(age, 0);
    ck_assert_int_ge(run, 0);
    ck_assert_int_ge(idle, 0);
    ck_assert_int_ge(task, 0);
    ck_assert_int_ge(coro, 0);
    ck_assert_int_ge(where, 0);
    ck_assert_int_eq(ui_col_find("NOPE"), -1);
    ui_cols_compute(&c, 80);
    ck_assert_int_gt(c.w[st], 0);
    ck_assert_int_gt(c.w[age], 0);
    ck_assert_int_ge(c.w[task], 25);
    ck_assert_int_gt(c.w[coro], 0);
    ck_assert_int_gt(c.w[where], 0);
    for (w = 1; w <= 600; w++) {
        ui_cols_compute(&c, w);
        end = 0;
        for (i = 0; i < ui_ncolumns; i++) {
            if (!c.w[i])
                continue;
            ck_assert_int_ge(c.x[i], end);
            end = c.x[i] + c.w[i];
        }
        ck_assert_int_le(end, w);
        ck_assert_int_gt(c.w[task], 0);
    }
    /* the activity columns only where the names keep room */
    ui_cols_compute(&c, 80);
    ck_assert_int_eq(c.w[run], 0);
    ck_assert_int_eq(c.w[idle], 0);
    ui_cols_compute(&c, 120);
    ck_assert_int_gt(c.w[run], 0);
    ck_assert_int_ge(c.w[idle], 6);     /* "59m59s" */
    ck_assert_int_gt(c.x[task], c.x[idle]);
    ck_assert_int_ge(c.w[task], 40);
    /* the widths the table gives: fixed ones, then the task column and the flexible ones */
    ck_assert_int_eq(c.x[st], 0);
    ck_assert_int_eq(c.w[st], 4);
    ck_assert_int_eq(c.x[mark], 5);
    ck_assert_int_eq(c.x[age], 9);
    ck_assert_int_eq(c.x[run], 16);
    ck_assert_int_eq(c.x[idle], 21);
    ck_assert_int_eq(c.x[task], 28);
    ck_assert_int_eq(c.w[where], 22);   /* 24% of the 92 left */
    ck_assert_int_eq(c.w[coro], 22);
    ck_assert_int_eq(c.x[coro], 28 + c.w[task] + 1);
    ck_assert_int_eq(c.x[where] + c.w[where], 120);
    ui_cols_compute(&c, 60);            /* 44 left: WHERE at 30%, no COROUTINE */
    ck_assert_int_eq(c.w[coro], 0);
    ck_assert_int_eq(c.w[where], 13);
    ck_assert_int_eq(c.x[task], 16);
    ck_assert_int_eq(c.w[task], 44 - 14);
}
END_TEST

/* Every column has a title, a width rule and a draw function; titles are unique. */
/* The help screen describes every column, from the table. */
START_TEST(test_col_help)
{
    struct ui_lines L = { 0 };
    char buf[4096], want[256];
    size_t i, k;
    bool found;

    ui_keys_help(&L);
    for (i = 0; i < ui_ncolumns; i++) {
        snprintf(want, sizeof(want), " %s %s", ui_columns[i].title, ui_columns[i].help);
        found = false;
        for (k = 0; k < L.nlines && !found; k++) {
            ui_lines_text(&L, k, buf, sizeof(buf));
            found = strstr(buf, want) != NULL;
        }
        ck_assert_msg(found, "the help screen does not describe column %s", ui_columns[i].title);
    }
    ui_lines_free(&L);
}
END_TEST

START_TEST(test_col_table)
{
    size_t i, j, nrest = 0;
    bool flex;

    ck_assert_uint_gt(ui_ncolumns, 0);
    ck_assert_uint_le(ui_ncolumns, UI_COLS_MAX);
    for (i = 0; i < ui_ncolumns; i++) {
        const struct ui_column *col = &ui_columns[i];

        ck_assert_ptr_nonnull(col->title);
        ck_assert_uint_gt(strlen(col->title), 0);
        ck_assert_ptr_nonnull(col->draw);
        ck_assert_msg(col->help && col->help[0], "column %s has no help line", col->title);
        ck_assert(col->align == UI_ALIGN_LEFT || col->align == UI_ALIGN_RIGHT);
        ck_assert((unsigned)col->sort <= UI_SORT__COUNT);
        ck_assert_int_eq(ui_col_find(col->title), (int)i);
        flex = col->flex[0].pct > 0;
        nrest += (col->flags & UI_COLF_REST) != 0;
        /* exactly one width rule: fixed, flexible, or the rest */
        ck_assert_int_eq((col->width > 0) + flex + ((col->flags & UI_COLF_REST) != 0), 1);
        /* a fixed column's title fits it */
        if (col->width > 0)
            ck_assert_int_ge(col->width, (int)strlen(col->title));
        /* the fixed columns come first */
        for (j = 0; col->width > 0 && j < i; j++)
            ck_assert_int_gt(ui_columns[j].width, 0);
    }
    ck_assert_uint_eq(nrest, 1);
    /* every sort key but the forest's own order (address) is a column's */
    for (j = 0; j < UI_SORT__COUNT; j++) {
        bool found = j == UI_SORT_TREE;

        ck_assert_ptr_nonnull(ui_sort_name((enum ui_sort)j));
        ck_assert_str_ne(ui_sort_name((enum ui_sort)j), "?");
        for (i = 0; i < ui_ncolumns; i++)
            found |= ui_columns[i].sort == (enum ui_sort)j;
        ck_assert_msg(found, "sort key %s has no column", ui_sort_name((enum ui_sort)j));
    }
}
END_TEST

/* Sorting by each column's sort key orders the rows by that key. */
START_TEST(test_col_sort)
{
    static const struct ut_task flat[] = {
        { 0x100, "w-10", "c-b", "a.py", 1, SNAP_TASK_DONE },
        { 0x200, "w-9", "c-a", "a.py", 2, SNAP_TASK_PENDING },
        { 0x300, "A-1", "c-c", NULL, 0, SNAP_TASK_CANCELLED },
        { 0x400, "b", "c-a", "a.py", 3, SNAP_TASK_PENDING },
        { 0x500, "w-9", "c-d", "a.py", 4, SNAP_TASK_DONE },
    };
    struct snap *s = ut_snap(flat, 5, NULL, 0);
    struct tree_forest *t = tree_forest_build(s);
    struct ui_rows r = { 0 };
    struct ui_act act[5];
    uint64_t first[5] = { 30, 10, 50, 20, 40 };
    size_t i, k, nsorted = 0;

    memset(act, 0, sizeof(act));
    for (k = 0; k < 5; k++) {
        act[k].flags = k == 2 ? 0 : UI_ACT_KNOWN;       /* one the history does not know */
        act[k].samples = 10;
        act[k].running = (unsigned)(k * 3 % 7);
        act[k].idle_ns = (uint64_t)((k * 7) % 5) * 1000000000u;
    }
    for (i = 0; i < ui_ncolumns; i++) {
        enum ui_sort sort = ui_columns[i].sort;

        if (sort == UI_SORT__COUNT)
            continue;
        nsorted++;
        ui_rows_build(&r, s, t, NULL, sort, first, act);
        ck_assert_uint_eq(r.nrows, 5);
        for (k = 0; k + 1 < r.nrows; k++)
            ck_assert_msg(ui_sort_cmp(sort, s, first, act, r.rows[k].task,
                                      r.rows[k + 1].task) <= 0,
                          "column %s: row %zu after row %zu", ui_columns[i].title, k, k + 1);
        /* and the key tells the rows apart where they differ */
        ck_assert_int_lt(ui_sort_cmp(sort, s, first, act, r.rows[0].task, r.rows[4].task), 0);
    }
    ck_assert_uint_ge(nsorted, 5);
    /* spot checks: natural name order, newest first, busiest first, unknown last */
    ui_rows_build(&r, s, t, NULL, UI_SORT_NAME, first, act);
    ck_assert_str_eq(s->tasks[r.rows[0].task].name.s, "A-1");
    ck_assert_str_eq(s->tasks[r.rows[4].task].name.s, "w-10");
    ui_rows_build(&r, s, t, NULL, UI_SORT_AGE, first, act);
    ck_assert_uint_eq(s->tasks[r.rows[0].task].addr, 0x300);
    ui_rows_build(&r, s, t, NULL, UI_SORT_RUNNING, first, act);
    ck_assert_uint_eq(s->tasks[r.rows[4].task].addr, 0x300);
    ui_rows_free(&r);
    tree_forest_free(t);
    snap_free(s);
}
END_TEST

/* A cursor pane: moving keys clamp the cursor; fitting keeps it shown. */
START_TEST(test_pane_keys)
{
    struct ui_pane p;

    ui_pane_init(&p, NULL, true);
    p.rect.h = 10;
    p.rect.w = 40;
    /* empty: keys are taken, nothing moves */
    ck_assert_uint_eq(ui_pane_key(&p, KEY_DOWN, true), UI_R_HANDLED);
    ck_assert_uint_eq(p.cur, 0);
    ck_assert_uint_eq(ui_pane_key(&p, 'x', false), UI_R_IGNORED);
    ck_assert_uint_eq(ui_pane_key(&p, KEY_LEFT, true), UI_R_IGNORED);
    p.nrows = 100;
    /* at the top: set again on the same row (its owner selects it again) */
    ck_assert_uint_eq(ui_pane_key(&p, KEY_UP, true), UI_R_HANDLED | UI_R_MOVED);
    ck_assert_uint_eq(p.cur, 0);
    ck_assert_uint_eq(p.moved_from, 0);
    ck_assert_uint_eq(ui_pane_key(&p, 'j', false), UI_R_HANDLED | UI_R_MOVED);
    ck_assert_uint_eq(p.cur, 1);
    ck_assert_uint_eq(p.moved_from, 0);
    ck_assert_uint_eq(ui_pane_page(&p), 9);
    ui_pane_key(&p, ' ', false);
    ck_assert_uint_eq(p.cur, 10);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 1);        /* row 10 is the last one shown */
    ui_pane_key(&p, KEY_END, true);
    ck_assert_uint_eq(p.cur, 99);
    ck_assert_uint_eq(ui_pane_key(&p, KEY_NPAGE, true), UI_R_HANDLED | UI_R_MOVED);
    ck_assert_uint_eq(p.cur, 99);       /* clamped */
    ck_assert_uint_eq(p.moved_from, 99);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 90);
    ui_pane_key(&p, KEY_PPAGE, true);
    ck_assert_uint_eq(p.cur, 90);
    ui_pane_key(&p, 'k', false);
    ck_assert_uint_eq(p.cur, 89);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 89);
    ui_pane_key(&p, KEY_HOME, true);
    ck_assert_uint_eq(p.cur, 0);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 0);
    /* the rows shrink under the cursor (a refresh): fitting clamps both */
    p.cur = 95;
    p.top = 90;
    p.nrows = 20;
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.cur, 19);
    ck_assert_uint_eq(p.top, 10);
    /* no rows: the cursor goes to 0, the first row shown stays */
    p.nrows = 0;
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.cur, 0);
    ck_assert_uint_eq(p.top, 10);
    /* a one-line pane pages by one */
    p.rect.h = 1;
    ck_assert_uint_eq(ui_pane_page(&p), 1);
}
END_TEST

/* A pane without cursor scrolls within its rows; the help pane's other keys go back. */
START_TEST(test_pane_scroll)
{
    struct ui_pane p;

    ui_pane_init(&p, NULL, false);
    p.rect.h = 10;
    p.nrows = 25;
    ck_assert_uint_eq(ui_pane_key(&p, KEY_DOWN, true), UI_R_IGNORED);
    ck_assert_uint_eq(ui_pane_scroll(&p, -1), UI_R_HANDLED);
    ck_assert_uint_eq(p.top, 0);
    ui_pane_scroll(&p, 40);
    ck_assert_uint_eq(p.top, 40);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 15);       /* the last row at the bottom */
    ck_assert_uint_eq(ui_pane_key_scroll(&p, KEY_UP, true), UI_R_HANDLED);
    ck_assert_uint_eq(p.top, 14);
    ui_pane_key_scroll(&p, KEY_PPAGE, true);
    ck_assert_uint_eq(p.top, 4);
    ui_pane_key_scroll(&p, KEY_PPAGE, true);    /* under 10: one line */
    ck_assert_uint_eq(p.top, 3);
    ui_pane_key_scroll(&p, KEY_NPAGE, true);
    ui_pane_key_scroll(&p, KEY_NPAGE, true);
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 15);
    ck_assert_uint_eq(ui_pane_key_scroll(&p, 'q', false), UI_R_HANDLED | UI_R_BACK);
    /* at the top, Up and PgUp close it too */
    p.top = 1;
    ck_assert_uint_eq(ui_pane_key_scroll(&p, KEY_UP, true), UI_R_HANDLED);
    ck_assert_uint_eq(p.top, 0);
    ck_assert_uint_eq(ui_pane_key_scroll(&p, KEY_UP, true), UI_R_HANDLED | UI_R_BACK);
    ck_assert_uint_eq(ui_pane_key_scroll(&p, KEY_PPAGE, true), UI_R_HANDLED | UI_R_BACK);
    ck_assert_uint_eq(p.top, 0);
    p.top = 15;
    ck_assert_uint_eq(ui_pane_key_scroll(&p, KEY_LEFT, true), UI_R_HANDLED | UI_R_BACK);
    /* fewer rows than lines: nothing to scroll */
    p.nrows = 3;
    ui_pane_fit(&p);
    ck_assert_uint_eq(p.top, 0);
}
END_TEST

START_TEST(test_text_fit)
{
    wchar_t b[64];

    ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
    ck_assert_int_eq(ui_text_fit(b, 64, "hello", 5, 10, true, L'~'), 5);
    ck_assert(wcscmp(b, L"hello") == 0);
    ck_assert_int_eq(ui_text_fit(b, 64, "hello world", 11, 8, true, L'~'), 8);
    ck_assert(wcscmp(b, L"hello w~") == 0);
    /* wide characters are never split: 名前 is 4 columns */
    ck_assert_int_eq(ui_text_fit(b, 64, "a\xe5\x90\x8d\xe5\x89\x8d", 7, 4, true, L'~'), 4);
    ck_assert(wcscmp(b, L"a\x540d~") == 0);
    ck_assert_int_eq(ui_text_fit(b, 64, "a\xe5\x90\x8d\xe5\x89\x8d", 7, 5, true, L'~'), 5);
    /* controls, invalid bytes, bidi overrides and combining marks become '?' */
    ck_assert_int_eq(ui_text_fit(b, 64, "\x1b[1\xff\xe2\x80\xae\xcc\x81", 9, 20, true, L'~'), 6);
    ck_assert(wcscmp(b, L"?[1???") == 0);
    /* a non-UTF-8 terminal gets ASCII only */
    ck_assert_int_eq(ui_text_fit(b, 64, "\xc3\xbc-\xe5\x90\x8d", 6, 20, false, L'~'), 3);
    ck_assert(wcscmp(b, L"?-?") == 0);
    /* tiny budgets and buffers */
    ck_assert_int_eq(ui_text_fit(b, 64, "abc", 3, 0, true, L'~'), 0);
    ck_assert_int_eq(ui_text_fit(b, 3, "abcdef", 6, 10, true, L'~'), 2);
    ck_assert(wcscmp(b, L"a~") == 0);
    ck_assert_int_eq(ui_text_fit(b, 64, "\xe5\x90\x8d", 3, 1, true, L'~'), 1);
    ck_assert(wcscmp(b, L"~") == 0);
}
END_TEST

START_TEST(test_funcbar_fit)
{
    static const struct ui_fkey k[] = { { "F1", "Help" }, { "F3", "Search" }, { "F10", "Quit" } };

    ck_assert_uint_eq(ui_funcbar_fit(k, 3, 80, 6), 3);
    ck_assert_uint_eq(ui_funcbar_fit(k, 3, 16, 6), 2);
    ck_assert_uint_eq(ui_funcbar_fit(k, 3, 15, 6), 1);
    ck_assert_uint_eq(ui_funcbar_fit(k, 3, 0, 6), 0);
}
END_TEST

/* ------------------------------------------------------------ lines */

/* No byte below 0x20 (or DEL) anywhere in the text of L. */
static void
ut_lines_clean(const struct ui_lines *L)
{
    size_t i;

    for (i = 0; i < L->tlen; i++)
        ck_assert_msg((unsigned char)L->text[i] >= 0x20 && L->text[i] != 0x7f,
                      "raw control byte 0x%02x in the pane text", (unsigned char)L->text[i]);
}

static int
ut_lines_find(const struct ui_lines *L, const char *needle)
{
    char buf[2048];
    size_t k;

    for (k = 0; k < L->nlines; k++) {
        ui_lines_text(L, k, buf, sizeof(buf));
        if (strstr(buf, needle))
            return (int)k;
    }
    return -1;
}

START_TEST(test_lines_escape)
{
    struct ui_lines L = { 0 };
    char buf[256];

    ui_lines_add_bytes(&L, UI_C_NORMAL, "\x1b[31mred", 8, 0);
    ui_lines_add(&L, UI_C_BOLD, " %s|", "\x07" "bell\r\n");
    ui_lines_add(&L, UI_C_BOLD, "x");
    ck_assert_uint_eq(L.nlines, 1);
    ck_assert_uint_eq(L.lines[0].nseg, 2);     /* same colour merges */
    ui_lines_text(&L, 0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "\\x1b[31mred \\x07bell\\x0d\\x0a|x");
    ut_lines_clean(&L);
    ui_lines_free(&L);
}
END_TEST

static char ut_dir[64];

static void
ut_dir_make(void)
{
    snprintf(ut_dir, sizeof(ut_dir), "/tmp/aiomon-check-ui.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ut_dir));
}

static void
ut_dir_remove(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ut_dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_src_cache)
{
    struct ui_srccache c;
    char path[128], fifo[128];
    const char *p;
    size_t len;
    FILE *f;

    memset(&c, 0, sizeof(c));
    ut_dir_make();
    snprintf(path, sizeof(path), "%s/mod.py", ut_dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("line one\r\n\tline two\nlast", f);
    fclose(f);
    p = ui_src_line(&c, path, strlen(path), 1, &len);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(len, 8);
    ck_assert(memcmp(p, "line one", 8) == 0);
    p = ui_src_line(&c, path, strlen(path), 3, &len);
    ck_assert_uint_eq(len, 4);
    ck_assert_ptr_null(ui_src_line(&c, path, strlen(path), 4, &len));
    ck_assert_ptr_null(ui_src_line(&c, path, strlen(path), 0, &len));
    ck_assert_ptr_null(ui_src_line(&c, "/nonexistent/x.py", 17, 1, &len));
    ck_assert_ptr_null(ui_src_line(&c, "<frozen runpy>", 14, 1, &len));
    ck_assert_ptr_null(ui_src_line(&c, path, strlen(path) + 1, 1, &len));   /* embedded NUL */
    /* a FIFO is never opened (that would block) */
    snprintf(fifo, sizeof(fifo), "%s/fifo", ut_dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_ptr_null(ui_src_line(&c, fifo, strlen(fifo), 1, &len));
    ck_assert_ptr_null(ui_src_line(&c, ut_dir, strlen(ut_dir), 1, &len));
    ui_srccache_free(&c);
    ut_dir_remove();
}
END_TEST

START_TEST(test_detail)
{
    struct snap *s = ut_tree_snap();
    struct tree_forest *t = tree_forest_build(s);
    struct ui_srccache c;
    struct ui_lines L = { 0 };
    struct ui_links links;
    struct ui_detail_in in = { 0 };
    char path[128];
    uint64_t first[7] = { 0 };
    struct snap_frame *f;
    size_t kid9 = snap_task_find(s, 0x200);
    FILE *fp;
    int k0, k1;

    memset(&c, 0, sizeof(c));
    ut_dir_make();
    snprintf(path, sizeof(path), "%s/app.py", ut_dir);
    fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("import asyncio\n\tawait \x1b[2Jleaf()   \n", fp);
    fclose(fp);
    /* kid-9's stack: kid (app.py:20), then Klass.outer in that file, line 2 */
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "kid");
    f->file = snap_str_cstr(s, "app.py");
    f->line = 20;
    f = snap_frame_add(s);
    f->function = snap_str_cstr(s, "outer");
    f->qualname = snap_str_cstr(s, "Klass.outer");
    f->file = snap_str_cstr(s, path);
    f->line = 2;
    s->tasks[kid9].frame_first = s->nframes - 2;
    s->tasks[kid9].frame_count = 2;
    s->tasks[kid9].cancel_requests = 2;
    s->tasks[kid9].name = snap_str_cstr(s, "kid\x1b[31m-9");
    first[kid9] = 1000000000;

    in.s = s;
    in.t = t;
    in.task = kid9;
    in.count = 1;
    in.first_seen = first;
    in.now_ns = 185000000000ull;
    in.g = ui_glyphs_get(true);
    in.src = &c;
    ui_detail_build(&L, &links, &in);
    ut_lines_clean(&L);
    ck_assert_int_eq(ut_lines_find(&L, "kid\\x1b[31m-9"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "CANCEL requested x2"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "seen for 3m04s"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "awaits: 1 task"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "[1] leaf"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "[2] root-b"), 0);
    ck_assert_uint_eq(links.n, 2);
    ck_assert_uint_eq(links.first_awaited, snap_task_find(s, 0x700));
    ck_assert_uint_eq(links.first_waiter, snap_task_find(s, 0x100));
    ck_assert_uint_eq(L.lines[ut_lines_find(&L, "[1] leaf")].task, snap_task_find(s, 0x700));
    /* the stack innermost first, qualnames, the source line trimmed and escaped */
    k0 = ut_lines_find(&L, "#0  kid  app.py:20");
    k1 = ut_lines_find(&L, "#1  Klass.outer  ");
    ck_assert_int_ge(k0, 0);
    ck_assert_int_gt(k1, k0);
    ck_assert_int_eq(ut_lines_find(&L, "await \\x1b[2Jleaf()"), k1 + 1);
    ck_assert_int_lt(ut_lines_find(&L, "import asyncio"), 0);

    /* a task nobody awaits and that awaits nobody */
    in.task = snap_task_find(s, 0x400);
    ui_detail_build(&L, &links, &in);
    ck_assert_int_ge(ut_lines_find(&L, "awaits: no task"), 0);
    ck_assert_int_ge(ut_lines_find(&L, "no task (a root)"), 0);
    ck_assert_uint_eq(links.n, 0);
    ck_assert_uint_eq(links.first_awaited, TREE_NONE);
    in.task = 12345;
    ui_detail_build(&L, &links, &in);
    ck_assert_int_ge(ut_lines_find(&L, "no task selected"), 0);

    ui_lines_free(&L);
    ui_srccache_free(&c);
    tree_forest_free(t);
    snap_free(s);
    ut_dir_remove();
}
END_TEST

START_TEST(test_threads)
{
    struct snap *s = snap_new(7);
    struct snap_thread *th;
    struct snap_frame *f;
    struct ui_lines L = { 0 };

    th = snap_thread_add(s);
    th->tid = 4242;
    th->name = snap_str_cstr(s, "wo\x1bker");
    th->holds_gil = true;
    th->is_main = true;
    th->frame_first = 0;
    th->frame_count = 2;
    f = snap_frame_add(s);
    f->kind = SNAP_FRAME_PYTHON;
    f->function = snap_str_cstr(s, "run");
    f->file = snap_str_cstr(s, "/nonexistent/w.py");
    f->line = 7;
    f = snap_frame_add(s);
    f->kind = SNAP_FRAME_NATIVE;
    f->function = snap_str_cstr(s, "epoll_wait");
    f->module = snap_str_cstr(s, "/usr/lib/libc.so.6");
    f->offset = 0x1a;
    snap_diag_add(s, SNAP_DIAG_PROCESS, 0, 8, "asyncio not found");
    ui_threads_build(&L, s, NULL, NULL);
    ut_lines_clean(&L);
    ck_assert_int_eq(ut_lines_find(&L, "Thread 4242 \"wo\\x1bker\"  main  holds the GIL"), 0);
    ck_assert_int_eq(ut_lines_find(&L, "#0  run  /nonexistent/w.py:7"), 1);
    ck_assert_int_eq(ut_lines_find(&L, "#1  [native] epoll_wait+0x1a  (libc.so.6)"), 2);
    ck_assert_int_ge(ut_lines_find(&L, "Diagnostics (1)"), 3);
    ck_assert_int_ge(ut_lines_find(&L, "asyncio not found"), 4);
    ui_lines_free(&L);
    snap_free(s);
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
        s->tasks[snap_task_find(s, 0x700)].running = i == 2;
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
    ck_assert_int_ge(ut_lines_find(&L, "activity running in 33.3% of 3 samples, stack unchanged "
                                       "for 2s"), 1);
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
    TCase *tl = tcase_create("layout");
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
    tcase_add_test(tl, test_layout);
    tcase_add_test(tl, test_cols);
    tcase_add_test(tl, test_col_table);
    tcase_add_test(tl, test_col_help);
    tcase_add_test(tc, test_col_sort);
    tcase_add_test(tc, test_pane_keys);
    tcase_add_test(tc, test_pane_scroll);
    tcase_add_test(tl, test_text_fit);
    tcase_add_test(tl, test_funcbar_fit);
    tcase_add_test(tx, test_lines_escape);
    tcase_add_test(tx, test_src_cache);
    tcase_add_test(tx, test_detail);
    tcase_add_test(tx, test_threads);
    tcase_add_test(tc, test_act_markers_sort);
    tcase_add_test(tx, test_act_detail);
    tcase_add_test(tx, test_ended_rows);
    tcase_add_test(tc, test_cpu);
    suite_add_tcase(su, tc);
    suite_add_tcase(su, tl);
    suite_add_tcase(su, tx);
    return su;
}
