/*
 * check_ui_common.c - the fixtures the live view's tests share
 * (check_ui_common.h).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_ui_common.h"

struct snap *
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

void
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
const struct ut_task ut_tree[UT_TREE_N] = {
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

struct snap *
ut_tree_snap(void)
{
    return ut_snap(ut_tree, 7, ut_tree_edges, 3);
}

void
ut_lines_clean(const struct ui_lines *L)
{
    size_t i;

    for (i = 0; i < L->tlen; i++)
        ck_assert_msg((unsigned char)L->text[i] >= 0x20 && L->text[i] != 0x7f,
                      "raw control byte 0x%02x in the pane text", (unsigned char)L->text[i]);
}

int
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
