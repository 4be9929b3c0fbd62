/*
 * task_find.c - task discovery, the py_ops.tasks_discover of every version:
 * find every asyncio task of the process, read each one (task_read.c), then
 * the await edges between them (task_edges.c).
 *   3.8-3.13  py_tasks_from_registries: asyncio's own registries in the
 *             asyncio.tasks module dict (_scheduled_tasks / _all_tasks
 *             WeakSets, _eager_tasks, _current_tasks); no symbols needed.
 *   3.14+     py_tasks_from_lists: the runtime's task lists (a circular list
 *             per thread state and one per interpreter, linked through
 *             TaskObj.task_node), then those registries for the tasks of the
 *             pure-Python implementation.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"
#include "tasks.h"
#include "tracker.h"

/* tasks in one list: no cap below a million (CPython's own tool stops at 65,536) */
#define MAX_TASK_LIST MAX_TASKS

typedef int (*task_found_fn)(struct py_ctx *, uint64_t, long, bool, void *);

/* ---- 3.8-3.13: asyncio's registries ---- */

static int
tw_add_task(struct py_ctx *c, uint64_t item, void *arg)
{
    struct task_walk *tw = arg;

    (void)c;
    if (tw->ncand >= MAX_TASKS)
        return 1;
    tw_push(&tw->cand, &tw->ncand, &tw->cap, item);
    return 0;
}

/* A WeakSet's set holds weak references: the task is their referent. */
static int
tw_add_weakref(struct py_ctx *c, uint64_t ref, void *arg)
{
    uint64_t obj = 0;

    if (py_read_ptr(c, ref, PYF_WR_OBJECT, &obj) < 0 || !obj)
        return 0;
    return tw_add_task(c, obj, arg);
}

static int
tw_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Find the registries in the asyncio.tasks module dict and collect candidates. */
static int
tw_collect(struct py_ctx *c, uint64_t mdict, struct task_walk *tw)
{
    static const char *const weaksets[] = { "_scheduled_tasks", "_all_tasks" };
    uint64_t obj, data;
    size_t i;
    int found = 0;

    for (i = 0; i < sizeof(weaksets) / sizeof(weaksets[0]); i++) {
        if (py_dict_get_str(c, mdict, weaksets[i], &obj) < 0 || !obj)
            continue;
        found++;
        if (py_attr_get(c, obj, "data", &data) < 0 || !data ||
            py_set_items(c, data, tw_add_weakref, tw) < 0)
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                          "cannot read asyncio.tasks.%s", weaksets[i]);
    }
    if (py_dict_get_str(c, mdict, "_eager_tasks", &obj) == 0 && obj) {
        found++;
        if (py_set_items(c, obj, tw_add_task, tw) < 0)
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                          "cannot read asyncio.tasks._eager_tasks");
    }
    if (py_dict_get_str(c, mdict, "_current_tasks", &obj) == 0 && obj)
        py_dict_items(c, obj, tw_add_running, tw);
    if (tw->ncand >= MAX_TASKS)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND, "task list cut at %u tasks",
                      MAX_TASKS);
    return found ? 0 : err_set(AIO_E_CORRUPT, "no task registry in asyncio.tasks");
}

int
py_tasks_from_registries(struct py_ctx *c)
{
    struct task_walk tw;
    struct task_aux *aux = NULL;
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0;
    size_t i, n = 0, c_unknown = 0;
    bool c_layout;
    int rc;

    memset(&tw, 0, sizeof(tw));
    c_layout = layout_has(c->L, PYF_TASK) && layout_off(c->L, PYF_TASK) <= MAX_TASK_BUF;
    /* without _asyncio (or its layout), pure-Python tasks may still be there */
    if ((rc = py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp)) < 0 ||
        (rc = py_read_ptr(c, interp, PYF_IS_MODULES, &modules)) < 0 || !modules)
        goto fail;
    if ((rc = py_dict_get_str(c, modules, "asyncio.tasks", &mod)) < 0) {
        /* sys.modules itself is unreadable: not "no asyncio", but nothing known */
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, rc, "cannot read sys.modules to find "
                      "asyncio's tasks: %s", err_msg(rc));
        return 0;
    }
    if (!mod) {
        c->snap->flags |= SNAP_F_NO_TASKS;
        return 0;
    }
    if ((rc = py_read_ptr(c, mod, PYF_MOD_DICT, &mdict)) < 0 || !mdict ||
        (rc = tw_collect(c, mdict, &tw)) < 0)
        goto fail;
    if (tw.ncand > 1)
        qsort(tw.cand, tw.ncand, sizeof(*tw.cand), tw_u64_cmp);
    aux = xcalloc(tw.ncand ? tw.ncand : 1, sizeof(*aux));
    for (i = 0; i < tw.ncand; i++) {
        enum py_task_kind kind;

        if (i > 0 && tw.cand[i] == tw.cand[i - 1])
            continue;
        kind = py_type_task_kind(c, py_type_of(c, tw.cand[i]));
        if (kind == PY_TASK_NONE)
            continue;
        if (kind == PY_TASK_C && !c_layout) {
            c_unknown++;
            continue;
        }
        tw_read_task(c, tw.cand[i], kind, &tw, &aux[n]);
        if (c->snap->ntasks > n)
            n++;
    }
    if (c_unknown)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_LAYOUT, "%zu C tasks not shown: "
                      "the layout of _asyncio's TaskObj is unknown", c_unknown);
    /* candidates were visited in address order, so tasks and aux are both sorted */
    snap_tasks_sort(c->snap);
    if (n > 1)
        qsort(aux, n, sizeof(*aux), tw_aux_cmp);
    tw_edges(c, aux);
    free(aux);
    free(tw.cand);
    free(tw.running);
    return 0;
fail:
    free(tw.cand);
    free(tw.running);
    snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, rc ? rc : AIO_E_CORRUPT,
                  "cannot read asyncio's task registries: %s", err_msg(rc ? rc : AIO_E_CORRUPT));
    return 0;
}

/* ---- 3.14+: the runtime's own task lists ---- */

/*
 * One circular list: from head->next until head again.  A NULL link, a loop
 * that does not come back to the head (Brent's cycle check) or more than
 * MAX_TASK_LIST tasks end the walk with a diagnostic.  Returns 1 when found()
 * asked to stop, else 0.
 */
static int
tl_walk_list(struct py_ctx *c, uint64_t head, long tid, uint64_t running,
                 task_found_fn found, void *arg)
{
    uint64_t next_off = layout_off(c->L, PYF_LLIST_NEXT);
    uint64_t node_off = layout_off(c->L, PYF_TASK_NODE);
    uint64_t node = 0, tortoise = head;
    size_t steps = 0, power = 1, lam = 0;
    int rc = source_read_ptr(c->src, head + next_off, &node);

    while (rc == 0 && node != head) {
        if (node == 0 || node == tortoise || node < node_off) {
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                          "task list at 0x%llx is corrupt (%s)", (unsigned long long)head,
                          node == 0 ? "NULL link" : "loops without reaching its head");
            return 0;
        }
        if (steps++ >= MAX_TASK_LIST) {
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND,
                          "task list at 0x%llx cut at %u tasks", (unsigned long long)head,
                          MAX_TASK_LIST);
            return 0;
        }
        if (found(c, node - node_off, tid, node - node_off == running, arg))
            return 1;
        if (++lam == power) {
            tortoise = node;
            power *= 2;
            lam = 0;
        }
        rc = source_read_ptr(c->src, node + next_off, &node);
    }
    if (rc < 0)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, -rc, "cannot read the task list at 0x%llx",
                      (unsigned long long)head);
    return 0;
}

/* The running task of a thread state: only while its event loop runs. */
static uint64_t
tl_running_task(struct py_ctx *c, uint64_t tstate)
{
    uint64_t loop = 0, task = 0;

    if (!layout_has(c->L, PYF_TS_ASYNCIO_RUNNING_TASK) ||
        (layout_has(c->L, PYF_TS_ASYNCIO_RUNNING_LOOP) &&
         (py_read_ptr(c, tstate, PYF_TS_ASYNCIO_RUNNING_LOOP, &loop) < 0 || !loop)) ||
        py_read_ptr(c, tstate, PYF_TS_ASYNCIO_RUNNING_TASK, &task) < 0)
        return 0;
    return task;
}

/* Every thread state's list, then the interpreter's (tasks of threads gone), per interpreter. */
static int
tl_find(struct py_ctx *c, task_found_fn found, void *arg)
{
    static const enum py_field need[] = {
        PYF_TS_ASYNCIO_TASKS_HEAD, PYF_IS_ASYNCIO_TASKS_HEAD, PYF_LLIST_NEXT, PYF_TASK_NODE,
    };
    uint64_t interp = 0;
    size_t i;
    int ni, rc;

    for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!layout_has(c->L, need[i]))
            return err_set(AIO_E_LAYOUT, "no offsets for asyncio's task lists (%s): the "
                           "AsyncioDebug section of _asyncio was not found",
                           layout_descs[need[i]].name);
    }
    rc = py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp);
    if (rc < 0)
        return rc;
    for (ni = 0; interp && ni < MAX_INTERPRETERS; ni++) {
        uint64_t head = 0, ts, next_interp = 0;
        size_t nt;

        if (py_read_ptr(c, interp, PYF_IS_TSTATE_HEAD, &head) < 0)
            break;
        for (ts = head, nt = 0; ts && nt < MAX_THREADS; nt++) {
            uint64_t next = 0;
            long tid = source_host_tid(c->src, c->ops->thread_native_id(c, ts, 0));

            if (tl_walk_list(c, ts + layout_off(c->L, PYF_TS_ASYNCIO_TASKS_HEAD), tid,
                                 tl_running_task(c, ts), found, arg))
                return 0;
            if (py_read_ptr(c, ts, PYF_TS_NEXT, &next) < 0 || next == head || next == ts)
                break;
            ts = next;
        }
        if (tl_walk_list(c, interp + layout_off(c->L, PYF_IS_ASYNCIO_TASKS_HEAD), 0, 0,
                             found, arg))
            return 0;
        if (py_read_ptr(c, interp, PYF_IS_NEXT, &next_interp) < 0 || next_interp == interp)
            break;
        interp = next_interp;
    }
    return 0;
}

/* A task found in a task list, or in a fallback registry. */
struct list_cand {
    uint64_t addr;
    long tid;                   /* thread whose list holds it, 0 unknown */
    bool running;               /* that thread's running task */
    bool listed;                /* from a task list: a TaskObj by construction */
    bool recheck_only;          /* only because it was pending last time (py_ctx.recheck) */
};

struct list_walk {
    struct list_cand *v;
    size_t n, cap;
};

static void
lw_push(struct list_walk *lw, uint64_t addr, long tid, bool running, bool listed)
{
    xgrow((void **)&lw->v, &lw->cap, lw->n + 1, sizeof(*lw->v));
    lw->v[lw->n].addr = addr;
    lw->v[lw->n].tid = tid;
    lw->v[lw->n].running = running;
    lw->v[lw->n].listed = listed;
    lw->v[lw->n].recheck_only = false;
    lw->n++;
}

static int
lw_found(struct py_ctx *c, uint64_t task, long tid, bool running, void *arg)
{
    struct list_walk *lw = arg;

    (void)c;
    if (lw->n >= MAX_TASKS)
        return 1;
    lw_push(lw, task, tid, running, true);
    return 0;
}

static int
lw_add_item(struct py_ctx *c, uint64_t item, void *arg)
{
    struct list_walk *lw = arg;

    (void)c;
    if (lw->n >= MAX_TASKS)
        return 1;
    lw_push(lw, item, 0, false, false);
    return 0;
}

static int
lw_add_weakref(struct py_ctx *c, uint64_t ref, void *arg)
{
    uint64_t obj = 0;

    if (py_read_ptr(c, ref, PYF_WR_OBJECT, &obj) < 0 || !obj)
        return 0;
    return lw_add_item(c, obj, arg);
}

static int
lw_cmp(const void *a, const void *b)
{
    const struct list_cand *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Tasks outside the lists: asyncio.tasks keeps _scheduled_tasks (a WeakSet)
 * and _eager_tasks (a set) for tasks registered by the pure-Python code.
 * Read only when the layout can read dicts; quietly skipped otherwise.
 */
static void
lw_fallback(struct py_ctx *c, struct list_walk *lw, struct task_walk *cur)
{
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0, obj = 0, data = 0;

    int rc;

    if (!layout_has(c->L, PYF_DK_INDICES) || !layout_has(c->L, PYF_MOD_DICT) ||
        py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp) < 0 ||
        py_read_ptr(c, interp, PYF_IS_MODULES, &modules) < 0 || !modules)
        return;
    if ((rc = py_dict_get_str(c, modules, "asyncio.tasks", &mod)) < 0) {
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, rc, "cannot read sys.modules to find "
                      "pure-Python tasks: %s", err_msg(rc));
        return;
    }
    if (!mod || py_read_ptr(c, mod, PYF_MOD_DICT, &mdict) < 0 || !mdict)
        return;
    if (layout_has(c->L, PYF_WR_OBJECT) &&
        py_dict_get_str(c, mdict, "_scheduled_tasks", &obj) == 0 && obj &&
        py_attr_get(c, obj, "data", &data) == 0 && data)
        py_set_items(c, data, lw_add_weakref, lw);
    if (py_dict_get_str(c, mdict, "_eager_tasks", &obj) == 0 && obj)
        py_set_items(c, obj, lw_add_item, lw);
    /* the running pure-Python tasks (C ones are in the thread states) */
    if (py_dict_get_str(c, mdict, "_current_tasks", &obj) == 0 && obj)
        py_dict_items(c, obj, tw_add_running, cur);
}

/* A listed task must say it is one (TaskObj.task_is_task); others must be of a Task type. */
static enum py_task_kind
lw_task_kind(struct py_ctx *c, const struct list_cand *lc)
{
    int64_t is_task = 0;

    if (lc->listed && layout_has(c->L, PYF_TASK_IS_TASK))
        return py_read_int(c, lc->addr, PYF_TASK_IS_TASK, &is_task) == 0 && is_task == 1 ?
               PY_TASK_C : PY_TASK_NONE;
    return py_type_task_kind(c, py_type_of(c, lc->addr));
}

/*
 * The tasks pending in the last snapshot that no list holds any more: a
 * task leaves the lists when it ends, but its object lives on while the
 * program keeps a reference (a list of tasks, a dict by name): read it too.
 */
static void
lw_recheck(struct py_ctx *c, struct list_walk *lw)
{
    size_t i;

    for (i = 0; i < c->nrecheck && lw->n < MAX_TASKS; i++) {
        lw_push(lw, c->recheck[i], 0, false, false);
        lw->v[lw->n - 1].recheck_only = true;
    }
}

/*
 * Whether the object at addr is alive: its reference count is a count.
 * A freed block of the object allocator starts with the next free block's
 * address (or 0) where the count was; the low 32 bits of 3.12+'s count hold
 * the count, the bits above only flags of immortal and static objects.
 */
static bool
lw_alive(struct py_ctx *c, uint64_t addr)
{
    uint64_t rc;

    return layout_has(c->L, PYF_OB_REFCNT) && py_read_ptr(c, addr, PYF_OB_REFCNT, &rc) == 0 &&
           rc > 0 && rc < ((uint64_t)1 << 32);
}

/* Whether an _asyncio extension module is mapped (its offsets may still be unknown). */
static bool
tw_asyncio_mapped(const struct source *src)
{
    size_t i;

    for (i = 0; i < src->maps.n; i++) {
        const char *b = strrchr(src->maps.v[i].path, '/');

        if (strncmp(b ? b + 1 : src->maps.v[i].path, "_asyncio.", 9) == 0)
            return true;
    }
    return false;
}

/*
 * lists: the _asyncio module is loaded and its task lists can be walked;
 * without it, only the pure-Python registries are read.
 */
static int
tw_walk_lists(struct py_ctx *c, bool lists)
{
    struct list_walk lw = { NULL, 0, 0 };
    struct task_walk cur;       /* only the running pure-Python tasks */
    struct task_aux *aux;
    size_t i, j, n = 0, skipped = 0, nc = 0;
    int rc = 0;

    memset(&cur, 0, sizeof(cur));
    if (lists)
        rc = tl_find(c, lw_found, &lw);
    if (rc < 0) {
        free(lw.v);
        free(cur.running);
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, -rc, "cannot read asyncio's task lists: %s",
                      err_msg(rc));
        return 0;
    }
    lw_fallback(c, &lw, &cur);
    lw_recheck(c, &lw);
    if (lw.n >= MAX_TASKS)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND, "task list cut at %u tasks",
                      MAX_TASKS);
    if (lw.n > 1)
        qsort(lw.v, lw.n, sizeof(*lw.v), lw_cmp);
    /* one candidate per address: a list entry wins over a registry entry */
    for (i = 0, j = 0; i < lw.n; i++) {
        if (j && lw.v[j - 1].addr == lw.v[i].addr) {
            struct list_cand *k = &lw.v[j - 1];

            k->running = k->running || lw.v[i].running;
            k->listed = k->listed || lw.v[i].listed;
            k->recheck_only = k->recheck_only && lw.v[i].recheck_only;
            if (!k->tid)
                k->tid = lw.v[i].tid;
            continue;
        }
        lw.v[j++] = lw.v[i];
    }
    lw.n = j;
    aux = xcalloc(lw.n ? lw.n : 1, sizeof(*aux));
    for (i = 0; i < lw.n; i++) {
        enum py_task_kind kind = lw.v[i].recheck_only && !lw_alive(c, lw.v[i].addr) ?
                                 PY_TASK_NONE : lw_task_kind(c, &lw.v[i]);

        if (kind == PY_TASK_NONE) {
            skipped += lw.v[i].listed;
            continue;
        }
        tw_read_task(c, lw.v[i].addr, kind, &cur, &aux[n]);
        nc += kind == PY_TASK_C;
        if (c->snap->ntasks > n) {
            struct snap_task *t = &c->snap->tasks[n];

            if (lw.v[i].tid && !t->thread_tid)
                t->thread_tid = lw.v[i].tid;
            t->running = t->running || lw.v[i].running;
            n++;
        }
    }
    if (skipped)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                      "%zu entries of the task lists are not tasks", skipped);
    if (nc && !layout_has(c->L, PYF_FUT_STATE))
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_LAYOUT,
                      "task states are unknown (no layout for fut_state): finished tasks "
                      "still referenced are shown as pending");
    /* candidates were visited in address order, so tasks and aux are both sorted */
    snap_tasks_sort(c->snap);
    if (n > 1)
        qsort(aux, n, sizeof(*aux), tw_aux_cmp);
    tw_edges(c, aux);
    free(aux);
    free(lw.v);
    free(cur.running);
    return 0;
}

int
py_tasks_from_lists(struct py_ctx *c)
{
    bool c_layout;
    int rc;

    if (!layout_has(c->L, PYF_TASK_NODE) && tw_asyncio_mapped(c->src)) {
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_LAYOUT, "the _asyncio module is "
                      "loaded but the layout of its tasks is unknown (no AsyncioDebug section "
                      "and no DWARF): tasks are not shown");
        return 0;
    }
    c_layout = layout_has(c->L, PYF_TASK) && layout_off(c->L, PYF_TASK) <= MAX_TASK_BUF;
    if (!c_layout && !tw_asyncio_mapped(c->src)) {
        /* no _asyncio: only pure-Python tasks, if asyncio is imported at all */
        rc = tw_walk_lists(c, false);
        if (rc == 0 && c->snap->ntasks == 0)
            c->snap->flags |= SNAP_F_NO_TASKS;
        return rc;
    }
    return tw_walk_lists(c, c_layout);
}

int
py_tasks_walk(struct py_ctx *c)
{
    int rc = c->ops->tasks_discover(c);

    if (rc == 0) {
        py_tasks_where(c);
        py_tracker_read(c);
    }
    return rc;
}
