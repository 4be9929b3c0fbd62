/*
 * tasks.c - asyncio tasks from outside: find every task through asyncio's own
 * registries (no symbols needed) or, from 3.14, through the runtime's own
 * task lists (py_ops.tasks_find), read each task and its whole coroutine
 * stack, then the await edges (plain await, gather, TaskGroup, and from 3.14
 * what each task records as awaiting it).
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"

#define MAX_TASK_NAME (1u << 16)
#define MAX_TASK_BUF 512

/* asyncio Future states (Modules/_asynciomodule.c fut_state). */
enum { FUT_PENDING = 0, FUT_CANCELLED = 1, FUT_FINISHED = 2 };

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
};

struct task_walk {
    uint64_t *cand;             /* candidate task addresses */
    size_t ncand, cap;
    uint64_t *running;          /* pairs (loop, task) from _current_tasks */
    size_t nrunning, cap_running;
};

static void
tw_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    xgrow((void **)v, cap, *n + 1, sizeof(**v));
    (*v)[(*n)++] = x;
}

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
tw_add_running(struct py_ctx *c, uint64_t loop, uint64_t task, void *arg)
{
    struct task_walk *tw = arg;

    (void)c;
    tw_push(&tw->running, &tw->nrunning, &tw->cap_running, loop);
    tw_push(&tw->running, &tw->nrunning, &tw->cap_running, task);
    return tw->nrunning >= 2 * MAX_THREADS;
}

static int
tw_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int
tw_aux_cmp(const void *a, const void *b)
{
    const struct task_aux *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
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

static bool
tw_is(const char *tn, const char *name)
{
    return strcmp(tn, name) == 0;
}

struct chain_frame {
    const struct py_code *co;
    int64_t lasti;
};

#define CHAIN_SMALL 32

/*
 * asyncio.wait(fs) suspends in `_wait(fs, timeout, return_when, loop)`: its
 * first argument is the set of futures waited for.  asyncio.as_completed()
 * of 3.13+ suspends in `_AsCompletedIterator._wait_for_one(self)`, whose
 * `_todo` is the set not completed yet (before 3.13 that set is only in the
 * closures of the callbacks it adds: not followed).  3.14+ also records both
 * in awaited_by.
 */
static void
tw_note_wait_set(struct py_ctx *c, const struct py_code *co, uint64_t frame,
                 struct task_aux *aux)
{
    uint64_t first = 0, todo = 0;
    bool wait = py_code_is(co, "_wait", "asyncio/tasks.py");

    if (!wait && !py_code_is(co, "_wait_for_one", "asyncio/tasks.py"))
        return;
    if (source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0), &first) < 0 || !first)
        return;
    first &= ~c->ops->slot_tag_mask;
    if (wait) {
        if (tw_is(py_type_name(c, py_type_of(c, first)), "set"))
            aux->wait_set = first;
    } else if (tw_is(py_type_name(c, py_type_of(c, first)), "_AsCompletedIterator") &&
               py_attr_get(c, first, "_todo", &todo) == 0 && todo &&
               tw_is(py_type_name(c, py_type_of(c, todo)), "set")) {
        aux->wait_set = todo;
    }
}

/*
 * The coroutine stack of a task: from task_coro, follow what each suspended
 * coroutine awaits down to the innermost one.  Appends frames innermost
 * first; returns the count.  Bounded by MAX_AWAIT_DEPTH; revisits stop it.
 */
static size_t
tw_coro_stack(struct py_ctx *c, uint64_t coro, struct task_aux *aux, bool *truncated)
{
    /* most chains are a few coroutines deep: the heap only for deep ones */
    struct chain_frame chain_small[CHAIN_SMALL], *chain = chain_small;
    uint64_t seen_small[CHAIN_SMALL], *seen = seen_small;
    uint64_t obj = coro;
    size_t n = 0, i, nseen = 0;

    *truncated = false;
    while (obj) {
        const char *tn = py_type_name(c, py_type_of(c, obj));
        uint64_t frame, yf = 0;
        struct py_frame pf;
        bool live;

        for (i = 0; i < nseen; i++) {
            if (seen[i] == obj)
                goto done;  /* a cycle in target memory: stop, never loop */
        }
        if (nseen >= MAX_AWAIT_DEPTH) {
            *truncated = true;
            break;
        }
        if (nseen == CHAIN_SMALL) {
            chain = xmalloc(MAX_AWAIT_DEPTH * sizeof(*chain));
            seen = xmalloc(MAX_AWAIT_DEPTH * sizeof(*seen));
            memcpy(chain, chain_small, sizeof(chain_small));
            memcpy(seen, seen_small, sizeof(seen_small));
        }
        seen[nseen++] = obj;
        if (tw_is(tn, "async_generator_asend") || tw_is(tn, "async_generator_athrow")) {
            /* `await agen.__anext__()` awaits a wrapper; its generator is the next frame */
            if (py_read_ptr(c, obj, PYF_ASEND_GEN, &obj) < 0)
                break;
            continue;
        }
        if (!tw_is(tn, "coroutine") && !tw_is(tn, "generator") && !tw_is(tn, "async_generator"))
            break;  /* a Future, FutureIter or other awaitable: the chain ends here */
        if (c->ops->gen_frame(c, obj, &frame, &live) < 0 || !live)
            break;
        if (c->ops->frame_read(c, frame, &pf) < 0)
            break;
        chain[n].co = py_code_get(c, pf.code);
        chain[n].lasti = pf.lasti_bytes;
        if (chain[n].co) {
            if (aux->group == 0 && py_code_is(chain[n].co, "__aexit__", "asyncio/taskgroups.py") &&
                source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0), &aux->group) == 0)
                aux->group &= ~c->ops->slot_tag_mask;
            /*
             * Up to 3.11, wait_for() awaits a private future the inner task's
             * callback completes: the link to that task is only its `fut`.
             */
            if (aux->wait_for == 0 && py_code_is(chain[n].co, "wait_for", "asyncio/tasks.py") &&
                source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0),
                                &aux->wait_for) == 0)
                aux->wait_for &= ~c->ops->slot_tag_mask;
            if (aux->wait_set == 0)
                tw_note_wait_set(c, chain[n].co, frame, aux);
            n++;
        }
        if (c->ops->gen_awaiting(c, obj, frame, &yf) < 0)
            break;
        obj = yf;
    }
done:
    for (i = n; i > 0; i--)
        py_frame_emit(c, chain[i - 1].co, chain[i - 1].lasti);
    if (chain != chain_small) {
        free(chain);
        free(seen);
    }
    return n;
}

static void
tw_task_name(struct py_ctx *c, struct snap_task *t, uint64_t name)
{
    const char *tn = py_type_name(c, py_type_of(c, name));
    int64_t v;
    char buf[40];
    bool cut = false;

    if (tw_is(tn, "str")) {
        if (py_read_str(c, name, MAX_TASK_NAME, &t->name, &cut) == 0)
            return;
    } else if (py_long_value(c, name, &v)) {
        /* 3.12+ names tasks lazily: the counter becomes "Task-N" on first get_name() */
        snprintf(buf, sizeof(buf), "Task-%lld", (long long)v);
        t->name = snap_str_cstr(c->snap, buf);
        return;
    }
    t->name = snap_str_cstr(c->snap, "?");
    snap_diag_add(c->snap, SNAP_DIAG_TASK, (size_t)(t - c->snap->tasks), AIO_E_CORRUPT,
                  "the name of task 0x%llx is unreadable (at 0x%llx, of type %s)",
                  (unsigned long long)t->addr, (unsigned long long)name, tn[0] ? tn : "?");
}

static long
tw_loop_tid(const struct py_ctx *c, uint64_t loop)
{
    size_t i;

    for (i = 0; i + 1 < c->nloops * 2; i += 2) {
        if (c->loop_tids[i] == loop)
            return (long)c->loop_tids[i + 1];
    }
    return 0;
}

/* What a task says of itself, whichever kind it is. */
struct task_fields {
    enum snap_task_state state;
    uint64_t loop, coro, name, waiter, awaited_by, callback0;
    bool awaited_by_is_set, must_cancel;
    int cancel_requests;
};

/* A C task: the TaskObj struct. */
static int
tw_fields_c(struct py_ctx *c, uint64_t addr, struct task_fields *f)
{
    unsigned char buf[MAX_TASK_BUF];
    uint32_t size = layout_off(c->L, PYF_TASK);
    int64_t state;

    if (source_read(c->src, addr, buf, size) < 0)
        return -AIO_E_FAULT;
    state = py_buf_int(c, buf, size, PYF_FUT_STATE);
    f->state = state == FUT_CANCELLED ? SNAP_TASK_CANCELLED :
               state == FUT_FINISHED ? SNAP_TASK_DONE : SNAP_TASK_PENDING;
    f->loop = py_buf_ptr(c, buf, size, PYF_FUT_LOOP);
    f->must_cancel = py_buf_int(c, buf, size, PYF_TASK_MUST_CANCEL) != 0;
    f->cancel_requests = layout_has(c->L, PYF_TASK_NUM_CANCELS) ?
                         (int)py_buf_int(c, buf, size, PYF_TASK_NUM_CANCELS) : 0;
    f->waiter = py_buf_ptr(c, buf, size, PYF_TASK_FUT_WAITER);
    f->awaited_by = py_buf_ptr(c, buf, size, PYF_TASK_AWAITED_BY);
    f->awaited_by_is_set = py_buf_int(c, buf, size, PYF_TASK_AWAITED_BY_IS_SET) != 0;
    f->callback0 = py_buf_ptr(c, buf, size, PYF_FUT_CALLBACK0);
    f->coro = py_buf_ptr(c, buf, size, PYF_TASK_CORO);
    f->name = py_buf_ptr(c, buf, size, PYF_TASK_NAME);
    return 0;
}

/* A pure-Python task (asyncio.tasks._PyTask): the same facts in its instance dict. */
static int
tw_fields_py(struct py_ctx *c, uint64_t addr, struct task_fields *f)
{
    static const char *const names[] = { "_state", "_loop", "_must_cancel",
                                         "_num_cancels_requested", "_fut_waiter", "_coro",
                                         "_name" };
    uint64_t v[sizeof(names) / sizeof(names[0])];
    int64_t n;

    /* _state stays a class attribute ("PENDING") until the future's state changes */
    if (py_attrs_get(c, addr, names, v, sizeof(names) / sizeof(names[0])) < 0 || !v[5])
        return -AIO_E_CORRUPT;
    f->state = !v[0] ? SNAP_TASK_PENDING :
               py_str_eq(c, v[0], "CANCELLED") ? SNAP_TASK_CANCELLED :
               py_str_eq(c, v[0], "FINISHED") ? SNAP_TASK_DONE : SNAP_TASK_PENDING;
    f->loop = v[1];
    f->must_cancel = py_long_value(c, v[2], &n) && n != 0;
    f->cancel_requests = py_long_value(c, v[3], &n) && n > 0 && n < (1 << 30) ? (int)n : 0;
    f->waiter = v[4];
    f->coro = v[5];
    f->name = v[6];
    /* None is an object like any other: a waiter or coroutine of type NoneType is none */
    if (f->waiter && strcmp(py_type_name(c, py_type_of(c, f->waiter)), "NoneType") == 0)
        f->waiter = 0;
    return 0;
}

static void
tw_read_task(struct py_ctx *c, uint64_t addr, enum py_task_kind kind,
             const struct task_walk *tw, struct task_aux *aux)
{
    struct snap *s = c->snap;
    struct task_fields tf;
    struct snap_task *t;
    size_t idx, i, first;
    bool cut = false;

    memset(&tf, 0, sizeof(tf));
    if ((kind == PY_TASK_PY ? tw_fields_py(c, addr, &tf) : tw_fields_c(c, addr, &tf)) < 0)
        return;
    t = snap_task_add(s);
    idx = s->ntasks - 1;
    t->addr = addr;
    t->state = tf.state;
    t->loop = tf.loop;
    t->must_cancel = tf.must_cancel;
    t->cancel_requests = tf.cancel_requests;
    t->thread_tid = tw_loop_tid(c, t->loop);
    for (i = 0; i + 1 < tw->nrunning; i += 2) {
        if (tw->running[i + 1] == addr && tw->running[i] == t->loop)
            t->running = true;
    }
    aux->addr = addr;
    aux->waiter = tf.waiter;
    aux->awaited_by = tf.awaited_by;
    aux->awaited_by_is_set = tf.awaited_by_is_set;
    aux->callback0 = tf.callback0;
    tw_task_name(c, t, tf.name);
    t = &s->tasks[idx];
    t->coro_addr = tf.coro;
    if (tf.coro) {
        uint64_t type = py_type_of(c, tf.coro), q = 0;
        const char *tn = py_type_name(c, type);

        if ((tw_is(tn, "coroutine") || tw_is(tn, "generator") || tw_is(tn, "async_generator")) &&
            py_read_ptr(c, tf.coro, PYF_GEN_QUALNAME, &q) == 0 && q &&
            py_read_str(c, q, MAX_NAME_BYTES, &t->coro, NULL) == 0) {
            /* qualname read */
        } else {
            t->coro = snap_str_cstr(s, tn);
        }
    }
    first = s->nframes;
    s->tasks[idx].frame_first = first;
    s->tasks[idx].frame_count = tf.coro ? tw_coro_stack(c, tf.coro, aux, &cut) : 0;
    s->tasks[idx].stack_truncated = cut;
    if (cut)
        snap_diag_add(s, SNAP_DIAG_TASK, idx, AIO_E_BOUND, "await chain cut at %d coroutines",
                      MAX_AWAIT_DEPTH);
}

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

static void
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
}

/* ---- 3.14+: the runtime's own task lists ---- */

/* A task found in a task list, or in a fallback registry. */
struct list_cand {
    uint64_t addr;
    long tid;                   /* thread whose list holds it, 0 unknown */
    bool running;               /* that thread's running task */
    bool listed;                /* from a task list: a TaskObj by construction */
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
        rc = c->ops->tasks_find(c, lw_found, &lw);
    if (rc < 0) {
        free(lw.v);
        free(cur.running);
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, -rc, "cannot read asyncio's task lists: %s",
                      err_msg(rc));
        return 0;
    }
    lw_fallback(c, &lw, &cur);
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
            if (!k->tid)
                k->tid = lw.v[i].tid;
            continue;
        }
        lw.v[j++] = lw.v[i];
    }
    lw.n = j;
    aux = xcalloc(lw.n ? lw.n : 1, sizeof(*aux));
    for (i = 0; i < lw.n; i++) {
        enum py_task_kind kind = lw_task_kind(c, &lw.v[i]);

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
py_tasks_walk(struct py_ctx *c)
{
    struct task_walk tw;
    struct task_aux *aux = NULL;
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0;
    size_t i, n = 0, c_unknown = 0;
    bool c_layout;
    int rc;

    memset(&tw, 0, sizeof(tw));
    if (c->ops->tasks_find && !layout_has(c->L, PYF_TASK_NODE) && tw_asyncio_mapped(c->src)) {
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_LAYOUT, "the _asyncio module is "
                      "loaded but the layout of its tasks is unknown (no AsyncioDebug section "
                      "and no DWARF): tasks are not shown");
        return 0;
    }
    c_layout = layout_has(c->L, PYF_TASK) && layout_off(c->L, PYF_TASK) <= MAX_TASK_BUF;
    if (c->ops->tasks_find) {
        if (!c_layout && !tw_asyncio_mapped(c->src)) {
            /* no _asyncio: only pure-Python tasks, if asyncio is imported at all */
            rc = tw_walk_lists(c, false);
            if (rc == 0 && c->snap->ntasks == 0)
                c->snap->flags |= SNAP_F_NO_TASKS;
            return rc;
        }
        return tw_walk_lists(c, c_layout);
    }
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
