/*
 * task_edges.c - who awaits whom among the tasks of a snapshot: a plain
 * await of another task, gather (nested too), TaskGroup, asyncio.wait and
 * as_completed, wait_for, shield, and from 3.14 what each task records as
 * awaiting it (awaited_by).  Then the snapshot's cycles.
 */
#include <string.h>

#include "../common/err.h"
#include "pyint.h"
#include "task_wait.h"
#include "tasks.h"

struct edge_arg {
    size_t waiter;
    enum snap_edge_kind kind;
    unsigned depth;             /* nested gathering futures followed so far */
};

#define MAX_GATHER_NESTING 64

static int
tw_edge_cb(struct py_ctx *c, uint64_t item, void *arg)
{
    struct edge_arg *ea = arg;
    size_t j = snap_task_find(c->snap, item);

    if (j != (size_t)-1 && j != ea->waiter)
        snap_edge_add(c->snap, ea->waiter, j, ea->kind);
    return 0;
}

/*
 * A child of a gathering future: a task, or itself a gathering future
 * (gather(gather(a, b), c)): then the caller awaits its leaves, bounded.
 */
static int
tw_gather_child_cb(struct py_ctx *c, uint64_t item, void *arg)
{
    struct edge_arg *ea = arg;
    uint64_t children = 0;

    if (snap_task_find(c->snap, item) != (size_t)-1)
        return tw_edge_cb(c, item, arg);
    if (ea->depth < MAX_GATHER_NESTING &&
        tw_is(py_type_name(c, py_type_of(c, item)), "_GatheringFuture") &&
        py_attr_get(c, item, "_children", &children) == 0 && children) {
        ea->depth++;
        py_seq_items(c, children, tw_gather_child_cb, ea);
        ea->depth--;
    }
    return 0;
}

/* As tw_edge_cb, for tasks still pending only (what a wait is still waiting for). */
static int
tw_pending_edge_cb(struct py_ctx *c, uint64_t item, void *arg)
{
    size_t j = snap_task_find(c->snap, item);

    if (j != (size_t)-1 && c->snap->tasks[j].state == SNAP_TASK_PENDING)
        tw_edge_cb(c, item, arg);
    return 0;
}

struct awaiter_arg {
    const struct task_aux *aux;
    size_t awaited;
};

/*
 * The TaskGroup that made a task (TaskGroup.create_task adds the bound method
 * TaskGroup._on_task_done as the task's first done callback), or 0.
 */
static uint64_t
tw_creating_group(struct py_ctx *c, const struct task_aux *t)
{
    uint64_t self = 0;

    if (!t->callback0 || !layout_has(c->L, PYF_METH_SELF) ||
        !tw_is(py_type_name(c, py_type_of(c, t->callback0)), "method") ||
        py_read_ptr(c, t->callback0, PYF_METH_SELF, &self) < 0 || !self ||
        !tw_is(py_type_name(c, py_type_of(c, self)), "TaskGroup"))
        return 0;
    return self;
}

/*
 * 3.14+: X awaits the task when X is in its awaited_by (Task.__step, gather,
 * wait, TaskGroup.create_task record it).  The kind comes from what X is
 * doing: in TaskGroup.__aexit__, or waiting on a _GatheringFuture.  A
 * TaskGroup records its parent task as awaiting every child from creation on;
 * while the parent still runs the group's body (not in that group's
 * __aexit__, not waiting on the child itself) it awaits something else, as
 * on every earlier version.  Likewise gather() records the calling task
 * when it is called, not when the gathering future is awaited: a task that
 * is running, or awaits another task, awaits none of its awaited_by entries.
 */
static int
tw_awaiter_cb(struct py_ctx *c, uint64_t item, void *arg)
{
    struct awaiter_arg *aa = arg;
    size_t j = snap_task_find(c->snap, item);
    const struct task_aux *x;
    enum snap_edge_kind kind = SNAP_EDGE_AWAIT;
    uint64_t tg;

    if (j == (size_t)-1 || j == aa->awaited)
        return 0;
    x = &aa->aux[j];
    if (x->waiter != aa->aux[aa->awaited].addr) {
        /* running, or awaiting another task: not waiting for this one now */
        if (!x->group && (!x->waiter || snap_task_find(c->snap, x->waiter) != (size_t)-1))
            return 0;
        tg = tw_creating_group(c, &aa->aux[aa->awaited]);
        if (tg && x->group != tg)
            return 0;
    }
    if (x->group) {
        kind = SNAP_EDGE_TASKGROUP;
        c->snap->tasks[j].group = x->group;
    } else if (x->waiter &&
               tw_is(py_type_name(c, py_type_of(c, x->waiter)), "_GatheringFuture")) {
        kind = SNAP_EDGE_GATHER;
    }
    snap_edge_add(c->snap, j, aa->awaited, kind);
    return 0;
}

static void
tw_awaited_by_edges(struct py_ctx *c, const struct task_aux *aux)
{
    size_t i;

    for (i = 0; i < c->snap->ntasks; i++) {
        struct awaiter_arg aa = { aux, i };

        if (!aux[i].awaited_by)
            continue;
        if (!aux[i].awaited_by_is_set)
            tw_awaiter_cb(c, aux[i].awaited_by, &aa);
        else if (py_set_items(c, aux[i].awaited_by, tw_awaiter_cb, &aa) < 0)
            snap_diag_add(c->snap, SNAP_DIAG_TASK, i, AIO_E_CORRUPT,
                          "cannot read the set of tasks awaiting this task");
    }
}

/*
 * asyncio.shield(inner): the task awaits an outer future, and only the
 * closure of the outer future's _outer_done_callback still names the inner
 * task.  shield() adds that callback first, right after making the future,
 * so only the first callback is looked at: fut_callback0 of a C future, the
 * first (callback, context) pair of a pure-Python one.  Every task waiting on
 * a plain future comes here, under the stop: a few cached reads each.
 */
static int
tw_first_item(struct py_ctx *c, uint64_t item, void *arg)
{
    (void)c;
    *(uint64_t *)arg = item;
    return 1;
}

static int
tw_shield_cell_cb(struct py_ctx *c, uint64_t cell, void *arg)
{
    struct edge_arg *ea = arg;
    uint64_t ref = 0;

    if (tw_is(py_type_name(c, py_type_of(c, cell)), "cell") &&
        py_read_ptr(c, cell, PYF_CELL_REF, &ref) == 0 && ref)
        tw_edge_cb(c, ref, ea);
    return 0;
}

static void
tw_shield_edges(struct py_ctx *c, uint64_t fut, size_t waiter)
{
    static const char suffix[] = "shield.<locals>._outer_done_callback";
    const size_t slen = sizeof(suffix) - 1;
    struct edge_arg ea = { waiter, SNAP_EDGE_AWAIT, 0 };
    struct snap_str name = { NULL, 0 };
    uint64_t cb = 0, list = 0, pair = 0, q = 0, closure = 0;

    if (!layout_has(c->L, PYF_FUNC_CLOSURE) || !layout_has(c->L, PYF_FUNC_QUALNAME) ||
        !layout_has(c->L, PYF_CELL_REF))
        return;
    if (tw_is(py_type_name(c, py_type_of(c, fut)), "_asyncio.Future")) {
        if (py_read_ptr(c, fut, PYF_FUT_CALLBACK0, &cb) < 0)
            return;
    } else if (py_attr_get(c, fut, "_callbacks", &list) == 0 && list &&
               py_seq_items(c, list, tw_first_item, &pair) == 0 && pair) {
        py_seq_items(c, pair, tw_first_item, &cb);
    }
    if (!cb || !tw_is(py_type_name(c, py_type_of(c, cb)), "function") ||
        py_read_ptr(c, cb, PYF_FUNC_QUALNAME, &q) < 0 || !q ||
        py_read_str(c, q, MAX_NAME_BYTES, &name, NULL) < 0 || name.len < slen ||
        memcmp(name.s + name.len - slen, suffix, slen) != 0)
        return;
    if (py_read_ptr(c, cb, PYF_FUNC_CLOSURE, &closure) == 0 && closure)
        py_seq_items(c, closure, tw_shield_cell_cb, &ea);
}

void
tw_edges(struct py_ctx *c, const struct task_aux *aux)
{
    struct snap *s = c->snap;
    size_t i;

    for (i = 0; i < s->ntasks; i++) {
        struct edge_arg ea = { i, SNAP_EDGE_AWAIT, 0 };
        uint64_t w = aux[i].waiter, children = 0, tasks = 0;

        if (w) {
            size_t j = snap_task_find(s, w);

            if (j != (size_t)-1) {
                if (j != i)
                    snap_edge_add(s, i, j, SNAP_EDGE_AWAIT);
            } else if (tw_is(py_type_name(c, py_type_of(c, w)), "_GatheringFuture")) {
                if (py_attr_get(c, w, "_children", &children) == 0 && children) {
                    int rc;

                    ea.kind = SNAP_EDGE_GATHER;
                    if ((rc = py_seq_items(c, children, tw_gather_child_cb, &ea)) < 0)
                        snap_diag_add(s, SNAP_DIAG_TASK, i, rc, "the children of the gather "
                                      "it awaits (list 0x%llx) are unreadable: %s",
                                      (unsigned long long)children, err_msg(rc));
                }
            } else {
                tw_shield_edges(c, w, i);
            }
        }
        if (aux[i].wait_for) {
            size_t j = snap_task_find(s, aux[i].wait_for);

            if (j != (size_t)-1 && j != i)
                snap_edge_add(s, i, j, SNAP_EDGE_AWAIT);
        }
        if (aux[i].wait_set) {
            ea.kind = SNAP_EDGE_AWAIT;
            py_set_items(c, aux[i].wait_set, tw_pending_edge_cb, &ea);
        }
        if (aux[i].group && py_attr_get(c, aux[i].group, "_tasks", &tasks) == 0 && tasks) {
            ea.kind = SNAP_EDGE_TASKGROUP;
            py_set_items(c, tasks, tw_edge_cb, &ea);
            s->tasks[i].group = aux[i].group;
        }
    }
    tw_awaited_by_edges(c, aux);
    snap_edges_finish(s);
    snap_cycles_find(s);
    tw_waits(c, aux);
}
