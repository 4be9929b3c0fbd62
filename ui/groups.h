/*
 * groups.h - the supervisors view's model (internal to ui/): the tasks that
 * await several others (a gather, a TaskGroup's __aexit__, asyncio.wait)
 * with their children counted by state and by coroutine.
 */
#ifndef AIO_UI_GROUPS_H
#define AIO_UI_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "../snapshot/snapshot.h"
#include "lines.h"

#define UI_GROUP_MIN 2          /* children a task needs to be listed (a TaskGroup: any) */

struct ui_group {
    size_t task;                /* the supervisor (index into the snapshot's tasks) */
    size_t edge_first;          /* its edges: snap.edges[edge_first .. +n] (sorted by waiter) */
    size_t n;                   /* children */
    size_t by_state[3];         /* children by enum snap_task_state */
    bool taskgroup;             /* the children are a TaskGroup's */
};

struct ui_groups {
    struct ui_group *v;         /* owned; most children first */
    size_t n, cap;
};

/* The supervisors of s (edges finished), most children first. */
void ui_groups_build(struct ui_groups *G, const struct snap *s);
void ui_groups_free(struct ui_groups *G);

/* One line per supervisor; each line links to its supervisor task. */
void ui_groups_lines(struct ui_lines *L, const struct ui_groups *G, const struct snap *s);

/*
 * The children of supervisor k: counted by (coroutine, state), most first,
 * then each child (linked to its task), at most UI_GROUP_LIST of them.
 */
#define UI_GROUP_LIST 500
void ui_group_detail(struct ui_lines *L, const struct ui_groups *G, size_t k,
                     const struct snap *s);

#endif
