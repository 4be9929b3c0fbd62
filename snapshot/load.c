/*
 * load.c - --load: a snapshot written by view/json.c, read back.
 *
 * The file is hostile input.  The parser is a schema-driven recursive
 * descent over json_scan.h's bounded scanner (nesting, strings, numbers and
 * the file are bounded there); every count has a named bound here and every
 * id is resolved before it is used.  Unknown keys are ignored; missing
 * optional keys keep their zero value.
 */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "json_scan.h"
#include "load_locals.h"
#include "load_track.h"
#include "load_wait.h"

#define MAX_LOAD_THREADS ((size_t)1 << 16)
#define MAX_LOAD_TASKS   ((size_t)1 << 21)
#define MAX_LOAD_FRAMES  ((size_t)1 << 22)     /* all stacks together */
#define MAX_LOAD_EDGES   ((size_t)1 << 22)
#define MAX_LOAD_DIAGS   ((size_t)1 << 16)

/* An edge by task ids, resolved once every task is known. */
struct jr_edge {
    uint64_t waiter, awaited;
    enum snap_edge_kind kind;
    bool from_awaiting;         /* from a task's "awaiting" list, not "edges" */
};

struct jr {
    struct jscan sc;            /* the scanner over the file */
    struct snap *s;             /* owned until returned */
    struct jr_edge *edges;      /* owned */
    size_t nedges, cap_edges;
    bool have_pid, have_threads, have_edges;
    unsigned flags;
};

/* A string or null into the snapshot's arena. */
static int
jr_sstr(struct jr *jr, struct snap_str *out)
{
    if (jscan_lit(&jr->sc, "null")) {
        out->s = NULL;
        out->len = 0;
        return 0;
    }
    if (jscan_string(&jr->sc) < 0)
        return -1;
    *out = snap_str_from(jr->s, jr->sc.str, jr->sc.str_len);
    return 0;
}

static int
jr_frames(struct jr *jr, size_t *first, size_t *count)
{
    size_t n = 0, m;
    int r;

    if (jscan_open(&jr->sc, '[') < 0)
        return -1;
    *first = jr->s->nframes;
    *count = 0;
    while ((r = jscan_next(&jr->sc, ']', &n)) > 0) {
        struct snap_frame fr;
        struct snap_str symbol = { NULL, 0 };

        memset(&fr, 0, sizeof(fr));
        if (jr->s->nframes >= MAX_LOAD_FRAMES)
            return jscan_fail(&jr->sc, "more than %zu frames", MAX_LOAD_FRAMES);
        if (jscan_open(&jr->sc, '{') < 0)
            return -1;
        m = 0;
        while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
            uint64_t v;

            if (jscan_str_is(&jr->sc, "function")) {
                r = jr_sstr(jr, &fr.function);
            } else if (jscan_str_is(&jr->sc, "qualname")) {
                r = jr_sstr(jr, &fr.qualname);
            } else if (jscan_str_is(&jr->sc, "file")) {
                r = jr_sstr(jr, &fr.file);
            } else if (jscan_str_is(&jr->sc, "line")) {
                r = jscan_uint(&jr->sc, INT_MAX, &v);
                fr.line = (int)v;
            } else if (jscan_str_is(&jr->sc, "kind")) {
                r = jscan_string(&jr->sc);
                if (r == 0 && jscan_str_is(&jr->sc, "native"))
                    fr.kind = SNAP_FRAME_NATIVE;
                else if (r == 0 && !jscan_str_is(&jr->sc, "python"))
                    r = jscan_fail(&jr->sc, "unknown frame kind");
            } else if (jscan_str_is(&jr->sc, "symbol")) {
                r = jr_sstr(jr, &symbol);
            } else if (jscan_str_is(&jr->sc, "module")) {
                r = jr_sstr(jr, &fr.module);
            } else if (jscan_str_is(&jr->sc, "offset")) {
                r = jscan_uint(&jr->sc, UINT64_MAX, &fr.offset);
            } else if (jscan_str_is(&jr->sc, "pc")) {
                r = jscan_hex(&jr->sc, true, &fr.pc);
            } else if (jscan_str_is(&jr->sc, "locals")) {
                r = load_locals(&jr->sc, jr->s, &fr.local_first, &fr.local_count);
                jr->flags |= SNAP_F_LOCALS;
            } else {
                r = jscan_skip(&jr->sc);
            }
            if (r < 0)
                return -1;
        }
        if (r < 0)
            return -1;
        if (!fr.function.s)
            fr.function = symbol;
        *snap_frame_add(jr->s) = fr;
        (*count)++;
    }
    return r;
}

static int
jr_edge_push(struct jr *jr, uint64_t waiter, uint64_t awaited, enum snap_edge_kind kind,
             bool from_awaiting)
{
    struct jr_edge *e;

    if (jr->nedges >= MAX_LOAD_EDGES)
        return jscan_fail(&jr->sc, "more than %zu edges", MAX_LOAD_EDGES);
    xgrow((void **)&jr->edges, &jr->cap_edges, jr->nedges + 1, sizeof(*jr->edges));
    e = &jr->edges[jr->nedges++];
    e->waiter = waiter;
    e->awaited = awaited;
    e->kind = kind;
    e->from_awaiting = from_awaiting;
    return 0;
}

static int
jr_awaiting(struct jr *jr, uint64_t waiter)
{
    size_t n = 0;
    uint64_t id;
    int r;

    if (jscan_open(&jr->sc, '[') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, ']', &n)) > 0) {
        if (jscan_hex(&jr->sc, false, &id) < 0 ||
            jr_edge_push(jr, waiter, id, SNAP_EDGE_AWAIT, true) < 0)
            return -1;
    }
    return r;
}

static int
jr_state(struct jr *jr, enum snap_task_state *st)
{
    if (jscan_string(&jr->sc) < 0)
        return -1;
    if (jscan_str_is(&jr->sc, "pending"))
        *st = SNAP_TASK_PENDING;
    else if (jscan_str_is(&jr->sc, "done"))
        *st = SNAP_TASK_DONE;
    else if (jscan_str_is(&jr->sc, "cancelled"))
        *st = SNAP_TASK_CANCELLED;
    else
        return jscan_fail(&jr->sc, "unknown task state");
    return 0;
}

/* "user_frame" (index or null) and "thread_frames" of a task; checked against its stack after. */
static int
jr_task_where(struct jr *jr, struct snap_task *t)
{
    uint64_t v = 0;
    int r;

    if (jscan_str_is(&jr->sc, "thread_frames")) {
        r = jscan_uint(&jr->sc, MAX_LOAD_FRAMES, &v);
        t->thread_frames = (size_t)v;
        return r;
    }
    if (jscan_lit(&jr->sc, "null"))
        return 0;
    r = jscan_uint(&jr->sc, MAX_LOAD_FRAMES, &v);
    t->user_frame = (size_t)v;
    return r;
}

static int
jr_task_where_check(struct jr *jr, const struct snap_task *t)
{
    if (t->thread_frames > t->frame_count)
        return jscan_fail(&jr->sc, "\"thread_frames\" larger than the stack");
    if (t->user_frame != SNAP_NO_FRAME && t->user_frame >= t->frame_count)
        return jscan_fail(&jr->sc, "\"user_frame\" out of the stack");
    return 0;
}

/* A task's "exception" (and its "cause" chain, at most SNAP_MAX_CAUSES deep), or null. */
static int
jr_exc(struct jr *jr, const struct snap_exc **out, int depth)
{
    struct snap_exc *e;
    size_t m = 0;
    int r;

    *out = NULL;
    if (jscan_lit(&jr->sc, "null"))
        return 0;
    if (depth > SNAP_MAX_CAUSES)
        return jscan_fail(&jr->sc, "exception causes nested deeper than %d", SNAP_MAX_CAUSES);
    e = arena_alloc(&jr->s->arena, sizeof(*e));
    e->traceback.first = jr->s->nframes;
    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "type")) {
            r = jr_sstr(jr, &e->type);
        } else if (jscan_str_is(&jr->sc, "module")) {
            r = jr_sstr(jr, &e->module);
        } else if (jscan_str_is(&jr->sc, "message")) {
            r = jr_sstr(jr, &e->message);
        } else if (jscan_str_is(&jr->sc, "traceback")) {
            r = jr_frames(jr, &e->traceback.first, &e->traceback.count);
        } else if (jscan_str_is(&jr->sc, "retrieved")) {
            r = jscan_bool(&jr->sc, &e->retrieved);
        } else if (jscan_str_is(&jr->sc, "cause")) {
            const struct snap_exc *cause;

            r = jr_exc(jr, &cause, depth + 1);
            e->cause = (struct snap_exc *)cause;
        } else {
            r = jscan_skip(&jr->sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    *out = e;
    return 0;
}

/* A task's "cancelled", or null. */
static int
jr_cancelled(struct jr *jr, const struct snap_cancel **out)
{
    struct snap_cancel *k;
    size_t m = 0;
    int r;

    *out = NULL;
    if (jscan_lit(&jr->sc, "null"))
        return 0;
    k = arena_alloc(&jr->s->arena, sizeof(*k));
    k->traceback.first = jr->s->nframes;
    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "message"))
            r = jr_sstr(jr, &k->message);
        else if (jscan_str_is(&jr->sc, "traceback"))
            r = jr_frames(jr, &k->traceback.first, &k->traceback.count);
        else
            r = jscan_skip(&jr->sc);
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    *out = k;
    return 0;
}

/* A task's "created_at": null or frames. */
static int
jr_created_at(struct jr *jr, struct snap_frames *out)
{
    out->first = jr->s->nframes;
    out->count = 0;
    if (jscan_lit(&jr->sc, "null"))
        return 0;
    return jr_frames(jr, &out->first, &out->count);
}

/* The loader's readers lent to load_track.c. */
static int
jr_frames_cb(void *arg, size_t *first, size_t *count)
{
    return jr_frames(arg, first, count);
}

static int
jr_exc_cb(void *arg, const struct snap_exc **out)
{
    return jr_exc(arg, out, 0);
}

static struct load_track
jr_lt(struct jr *jr)
{
    struct load_track lt = { &jr->sc, jr->s, jr_frames_cb, jr_exc_cb, jr };

    return lt;
}

/* One task.  "awaiting" is parsed after "id" is known only if the id came first. */
static int
jr_task(struct jr *jr)
{
    struct snap_task t;
    struct load_track lt = jr_lt(jr);
    struct load_track_acc acc;
    size_t m = 0;
    bool have_id = false;
    uint64_t v;
    int r;

    memset(&t, 0, sizeof(t));
    memset(&acc, 0, sizeof(acc));
    acc.r.creation_stack.first = jr->s->nframes;
    t.user_frame = SNAP_NO_FRAME;
    if (jr->s->ntasks >= MAX_LOAD_TASKS)
        return jscan_fail(&jr->sc, "more than %zu tasks", MAX_LOAD_TASKS);
    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "id")) {
            r = jscan_hex(&jr->sc, false, &t.addr);
            have_id = true;
        } else if (jscan_str_is(&jr->sc, "name")) {
            r = jr_sstr(jr, &t.name);
        } else if (jscan_str_is(&jr->sc, "state")) {
            r = jr_state(jr, &t.state);
        } else if (jscan_str_is(&jr->sc, "coroutine")) {
            r = jr_sstr(jr, &t.coro);
        } else if (jscan_str_is(&jr->sc, "coroutine_id")) {
            r = jscan_hex(&jr->sc, true, &t.coro_addr);
        } else if (jscan_str_is(&jr->sc, "running")) {
            r = jscan_bool(&jr->sc, &t.running);
        } else if (jscan_str_is(&jr->sc, "must_cancel")) {
            r = jscan_bool(&jr->sc, &t.must_cancel);
        } else if (jscan_str_is(&jr->sc, "stack_truncated")) {
            r = jscan_bool(&jr->sc, &t.stack_truncated);
        } else if (jscan_str_is(&jr->sc, "cancel_requests")) {
            r = jscan_uint(&jr->sc, INT_MAX, &v);
            t.cancel_requests = (int)v;
        } else if (jscan_str_is(&jr->sc, "thread")) {
            v = 0;
            r = jscan_lit(&jr->sc, "null") ? 0 : jscan_uint(&jr->sc, LONG_MAX, &v);
            t.thread_tid = (long)v;
        } else if (jscan_str_is(&jr->sc, "loop")) {
            r = jscan_hex(&jr->sc, true, &t.loop);
        } else if (jscan_str_is(&jr->sc, "group")) {
            r = jscan_hex(&jr->sc, true, &t.group);
        } else if (jscan_str_is(&jr->sc, "stack")) {
            r = jr_frames(jr, &t.frame_first, &t.frame_count);
        } else if (jscan_str_is(&jr->sc, "user_frame") ||
                   jscan_str_is(&jr->sc, "thread_frames")) {
            r = jr_task_where(jr, &t);
        } else if (jscan_str_is(&jr->sc, "waiting_on")) {
            r = jr_wait(&jr->sc, jr->s, &t.waiting_on);
        } else if (jscan_str_is(&jr->sc, "exception")) {
            r = jr_exc(jr, &t.exception, 0);
        } else if (jscan_str_is(&jr->sc, "cancelled")) {
            r = jr_cancelled(jr, &t.cancelled);
        } else if (jscan_str_is(&jr->sc, "created_at")) {
            r = jr_created_at(jr, &t.created_at);
        } else if (load_track_is_key(&jr->sc)) {
            r = load_track_value(&lt, &acc);
        } else if (jscan_str_is(&jr->sc, "awaiting") && have_id) {
            r = jr_awaiting(jr, t.addr);
        } else if (jscan_str_is(&jr->sc, "awaiting")) {
            r = jscan_fail(&jr->sc, "\"awaiting\" before \"id\"");
        } else {
            r = jscan_skip(&jr->sc);    /* "awaited_by" is derived */
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!have_id)
        return jscan_fail(&jr->sc, "task without \"id\"");
    if (jr_task_where_check(jr, &t) < 0)
        return -1;
    t.track = load_track_done(&lt, &acc);
    if (jr->s->ntasks > 0 && jr->s->tasks[jr->s->ntasks - 1].addr >= t.addr)
        return jscan_fail(&jr->sc, "tasks not in ascending id order, or a duplicate id");
    *snap_task_add(jr->s) = t;
    return 0;
}

static int
jr_thread(struct jr *jr)
{
    struct snap_thread t;
    size_t m = 0;
    uint64_t v;
    int r;

    memset(&t, 0, sizeof(t));
    if (jr->s->nthreads >= MAX_LOAD_THREADS)
        return jscan_fail(&jr->sc, "more than %zu threads", MAX_LOAD_THREADS);
    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "tid")) {
            r = jscan_uint(&jr->sc, LONG_MAX, &v);
            t.tid = (long)v;
        } else if (jscan_str_is(&jr->sc, "thread_id")) {
            r = jscan_uint(&jr->sc, UINT64_MAX, &t.thread_id);
        } else if (jscan_str_is(&jr->sc, "name")) {
            r = jr_sstr(jr, &t.name);
        } else if (jscan_str_is(&jr->sc, "comm")) {
            r = jr_sstr(jr, &t.comm);
        } else if (jscan_str_is(&jr->sc, "holds_gil")) {
            r = jscan_bool(&jr->sc, &t.holds_gil);
        } else if (jscan_str_is(&jr->sc, "is_main")) {
            r = jscan_bool(&jr->sc, &t.is_main);
        } else if (jscan_str_is(&jr->sc, "python")) {
            bool py = true;

            r = jscan_bool(&jr->sc, &py);
            t.native_only = !py;
        } else if (jscan_str_is(&jr->sc, "truncated")) {
            r = jscan_bool(&jr->sc, &t.truncated);
        } else if (jscan_str_is(&jr->sc, "cpu_ns")) {
            t.cpu_known = !jscan_lit(&jr->sc, "null");
            r = t.cpu_known ? jscan_uint(&jr->sc, INT64_MAX, &t.cpu_ns) : 0;
        } else if (jscan_str_is(&jr->sc, "frames")) {
            r = jr_frames(jr, &t.frame_first, &t.frame_count);
        } else {
            r = jscan_skip(&jr->sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    *snap_thread_add(jr->s) = t;
    return 0;
}

static int
jr_edge(struct jr *jr)
{
    uint64_t waiter = 0, awaited = 0;
    enum snap_edge_kind kind = SNAP_EDGE_AWAIT;
    unsigned seen = 0;
    size_t m = 0;
    int r;

    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "waiter")) {
            r = jscan_hex(&jr->sc, false, &waiter);
            seen |= 1;
        } else if (jscan_str_is(&jr->sc, "awaited")) {
            r = jscan_hex(&jr->sc, false, &awaited);
            seen |= 2;
        } else if (jscan_str_is(&jr->sc, "kind")) {
            r = jscan_string(&jr->sc);
            if (r == 0 && (strlen(jr->sc.str) != jr->sc.str_len ||
                           snap_edge_kind_from_name(jr->sc.str, &kind) < 0))
                r = jscan_fail(&jr->sc, "unknown edge kind");
        } else {
            r = jscan_skip(&jr->sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (seen != 3)
        return jscan_fail(&jr->sc, "edge without \"waiter\" and \"awaited\"");
    return jr_edge_push(jr, waiter, awaited, kind, false);
}

static int
jr_diag(struct jr *jr)
{
    enum snap_diag_scope scope = SNAP_DIAG_PROCESS;
    uint64_t index = 0;
    int code = AIO_E_INTERNAL, k;
    char *msg = NULL;
    size_t m = 0;
    int r;

    if (jr->s->ndiags >= MAX_LOAD_DIAGS)
        return jscan_fail(&jr->sc, "more than %zu diagnostics", MAX_LOAD_DIAGS);
    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        if (jscan_str_is(&jr->sc, "scope")) {
            r = jscan_string(&jr->sc);
            if (r == 0 && jscan_str_is(&jr->sc, "thread"))
                scope = SNAP_DIAG_THREAD;
            else if (r == 0 && jscan_str_is(&jr->sc, "task"))
                scope = SNAP_DIAG_TASK;
            else if (r == 0 && !jscan_str_is(&jr->sc, "process"))
                r = jscan_fail(&jr->sc, "unknown diagnostic scope");
        } else if (jscan_str_is(&jr->sc, "index")) {
            r = jscan_uint(&jr->sc, SIZE_MAX, &index);
        } else if (jscan_str_is(&jr->sc, "code")) {
            r = jscan_string(&jr->sc);
            for (k = 0; r == 0 && k < AIO_E__COUNT; k++) {
                if (jscan_str_is(&jr->sc, err_code_name(k)))
                    code = k;
            }
        } else if (jscan_str_is(&jr->sc, "message")) {
            r = jscan_string(&jr->sc);
            if (r == 0) {
                free(msg);
                msg = xstrdup(jr->sc.str);
            }
        } else {
            r = jscan_skip(&jr->sc);
        }
        if (r < 0)
            break;
    }
    if (r == 0)
        snap_diag_add(jr->s, scope, (size_t)index, code, "%s", msg ? msg : "");
    free(msg);
    return r;
}

/* An array of elements, each parsed by fn. */
static int
jr_array(struct jr *jr, int (*fn)(struct jr *))
{
    size_t n = 0;
    int r;

    if (jscan_open(&jr->sc, '[') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, ']', &n)) > 0) {
        if (fn(jr) < 0)
            return -1;
    }
    return r;
}

static int
jr_flags(struct jr *jr)
{
    static const struct { const char *key; unsigned bit; } names[] = {
        { "partial", SNAP_F_PARTIAL }, { "torn", SNAP_F_TORN }, { "loaded", SNAP_F_LOADED },
        { "core", SNAP_F_CORE }, { "no_tasks", SNAP_F_NO_TASKS },
    };
    size_t m = 0, i;
    bool b = false;
    int r;

    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &m)) > 0) {
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (jscan_str_is(&jr->sc, names[i].key))
                break;
        }
        if (i == sizeof(names) / sizeof(names[0])) {
            r = jscan_skip(&jr->sc);
        } else {
            r = jscan_bool(&jr->sc, &b);
            jr->flags = b ? jr->flags | names[i].bit : jr->flags & ~names[i].bit;
        }
        if (r < 0)
            return -1;
    }
    return r;
}

/* A duration in microseconds into nanoseconds. */
static int
jr_ended(struct jr *jr)
{
    struct load_track lt = jr_lt(jr);

    return load_track_ended(&lt);
}

static int
jr_us(struct jr *jr, uint64_t *ns)
{
    uint64_t us;

    if (jscan_uint(&jr->sc, UINT64_MAX / 1000, &us) < 0)
        return -1;
    *ns = us * 1000;
    return 0;
}

static int
jr_top_value(struct jr *jr)
{
    struct snap *s = jr->s;
    uint64_t u = 0;
    int r;

    if (jscan_str_is(&jr->sc, "format")) {
        if (jscan_string(&jr->sc) < 0)
            return -1;
        if (!jscan_str_is(&jr->sc, "aiomon-snapshot"))
            return jscan_fail(&jr->sc, "not an aiomon snapshot");
        return 0;
    }
    if (jscan_str_is(&jr->sc, "format_version")) {
        if (jscan_uint(&jr->sc, UINT64_MAX, &u) < 0)
            return -1;
        return u == 1 ? 0 : jscan_fail(&jr->sc, "unsupported format_version %llu",
                                    (unsigned long long)u);
    }
    if (jscan_str_is(&jr->sc, "pid")) {
        jr->have_pid = true;
        r = jscan_uint(&jr->sc, INT_MAX, &u);
        s->pid = (int)u;
        return r;
    }
    if (jscan_str_is(&jr->sc, "python_version")) {
        if (jscan_string(&jr->sc) < 0)
            return -1;
        if (jr->sc.str_len >= sizeof(s->python_version) || strlen(jr->sc.str) != jr->sc.str_len)
            return jscan_fail(&jr->sc, "bad python_version");
        memcpy(s->python_version, jr->sc.str, jr->sc.str_len + 1);
        return 0;
    }
    if (jscan_str_is(&jr->sc, "layout_source")) {
        if (jscan_lit(&jr->sc, "null")) {
            s->layout_source = NULL;
            return 0;
        }
        if (jscan_string(&jr->sc) < 0)
            return -1;
        s->layout_source = arena_strdup(&s->arena, jr->sc.str);
        return 0;
    }
    if (jscan_str_is(&jr->sc, "py_version_hex"))
        return jscan_uint(&jr->sc, UINT64_MAX, &s->py_version_hex);
    if (jscan_str_is(&jr->sc, "cmdline"))
        return jr_sstr(jr, &s->cmdline);
    if (jscan_str_is(&jr->sc, "flags"))
        return jr_flags(jr);
    if (jscan_str_is(&jr->sc, "taken_at_ns"))
        return jscan_uint(&jr->sc, UINT64_MAX, &s->taken_at_ns);
    if (jscan_str_is(&jr->sc, "stopped_us"))
        return jr_us(jr, &s->stopped_ns);
    if (jscan_str_is(&jr->sc, "read_us"))
        return jr_us(jr, &s->read_ns);
    if (jscan_str_is(&jr->sc, "bytes_read"))
        return jscan_uint(&jr->sc, UINT64_MAX, &s->bytes_read);
    if (jscan_str_is(&jr->sc, "read_calls"))
        return jscan_uint(&jr->sc, UINT64_MAX, &s->read_calls);
    if (jscan_str_is(&jr->sc, "diagnostics"))
        return jr_array(jr, jr_diag);
    if (jscan_str_is(&jr->sc, "threads")) {
        jr->have_threads = true;
        return jr_array(jr, jr_thread);
    }
    if (jscan_str_is(&jr->sc, "tasks"))
        return jr_array(jr, jr_task);
    if (jscan_str_is(&jr->sc, "edges")) {
        jr->have_edges = true;
        return jr_array(jr, jr_edge);
    }
    if (jscan_str_is(&jr->sc, "terminated"))
        return jr_array(jr, jr_ended);
    if (jscan_str_is(&jr->sc, "tracker")) {
        struct load_track lt = jr_lt(jr);

        return load_track_tracker(&lt);
    }
    return jscan_skip(&jr->sc);
}

/* Resolve edges by id (the explicit "edges" win over "awaiting" lists) and check indices. */
static int
jr_finish(struct jr *jr)
{
    struct snap *s = jr->s;
    size_t i, w, a;

    if (!jr->have_pid || !jr->have_threads)
        return jscan_fail(&jr->sc, "not a snapshot: \"pid\" or \"threads\" missing");
    for (i = 0; i < jr->nedges; i++) {
        const struct jr_edge *e = &jr->edges[i];

        if (e->from_awaiting == jr->have_edges)
            continue;
        w = snap_task_find(s, e->waiter);
        a = snap_task_find(s, e->awaited);
        if (w == (size_t)-1 || a == (size_t)-1)
            return jscan_fail(&jr->sc, "edge between unknown tasks 0x%llx and 0x%llx",
                           (unsigned long long)e->waiter, (unsigned long long)e->awaited);
        snap_edge_add(s, w, a, e->kind);
    }
    snap_edges_finish(s);
    snap_cycles_find(s);
    for (i = 0; i < s->ndiags; i++) {
        if ((s->diags[i].scope == SNAP_DIAG_THREAD && s->diags[i].index >= s->nthreads) ||
            (s->diags[i].scope == SNAP_DIAG_TASK && s->diags[i].index >= s->ntasks))
            return jscan_fail(&jr->sc, "diagnostic for an unknown thread or task");
    }
    s->flags = jr->flags | SNAP_F_LOADED;
    return 0;
}

static int
jr_parse(struct jr *jr)
{
    size_t n = 0;
    int r;

    if (jscan_open(&jr->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(&jr->sc, '}', &n)) > 0) {
        if (jr_top_value(jr) < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (jscan_peek(&jr->sc) >= 0)
        return jscan_fail(&jr->sc, "trailing data after the snapshot");
    return jr_finish(jr);
}

struct snap *
snap_read_json_mem(const char *buf, size_t len, const char *name, int *err)
{
    struct jr jr;

    memset(&jr, 0, sizeof(jr));
    jr.sc.path = name;
    jr.sc.base = jr.sc.p = buf;
    jr.sc.end = buf + len;
    jr.s = snap_new(0);
    if (jr_parse(&jr) < 0) {
        snap_free(jr.s);
        jr.s = NULL;
        *err = -AIO_E_BADFILE;
    } else {
        *err = 0;
    }
    free(jr.edges);
    free(jr.sc.str);
    return jr.s;
}

struct snap *
snap_read_json(const char *path, int *err)
{
    struct snap *s;
    char *buf = NULL;
    size_t len = 0;
    int rc;

    rc = jscan_slurp(path, &buf, &len);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    s = snap_read_json_mem(buf, len, path, err);
    free(buf);
    return s;
}

int
snap_read_json_each(const char *path, int (*fn)(struct snap *s, void *arg), void *arg,
                    struct snap_load_info *info)
{
    char *buf = NULL, *p, *nl;
    size_t len = 0, n = 0, line = 0;
    int rc, err;

    memset(info, 0, sizeof(*info));
    rc = jscan_slurp(path, &buf, &len);
    if (rc < 0)
        return rc;
    nl = memchr(buf, '\n', len);
    info->record = nl && nl != buf && nl[-1] == '}';
    /* a pretty-printed snapshot opens with "{" alone on its first line; a record line is whole */
    if (!nl || nl == buf || nl[-1] != '}') {
        struct snap *s = snap_read_json_mem(buf, len, path, &err);

        free(buf);
        if (!s)
            return err;
        rc = fn(s, arg);
        return rc < 0 ? rc : 1;
    }
    for (p = buf; p < buf + len; p = nl + 1) {
        struct snap *s;

        bool last;

        nl = memchr(p, '\n', (size_t)(buf + len - p));
        last = !nl;
        if (!nl)
            nl = buf + len;
        line++;
        if (nl == p)
            continue;
        s = snap_read_json_mem(p, (size_t)(nl - p), path, &err);
        if (!s && last && n > 0) {
            /* a line without its end: the writer was killed while appending it */
            info->cut = true;
            info->cut_line = line;
            break;
        }
        if (!s) {
            char why[256];

            snprintf(why, sizeof(why), "%s", err_msg(err));
            free(buf);
            return err_set(AIO_E_BADFILE, "%s: record line %zu is not a snapshot: %s", path,
                           line, why[0] ? why : "malformed");
        }
        n++;
        rc = fn(s, arg);
        if (rc < 0) {
            free(buf);
            return rc;
        }
    }
    free(buf);
    return (int)n;
}
