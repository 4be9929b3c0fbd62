#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/xalloc.h"
#include "../common/err.h"
#include "../view/wait.h"

/* Bytes of one target string put on a line (names can be 4,000 characters). */
#define UI_LINE_CAP 1024
/* Listed tasks that one awaits / that await one, before "N more" */
#define UI_MAX_AWAITS_SHOWN 6
#define UI_MAX_WAITERS_SHOWN 3

/* ------------------------------------------------------------ contents */

const char *
ui_state_short(enum snap_task_state st)
{
    switch (st) {
    case SNAP_TASK_PENDING: return "pend";
    case SNAP_TASK_DONE: return "done";
    case SNAP_TASK_CANCELLED: return "canc";
    default: return "?";
    }
}

enum ui_color
ui_state_color(enum snap_task_state st)
{
    switch (st) {
    case SNAP_TASK_PENDING: return UI_C_PENDING;
    case SNAP_TASK_DONE: return UI_C_DONE;
    case SNAP_TASK_CANCELLED: return UI_C_CANCEL;
    default: return UI_C_NORMAL;
    }
}

/* "name (coro) file:line" of a listed task */
static void
ui_task_brief(struct ui_lines *L, const struct snap *s, size_t task)
{
    const struct snap_task *t = &s->tasks[task];
    const struct snap_frame *top = tree_task_top(s, task);
    size_t bl;
    const char *b;

    ui_lines_add_str(L, UI_C_LINK, &t->name, "(null)");
    ui_lines_add(L, UI_C_DIM, "  ");
    ui_lines_add_str(L, UI_C_FUNC, &t->coro, "-");
    ui_lines_add(L, UI_C_NORMAL, "  ");
    ui_lines_add(L, ui_state_color(t->state), "%s", snap_task_state_name(t->state));
    if (top && top->file.s) {
        b = ui_basename(top->file.s, top->file.len, &bl);
        ui_lines_add(L, UI_C_DIM, "  ");
        ui_lines_add_bytes(L, UI_C_FILE, b, bl, 0);
        ui_lines_add(L, UI_C_FILE, ":%d", top->line);
    }
}

/* The awaits / awaited-by list: edges [lo, hi) of one side of the graph. */
static void
ui_edges_add(struct ui_lines *L, struct ui_links *links, const struct ui_detail_in *in,
             bool awaits)
{
    const struct snap *s = in->s;
    const struct tree_graph *g = &in->t->graph;
    size_t lo, hi, e, i, other, shown = 0, max;
    const char *title = awaits ? "awaits" : "awaited by";

    lo = awaits ? g->out_first[in->task] : g->in_first[in->task];
    hi = awaits ? g->out_first[in->task + 1] : g->in_first[in->task + 1];
    max = awaits ? UI_MAX_AWAITS_SHOWN : UI_MAX_WAITERS_SHOWN;
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "%s:", title);
    if (lo == hi) {
        ui_lines_add(L, UI_C_DIM, awaits ? " no task" : " no task (a root)");
        return;
    }
    ui_lines_add(L, UI_C_DIM, " %zu task%s", hi - lo, hi - lo == 1 ? "" : "s");
    for (i = lo; i < hi && shown < max; i++, shown++) {
        e = awaits ? g->out[i] : g->in[i];
        other = awaits ? s->edges[e].awaited : s->edges[e].waiter;
        ui_lines_begin(L);
        if (links->n < UI_MAX_LINKS) {
            links->task[links->n++] = other;
            ui_lines_add(L, UI_C_FKEY, "  [%zu]", links->n);
        } else {
            ui_lines_add(L, UI_C_NORMAL, "     ");
        }
        L->lines[L->nlines - 1].task = other;
        ui_lines_add(L, UI_C_NORMAL, " ");
        ui_task_brief(L, s, other);
        ui_lines_add(L, UI_C_DIM, "  (%s)", snap_edge_kind_name(s->edges[e].kind));
        if (awaits && links->first_awaited == TREE_NONE)
            links->first_awaited = other;
        if (!awaits && links->first_waiter == TREE_NONE)
            links->first_waiter = other;
    }
    if (i < hi) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "      ... and %zu more%s", hi - i,
                     awaits ? " (expand it in the tree)" : "");
    }
}

/* "DEADLOCK: a -> b -> a": the first await cycle through the task. */
static void
ui_cycle_add(struct ui_lines *L, const struct snap *s, size_t task)
{
    size_t i, k;

    for (i = 0; i < s->ncycles; i++) {
        const struct snap_cycle *c = &s->cycles[i];

        for (k = 0; k < c->n && s->cycle_tasks[c->first + k] != task; k++)
            ;
        if (k == c->n)
            continue;
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_WARN, "DEADLOCK: await cycle of %zu task%s: ", c->n,
                     c->n == 1 ? "" : "s");
        for (k = 0; k <= c->n; k++) {
            const struct snap_task *o = &s->tasks[s->cycle_tasks[c->first + k % c->n]];

            if (k)
                ui_lines_add(L, UI_C_WARN, " -> ");
            ui_lines_add_str(L, UI_C_NORMAL, &o->name, "?");
        }
        return;
    }
}

/* The first line: name, state and what is wrong with it. */
static void
ui_detail_head(struct ui_lines *L, const struct ui_detail_in *in, const struct ui_act *act)
{
    const struct snap *s = in->s;
    const struct snap_task *t = &s->tasks[in->task];

    ui_lines_begin(L);
    ui_lines_add_str(L, UI_C_BOLD, &t->name, "(null name)");
    if (t->name.s && t->name.len == 0)
        ui_lines_add(L, UI_C_DIM, "(empty name)");
    ui_lines_add(L, UI_C_NORMAL, "  ");
    ui_lines_add(L, ui_state_color(t->state), "%s", snap_task_state_name(t->state));
    if (t->running)
        ui_lines_add(L, UI_C_RUNNING, "  RUNNING now");
    if (t->cancel_requests > 0)
        ui_lines_add(L, UI_C_CANCEL, "  CANCEL requested x%d", t->cancel_requests);
    if (t->must_cancel)
        ui_lines_add(L, UI_C_CANCEL, "  CANCEL pending (must_cancel)");
    if (in->count > 1)
        ui_lines_add(L, UI_C_GROUP, "  group of %zu identical tasks (g: unfold)", in->count);
    if (act && (act->flags & UI_ACT_STUCK))
        ui_lines_add(L, UI_C_WARN, "  STUCK (stack unchanged)");
    if (act && (act->flags & UI_ACT_SWALLOW))
        ui_lines_add(L, UI_C_CANCEL, "  SWALLOWED CANCEL (still running after it)");
    if (act && (act->flags & UI_ACT_CRITICAL))
        ui_lines_add(L, UI_C_WARN, "  CRITICAL");
    if (t->in_cycle)
        ui_cycle_add(L, s, in->task);
}

/* "function file:line" of a frame, the qualified name when there is one. */
static void
ui_frame_brief(struct ui_lines *L, const struct snap_frame *f)
{
    const struct snap_str *fn = f->qualname.s ? &f->qualname : &f->function;
    const char *b;
    size_t bl;

    if (fn->s) {
        ui_lines_add_str(L, UI_C_FUNC, fn, "?");
        ui_lines_add(L, UI_C_NORMAL, "  ");
    }
    b = ui_basename(f->file.s, f->file.len, &bl);
    ui_lines_add_bytes(L, UI_C_FILE, b, bl, 0);
    ui_lines_add(L, UI_C_FILE, ":%d", f->line);
}

/*
 * Where it is, as the WHERE column says it but never cut: its user frame
 * and the function it awaits in, "handle app.py:39 -> Lock.acquire"; the
 * innermost frame when none of its frames is the user's.
 */
static void
ui_detail_where(struct ui_lines *L, const struct snap *s, size_t task)
{
    const struct snap_frame *top = tree_task_top(s, task), *u = tree_task_user(s, task);
    const struct snap_frame *inner = u && top != u ? top : NULL;

    if (!u)
        u = top;
    if (!u || !u->file.s)
        return;
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, u == top && !tree_task_user(s, task)
                                    ? "where (innermost) " : "where ");
    ui_frame_brief(L, u);
    if (inner && (inner->function.s || inner->qualname.s)) {
        ui_lines_add(L, UI_C_DIM, " -> ");
        ui_lines_add_str(L, UI_C_FUNC, inner->qualname.s ? &inner->qualname : &inner->function,
                         "?");
    }
}

/* Its identity (coroutine, address, loop thread, age) and its activity. */
static void
ui_detail_identity(struct ui_lines *L, const struct ui_detail_in *in, const struct ui_act *act)
{
    const struct snap_task *t = &in->s->tasks[in->task];
    char age[32];

    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "coroutine ");
    ui_lines_add_str(L, UI_C_FUNC, &t->coro, "-");
    ui_lines_add(L, UI_C_HDR_LABEL, "  task ");
    ui_lines_add(L, UI_C_NORMAL, "0x%llx", (unsigned long long)t->addr);
    if (t->thread_tid)
        ui_lines_add(L, UI_C_NORMAL, "  loop thread %ld", t->thread_tid);
    if (in->first_seen) {
        ui_fmt_age(age, sizeof(age), in->now_ns > in->first_seen[in->task]
                                     ? in->now_ns - in->first_seen[in->task] : 0);
        ui_lines_add(L, UI_C_NORMAL, "  seen for %s", age);
    }
    if (t->group)
        ui_lines_add(L, UI_C_NORMAL, "  taskgroup 0x%llx", (unsigned long long)t->group);
    if (act && (act->flags & UI_ACT_KNOWN)) {
        unsigned pm = ui_act_permille(act);

        ui_fmt_age(age, sizeof(age), act->idle_ns);
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "activity ");
        ui_lines_add(L, act->running ? UI_C_RUNNING : UI_C_NORMAL, "running in %u.%u%%",
                     pm / 10, pm % 10);
        ui_lines_add(L, UI_C_NORMAL, " of %u sample%s, stack unchanged for %s", act->samples,
                     act->samples == 1 ? "" : "s", age);
    }
}

/* Its coroutine stack, innermost first, with source lines (and locals). */
static void
ui_detail_stack(struct ui_lines *L, const struct ui_detail_in *in)
{
    const struct snap *s = in->s;
    const struct snap_task *t = &s->tasks[in->task];
    const struct snap_frame *fr;
    size_t n, i;

    fr = tree_frames(s, t->frame_first, t->frame_count, &n);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "coroutine stack");
    ui_lines_add(L, UI_C_DIM, ", innermost first, %zu frame%s%s", n, n == 1 ? "" : "s",
                 t->stack_truncated ? " (cut at the depth bound)" : "");
    if (n == 0) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, t->state == SNAP_TASK_PENDING
                     ? "  (no frames: not started yet, or unreadable)"
                     : "  (no frames: the task has finished)");
    }
    for (i = 0; i < n; i++) {
        ui_frame_add(L, &fr[i], i, in->src);
        ui_locals_add(L, s, &fr[i]);
    }
}

/*
 * The most useful lines first, so that a short pane shows them without
 * scrolling: name and state, where it is, what it waits on, why it ended;
 * who it awaits and who awaits it (the jump keys), its creator (--track);
 * the stacks (how it ended, its coroutine's, where it was created); last
 * its identity and activity, which the task tree's columns mostly show.
 */
void
ui_detail_build(struct ui_lines *L, struct ui_links *links, const struct ui_detail_in *in)
{
    const struct snap *s = in->s;
    const struct snap_task *t;
    const struct ui_act *act;
    size_t i;
    char wait[256];

    ui_lines_reset(L);
    memset(links, 0, sizeof(*links));
    links->first_awaited = links->first_waiter = TREE_NONE;
    if (in->task >= s->ntasks) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "no task selected");
        return;
    }
    t = &s->tasks[in->task];
    act = in->act ? &in->act[in->task] : NULL;

    ui_detail_head(L, in, act);
    ui_detail_where(L, s, in->task);
    if (view_wait_line(wait, sizeof(wait), s, in->task)) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "waits on ");
        ui_lines_add(L, UI_C_NORMAL, "%s", wait);
        if (t->waiting_on->kind == SNAP_WAIT_EXECUTOR && t->waiting_on->thread)
            ui_lines_add(L, UI_C_DIM, "  (x: its thread)");
    }
    ui_detail_reason_add(L, s, t);
    if (in->t && in->t->graph.ntasks == s->ntasks) {
        ui_edges_add(L, links, in, true);
        ui_edges_add(L, links, in, false);
    }
    ui_detail_track_add(L, links, s, t);
    ui_detail_end_add(L, s, t, in->src);
    ui_detail_stack(L, in);
    ui_detail_track_stack_add(L, s, t, in->src);
    ui_detail_identity(L, in, act);
    for (i = 0; i < s->ndiags; i++) {
        const struct snap_diag *d = &s->diags[i];

        if (d->scope != SNAP_DIAG_TASK || d->index != in->task)
            continue;
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_WARN, "! %s: %s", err_code_name(d->code),
                     d->message ? d->message : "");
    }
}

void
ui_threads_build(struct ui_lines *L, const struct snap *s, const double *cpu_pct,
                 struct ui_srccache *src)
{
    const struct snap_frame *fr;
    size_t i, k, n, nd = 0;

    ui_lines_reset(L);
    for (i = 0; i < s->nthreads; i++) {
        const struct snap_thread *th = &s->threads[i];

        fr = tree_frames(s, th->frame_first, th->frame_count, &n);
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "Thread ");
        ui_lines_add(L, UI_C_BOLD, "%ld", th->tid);
        ui_lines_add(L, UI_C_NORMAL, " \"");
        ui_lines_add_str(L, UI_C_BOLD, &th->name, "?");
        ui_lines_add(L, UI_C_NORMAL, "\"");
        if (th->is_main)
            ui_lines_add(L, UI_C_NORMAL, "  main");
        if (th->holds_gil)
            ui_lines_add(L, UI_C_RUNNING, "  holds the GIL");
        if (cpu_pct && cpu_pct[i] >= 0)
            ui_lines_add(L, cpu_pct[i] >= 50 ? UI_C_RUNNING : UI_C_NORMAL, "  cpu %.1f%%",
                         cpu_pct[i]);
        else if (th->cpu_known)
            ui_lines_add(L, UI_C_DIM, "  cpu -");
        ui_lines_add(L, UI_C_DIM, "  %zu frame%s%s", n, n == 1 ? "" : "s",
                     th->truncated ? " (cut at the depth bound)" : "");
        if (n == 0) {
            ui_lines_begin(L);
            ui_lines_add(L, UI_C_DIM, "  (no Python frames)");
        }
        for (k = 0; k < n; k++) {
            ui_frame_add(L, &fr[k], k, src);
            ui_locals_add(L, s, &fr[k]);
        }
        for (k = 0; k < s->ndiags; k++) {
            const struct snap_diag *d = &s->diags[k];

            if (d->scope != SNAP_DIAG_THREAD || d->index != i)
                continue;
            ui_lines_begin(L);
            ui_lines_add(L, UI_C_WARN, "  ! %s: %s", err_code_name(d->code),
                         d->message ? d->message : "");
        }
        ui_lines_begin(L);
    }
    if (s->nthreads == 0) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "no threads in this snapshot");
    }
    for (k = 0; k < s->ndiags; k++)
        nd += s->diags[k].scope == SNAP_DIAG_PROCESS;
    if (nd) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_WARN, "Diagnostics (%zu)", nd);
        for (k = 0; k < s->ndiags; k++) {
            const struct snap_diag *d = &s->diags[k];

            if (d->scope != SNAP_DIAG_PROCESS)
                continue;
            ui_lines_begin(L);
            ui_lines_add(L, UI_C_WARN, "  ! %s: %s", err_code_name(d->code),
                         d->message ? d->message : "");
        }
    }
}

/* ------------------------------------------------------------ terminated tasks */

const char *
ui_ended_how(enum snap_task_state st)
{
    switch (st) {
    case SNAP_TASK_DONE: return "done";
    case SNAP_TASK_CANCELLED: return "canc";
    default: return "gone";     /* pending when last seen: it ended between two samples */
    }
}

static enum ui_color
ui_ended_color(enum snap_task_state st)
{
    return st == SNAP_TASK_PENDING ? UI_C_DIM : ui_state_color(st);
}

/* "function  file:line" of a history frame (basename of the file when short). */
static void
ui_hist_frame_add(struct ui_lines *L, const struct hist_frame *f, bool base)
{
    const char *b = f->file;
    size_t bl = strlen(f->file);

    ui_lines_add_bytes(L, UI_C_FUNC, f->function, strlen(f->function), UI_LINE_CAP);
    ui_lines_add(L, UI_C_NORMAL, "  ");
    if (base)
        b = ui_basename(f->file, bl, &bl);
    ui_lines_add_bytes(L, UI_C_FILE, b, bl, UI_LINE_CAP);
    ui_lines_add(L, UI_C_FILE, ":%d", f->line);
}

void
ui_ended_build(struct ui_lines *L, const struct history *h, uint64_t now_ns)
{
    char lived[32], ago[32];
    size_t k, i;

    ui_lines_reset(L);
    for (k = 0; k < h->nended; k++) {
        const struct hist_task *t = &h->ended[h->nended - 1 - k];

        i = h->nended - 1 - k;
        /* seen in one sample only: it lived less than an interval, how long is unknown;
         * in none: only the tracker saw it */
        if (t->samples == 0)
            snprintf(lived, sizeof(lived), "-");
        else if (t->samples <= 1)
            snprintf(lived, sizeof(lived), "once");
        else
            ui_fmt_dur(lived, sizeof(lived), t->last_seen_ns - t->first_seen_ns);
        ui_fmt_age(ago, sizeof(ago), now_ns > t->last_seen_ns ? now_ns - t->last_seen_ns : 0);
        ui_lines_begin(L);
        L->lines[L->nlines - 1].task = i;
        ui_lines_add(L, UI_C_WARN, "%s", t->critical ? "!" : " ");
        ui_lines_add(L, ui_ended_color(t->state), " %s", ui_ended_how(t->state));
        ui_lines_add(L, UI_C_NORMAL, " %7s %6s ", lived, ago);
        ui_lines_add_bytes(L, t->critical ? UI_C_WARN : UI_C_BOLD, t->name, strlen(t->name),
                           UI_LINE_CAP);
        ui_lines_add(L, UI_C_DIM, "  ");
        ui_lines_add_bytes(L, UI_C_FUNC, t->coro, strlen(t->coro), UI_LINE_CAP);
        if (t->nstack) {
            ui_lines_add(L, UI_C_DIM, "  at ");
            ui_hist_frame_add(L, &t->stack[0], true);
        }
        if (t->reason)      /* escaped by snapshot/reason.c */
            ui_lines_add(L, UI_C_WARN, "  %s", t->reason);
    }
}

void
ui_ended_detail(struct ui_lines *L, const struct history *h, size_t idx, uint64_t now_ns,
                struct ui_srccache *src)
{
    const struct hist_task *t;
    char a[32], b[32], c[32];
    size_t i;

    ui_lines_reset(L);
    if (idx >= h->nended) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "no terminated task selected");
        return;
    }
    t = &h->ended[idx];
    ui_lines_begin(L);
    ui_lines_add_bytes(L, UI_C_BOLD, t->name, strlen(t->name), UI_LINE_CAP);
    ui_lines_add(L, UI_C_NORMAL, "  ");
    ui_lines_add(L, ui_ended_color(t->state), "%s", t->state == SNAP_TASK_PENDING
                 ? "ended between two samples" : snap_task_state_name(t->state));
    if (t->critical)
        ui_lines_add(L, UI_C_WARN, "  CRITICAL");
    if (t->cancel_requests > 0)
        ui_lines_add(L, UI_C_CANCEL, "  cancel requested x%d", t->cancel_requests);
    if (t->reason) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "ended ");
        ui_lines_add(L, UI_C_WARN, "%s", t->reason);
    }
    if (t->created_by) {        /* the tracker's, escaped by snapshot/track.c */
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "created by ");
        ui_lines_add(L, UI_C_NORMAL, "%s", t->created_by);
    }
    if (t->cancelled_by) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "cancelled by ");
        ui_lines_add(L, UI_C_CANCEL, "%s", t->cancelled_by);
    }
    if (t->samples == 0) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "seen by the tracker only: it lived and ended between two "
                     "samples");
    }

    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "coroutine ");
    ui_lines_add_bytes(L, UI_C_FUNC, t->coro, strlen(t->coro), UI_LINE_CAP);
    ui_lines_add(L, UI_C_HDR_LABEL, "  task ");
    ui_lines_add(L, UI_C_NORMAL, "0x%llx", (unsigned long long)t->id);

    ui_fmt_dur(a, sizeof(a), t->last_seen_ns - t->first_seen_ns);
    ui_fmt_age(b, sizeof(b), now_ns > t->last_seen_ns ? now_ns - t->last_seen_ns : 0);
    ui_fmt_age(c, sizeof(c), t->last_seen_ns > t->last_change_ns
                             ? t->last_seen_ns - t->last_change_ns : 0);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "seen for ");
    ui_lines_add(L, UI_C_NORMAL, "%s", a);
    ui_lines_add(L, UI_C_HDR_LABEL, "  last seen ");
    ui_lines_add(L, UI_C_NORMAL, "%s ago", b);
    ui_lines_add(L, UI_C_HDR_LABEL, "  running in ");
    ui_lines_add(L, UI_C_NORMAL, "%u of %u sample%s", t->running, t->samples,
                 t->samples == 1 ? "" : "s");
    ui_lines_add(L, UI_C_HDR_LABEL, "  stack unchanged for ");
    ui_lines_add(L, UI_C_NORMAL, "%s", c);

    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "last-seen stack");
    ui_lines_add(L, UI_C_DIM, ", innermost first, %zu frame%s", t->nstack,
                 t->nstack == 1 ? "" : "s");
    if (t->nstack == 0) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "  (no frames: never seen suspended)");
    }
    for (i = 0; i < t->nstack; i++) {
        char num[32];

        snprintf(num, sizeof(num), "#%zu", i);
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "  %-3s ", num);
        ui_hist_frame_add(L, &t->stack[i], false);
        ui_src_add(L, src, t->stack[i].file, strlen(t->stack[i].file), t->stack[i].line,
                   "        ");
    }
}
