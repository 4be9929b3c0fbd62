/*
 * tree.h - pure views derived from a snapshot's tasks and await edges, shared
 * by the text writer, the JSON writer and the TUI.
 *
 * Nothing here touches the target or formats output.  Every function only
 * reads the `const struct snap *`; results are plain arrays owned by the
 * caller's struct and freed by the matching *_free().  All builders are
 * O(tasks + edges) (grouping hashes; only the summary's groups are sorted)
 * and iterative (no recursion over task data).  For 100,000 tasks a forest
 * costs about 50 M instructions (built once per snapshot) and a row list
 * about 6 M (rebuilt on every filter or collapse change).
 *
 * The snapshot is expected to be finished: snap_tasks_sort() and
 * snap_edges_finish() called.  Edges with out-of-range task indices are
 * ignored.
 */
#ifndef AIO_SNAPSHOT_TREE_H
#define AIO_SNAPSHOT_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

#define TREE_NONE ((size_t)-1)

/*
 * The frames [first, first + count) of snap.frames, clamped to the array:
 * returns the first one and stores the clamped count in *n (NULL and 0 if empty).
 */
static inline const struct snap_frame *
tree_frames(const struct snap *s, size_t first, size_t count, size_t *n)
{
    if (first > s->nframes)
        first = s->nframes;
    *n = count < s->nframes - first ? count : s->nframes - first;
    return *n ? &s->frames[first] : NULL;
}

/* The innermost frame of task `task` (its suspension point), or NULL if its stack is empty. */
const struct snap_frame *tree_task_top(const struct snap *s, size_t task);

/* The user frame of task `task` (snap_task.user_frame), or NULL when it has none. */
const struct snap_frame *tree_task_user(const struct snap *s, size_t task);

/*
 * Where a task is shown to be: its user frame, or its innermost frame when it
 * has none or `innermost` is asked (--where=innermost).  NULL: no frames.
 */
const struct snap_frame *tree_task_where(const struct snap *s, size_t task, bool innermost);

/*
 * The await graph in compressed adjacency form.  The edges of task T where T
 * is the waiter (the tasks T awaits) are edge indices out[out_first[T] ..
 * out_first[T + 1]), in snap.edges order; those where T is awaited are
 * in[in_first[T] .. in_first[T + 1]).
 */
struct tree_graph {
    size_t ntasks;
    size_t *out_first;          /* owned; ntasks + 1 entries */
    size_t *out;                /* owned; indices into snap.edges */
    size_t *in_first;           /* owned; ntasks + 1 entries */
    size_t *in;                 /* owned; indices into snap.edges */
};

/* Fill *g from s (never fails; dies on OOM).  Free with tree_graph_free(). */
void tree_graph_build(struct tree_graph *g, const struct snap *s);
void tree_graph_free(struct tree_graph *g);

/*
 * One task in the await forest.  The children of a task are the tasks it
 * awaits.  A task awaited by several waiters sits under the first one in
 * snap.edges order (ignoring itself) and counts the rest in extra_waiters.
 */
struct tree_node {
    size_t task;                /* index into snap.tasks */
    size_t parent;              /* node index, TREE_NONE for a root */
    size_t depth;               /* 0 for a root */
    size_t subtree;             /* nodes in this subtree, itself included */
    size_t nchildren;
    size_t extra_waiters;       /* waiters other than parent and itself */
    bool cycle;                 /* awaits itself or one of its ancestors */
};

/*
 * The await forest: every task exactly once, nodes in preorder, so the
 * subtree of node i is nodes [i, i + subtree) and the next root after root
 * r is r + nodes[r].subtree.  Roots are the tasks nobody else awaits, in
 * task order, then one task on each cycle whose tasks are awaited only from
 * within cycles.  Cycles are cut where a task awaits an ancestor (cycle set).
 */
struct tree_forest {
    struct tree_graph graph;
    size_t nnodes;              /* == snap.ntasks */
    size_t nroots;
    struct tree_node *nodes;    /* owned; preorder */
    size_t *node_of_task;       /* owned; task index -> node index */
    size_t *key_of_task;        /* owned; task index -> id of its (coroutine, user frame
                                 * file and line (innermost when none), innermost
                                 * function), dense in [0, nkeys) */
    size_t nkeys;
};

/* Build the forest of s (never fails; dies on OOM).  Free with tree_forest_free(); NULL ok. */
struct tree_forest *tree_forest_build(const struct snap *s);
void tree_forest_free(struct tree_forest *t);

/* Row flags */
#define TREE_ROW_LAST       0x1u    /* last visible row among its siblings */
#define TREE_ROW_CHILDREN   0x2u    /* the task awaits other tasks (shown or not) */
#define TREE_ROW_COLLAPSED  0x4u    /* its children are hidden by its collapsed flag */
#define TREE_ROW_MATCH      0x8u    /* the task itself matches the filter */
#define TREE_ROW_CYCLE      0x10u   /* the task awaits itself or an ancestor */

struct tree_row {
    size_t node;                /* forest node (the first one when count > 1) */
    size_t task;                /* index into snap.tasks */
    size_t depth;
    size_t count;               /* identical siblings folded into this row, >= 1 */
    unsigned flags;             /* TREE_ROW_* */
};

/* What to show.  A zeroed struct shows every task, expanded, ungrouped. */
struct tree_view {
    const unsigned char *collapsed; /* borrowed; per task index, nonzero = collapsed; or NULL */
    const char *filter;             /* borrowed; substring of the name, the coroutine, any
                                     * frame's function, qualname or file, or the exception's
                                     * type or message; NULL or "" = no filter */
    bool filter_icase;              /* ASCII case-insensitive filter */
    bool group;                     /* fold identical leaf siblings into one row */
};

/*
 * The flattened, displayable row list.  Keep one struct across refreshes so
 * its arrays are reused; zero-initialise it before the first build.
 */
struct tree_rows {
    struct tree_row *rows;      /* owned */
    size_t nrows, cap;
    unsigned char *scratch;     /* owned; per node, filter state */
    size_t scratch_cap;
};

/*
 * Rebuild r from forest t of s (never fails; dies on OOM); v NULL = a zeroed
 * view.  Rows refer to t and s by index and are valid while both are:
 * - depth-first rows in forest order, depth 0 for roots;
 * - a collapsed task hides its descendants, except the paths to filter
 *   matches while a filter is active;
 * - with a filter, only matching tasks and their ancestors are shown;
 * - with group, sibling rows without visible children that share the
 *   grouping key (coroutine, user frame, innermost function: key_of_task)
 *   become one row at the first one's position, with count = their number.
 */
void tree_rows_build(struct tree_rows *r, const struct snap *s, const struct tree_forest *t,
                     const struct tree_view *v);
void tree_rows_free(struct tree_rows *r);

/* True if task `task` matches filter (see struct tree_view). */
bool tree_task_match(const struct snap *s, size_t task, const char *filter, bool icase);

/* Tasks sharing a grouping key (key_of_task). */
struct tree_group {
    size_t count;
    size_t task;                /* the lowest task index of the group (carries the key) */
};

struct tree_summary {
    size_t by_state[3];         /* indexed by enum snap_task_state */
    size_t ngroups;
    struct tree_group *groups;  /* owned; count descending, then by lowest task index */
};

/*
 * Fill *sum from s (never fails; dies on OOM).  t is the forest of s, whose
 * keys are reused, or NULL.  Free with tree_summary_free().
 */
void tree_summary_build(struct tree_summary *sum, const struct snap *s,
                        const struct tree_forest *t);
void tree_summary_free(struct tree_summary *sum);

#endif
