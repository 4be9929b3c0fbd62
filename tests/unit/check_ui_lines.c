/*
 * check_ui_lines.c - the text of the live view's panes (ui/lines.c):
 * escaped content of the detail pane and the threads view, the
 * source-line cache.
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

Suite *suite_ui_lines(void);

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

Suite *
suite_ui_lines(void)
{
    Suite *su = suite_create("ui_lines");
    TCase *tx = tcase_create("lines");

    tcase_add_test(tx, test_lines_escape);
    tcase_add_test(tx, test_src_cache);
    tcase_add_test(tx, test_detail);
    tcase_add_test(tx, test_threads);
    suite_add_tcase(su, tx);
    return su;
}
