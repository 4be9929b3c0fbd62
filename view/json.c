/*
 * json.c - the JSON view of a snapshot (schema: docs/snapshot-format.md): the
 * "json" row of the writer table (write.h).
 */
#include "write.h"

#include <stdarg.h>
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>

#include "../common/err.h"
#include "../common/escape.h"
#include "../common/xalloc.h"
#include "../snapshot/tree.h"
#include "json_base.h"
#include "json_track.h"
#include "wait.h"


static const char *
json_scope_name(enum snap_diag_scope sc)
{
    switch (sc) {
    case SNAP_DIAG_PROCESS: return "process";
    case SNAP_DIAG_THREAD: return "thread";
    case SNAP_DIAG_TASK: return "task";
    }
    return "process";
}

static void
json_diags(struct jw *f, const struct snap *s)
{
    size_t i;

    if (s->ndiags == 0) {
        jw_puts(f, "  \"diagnostics\": [],\n");
        return;
    }
    jw_puts(f, "  \"diagnostics\": [\n");
    for (i = 0; i < s->ndiags; i++) {
        const struct snap_diag *d = &s->diags[i];

        jw_printf(f, "    {\"scope\": \"%s\", \"index\": %zu, \"code\": \"%s\", \"message\": ",
                json_scope_name(d->scope), d->index, err_code_name(d->code));
        json_cstr(f, d->message);
        if (d->scope == SNAP_DIAG_THREAD && d->index < s->nthreads)
            jw_printf(f, ", \"tid\": %ld", s->threads[d->index].tid);
        if (d->scope == SNAP_DIAG_TASK && d->index < s->ntasks) {
            jw_puts(f, ", \"task\": ");
            json_hex(f, s->tasks[d->index].addr, false);
        }
        jw_puts(f, i + 1 < s->ndiags ? "},\n" : "}\n");
    }
    jw_puts(f, "  ],\n");
}

static void
json_threads(struct jw *f, const struct snap *s)
{
    size_t i;

    if (s->nthreads == 0) {
        jw_puts(f, "  \"threads\": [],\n");
        return;
    }
    jw_puts(f, "  \"threads\": [\n");
    for (i = 0; i < s->nthreads; i++) {
        const struct snap_thread *t = &s->threads[i];

        jw_printf(f, "    {\n      \"tid\": %ld,\n      \"thread_id\": %" PRIu64 ",\n"
                "      \"name\": ", t->tid, t->thread_id);
        json_str(f, t->name);
        jw_puts(f, ",\n      \"comm\": ");
        json_str(f, t->comm.s ? t->comm : t->name);
        jw_printf(f, ",\n      \"holds_gil\": %s,\n      \"is_main\": %s,\n"
                "      \"python\": %s,\n      \"truncated\": %s,\n      \"cpu_ns\": ",
                json_bool(t->holds_gil), json_bool(t->is_main), json_bool(!t->native_only),
                json_bool(t->truncated));
        if (t->cpu_known)
            json_int(f, (int64_t)t->cpu_ns);
        else
            jw_puts(f, "null");
        jw_puts(f, ",\n      \"frames\": ");
        json_frames(f, s, t->frame_first, t->frame_count, "      ");
        jw_puts(f, i + 1 < s->nthreads ? "\n    },\n" : "\n    }\n");
    }
    jw_puts(f, "  ],\n");
}

/* The running task's frames from its thread, and the index of its user frame (or null). */
static void
json_task_where(struct jw *f, const struct snap_task *t)
{
    jw_puts(f, ",\n      \"thread_frames\": ");
    json_int(f, (long long)t->thread_frames);
    jw_puts(f, ",\n      \"user_frame\": ");
    if (t->user_frame != SNAP_NO_FRAME && t->user_frame < t->frame_count)
        json_int(f, (long long)t->user_frame);
    else
        jw_puts(f, "null");
}

/* Why a task ended (exception, cancelled) and where it was created (created_at). */
static void
json_task_end(struct jw *f, const struct snap *s, const struct snap_task *t)
{
    jw_puts(f, ",\n      \"exception\": ");
    json_exc(f, s, t->exception, 0);
    jw_puts(f, ",\n      \"cancelled\": ");
    if (t->cancelled) {
        jw_puts(f, "{\"message\": ");
        json_str(f, t->cancelled->message);
        jw_puts(f, ", \"traceback\": ");
        json_frames(f, s, t->cancelled->traceback.first, t->cancelled->traceback.count,
                    "      ");
        jw_putc(f, '}');
    } else {
        jw_puts(f, "null");
    }
    jw_puts(f, ",\n      \"created_at\": ");
    if (t->created_at.count)
        json_frames(f, s, t->created_at.first, t->created_at.count, "      ");
    else
        jw_puts(f, "null");
}

static void
json_tasks(struct jw *f, const struct snap *s, const struct tree_graph *g)
{
    size_t i;

    if (s->ntasks == 0) {
        jw_puts(f, "  \"tasks\": [],\n");
        return;
    }
    jw_puts(f, "  \"tasks\": [\n");
    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];

        jw_puts(f, "    {\n      \"id\": ");
        json_hex(f, t->addr, false);
        jw_puts(f, ",\n      \"name\": ");
        json_str(f, t->name);
        jw_puts(f, ",\n      \"state\": \"");
        jw_puts(f, snap_task_state_name(t->state));
        jw_puts(f, "\",\n      \"coroutine\": ");
        json_str(f, t->coro);
        jw_puts(f, ",\n      \"coroutine_id\": ");
        json_hex(f, t->coro_addr, true);
        jw_puts(f, ",\n      \"running\": ");
        jw_puts(f, json_bool(t->running));
        jw_puts(f, ",\n      \"cancel_requests\": ");
        json_int(f, t->cancel_requests);
        jw_puts(f, ",\n      \"must_cancel\": ");
        jw_puts(f, json_bool(t->must_cancel));
        jw_puts(f, ",\n      \"thread\": ");
        if (t->thread_tid)
            json_int(f, t->thread_tid);
        else
            jw_puts(f, "null");
        jw_puts(f, ",\n      \"loop\": ");
        json_hex(f, t->loop, true);
        jw_puts(f, ",\n      \"group\": ");
        json_hex(f, t->group, true);
        jw_puts(f, ",\n      \"stack_truncated\": ");
        jw_puts(f, json_bool(t->stack_truncated));
        json_task_where(f, t);
        jw_puts(f, ",\n      \"stack\": ");
        json_frames(f, s, t->frame_first, t->frame_count, "      ");
        jw_puts(f, ",\n      \"awaiting\": ");
        json_ids(f, s, g->out, g->out_first[i], g->out_first[i + 1], true);
        jw_puts(f, ",\n      \"awaited_by\": ");
        json_ids(f, s, g->in, g->in_first[i], g->in_first[i + 1], false);
        jw_puts(f, ",\n      \"waiting_on\": ");
        view_wait_json(jw_sink, f, t->waiting_on);
        json_task_end(f, s, t);
        json_task_track(f, s, t);
        jw_puts(f, i + 1 < s->ntasks ? "\n    },\n" : "\n    }\n");
    }
    jw_puts(f, "  ],\n");
}

static void
json_edges(struct jw *f, const struct snap *s)
{
    size_t i, n = 0;

    jw_puts(f, "  \"edges\": [");
    for (i = 0; i < s->nedges; i++) {
        const struct snap_edge *e = &s->edges[i];

        if (e->waiter >= s->ntasks || e->awaited >= s->ntasks)
            continue;
        jw_puts(f, n++ ? ",\n    {\"waiter\": " : "\n    {\"waiter\": ");
        json_hex(f, s->tasks[e->waiter].addr, false);
        jw_puts(f, ", \"awaited\": ");
        json_hex(f, s->tasks[e->awaited].addr, false);
        jw_puts(f, ", \"kind\": \"");
        jw_puts(f, snap_edge_kind_name(e->kind));
        jw_puts(f, "\"}");
    }
    jw_puts(f, n ? "\n  ],\n" : "],\n");
}

/* "cycles": each await cycle once, as task ids from the smallest one on. */
static void
json_cycles(struct jw *f, const struct snap *s)
{
    size_t i, k;

    jw_puts(f, "  \"cycles\": [");
    for (i = 0; i < s->ncycles; i++) {
        const struct snap_cycle *c = &s->cycles[i];

        jw_puts(f, i ? ",\n    [" : "\n    [");
        for (k = 0; k < c->n; k++) {
            if (k)
                jw_puts(f, ", ");
            json_hex(f, s->tasks[s->cycle_tasks[c->first + k]].addr, false);
        }
        jw_puts(f, "]");
    }
    jw_puts(f, s->ncycles ? "\n  ],\n" : "],\n");
}

static void
json_snapshot(struct jw *f, const struct snap *s)
{
    struct tree_graph g;

    tree_graph_build(&g, s);
    jw_printf(f, "{\n  \"format\": \"aiomon-snapshot\",\n  \"format_version\": 1,\n"
            "  \"pid\": %d,\n  \"python_version\": ", s->pid);
    jw_escape(f, s->python_version, strnlen(s->python_version, sizeof(s->python_version)), 0);
    jw_printf(f, ",\n  \"py_version_hex\": %" PRIu64 ",\n  \"layout_source\": ",
            s->py_version_hex);
    json_cstr(f, s->layout_source);
    jw_puts(f, ",\n  \"cmdline\": ");
    json_str(f, s->cmdline);
    jw_printf(f, ",\n  \"flags\": {\"partial\": %s, \"torn\": %s, \"loaded\": %s, \"core\": %s, "
            "\"no_tasks\": %s},\n",
            json_bool(s->flags & SNAP_F_PARTIAL), json_bool(s->flags & SNAP_F_TORN),
            json_bool(s->flags & SNAP_F_LOADED), json_bool(s->flags & SNAP_F_CORE),
            json_bool(s->flags & SNAP_F_NO_TASKS));
    jw_printf(f, "  \"taken_at_ns\": %" PRIu64 ",\n  \"stopped_us\": %" PRIu64 ",\n"
            "  \"read_us\": %" PRIu64 ",\n  \"bytes_read\": %" PRIu64 ",\n"
            "  \"read_calls\": %" PRIu64 ",\n",
            s->taken_at_ns, s->stopped_ns / 1000, s->read_ns / 1000, s->bytes_read,
            s->read_calls);
    json_diags(f, s);
    json_threads(f, s);
    json_tasks(f, s, &g);
    json_edges(f, s);
    json_cycles(f, s);
    json_tracker_sections(f, s);
    jw_puts(f, "}\n");
    tree_graph_free(&g);
}

/* The JSON has no options: one schema whatever --stacks says. */
void
snap_write_json(FILE *f, const struct snap *s, const struct write_opts *o)
{
    struct jw *w = xmalloc(sizeof(*w));

    w->f = f;
    w->n = 0;
    json_snapshot(w, s);
    jw_flush(w);
    free(w);
    (void)o;
}
