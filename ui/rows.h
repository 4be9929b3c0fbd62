/*
 * rows.h - the rows of the task pane (rows.c): which tasks are shown in
 * which order, where the selection goes after a refresh, what search
 * finds.  Pure, unit-tested (tests/unit/check_ui.c).
 */
#ifndef AIO_UI_ROWS_H
#define AIO_UI_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"
#include "model.h"

enum ui_sort {
    UI_SORT_NAME = 0,           /* natural order: "request-9" before "request-10" */
    UI_SORT_STATE,
    UI_SORT_AGE,                /* newest first */
    UI_SORT_CORO,
    UI_SORT_TREE,               /* the forest's order (by task address) */
    UI_SORT_RUNNING,            /* share of samples it was running in, highest first */
    UI_SORT_IDLE,               /* time since its stack last changed, longest first */
    UI_SORT__COUNT
};

/* "name", "state", "age", "coroutine", "address", "running", "idle" */
const char *ui_sort_name(enum ui_sort s);

/* What is said of a sort key when it is chosen: "" or " (newest first)" and the like. */
const char *ui_sort_note(enum ui_sort s);

/*
 * Compare tasks a and b of s by sort key `sort` alone (no tie-break):
 * < 0 when a sorts first.  first_seen and act as for ui_rows_build.
 */
int ui_sort_cmp(enum ui_sort sort, const struct snap *s, const uint64_t *first_seen,
                const struct ui_act *act, size_t a, size_t b);

/* ------------------------------------------------------------ rows */

struct ui_sortkey;

/*
 * The rows of the task pane in display order: tree_rows_build()'s rows with
 * siblings sorted, and each row's parent row.  Keep one struct across
 * rebuilds (zero-initialise it first); arrays are reused.
 */
struct ui_rows {
    struct tree_rows base;      /* forest order, as tree_rows_build() made them */
    struct tree_row *rows;      /* owned; display order; TREE_ROW_LAST recomputed */
    size_t *parent;             /* owned; per row: the row of its parent, TREE_NONE at roots */
    size_t nrows, cap;
    size_t *row_of_task;        /* owned; per task: the row showing it, TREE_NONE if none */
    size_t ntasks, cap_tasks;
    struct ui_sortkey *keys;    /* owned scratch */
    size_t *tmp;                /* owned scratch, 3 * cap entries */
    size_t cap_scratch;
};

/*
 * Rebuild r: tree_rows_build(s, t, v), then siblings ordered by `sort`
 * (ties keep the forest order).  first_seen (per task; may be NULL) is used
 * by UI_SORT_AGE, act (per task; may be NULL) by UI_SORT_RUNNING and
 * UI_SORT_IDLE, where tasks unknown to the history sort last.  Never fails
 * (dies on OOM); O(rows log rows).
 */
void ui_rows_build(struct ui_rows *r, const struct snap *s, const struct tree_forest *t,
                   const struct tree_view *v, enum ui_sort sort, const uint64_t *first_seen,
                   const struct ui_act *act);
void ui_rows_free(struct ui_rows *r);

/*
 * The row that shows task `task`: its own row; else the grouped row it was
 * folded into; else the row of its nearest shown ancestor.  TREE_NONE if
 * none (task out of range, or filtered out with every ancestor).
 */
size_t ui_rows_find(const struct ui_rows *r, const struct snap *s, const struct tree_forest *t,
                    size_t task);

/*
 * The next row after `from` (dir > 0) or before it (dir < 0), wrapping
 * around, whose task matches `text` (tree_task_match, case-insensitive);
 * `from` itself is tried last.  TREE_NONE if no row matches.
 * from == TREE_NONE starts at the first (dir > 0) or last row.
 */
size_t ui_rows_search(const struct ui_rows *r, const struct snap *s, size_t from, int dir,
                      const char *text);

/*
 * The first task in forest order that matches `text` but has no row of its
 * own, or TREE_NONE.  The caller expands its ancestors to show it.
 */
size_t ui_forest_search_hidden(const struct ui_rows *r, const struct snap *s,
                               const struct tree_forest *t, const char *text);

/*
 * The tree prefix of row k ("│ ├─▾ "), at most maxcols columns: when the
 * row is too deep, the outer levels are replaced by "[depth]".  Writes a
 * NUL-terminated string to buf and returns its width in columns.
 */
int ui_rows_prefix(const struct ui_rows *r, size_t k, const struct ui_glyphs *g, int maxcols,
                   char *buf, size_t size);

/* ------------------------------------------------------------ selection */

/* What stays selected across refreshes. */
struct ui_sel {
    bool valid;
    uint64_t addr, coro;
    size_t row;                 /* last known row, used when the task is gone */
};

/* Remember the task of row `row` (TREE_NONE or no rows: invalid). */
void ui_sel_set(struct ui_sel *sel, const struct ui_rows *r, const struct snap *s, size_t row);

/*
 * The row to select in the rebuilt r: the row showing the remembered task
 * (ui_rows_find), else the last known row clamped to the rows.  0 when
 * there are no rows.
 */
size_t ui_sel_resolve(const struct ui_sel *sel, const struct ui_rows *r, const struct snap *s,
                      const struct tree_forest *t);

#endif
