/*
 * task_wait.c - what every pending task waits on, read from memory only
 * (never by running target code):
 *   - the innermost asyncio primitive frame of its coroutine chain
 *     (Lock/Semaphore.acquire, Event/Condition.wait, Queue.get/put, sleep),
 *     with the facts read from the frame's `self`;
 *   - else its await edges (another task, gather, TaskGroup);
 *   - else the future it awaits (fut_waiter): a plain future, or an object
 *     of an unknown kind (its type name).
 * Timers come from the task's loop (BaseEventLoop._scheduled, a heap of
 * TimerHandle with __slots__): asyncio.sleep's handle (its argument is the
 * future the task awaits) gives seconds_left; asyncio.timeout()'s handle
 * (3.11+, wait_for from 3.12: a bound Timeout._on_timeout whose _task is the
 * task) and wait_for's _release_waiter handle (up to 3.11) give timeout_in.
 * The clock is CLOCK_MONOTONIC read here, while the target is stopped
 * (loop.time() is time.monotonic()); a core or image has no "now": unknown.
 */
#include "task_wait.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "task_wait_ext.h"

#define MAX_TIMERS     (1u << 20)   /* timer handles read per loop */
#define MAX_WAIT_LOOPS 64           /* loops whose timers are read */
#define MAX_SLOT_TYPES 8            /* TimerHandle types whose slot offsets are kept */

void
tw_wait_note(struct py_ctx *c, const struct py_code *co, uint64_t frame, struct task_aux *aux)
{
    enum tw_wait_frame k = TWF_NONE;
    uint64_t self = 0;

    if (py_code_is(co, "acquire", "asyncio/locks.py"))
        k = TWF_ACQUIRE;
    else if (py_code_is(co, "wait", "asyncio/locks.py"))
        k = TWF_WAIT;
    else if (py_code_is(co, "get", "asyncio/queues.py"))
        k = TWF_QUEUE_GET;
    else if (py_code_is(co, "put", "asyncio/queues.py"))
        k = TWF_QUEUE_PUT;
    else if (py_code_is(co, "sleep", "asyncio/tasks.py"))
        k = TWF_SLEEP;
    else if (py_code_is(co, "_wait_for_data", "asyncio/streams.py"))
        k = TWF_STREAM_READ;
    else if (py_code_is(co, "_drain_helper", "asyncio/streams.py"))
        k = TWF_STREAM_WRITE;
    else if (py_code_is(co, "_wait", "asyncio/base_subprocess.py") ||
             py_code_is(co, "wait", "asyncio/subprocess.py") ||
             py_code_is(co, "communicate", "asyncio/subprocess.py"))
        k = TWF_SUBPROCESS;
    else
        return;
    /* innermost wins: the chain is walked outermost first */
    if (k != TWF_SLEEP &&
        (source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0), &self) < 0 || !self))
        return;
    aux->wait_frame = k;
    aux->wait_self = self & ~c->ops->slot_tag_mask;
}

/* ---- small readers ---- */

/* A type's own name, without the module of a C type ("_asyncio.Future": "Future"). */
static struct snap_str
tw_type_short(struct py_ctx *c, uint64_t obj)
{
    const char *tn = py_type_name(c, py_type_of(c, obj)), *dot = strrchr(tn, '.');

    return snap_str_cstr(c->snap, !tn[0] ? "?" : dot ? dot + 1 : tn);
}

static bool
tw_is_none(struct py_ctx *c, uint64_t obj)
{
    return obj && strcmp(py_type_name(c, py_type_of(c, obj)), "NoneType") == 0;
}

/* len() of a deque or list (both keep it in ob_size); None is 0. */
static bool
tw_len(struct py_ctx *c, uint64_t obj, int64_t *out)
{
    const char *tn;
    size_t n;

    if (!obj)
        return false;
    if (tw_is_none(c, obj)) {
        *out = 0;
        return true;
    }
    tn = py_type_name(c, py_type_of(c, obj));
    n = strlen(tn);
    if (strcmp(tn, "list") != 0 && (n < 5 || strcmp(tn + n - 5, "deque") != 0))
        return false;
    return py_read_int(c, obj, PYF_OB_SIZE, out) == 0 && *out >= 0;
}

static bool
tw_number(struct py_ctx *c, uint64_t obj, double *out)
{
    int64_t v;

    if (!obj)
        return false;
    if (strcmp(py_type_name(c, py_type_of(c, obj)), "float") == 0 &&
        layout_has(c->L, PYF_FLOAT_VAL)) {
        if (source_read(c->src, obj + layout_off(c->L, PYF_FLOAT_VAL), out, sizeof(*out)) < 0)
            return false;
        return *out == *out;    /* not NaN */
    }
    if (py_long_value(c, obj, &v)) {
        *out = (double)v;
        return true;
    }
    return false;
}

static bool
tw_flag(struct py_ctx *c, uint64_t obj, bool *out)
{
    int64_t v;

    if (!obj || !py_long_value(c, obj, &v))
        return false;
    *out = v != 0;
    return true;
}

/* ---- the facts of a primitive ---- */

static void
tw_wait_waiters(struct py_ctx *c, struct snap_wait *w, uint64_t deque)
{
    if (tw_len(c, deque, &w->waiters))
        w->known |= SNAP_WK_WAITERS;
}

static void
tw_wait_primitive(struct py_ctx *c, const struct task_aux *a, struct snap_wait *w)
{
    static const char *const names[] = { "_locked", "_value", "_waiters", "_lock", "_queue",
                                         "_maxsize", "_getters", "_putters" };
    enum { LOCKED, VALUE, WAITERS, LOCK, QUEUE, MAXSIZE, GETTERS, PUTTERS, NNAMES };
    uint64_t v[NNAMES] = { 0 }, lk = 0;

    w->object = a->wait_self;
    w->detail = tw_type_short(c, a->wait_self);
    if (py_attrs_get(c, a->wait_self, names, v, NNAMES) < 0)
        memset(v, 0, sizeof(v));
    switch (a->wait_frame) {
    case TWF_ACQUIRE:
        if (v[VALUE] && !v[LOCKED]) {
            int64_t n;

            w->kind = SNAP_WAIT_SEMAPHORE;
            if (py_long_value(c, v[VALUE], &n)) {
                w->value = n;
                w->known |= SNAP_WK_VALUE;
            }
        } else {
            w->kind = SNAP_WAIT_LOCK;
            if (tw_flag(c, v[LOCKED], &w->locked))
                w->known |= SNAP_WK_LOCKED;
        }
        tw_wait_waiters(c, w, v[WAITERS]);
        break;
    case TWF_WAIT:
        if (v[LOCK]) {
            w->kind = SNAP_WAIT_CONDITION;
            if (py_attr_get(c, v[LOCK], "_locked", &lk) == 0 && tw_flag(c, lk, &w->locked))
                w->known |= SNAP_WK_LOCKED;
        } else {
            w->kind = SNAP_WAIT_EVENT;
            if (tw_flag(c, v[VALUE], &w->is_set))
                w->known |= SNAP_WK_IS_SET;
        }
        tw_wait_waiters(c, w, v[WAITERS]);
        break;
    default:    /* queue get / put */
        w->kind = a->wait_frame == TWF_QUEUE_GET ? SNAP_WAIT_QUEUE_GET : SNAP_WAIT_QUEUE_PUT;
        if (tw_len(c, v[QUEUE], &w->qsize))
            w->known |= SNAP_WK_QSIZE;
        if (v[MAXSIZE] && py_long_value(c, v[MAXSIZE], &w->maxsize))
            w->known |= SNAP_WK_MAXSIZE;
        tw_wait_waiters(c, w, v[a->wait_frame == TWF_QUEUE_GET ? GETTERS : PUTTERS]);
        break;
    }
}

/* ---- timers of a loop ---- */

enum timer_key { TK_ARG, TK_TIMEOUT };

struct timer {
    uint64_t key;               /* TK_ARG: the first argument; TK_TIMEOUT: Timeout._task */
    double when;
    uint8_t type;               /* enum timer_key */
    bool release_waiter;        /* TK_ARG: the callback is wait_for's _release_waiter */
};

struct slot_type {
    uint64_t type;
    int64_t when, callback, args, cancelled;    /* member offsets, -1 unknown */
};

struct loop_timers {
    uint64_t loop;
    size_t first, n;
};

struct timers {
    struct timer *t;
    size_t n, cap;
    struct loop_timers loops[MAX_WAIT_LOOPS];
    size_t nloops;
    struct slot_type types[MAX_SLOT_TYPES];
    size_t ntypes;
    double now;
    bool have_now;
};

/* The offset of a __slots__ member `name` of type (or a base): a member descriptor. */
static int64_t
tw_slot_offset(struct py_ctx *c, uint64_t type, const char *name)
{
    unsigned depth;

    for (depth = 0; type && depth < MAX_TYPE_DEPTH; depth++) {
        uint64_t dict = 0, descr = 0, def = 0;
        int64_t off;

        if (py_read_ptr(c, type, PYF_TP_DICT, &dict) == 0 && dict &&
            py_dict_get_str(c, dict, name, &descr) == 0 && descr) {
            if (strcmp(py_type_name(c, py_type_of(c, descr)), "member_descriptor") != 0 ||
                py_read_ptr(c, descr, PYF_MEMBER_DESCR_DEF, &def) < 0 || !def ||
                py_read_int(c, def, PYF_MEMBER_DEF_OFFSET, &off) < 0 || off <= 0 || off > 4096)
                return -1;
            return off;
        }
        if (py_read_ptr(c, type, PYF_TP_BASE, &type) < 0)
            return -1;
    }
    return -1;
}

static const struct slot_type *
tw_slot_type(struct py_ctx *c, struct timers *T, uint64_t type)
{
    struct slot_type *st;
    size_t i;

    for (i = 0; i < T->ntypes; i++) {
        if (T->types[i].type == type)
            return &T->types[i];
    }
    if (T->ntypes == MAX_SLOT_TYPES)
        return NULL;
    st = &T->types[T->ntypes++];
    st->type = type;
    st->when = tw_slot_offset(c, type, "_when");
    st->callback = tw_slot_offset(c, type, "_callback");
    st->args = tw_slot_offset(c, type, "_args");
    st->cancelled = tw_slot_offset(c, type, "_cancelled");
    return st;
}

/* Whether a function's __qualname__ is qn. */
static bool
tw_func_is(struct py_ctx *c, uint64_t fn, const char *qn)
{
    uint64_t q = 0;

    return strcmp(py_type_name(c, py_type_of(c, fn)), "function") == 0 &&
           py_read_ptr(c, fn, PYF_FUNC_QUALNAME, &q) == 0 && q && py_str_eq(c, q, qn);
}

static int
tw_first(struct py_ctx *c, uint64_t item, void *arg)
{
    (void)c;
    *(uint64_t *)arg = item;
    return 1;
}

static int
tw_timer_cb(struct py_ctx *c, uint64_t h, void *arg)
{
    struct timers *T = arg;
    const struct slot_type *st = tw_slot_type(c, T, py_type_of(c, h));
    uint64_t when = 0, cb = 0, args = 0, cancelled = 0, self = 0, task = 0, arg0 = 0;
    struct timer tm;
    bool b;

    if (!st || st->when < 0 || st->callback < 0)
        return 0;
    memset(&tm, 0, sizeof(tm));
    if (source_read_ptr(c->src, h + (uint64_t)st->when, &when) < 0 ||
        !tw_number(c, when, &tm.when) ||
        source_read_ptr(c->src, h + (uint64_t)st->callback, &cb) < 0 || !cb)
        return 0;
    if (st->cancelled > 0 &&
        source_read_ptr(c->src, h + (uint64_t)st->cancelled, &cancelled) == 0 &&
        tw_flag(c, cancelled, &b) && b)
        return 0;
    if (strcmp(py_type_name(c, py_type_of(c, cb)), "method") == 0 &&
        layout_has(c->L, PYF_METH_SELF) && py_read_ptr(c, cb, PYF_METH_SELF, &self) == 0 &&
        self && strcmp(py_type_name(c, py_type_of(c, self)), "Timeout") == 0) {
        if (py_attr_get(c, self, "_task", &task) < 0 || !task)
            return 0;
        tm.type = TK_TIMEOUT;
        tm.key = task;
    } else {
        if (st->args < 0 || source_read_ptr(c->src, h + (uint64_t)st->args, &args) < 0 ||
            !args || strcmp(py_type_name(c, py_type_of(c, args)), "tuple") != 0)
            return 0;
        py_seq_items(c, args, tw_first, &arg0);
        if (!arg0)
            return 0;
        tm.type = TK_ARG;
        tm.key = arg0;
        tm.release_waiter = tw_func_is(c, cb, "_release_waiter");
    }
    xgrow((void **)&T->t, &T->cap, T->n + 1, sizeof(*T->t));
    T->t[T->n++] = tm;
    return T->n >= MAX_TIMERS;
}

static int
tw_timer_cmp(const void *a, const void *b)
{
    const struct timer *x = a, *y = b;

    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The timers of a loop, read once: T->loops[] entry. */
static const struct loop_timers *
tw_loop_timers(struct py_ctx *c, struct timers *T, uint64_t loop)
{
    struct loop_timers *lt;
    uint64_t sched = 0;
    size_t i;

    for (i = 0; i < T->nloops; i++) {
        if (T->loops[i].loop == loop)
            return &T->loops[i];
    }
    if (T->nloops == MAX_WAIT_LOOPS)
        return NULL;
    lt = &T->loops[T->nloops++];
    lt->loop = loop;
    lt->first = T->n;
    /* an asyncio loop keeps its timers in _scheduled; uvloop's are its own: none known */
    if (py_attr_get(c, loop, "_scheduled", &sched) == 0 && sched &&
        strcmp(py_type_name(c, py_type_of(c, sched)), "list") == 0)
        py_seq_items(c, sched, tw_timer_cb, T);
    lt->n = T->n - lt->first;
    if (lt->n > 1)
        qsort(T->t + lt->first, lt->n, sizeof(*T->t), tw_timer_cmp);
    return lt;
}

/* The first timer of (type, key) in a loop's sorted timers, or NULL. */
static const struct timer *
tw_timer_find(const struct timers *T, const struct loop_timers *lt, uint8_t type, uint64_t key,
              size_t *count)
{
    const struct timer *v = T->t + lt->first;
    size_t lo = 0, hi = lt->n, k;
    struct timer probe = { key, 0, type, false };

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tw_timer_cmp(&v[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (k = lo; k < lt->n && tw_timer_cmp(&v[k], &probe) == 0; k++)
        ;
    *count = k - lo;
    return k > lo ? &v[lo] : NULL;
}

static void
tw_wait_timers(struct py_ctx *c, struct timers *T, const struct snap_task *t,
               const struct task_aux *a, struct snap_wait *w)
{
    const struct loop_timers *lt;
    const struct timer *tm;
    size_t n = 0, k;
    double deadline = 0;
    bool have = false;

    if (!T->have_now || !t->loop || !(lt = tw_loop_timers(c, T, t->loop)) || !lt->n)
        return;
    if (a->waiter && (tm = tw_timer_find(T, lt, TK_ARG, a->waiter, &n))) {
        for (k = 0; k < n; k++) {
            if (tm[k].release_waiter) {
                deadline = tm[k].when;
                have = true;
            } else if (w->kind == SNAP_WAIT_SLEEP) {
                w->seconds_left = tm[k].when - T->now;
                w->known |= SNAP_WK_SECONDS_LEFT;
            }
        }
    }
    if ((tm = tw_timer_find(T, lt, TK_TIMEOUT, t->addr, &n))) {
        for (k = 0; k < n; k++) {
            if (!have || tm[k].when < deadline)
                deadline = tm[k].when;
            have = true;
        }
    }
    if (have) {
        w->timeout_in = deadline - T->now;
        w->known |= SNAP_WK_TIMEOUT_IN;
    }
}

/* ---- tasks ---- */

static void
tw_wait_future(struct py_ctx *c, uint64_t fut, struct snap_wait *w)
{
    const char *tn = py_type_name(c, py_type_of(c, fut));

    w->object = fut;
    w->kind = strcmp(tn, "_asyncio.Future") == 0 || strcmp(tn, "Future") == 0 ?
              SNAP_WAIT_FUTURE : SNAP_WAIT_UNKNOWN;
    w->detail = tw_type_short(c, fut);
}

void
tw_waits(struct py_ctx *c, const struct task_aux *aux)
{
    struct snap *s = c->snap;
    struct timers T;
    struct tw_exec_jobs J;
    struct timespec ts;
    size_t i, e = 0;

    memset(&T, 0, sizeof(T));
    memset(&J, 0, sizeof(J));
    if (source_motion(c->src) != SOURCE_STATIC && clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        T.now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        T.have_now = true;
    }
    for (i = 0; i < s->ntasks; i++) {
        struct snap_task *t = &s->tasks[i];
        const struct task_aux *a = &aux[i];
        const struct snap_edge *ed = NULL;
        struct snap_wait *w;
        uint64_t src;

        while (e < s->nedges && s->edges[e].waiter < i)
            e++;
        if (e < s->nedges && s->edges[e].waiter == i)
            ed = &s->edges[e];
        if (t->state != SNAP_TASK_PENDING || t->running)
            continue;
        if (!a->wait_frame && !ed && !a->waiter && !a->group)
            continue;   /* scheduled to run: waits on nothing */
        w = snap_wait_new(s);
        if (a->wait_frame == TWF_STREAM_READ || a->wait_frame == TWF_STREAM_WRITE) {
            tw_socket_facts(c, a->wait_self, a->wait_frame == TWF_STREAM_WRITE, w);
        } else if (a->wait_frame == TWF_SUBPROCESS) {
            tw_subprocess_facts(c, a->wait_self, w);
        } else if (a->wait_frame && a->wait_frame != TWF_SLEEP) {
            tw_wait_primitive(c, a, w);
        } else if (ed) {
            w->kind = ed->kind == SNAP_EDGE_GATHER ? SNAP_WAIT_GATHER :
                      ed->kind == SNAP_EDGE_TASKGROUP ? SNAP_WAIT_TASKGROUP : SNAP_WAIT_TASK;
            w->object = w->kind == SNAP_WAIT_TASKGROUP && a->group ? a->group :
                        w->kind == SNAP_WAIT_TASK ? s->tasks[ed->awaited].addr : a->waiter;
        } else if (a->wait_frame == TWF_SLEEP) {
            w->kind = SNAP_WAIT_SLEEP;
            w->object = a->waiter;
        } else if (a->group) {
            w->kind = SNAP_WAIT_TASKGROUP;     /* its tasks are all done or gone */
            w->object = a->group;
        } else if ((src = tw_exec_source(c, a->waiter)) != 0) {
            tw_exec_facts(c, src, &J, w);
        } else {
            tw_wait_future(c, a->waiter, w);
        }
        tw_wait_timers(c, &T, t, a, w);
        t->waiting_on = w;
    }
    free(T.t);
    tw_exec_jobs_free(&J);
}
