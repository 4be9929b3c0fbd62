/*
 * tasks.h - what the asyncio task readers share (not for other files of
 * pyframes): task discovery (task_find.c) finds the tasks and reads each
 * one (task_read.c), then draws the await edges between them (task_edges.c).
 */
#ifndef AIO_PYFRAMES_TASKS_H
#define AIO_PYFRAMES_TASKS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../common/xalloc.h"
#include "pyint.h"

#define MAX_TASK_BUF 512        /* largest TaskObj read in one go */

/* Per-task facts needed after all tasks are known (edges); sorted with the tasks. */
struct task_aux {
    uint64_t addr;
    uint64_t waiter;            /* task_fut_waiter */
    uint64_t group;             /* TaskGroup whose __aexit__ the task is suspended in */
    uint64_t wait_for;          /* what the task's asyncio.wait_for() frame waits on (its
                                 * first local, `fut`, once ensure_future made it a task) */
    uint64_t awaited_by;        /* 3.14+: task_awaited_by, one object or a set; 0 none */
    uint64_t callback0;         /* the first done callback of a C task, 0 none */
    uint64_t wait_set;          /* the set of futures its asyncio.wait() (`_wait`'s `fs`) or
                                 * asyncio.as_completed() (3.13+: the iterator's `_todo`)
                                 * waits for, 0 none */
    bool awaited_by_is_set;
    uint64_t wait_self;         /* `self` of the innermost asyncio primitive frame (task_wait.c) */
    int wait_frame;             /* which one (enum tw_wait_frame), 0 none */
};

/* The candidates of a registry walk and the running tasks (loop, task) it found. */
struct task_walk {
    uint64_t *cand;             /* candidate task addresses */
    size_t ncand, cap;
    uint64_t *running;          /* pairs (loop, task) from _current_tasks */
    size_t nrunning, cap_running;
};

static inline void
tw_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    xgrow((void **)v, cap, *n + 1, sizeof(**v));
    (*v)[(*n)++] = x;
}

static inline bool
tw_is(const char *tn, const char *name)
{
    return strcmp(tn, name) == 0;
}

/* A py_pair_fn over asyncio.tasks._current_tasks: note (loop, task) in a struct task_walk. */
int tw_add_running(struct py_ctx *c, uint64_t loop, uint64_t task, void *arg);

/* qsort order of struct task_aux: by task address, as the snapshot's tasks. */
int tw_aux_cmp(const void *a, const void *b);

/*
 * Read the task at addr (of kind) into the snapshot: state, loop, name,
 * its coroutine stack, whether it is running (a pair of tw); *aux gets what
 * the edges need later.  A task that cannot be read adds nothing.
 */
void tw_read_task(struct py_ctx *c, uint64_t addr, enum py_task_kind kind,
                  const struct task_walk *tw, struct task_aux *aux);

/*
 * The await edges between the snapshot's tasks (plain await, gather,
 * TaskGroup, wait, wait_for, shield, and 3.14+ awaited_by), then cycles.
 * aux[i] belongs to the snapshot's task i (both sorted by address).
 */
void tw_edges(struct py_ctx *c, const struct task_aux *aux);

#endif
