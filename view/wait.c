/*
 * wait.c - a task's waiting_on in the text and JSON views (model:
 * snapshot.h struct snap_wait; schema: docs/snapshot-format.md).
 */
#include "wait.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

#define WAIT_LINE 256

struct lb {
    char *p;
    size_t size, n;
};

static void lb_printf(struct lb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
lb_printf(struct lb *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (b->n + 1 >= b->size)
        return;
    va_start(ap, fmt);
    k = vsnprintf(b->p + b->n, b->size - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n = b->n + (size_t)k < b->size ? b->n + (size_t)k : b->size - 1;
}

/* A target string, escaped, at most cap characters. */
static void
lb_str(struct lb *b, struct snap_str v, const char *none, size_t cap)
{
    if (b->n + 1 >= b->size)
        return;
    if (!v.s) {
        lb_printf(b, "%s", none);
        return;
    }
    b->n += escape_text_buf(b->p + b->n, b->size - b->n, v.s, v.len, cap);
    if (b->n >= b->size)
        b->n = b->size - 1;
}

static void
lb_seconds(struct lb *b, double sec)
{
    if (sec >= 10 || sec <= -10)
        lb_printf(b, "%.0f s", sec);
    else
        lb_printf(b, "%.1f s", sec);
}

/* "(held, 3 waiting)": the facts of a primitive that are known, comma-separated. */
static void
lb_facts(struct lb *b, const struct snap_wait *w)
{
    size_t start = b->n;

#define SEP() lb_printf(b, b->n == start ? " (" : ", ")
    if (w->kind == SNAP_WAIT_EVENT && (w->known & SNAP_WK_IS_SET)) {
        SEP();
        lb_printf(b, w->is_set ? "set" : "not set");
    }
    if (w->kind == SNAP_WAIT_LOCK && (w->known & SNAP_WK_LOCKED)) {
        SEP();
        lb_printf(b, w->locked ? "held" : "free");
    }
    if (w->known & SNAP_WK_VALUE) {
        SEP();
        lb_printf(b, "value %" PRId64, w->value);
    }
    if (w->known & SNAP_WK_QSIZE) {
        SEP();
        lb_printf(b, "qsize %" PRId64, w->qsize);
    }
    if (w->known & SNAP_WK_MAXSIZE) {
        SEP();
        if (w->maxsize > 0)
            lb_printf(b, "maxsize %" PRId64, w->maxsize);
        else
            lb_printf(b, "unbounded");
    }
    if (w->known & SNAP_WK_WAITERS) {
        SEP();
        lb_printf(b, "%" PRId64 " waiting", w->waiters);
    }
    if (w->kind == SNAP_WAIT_CONDITION && (w->known & SNAP_WK_LOCKED)) {
        SEP();
        lb_printf(b, w->locked ? "its lock held" : "its lock free");
    }
    if (w->known & SNAP_WK_SECONDS_LEFT) {
        SEP();
        lb_seconds(b, w->seconds_left);
        lb_printf(b, " left");
    }
#undef SEP
    if (b->n != start)
        lb_printf(b, ")");
}

/* The awaited tasks of task i (its edges): n, and the first one's index. */
static size_t
wait_edges(const struct snap *s, size_t i, size_t *first)
{
    size_t lo = 0, hi = s->nedges, k;

    /* edges are sorted by waiter (snap_edges_finish) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->edges[mid].waiter < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (k = lo; k < s->nedges && s->edges[k].waiter == i; k++)
        ;
    if (k > lo)
        *first = s->edges[lo].awaited;
    return k - lo;
}

/*
 * `executor thread 4412 "ThreadPoolExecutor-0_3" in requests.get`: the worker
 * running the job, its name and innermost Python function; or queued.
 */
static void
lb_executor(struct lb *b, const struct snap *s, const struct snap_wait *w)
{
    size_t i, k;

    if (!(w->known & SNAP_WK_THREAD)) {
        lb_printf(b, "executor 0x%" PRIx64, w->object);
        return;
    }
    if (!w->thread) {
        lb_printf(b, "executor queued 0x%" PRIx64, w->object);
        return;
    }
    lb_printf(b, "executor thread %ld", w->thread);
    for (i = 0; i < s->nthreads && s->threads[i].tid != w->thread; i++)
        ;
    if (i == s->nthreads)
        return;
    if (s->threads[i].name.s) {
        lb_printf(b, " \"");
        lb_str(b, s->threads[i].name, "", 60);
        lb_printf(b, "\"");
    }
    for (k = 0; k < s->threads[i].frame_count; k++) {
        const struct snap_frame *fr = &s->frames[s->threads[i].frame_first + k];

        if (fr->kind == SNAP_FRAME_PYTHON) {
            lb_printf(b, " in ");
            lb_str(b, fr->qualname.s ? fr->qualname : fr->function, "?", 80);
            break;
        }
    }
}

/* The object part alone: what the fold's lines share. */
static void
lb_object(struct lb *b, const struct snap *s, size_t i, const struct snap_wait *w)
{
    size_t first = 0, n;

    switch (w->kind) {
    case SNAP_WAIT_TASK:
        n = wait_edges(s, i, &first);
        if (n == 1) {
            lb_printf(b, "task ");
            lb_str(b, s->tasks[first].name, "?", 60);
            lb_printf(b, " (0x%" PRIx64 ")", s->tasks[first].addr);
        } else {
            lb_printf(b, "%zu tasks", n);
        }
        break;
    case SNAP_WAIT_GATHER:
        n = wait_edges(s, i, &first);
        lb_printf(b, "gather 0x%" PRIx64 " (%zu task%s)", w->object, n, n == 1 ? "" : "s");
        break;
    case SNAP_WAIT_TASKGROUP:
        n = wait_edges(s, i, &first);
        lb_printf(b, "TaskGroup 0x%" PRIx64 " (%zu task%s)", w->object, n, n == 1 ? "" : "s");
        break;
    case SNAP_WAIT_SLEEP:
        lb_printf(b, "sleep");
        break;
    case SNAP_WAIT_FUTURE:
        lb_printf(b, "future 0x%" PRIx64, w->object);
        break;
    case SNAP_WAIT_EXECUTOR:
        lb_executor(b, s, w);
        break;
    case SNAP_WAIT_SOCKET:
        lb_printf(b, "socket ");
        if ((w->known & SNAP_WK_PEER) && w->peer.s && w->peer.len)
            lb_str(b, w->peer, "", 120);
        else if ((w->known & SNAP_WK_LOCAL) && w->local.s && w->local.len)
            lb_str(b, w->local, "", 120);
        else if (w->known & SNAP_WK_FD)
            lb_printf(b, "fd %d", w->fd);
        else
            lb_printf(b, "0x%" PRIx64, w->object);
        if (w->known & SNAP_WK_DIRECTION)
            lb_printf(b, " %s", w->direction == SNAP_WAIT_WRITE ? "write" : "read");
        break;
    case SNAP_WAIT_SUBPROCESS:
        lb_printf(b, "subprocess");
        if (w->known & SNAP_WK_PID)
            lb_printf(b, " pid %d", w->pid);
        if (w->detail.s) {
            lb_printf(b, " (");
            lb_str(b, w->detail, "", 40);
            lb_printf(b, ")");
        }
        break;
    case SNAP_WAIT_QUEUE_GET:
    case SNAP_WAIT_QUEUE_PUT:
        lb_str(b, w->detail, "Queue", 60);
        lb_printf(b, " 0x%" PRIx64 " %s", w->object,
                  w->kind == SNAP_WAIT_QUEUE_GET ? "get" : "put");
        break;
    default:
        lb_str(b, w->detail, snap_wait_kind_name(w->kind), 60);
        if (w->object)
            lb_printf(b, " 0x%" PRIx64, w->object);
        break;
    }
}

size_t
view_wait_line(char *dst, size_t size, const struct snap *s, size_t i)
{
    const struct snap_wait *w = i < s->ntasks ? s->tasks[i].waiting_on : NULL;
    struct lb b = { dst, size, 0 };

    if (!size)
        return 0;
    dst[0] = '\0';
    if (!w)
        return 0;
    lb_object(&b, s, i, w);
    lb_facts(&b, w);
    if (w->known & SNAP_WK_TIMEOUT_IN) {
        lb_printf(&b, " [timeout in ");
        lb_seconds(&b, w->timeout_in);
        lb_printf(&b, "]");
    }
    return b.n;
}

/* ---- JSON ---- */

static void
js_puts(escape_sink put, void *arg, const char *p)
{
    put(arg, p, strlen(p));
}

static void js_printf(escape_sink put, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
js_printf(escape_sink put, void *arg, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(arg, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
js_str(escape_sink put, void *arg, struct snap_str v)
{
    if (v.s)
        escape_json_sink(put, arg, v.s, v.len, 0);
    else
        js_puts(put, arg, "null");
}

void
view_wait_json(escape_sink put, void *arg, const struct snap_wait *w)
{
    if (!w) {
        js_puts(put, arg, "null");
        return;
    }
    js_printf(put, arg, "{\"kind\": \"%s\", \"object\": ", snap_wait_kind_name(w->kind));
    if (w->object)
        js_printf(put, arg, "\"0x%" PRIx64 "\"", w->object);
    else
        js_puts(put, arg, "null");
    js_puts(put, arg, ", \"detail\": ");
    js_str(put, arg, w->detail);
    if (w->known & SNAP_WK_LOCKED)
        js_printf(put, arg, ", \"locked\": %s", w->locked ? "true" : "false");
    if (w->known & SNAP_WK_WAITERS)
        js_printf(put, arg, ", \"waiters\": %" PRId64, w->waiters);
    if (w->known & SNAP_WK_VALUE)
        js_printf(put, arg, ", \"value\": %" PRId64, w->value);
    if (w->known & SNAP_WK_IS_SET)
        js_printf(put, arg, ", \"is_set\": %s", w->is_set ? "true" : "false");
    if (w->known & SNAP_WK_QSIZE)
        js_printf(put, arg, ", \"qsize\": %" PRId64, w->qsize);
    if (w->known & SNAP_WK_MAXSIZE)
        js_printf(put, arg, ", \"maxsize\": %" PRId64, w->maxsize);
    if (w->known & SNAP_WK_SECONDS_LEFT)
        js_printf(put, arg, ", \"seconds_left\": %.6f", w->seconds_left);
    if (w->known & SNAP_WK_THREAD) {
        if (w->thread)
            js_printf(put, arg, ", \"thread\": %ld", w->thread);
        else
            js_puts(put, arg, ", \"thread\": null");
    }
    if (w->known & SNAP_WK_FD)
        js_printf(put, arg, ", \"fd\": %d", w->fd);
    if (w->known & SNAP_WK_LOCAL) {
        js_puts(put, arg, ", \"local\": ");
        js_str(put, arg, w->local);
    }
    if (w->known & SNAP_WK_PEER) {
        js_puts(put, arg, ", \"peer\": ");
        js_str(put, arg, w->peer);
    }
    if (w->known & SNAP_WK_DIRECTION)
        js_printf(put, arg, ", \"direction\": \"%s\"",
                  w->direction == SNAP_WAIT_WRITE ? "write" : "read");
    if (w->known & SNAP_WK_PID)
        js_printf(put, arg, ", \"pid\": %d", w->pid);
    if (w->known & SNAP_WK_TIMEOUT_IN)
        js_printf(put, arg, ", \"timeout_in\": %.6f", w->timeout_in);
    js_puts(put, arg, "}");
}

/* ---- the fold ---- */

struct fold {
    uint64_t object;
    enum snap_wait_kind kind;
    size_t task;                /* the first task waiting on it */
    size_t count;
};

static int
fold_by_object(const void *a, const void *b)
{
    const struct fold *x = a, *y = b;

    if (x->object != y->object)
        return x->object < y->object ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

static int
fold_by_count(const void *a, const void *b)
{
    const struct fold *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return fold_by_object(a, b);
}

void
view_waits_fold_text(FILE *f, const struct snap *s, size_t max)
{
    struct fold *v = xcalloc(s->ntasks ? s->ntasks : 1, sizeof(*v));
    char line[WAIT_LINE];
    size_t i, n = 0, m = 0, shown;

    for (i = 0; i < s->ntasks; i++) {
        const struct snap_wait *w = s->tasks[i].waiting_on;

        /* one object many wait on: not a task (its waiters are its edges) */
        if (!w || !w->object || w->kind == SNAP_WAIT_TASK || w->kind == SNAP_WAIT_SLEEP)
            continue;
        v[n].object = w->object;
        v[n].kind = w->kind;
        v[n].task = i;
        v[n].count = 1;
        n++;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), fold_by_object);
    for (i = 0; i < n; i++) {
        if (m && v[m - 1].object == v[i].object && v[m - 1].kind == v[i].kind)
            v[m - 1].count++;
        else
            v[m++] = v[i];
    }
    for (i = n = 0; i < m; i++) {
        if (v[i].count > 1)
            v[n++] = v[i];
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), fold_by_count);
    if (n)
        fputs("\nWaits:\n", f);
    for (i = 0, shown = 0; i < n && shown < max; i++, shown++) {
        struct lb b = { line, sizeof(line), 0 };

        line[0] = '\0';
        lb_object(&b, s, v[i].task, s->tasks[v[i].task].waiting_on);
        lb_facts(&b, s->tasks[v[i].task].waiting_on);
        fprintf(f, "%7zu tasks wait for %s\n", v[i].count, line);
    }
    if (n > max)
        fprintf(f, "    ... %zu more objects\n", n - max);
    free(v);
}
