#include "snapshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

struct snap *
snap_new(int pid)
{
    struct snap *s = xcalloc(1, sizeof(*s));

    arena_init(&s->arena);
    s->pid = pid;
    return s;
}

void
snap_free(struct snap *s)
{
    if (!s)
        return;
    free(s->threads);
    free(s->frames);
    free(s->locals);
    free(s->tasks);
    free(s->edges);
    free(s->ended);
    free(s->diags);
    free(s->cycles);
    free(s->cycle_tasks);
    arena_free(&s->arena);
    free(s);
}

struct snap_str
snap_str_from(struct snap *s, const char *bytes, size_t n)
{
    struct snap_str r;

    r.s = arena_memdup(&s->arena, bytes, n);
    r.len = n;
    return r;
}

struct snap_str
snap_str_cstr(struct snap *s, const char *cstr)
{
    return snap_str_from(s, cstr, strlen(cstr));
}

#define SNAP_ADD(s, arr, n, cap)                                          \
    do {                                                                  \
        xgrow((void **)&(s)->arr, &(s)->cap, (s)->n + 1, sizeof(*(s)->arr)); \
        memset(&(s)->arr[(s)->n], 0, sizeof(*(s)->arr));                  \
    } while (0)

struct snap_thread *
snap_thread_add(struct snap *s)
{
    SNAP_ADD(s, threads, nthreads, cap_threads);
    return &s->threads[s->nthreads++];
}

struct snap_frame *
snap_frame_add(struct snap *s)
{
    SNAP_ADD(s, frames, nframes, cap_frames);
    return &s->frames[s->nframes++];
}

struct snap_local *
snap_local_add(struct snap *s)
{
    SNAP_ADD(s, locals, nlocals, cap_locals);
    return &s->locals[s->nlocals++];
}

struct snap_task *
snap_task_add(struct snap *s)
{
    SNAP_ADD(s, tasks, ntasks, cap_tasks);
    s->tasks[s->ntasks].user_frame = SNAP_NO_FRAME;
    return &s->tasks[s->ntasks++];
}

struct snap_ended *
snap_ended_add(struct snap *s)
{
    SNAP_ADD(s, ended, nended, cap_ended);
    return &s->ended[s->nended++];
}

void
snap_edge_add(struct snap *s, size_t waiter, size_t awaited, enum snap_edge_kind kind)
{
    SNAP_ADD(s, edges, nedges, cap_edges);
    s->edges[s->nedges].waiter = waiter;
    s->edges[s->nedges].awaited = awaited;
    s->edges[s->nedges].kind = kind;
    s->nedges++;
}

void
snap_diag_add(struct snap *s, enum snap_diag_scope scope, size_t index, int code,
              const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    struct snap_diag *d;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    SNAP_ADD(s, diags, ndiags, cap_diags);
    d = &s->diags[s->ndiags++];
    d->scope = scope;
    d->index = index;
    d->code = code < 0 ? -code : code;
    d->message = arena_strdup(&s->arena, buf);
    s->flags |= SNAP_F_PARTIAL;
}

static int
snap_task_cmp(const void *a, const void *b)
{
    const struct snap_task *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void
snap_tasks_sort(struct snap *s)
{
    if (s->ntasks > 1)
        qsort(s->tasks, s->ntasks, sizeof(*s->tasks), snap_task_cmp);
}

static int
snap_edge_cmp(const void *a, const void *b)
{
    const struct snap_edge *x = a, *y = b;

    if (x->waiter != y->waiter)
        return x->waiter < y->waiter ? -1 : 1;
    if (x->awaited != y->awaited)
        return x->awaited < y->awaited ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

void
snap_edges_finish(struct snap *s)
{
    size_t i, n = 0;

    if (s->nedges > 1)
        qsort(s->edges, s->nedges, sizeof(*s->edges), snap_edge_cmp);
    for (i = 0; i < s->nedges; i++) {
        if (n && s->edges[n - 1].waiter == s->edges[i].waiter &&
            s->edges[n - 1].awaited == s->edges[i].awaited)
            continue;
        s->edges[n++] = s->edges[i];
    }
    s->nedges = n;
}

size_t
snap_task_find(const struct snap *s, uint64_t addr)
{
    size_t lo = 0, hi = s->ntasks;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->tasks[mid].addr == addr)
            return mid;
        if (s->tasks[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

const char *
snap_task_state_name(enum snap_task_state st)
{
    switch (st) {
    case SNAP_TASK_PENDING: return "pending";
    case SNAP_TASK_DONE: return "done";
    case SNAP_TASK_CANCELLED: return "cancelled";
    }
    return "unknown";
}

/* The local kinds' names in every view and in the JSON file. */
static const char *const snap_local_kind_names[SNAP_LOCAL__COUNT] = {
    [SNAP_LOCAL_ARG] = "arg",
    [SNAP_LOCAL_LOCAL] = "local",
    [SNAP_LOCAL_CELL] = "cell",
    [SNAP_LOCAL_FREE] = "free",
};

const char *
snap_local_kind_name(enum snap_local_kind k)
{
    if ((unsigned)k >= SNAP_LOCAL__COUNT || !snap_local_kind_names[k])
        return "unknown";
    return snap_local_kind_names[k];
}

int
snap_local_kind_from_name(const char *name, enum snap_local_kind *k)
{
    unsigned i;

    for (i = 0; i < SNAP_LOCAL__COUNT; i++) {
        if (snap_local_kind_names[i] && strcmp(name, snap_local_kind_names[i]) == 0) {
            *k = (enum snap_local_kind)i;
            return 0;
        }
    }
    return -1;
}

/* The edge kinds' names in every view and in the JSON file: one row per kind. */
static const char *const snap_edge_kind_names[SNAP_EDGE__COUNT] = {
    [SNAP_EDGE_AWAIT] = "await",
    [SNAP_EDGE_GATHER] = "gather",
    [SNAP_EDGE_TASKGROUP] = "taskgroup",
};

const char *
snap_edge_kind_name(enum snap_edge_kind k)
{
    if ((unsigned)k >= SNAP_EDGE__COUNT || !snap_edge_kind_names[k])
        return "unknown";
    return snap_edge_kind_names[k];
}

int
snap_edge_kind_from_name(const char *name, enum snap_edge_kind *k)
{
    unsigned i;

    for (i = 0; i < SNAP_EDGE__COUNT; i++) {
        if (snap_edge_kind_names[i] && strcmp(name, snap_edge_kind_names[i]) == 0) {
            *k = (enum snap_edge_kind)i;
            return 0;
        }
    }
    return -1;
}

/* The wait kinds' names in every view and in the JSON file: one row per kind. */
static const char *const snap_wait_kind_names[SNAP_WAIT__COUNT] = {
    [SNAP_WAIT_TASK] = "task",
    [SNAP_WAIT_GATHER] = "gather",
    [SNAP_WAIT_TASKGROUP] = "taskgroup",
    [SNAP_WAIT_LOCK] = "lock",
    [SNAP_WAIT_SEMAPHORE] = "semaphore",
    [SNAP_WAIT_EVENT] = "event",
    [SNAP_WAIT_CONDITION] = "condition",
    [SNAP_WAIT_QUEUE_GET] = "queue_get",
    [SNAP_WAIT_QUEUE_PUT] = "queue_put",
    [SNAP_WAIT_SLEEP] = "sleep",
    [SNAP_WAIT_EXECUTOR] = "executor",
    [SNAP_WAIT_SOCKET] = "socket",
    [SNAP_WAIT_SUBPROCESS] = "subprocess",
    [SNAP_WAIT_FUTURE] = "future",
    [SNAP_WAIT_UNKNOWN] = "unknown",
};

const char *
snap_wait_kind_name(enum snap_wait_kind k)
{
    if ((unsigned)k >= SNAP_WAIT__COUNT || !snap_wait_kind_names[k])
        return "unknown";
    return snap_wait_kind_names[k];
}

int
snap_wait_kind_from_name(const char *name, enum snap_wait_kind *k)
{
    unsigned i;

    for (i = 0; i < SNAP_WAIT__COUNT; i++) {
        if (snap_wait_kind_names[i] && strcmp(name, snap_wait_kind_names[i]) == 0) {
            *k = (enum snap_wait_kind)i;
            return 0;
        }
    }
    return -1;
}

struct snap_wait *
snap_wait_new(struct snap *s)
{
    return arena_alloc(&s->arena, sizeof(struct snap_wait));
}
