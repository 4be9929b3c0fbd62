/*
 * model.h - the pure logic of the live view: which rows to show in which
 * order, where the selection goes after a refresh, how old each task is,
 * what search finds.  No curses and no I/O here, so all of it is
 * unit-tested (tests/unit/check_ui.c).
 *
 * Task identities survive refreshes as (task address, coroutine address):
 * indices into snap.tasks do not.
 */
#ifndef AIO_UI_MODEL_H
#define AIO_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"

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

/* ------------------------------------------------------------ first seen */

struct ui_seen {
    uint64_t addr, coro;        /* identity */
    uint64_t first_ns;          /* time of the first snapshot it was in */
};

struct ui_ages {
    struct ui_seen *sorted;     /* owned; by (addr, coro): the tasks of the last update */
    size_t nsorted;
    uint64_t *first;            /* owned; per task index of the last snapshot passed in */
    size_t nfirst;
};

/*
 * Record the tasks of s: a task already seen keeps its first-seen time, a
 * new one (or an address reused by another coroutine) gets now_ns.  Tasks
 * absent from s are forgotten.  After the call first[i] is task i's time.
 */
void ui_ages_update(struct ui_ages *a, const struct snap *s, uint64_t now_ns);
void ui_ages_free(struct ui_ages *a);

/* ------------------------------------------------------------ activity */

#define UI_ACT_KNOWN    0x1u    /* the task is in the history */
#define UI_ACT_STUCK    0x2u    /* stack unchanged for longer than --stuck */
#define UI_ACT_SWALLOW  0x4u    /* cancellation requested, yet it kept running */
#define UI_ACT_CRITICAL 0x8u    /* matches a --critical pattern */

/* What the history says about one task of the snapshot shown. */
struct ui_act {
    unsigned flags;             /* UI_ACT_* */
    unsigned samples, running;  /* samples it was in, and running in */
    uint64_t idle_ns;           /* since its stack last changed */
};

/*
 * out[0 .. s->ntasks): each task of s looked up in h by (address,
 * coroutine address).  h must have been updated with s last (its `live`
 * list is then s's tasks); a task not found gets flags 0.
 */
void ui_act_build(struct ui_act *out, const struct history *h, const struct snap *s);

/* The running share in tenths of a percent (0 .. 1000); 0 with no samples. */
unsigned ui_act_permille(const struct ui_act *a);

/* ------------------------------------------------------------ thread CPU */

/*
 * CPU share of each thread between two snapshots, from their cpu_ns.
 * Keep one struct across refreshes (zero-initialise it first).
 */
struct ui_cpu {
    long *tid;                  /* owned; the previous snapshot's threads, ascending */
    uint64_t *ns;               /* owned; their cpu_ns */
    size_t n;
    uint64_t t_ns;              /* taken_at_ns of the previous snapshot */
    double *pct;                /* owned; per thread of the last snapshot, < 0: unknown */
    size_t npct;
};

/*
 * pct[i] for thread i of s: CPU time used since the previous snapshot over
 * the wall time between the two, in percent (a thread on one CPU: <= 100).
 * Unknown (-1) for the first snapshot, a new thread, a thread without
 * cpu_ns, or time not moving forward.
 */
void ui_cpu_update(struct ui_cpu *c, const struct snap *s);
void ui_cpu_free(struct ui_cpu *c);

/* ------------------------------------------------------------ address set */

/* A sorted set of task addresses (collapsed tasks survive refreshes by address). */
struct ui_addrset {
    uint64_t *v;                /* owned; ascending, unique */
    size_t n, cap;
};

bool ui_addrset_has(const struct ui_addrset *set, uint64_t addr);
void ui_addrset_add(struct ui_addrset *set, uint64_t addr);
void ui_addrset_del(struct ui_addrset *set, uint64_t addr);
void ui_addrset_clear(struct ui_addrset *set);
void ui_addrset_free(struct ui_addrset *set);

/*
 * Fill flags[0 .. s->ntasks) with 1 for every task whose address is in set
 * (the tree_view.collapsed array).
 */
void ui_addrset_mark(const struct ui_addrset *set, const struct snap *s, unsigned char *flags);

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

/* The glyphs drawn before a row's name. */
struct ui_glyphs {
    const char *vert, *blank, *tee, *ell;       /* 2 columns each */
    const char *collapsed, *expanded, *leaf;    /* 1 column each */
    const char *times;                          /* "×" or "x" */
    const char *ellipsis;                       /* "…" or "~" */
};

/* The UTF-8 line-drawing set, or the ASCII fallback for other locales. */
const struct ui_glyphs *ui_glyphs_get(bool utf8);

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

/*
 * Scrolling: the first row shown so that `sel` is visible in a pane of
 * `height` rows, moving `top` as little as possible.
 */
size_t ui_scroll_fit(size_t top, size_t sel, size_t nrows, size_t height);

/* ------------------------------------------------------------ text */

/* "0s" "59s" "3m04s" "2h05m" "3d04h": an age for a fixed-width column (<= 6 columns). */
void ui_fmt_age(char *buf, size_t size, uint64_t ns);

/* "850us" "12.3ms" "1.25s" "3m04s": a duration with useful precision. */
void ui_fmt_dur(char *buf, size_t size, uint64_t ns);

/* The last path component of a file name (bytes, not escaped). */
const char *ui_basename(const char *path, size_t len, size_t *outlen);

#endif
