/*
 * check_ui_panes.c - the live view's screen (ui/layout.c, columns.c,
 * pane.c): screen layout, columns, their help and sort, the keys and
 * scrolling of a pane, text cut to columns, the function bar; switching
 * process (--subprocesses: < >, ui_state_restart).
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
#include "ui/state.h"
#include "check_ui_common.h"

Suite *suite_ui_panes(void);

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
    ck_assert_int_eq(c.w[where], 27);   /* 30% of the 92 left */
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

/* ------------------------------------------------------------ switching process */

static int ut_switch_step, ut_switch_pid;

static bool
ut_switch(void *arg, int step, int pid, char *msg, size_t size)
{
    (void)arg;
    ut_switch_step = step;
    ut_switch_pid = pid;
    snprintf(msg, size, "no other");
    return step > 0 || pid > 0;
}

/* Two processes, the second one shown. */
static size_t
ut_list(void *arg, struct ui_proc *out, size_t max)
{
    (void)arg;
    ck_assert_uint_ge(max, 2);
    memset(out, 0, 2 * sizeof(*out));
    out[0].pid = 10;
    out[0].ntasks = -1;
    snprintf(out[0].cmd, sizeof(out[0].cmd), "gunicorn master");
    out[1].pid = 11;
    out[1].ntasks = 4;
    out[1].shown = true;
    snprintf(out[1].cmd, sizeof(out[1].cmd), "gunicorn worker\x01");
    return 2;
}

/* < and > ask the caller (a refresh follows only when it switched); without a caller, say why. */
START_TEST(test_proc_keys)
{
    struct ui_opts o = { .interval = 1 };
    struct ui_state S;

    memset(&S, 0, sizeof(S));
    ui_state_init(&S, &o, ui_glyphs_get(false));
    ck_assert_uint_eq(ui_keys_handle(&S, '>', false), UI_R_HANDLED);
    ck_assert_ptr_nonnull(strstr(S.msg, "--subprocesses"));
    o.switch_proc = ut_switch;
    o.list_procs = ut_list;
    ck_assert_uint_eq(ui_keys_handle(&S, '>', false), UI_R_HANDLED | UI_R_REFRESH);
    ck_assert_int_eq(ut_switch_step, 1);
    ck_assert_uint_eq(ui_keys_handle(&S, '<', false), UI_R_HANDLED);
    ck_assert_int_eq(ut_switch_step, -1);
    ck_assert_str_eq(S.msg, "no other");
    /* P: the list, the cursor on the one shown; Enter on another shows it */
    ck_assert_uint_eq(ui_keys_handle(&S, 'P', false), UI_R_HANDLED);
    ck_assert_int_eq(S.view, UI_VIEW_PROCS);
    ck_assert_uint_eq(S.procs.cur, 1);
    ck_assert_int_eq(ut_lines_find(&S.procs_lines, "10      -  gunicorn master"), 0);
    ck_assert_int_eq(ut_lines_find(&S.procs_lines, "* ") , 1);
    ck_assert_int_eq(ut_lines_find(&S.procs_lines, "4  gunicorn worker\\x01"), 1);
    ut_lines_clean(&S.procs_lines);
    S.procs.cur = 0;
    ck_assert_uint_eq(ui_keys_handle(&S, '\r', false), UI_R_HANDLED | UI_R_REFRESH);
    ck_assert_int_eq(ut_switch_pid, 10);
    ck_assert_int_eq(S.view, UI_VIEW_TASKS);
    ui_state_free(&S);
}
END_TEST

/* Another process's snapshot after ui_state_restart: none of the first one's history. */
START_TEST(test_state_restart)
{
    struct ui_opts o = { .interval = 1 };
    struct ui_state S;
    size_t nended0;
    static const uint64_t edges[][2] = { { 0x100, 0x300 }, { 0x100, 0x200 } };
    /* b: the same process without its last task (the leaf ended) */
    struct snap *a = ut_tree_snap(), *b = ut_snap(ut_tree, UT_TREE_N - 1, edges, 2);
    struct snap *c = ut_tree_snap();

    memset(&S, 0, sizeof(S));
    ui_state_init(&S, &o, ui_glyphs_get(false));
    a->pid = b->pid = 100;
    ui_state_install(&S, a);
    nended0 = S.h->nended;      /* its done and cancelled tasks */
    ui_state_install(&S, b);
    ck_assert_uint_eq(S.h->nended, nended0 + 1);
    ck_assert_uint_eq(S.h->nsamples, 2);
    S.tasks.cur = 3;
    ui_addrset_add(&S.collapsed, 1);
    ui_state_restart(&S);
    ck_assert_ptr_null(S.snap);
    c->pid = 101;
    ui_state_install(&S, c);
    ck_assert_uint_eq(S.h->nended, nended0);     /* not the leaf of pid 100 */
    ck_assert_uint_eq(S.h->nsamples, 1);
    ck_assert_uint_eq(S.collapsed.n, 0);
    ck_assert_uint_eq(S.tasks.cur, 0);
    ck_assert_int_eq(S.snap->pid, 101);
    ui_state_free(&S);
}
END_TEST

Suite *
suite_ui_panes(void)
{
    Suite *su = suite_create("ui_panes");
    TCase *tc = tcase_create("model");
    TCase *tl = tcase_create("layout");

    tcase_add_test(tl, test_layout);
    tcase_add_test(tl, test_cols);
    tcase_add_test(tl, test_col_table);
    tcase_add_test(tl, test_col_help);
    tcase_add_test(tc, test_col_sort);
    tcase_add_test(tc, test_pane_keys);
    tcase_add_test(tc, test_pane_scroll);
    tcase_add_test(tl, test_text_fit);
    tcase_add_test(tl, test_funcbar_fit);
    tcase_add_test(tc, test_proc_keys);
    tcase_add_test(tc, test_state_restart);
    suite_add_tcase(su, tc);
    suite_add_tcase(su, tl);
    return su;
}
