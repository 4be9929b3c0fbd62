/*
 * check_ui_common.h - the fixtures the live view's tests share
 * (check_ui.c, check_ui_panes.c, check_ui_lines.c): snapshots of tasks
 * built from a table, the rows as a string, and the text of a pane.
 */
#ifndef AIOMON_CHECK_UI_COMMON_H
#define AIOMON_CHECK_UI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/snapshot.h"
#include "ui/lines.h"
#include "ui/rows.h"

struct ut_task {
    uint64_t addr;
    const char *name;
    const char *coro;
    const char *file;           /* innermost frame, or NULL for no frame */
    int line;
    enum snap_task_state state;
};

/* A snapshot of tasks (sorted by address here) and edges given by address. */
struct snap *ut_snap(const struct ut_task *t, size_t n, const uint64_t (*edges)[2], size_t nedges);
/* The names of the rows, "name@depth" joined by spaces. */
void ut_rows_str(const struct ui_rows *r, const struct snap *s, char *buf, size_t size);

/* The tree of ut_tree_snap (check_ui_common.c says its shape). */
#define UT_TREE_N 7
extern const struct ut_task ut_tree[UT_TREE_N];
struct snap *ut_tree_snap(void);

/* No byte below 0x20 (or DEL) anywhere in the text of L. */
void ut_lines_clean(const struct ui_lines *L);
/* The first line of L whose text holds needle, or -1. */
int ut_lines_find(const struct ui_lines *L, const char *needle);

#endif
