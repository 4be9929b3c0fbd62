/*
 * task_read.c - read one asyncio task from outside: a C task (TaskObj) or a
 * pure-Python one (its instance dict), its name, and its whole coroutine
 * stack from task_coro down to the innermost suspended coroutine.  Which
 * tasks there are is task discovery's business (task_find.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"
#include "task_wait.h"
#include "task_end.h"
#include "tasks.h"

#define MAX_TASK_NAME (1u << 16)

/* asyncio Future states (Modules/_asynciomodule.c fut_state). */
enum { FUT_PENDING = 0, FUT_CANCELLED = 1, FUT_FINISHED = 2 };

int
tw_add_running(struct py_ctx *c, uint64_t loop, uint64_t task, void *arg)
{
    struct task_walk *tw = arg;

    (void)c;
    tw_push(&tw->running, &tw->nrunning, &tw->cap_running, loop);
    tw_push(&tw->running, &tw->nrunning, &tw->cap_running, task);
    return tw->nrunning >= 2 * MAX_THREADS;
}

int
tw_aux_cmp(const void *a, const void *b)
{
    const struct task_aux *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct chain_frame {
    const struct py_code *co;
    int64_t lasti;
    uint64_t frame;             /* for --locals */
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
        chain[n].frame = frame;
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
            tw_wait_note(c, chain[n].co, frame, aux);
            n++;
        }
        if (c->ops->gen_awaiting(c, obj, frame, &yf) < 0)
            break;
        obj = yf;
    }
done:
    for (i = n; i > 0; i--) {
        py_frame_emit(c, chain[i - 1].co, chain[i - 1].lasti);
        py_frame_locals(c, chain[i - 1].co, chain[i - 1].frame);
    }
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

void
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
    t->waiter = tf.waiter;
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
    te_read(c, addr, kind, idx);
}
