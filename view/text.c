/*
 * text.c - the py-spy-dump-like text view, the "text" row of the writer
 * table (write.h): header, threads with their frames, then a summary of the
 * tasks and their await tree drawn like pstree.
 */
#include "write.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/escape.h"
#include "../common/xalloc.h"
#include "../snapshot/reason.h"
#include "../snapshot/track.h"
#include "text.h"
#include "text_track.h"
#include "../snapshot/tree.h"
#include "wait.h"

#define MAX_TEXT_DIAGS   50     /* diagnostics listed in the header */
#define MAX_TEXT_GROUPS  20     /* summary lines */
#define MAX_DRAW_DEPTH   32     /* tree levels drawn with glyphs; deeper rows show "[+N]" */

static void
text_str(FILE *f, struct snap_str v)
{
    if (v.s)
        escape_text(f, v.s, v.len, 0);
    else
        fputc('?', f);
}

static void
text_cstr(FILE *f, const char *c)
{
    if (c && *c)
        escape_text(f, c, strlen(c), 0);
    else
        fputs("unknown", f);
}

/* "file:line", "file" when the line is unknown, "?" without a file. */
static void
text_where(FILE *f, const struct snap_frame *fr)
{
    if (!fr) {
        fputc('-', f);
        return;
    }
    text_str(f, fr->file);
    if (fr->line > 0)
        fprintf(f, ":%d", fr->line);
}

static struct snap_str
text_func(const struct snap_frame *fr)
{
    return fr->qualname.s ? fr->qualname : fr->function;
}

/*
 * A task's WHERE (text.h): its user frame with the awaited primitive,
 * "handle_request app.py:39 → Lock.acquire" (the innermost function after
 * the arrow when it is another frame), or the innermost "file:line" when it
 * has no user frame or --where=innermost.
 */
void
text_task_where(FILE *f, const struct snap *s, size_t task, bool innermost, bool summary)
{
    const struct snap_frame *u = innermost ? NULL : tree_task_user(s, task);
    const struct snap_frame *top = tree_task_top(s, task);

    if (!u) {
        text_where(f, top);
        return;
    }
    text_str(f, text_func(u));
    fputc(' ', f);
    text_where(f, u);
    /* the awaited primitive, unless the wait itself follows (view/wait.c says more) */
    if (top && top != u && (summary || !s->tasks[task].waiting_on)) {
        fputs(" \xe2\x86\x92 ", f);
        text_str(f, text_func(top));
    }
}

static void
text_frame(FILE *f, const struct snap_frame *fr)
{
    if (fr->kind == SNAP_FRAME_NATIVE) {
        if (fr->function.s) {
            text_str(f, fr->function);
            fprintf(f, "+0x%" PRIx64, fr->offset);
        } else {
            fprintf(f, "0x%" PRIx64, fr->pc);
        }
        fputs(" (", f);
        text_str(f, fr->module);
        fputs(")\n", f);
        return;
    }
    text_str(f, fr->qualname.s ? fr->qualname : fr->function);
    fputs(" (", f);
    text_where(f, fr);
    fputs(")\n", f);
}

/* Tree-drawing prefix of a row's continuation lines (below). */
static void text_prefix(FILE *f, const unsigned char *last, size_t d, bool cont);

/*
 * --locals: a Python frame's arguments and locals, one "name = value" line
 * each under the frame, indented by lead (after the tree's prefix when last
 * is not NULL); "<unbound>" for a local without a value.
 */
static void
text_locals(FILE *f, const struct snap *s, const struct snap_frame *fr,
            const unsigned char *last, size_t depth, const char *lead)
{
    size_t i;

    if (!(s->flags & SNAP_F_LOCALS) || fr->kind != SNAP_FRAME_PYTHON)
        return;
    for (i = 0; i < fr->local_count && fr->local_first + i < s->nlocals; i++) {
        const struct snap_local *l = &s->locals[fr->local_first + i];

        if (last)
            text_prefix(f, last, depth, true);
        fputs(lead, f);
        text_str(f, l->name);
        fputs(" = ", f);
        if (l->value.s)
            text_str(f, l->value);
        else
            fputs("<unbound>", f);
        fputc('\n', f);
    }
}

static double
text_ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static void
text_diag(FILE *f, const struct snap *s, const struct snap_diag *d)
{
    fputs("    ", f);
    if (d->scope == SNAP_DIAG_THREAD && d->index < s->nthreads)
        fprintf(f, "thread %ld: ", s->threads[d->index].tid);
    else if (d->scope == SNAP_DIAG_TASK && d->index < s->ntasks)
        fprintf(f, "task 0x%" PRIx64 ": ", s->tasks[d->index].addr);
    else
        fputs("process: ", f);
    text_cstr(f, d->message);
    fprintf(f, " (%s)\n", err_str(d->code));
}

static void
text_header(FILE *f, const struct snap *s)
{
    size_t i;

    fprintf(f, "Process %d", s->pid);
    if (s->cmdline.s) {
        fputs(": ", f);
        text_str(f, s->cmdline);
    }
    fputs("\nPython ", f);
    if (s->python_version[0])
        escape_text(f, s->python_version,
                    strnlen(s->python_version, sizeof(s->python_version)), 0);
    else
        fputs("unknown", f);
    fputs(" (layout: ", f);
    text_cstr(f, s->layout_source);
    fputs(")\n", f);
    if (s->flags & SNAP_F_LOADED)
        fputs("Loaded from a file\n", f);
    if (s->flags & SNAP_F_CORE)
        fprintf(f, "Read from a core file in %.3f ms", text_ms(s->read_ns));
    else if (s->flags & SNAP_F_TORN)
        fprintf(f, "Read in %.3f ms without stopping", text_ms(s->read_ns));
    else
        fprintf(f, "Stopped for %.3f ms, read in %.3f ms", text_ms(s->stopped_ns),
                text_ms(s->read_ns));
    fprintf(f, " (%" PRIu64 " bytes in %" PRIu64 " reads)\n", s->bytes_read, s->read_calls);
    if (s->flags & SNAP_F_TORN)
        fputs("WARNING: read without stopping the process: results may be torn\n", f);
    if (s->flags & SNAP_F_PARTIAL) {
        fprintf(f, "WARNING: partial snapshot, %zu problem%s:\n", s->ndiags,
                s->ndiags == 1 ? "" : "s");
        for (i = 0; i < s->ndiags && i < MAX_TEXT_DIAGS; i++)
            text_diag(f, s, &s->diags[i]);
        if (s->ndiags > MAX_TEXT_DIAGS)
            fprintf(f, "    ... and %zu more\n", s->ndiags - MAX_TEXT_DIAGS);
    }
}

static void
text_threads(FILE *f, const struct snap *s)
{
    const struct snap_frame *fr;
    size_t i, k, count;

    for (i = 0; i < s->nthreads; i++) {
        const struct snap_thread *t = &s->threads[i];

        fprintf(f, "\nThread %ld", t->tid);
        if (t->name.s) {
            fputs(" \"", f);
            text_str(f, t->name);
            fputc('"', f);
        }
        if (t->native_only)
            fputs(" (no Python thread state)", f);
        fputs(t->holds_gil ? " (holds GIL)\n" : "\n", f);
        fr = tree_frames(s, t->frame_first, t->frame_count, &count);
        if (count == 0)
            fputs("    (no frames)\n", f);
        for (k = 0; k < count; k++) {
            fputs("    ", f);
            text_frame(f, &fr[k]);
            text_locals(f, s, &fr[k], NULL, 0, "        ");
        }
        if (t->truncated)
            fputs("    ... (more frames not read)\n", f);
    }
}

static void
text_summary(FILE *f, const struct snap *s, const struct tree_forest *t,
             const struct write_opts *o)
{
    struct tree_summary sum;
    size_t i;

    tree_summary_build(&sum, s, t);
    fprintf(f, "\nTasks: %zu (%zu pending, %zu done, %zu cancelled)\n", s->ntasks,
            sum.by_state[SNAP_TASK_PENDING], sum.by_state[SNAP_TASK_DONE],
            sum.by_state[SNAP_TASK_CANCELLED]);
    for (i = 0; i < sum.ngroups && i < MAX_TEXT_GROUPS; i++) {
        fprintf(f, "%7zu  ", sum.groups[i].count);
        text_str(f, s->tasks[sum.groups[i].task].coro);
        fputs("  ", f);
        /* the group shares coroutine and place, not always the object: the awaited function */
        text_task_where(f, s, sum.groups[i].task, o->where_innermost, true);
        fputc('\n', f);
    }
    if (sum.ngroups > MAX_TEXT_GROUPS)
        fprintf(f, "    ... %zu more groups\n", sum.ngroups - MAX_TEXT_GROUPS);
    tree_summary_free(&sum);
}

/*
 * The tree glyphs of a row at depth d (cont = a continuation line under the
 * row itself).  last[k] says whether the row's ancestor at depth k was the
 * last of its siblings.
 */
static void
text_prefix(FILE *f, const unsigned char *last, size_t d, bool cont)
{
    size_t k = 1;

    if (d > MAX_DRAW_DEPTH) {
        fprintf(f, "[+%zu] ", d - MAX_DRAW_DEPTH);
        k = d - MAX_DRAW_DEPTH + 1;
    }
    for (; k < d; k++)
        fputs(last[k] ? "    " : "\xe2\x94\x82   ", f);
    if (d == 0)
        return;
    if (cont)
        fputs(last[d] ? "    " : "\xe2\x94\x82   ", f);
    else
        fputs(last[d] ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 " :
                        "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 ", f);
}

#define TEXT_REASON_BYTES 1024

/*
 * The state words of a task's tree line: its state and coroutine, or why it
 * ended: "done  KeyError: 'tenant-7' at worker.py:41 (never retrieved)",
 * "cancelled ("shutdown") at tasks.py:665  coro".  false: the usual ones.
 */
static bool
text_task_reason(FILE *f, const struct snap *s, const struct snap_task *tk)
{
    char reason[TEXT_REASON_BYTES];

    if (!snap_task_reason(s, tk, reason, sizeof(reason)))
        return false;
    if (tk->exception) {
        fprintf(f, "  %s  %s", snap_task_state_name(tk->state), reason);
    } else {
        fprintf(f, "  %s  ", reason);
        text_str(f, tk->coro);
    }
    return true;
}

/* The prefix of a continuation line under a task row (--stacks). */
struct text_cont {
    const unsigned char *last;
    size_t depth;
    bool kids;
};

static void
text_cont_line(FILE *f, const struct text_cont *k, const char *extra)
{
    text_prefix(f, k->last, k->depth, true);
    fputs(k->kids ? "\xe2\x94\x82     " : "      ", f);
    fputs(extra, f);
}

/* Frames as Python's traceback prints them: outermost first. */
static void
text_tb_frames(FILE *f, const struct snap *s, const struct text_cont *k, struct snap_frames fs)
{
    const struct snap_frame *fr = tree_frames(s, fs.first, fs.count, &fs.count);
    size_t i;

    for (i = fs.count; i > 0; i--) {
        text_cont_line(f, k, "  File \"");
        text_str(f, fr[i - 1].file);
        fprintf(f, "\", line %d, in ", fr[i - 1].line);
        text_str(f, fr[i - 1].function);
        fputc('\n', f);
    }
}

static void
text_exc(FILE *f, const struct snap *s, const struct text_cont *k, const struct snap_exc *e,
         int depth)
{
    char type[TEXT_REASON_BYTES];

    if (e->cause && depth < SNAP_MAX_CAUSES) {
        text_exc(f, s, k, e->cause, depth + 1);
        text_cont_line(f, k, "The above exception was the direct cause of the following "
                             "exception:\n");
    }
    if (e->traceback.count) {
        text_cont_line(f, k, "Traceback (most recent call last):\n");
        text_tb_frames(f, s, k, e->traceback);
    }
    snap_exc_type_text(e, type, sizeof(type));
    text_cont_line(f, k, type);
    if (e->message.s && e->message.len) {
        fputs(": ", f);
        text_str(f, e->message);
    }
    fputc('\n', f);
}

/* --stacks: a task's exception or cancellation traceback and its creation stack. */
static void
text_task_end(FILE *f, const struct snap *s, const struct text_cont *k,
              const struct snap_task *tk)
{
    if (tk->exception) {
        text_exc(f, s, k, tk->exception, 0);
        if (!tk->exception->retrieved)
            text_cont_line(f, k, "(never retrieved)\n");
    } else if (tk->cancelled && tk->cancelled->traceback.count) {
        text_cont_line(f, k, "Cancelled (most recent call last):\n");
        text_tb_frames(f, s, k, tk->cancelled->traceback);
    }
    if (tk->created_at.count) {
        text_cont_line(f, k, "Created at (most recent call last):\n");
        text_tb_frames(f, s, k, tk->created_at);
    }
}

/* The tracker's records (--track): who created the task (the chain up to a root), who cancelled it. */
static void
text_task_track(FILE *f, const struct snap *s, const struct text_cont *k,
                const struct snap_task *tk, const struct track_index *ix)
{
    char line[TEXT_REASON_BYTES];

    if (!tk->track)
        return;
    if (track_chain_text(s, ix, tk->track, line, sizeof(line))) {
        text_cont_line(f, k, "created by ");
        fputs(line, f);
        fputc('\n', f);
    }
    if (track_cancel_text(s, ix, tk->track->cancelled_by, line, sizeof(line))) {
        text_cont_line(f, k, "cancelled by ");
        fputs(line, f);
        fputc('\n', f);
    }
}

static void
text_task_row(FILE *f, const struct snap *s, const struct tree_forest *t,
              const struct tree_row *row, const struct write_opts *o)
{
    const struct snap_task *tk = &s->tasks[row->task];
    size_t extra = t->nodes[row->node].extra_waiters;
    char wait[256];

    text_str(f, tk->name);
    if (!text_task_reason(f, s, tk)) {
        fprintf(f, "  %s  ", snap_task_state_name(tk->state));
        text_str(f, tk->coro);
        fputs("  ", f);
        text_task_where(f, s, row->task, o->where_innermost, false);
    }
    if (tk->running)
        fputs("  *running*", f);
    if (tk->cancel_requests > 0)
        fprintf(f, "  cancelling(%d)", tk->cancel_requests);
    else if (tk->must_cancel)
        fputs("  cancelling", f);
    if (row->flags & TREE_ROW_CYCLE)
        fputs("  [await cycle]", f);
    if (extra)
        fprintf(f, "  (also awaited by %zu other%s)", extra, extra == 1 ? "" : "s");
    if (row->count > 1)
        fprintf(f, "  \xc3\x97%zu", row->count);    /* "×N": N tasks in this row */
    if (view_wait_line(wait, sizeof(wait), s, row->task))
        fprintf(f, "  \xe2\x86\x92 %s", wait);
    fputc('\n', f);
}

/*
 * --stacks: a column of marks, "| " before the frames the running task's
 * thread executes above its coroutine (plain calls), "> " before its user
 * frame ("|>" both).
 */
static void
text_stack_mark(FILE *f, const struct snap_task *tk, size_t k)
{
    fputc(k < tk->thread_frames ? '|' : ' ', f);
    fputc(k == tk->user_frame ? '>' : ' ', f);
    fputc(' ', f);
}

static void
text_tree(FILE *f, const struct snap *s, const struct tree_forest *t,
          const struct write_opts *o, const struct track_index *ix)
{
    struct tree_rows rows = { 0 };
    struct tree_view view = { .group = o->group };
    unsigned char *last = xcalloc(t->nnodes + 1, 1);
    const struct snap_frame *fr;
    size_t i, k, count;

    tree_rows_build(&rows, s, t, &view);
    fputc('\n', f);
    for (i = 0; i < rows.nrows; i++) {
        const struct tree_row *row = &rows.rows[i];
        const struct snap_task *tk = &s->tasks[row->task];
        bool kids = i + 1 < rows.nrows && rows.rows[i + 1].depth > row->depth;

        last[row->depth] = (row->flags & TREE_ROW_LAST) != 0;
        text_prefix(f, last, row->depth, false);
        text_task_row(f, s, t, row, o);
        {
            struct text_cont cont = { last, row->depth, kids };

            text_task_track(f, s, &cont, tk, ix);
        }
        if (!o->stacks)
            continue;
        fr = tree_frames(s, tk->frame_first, tk->frame_count, &count);
        for (k = 0; k < count; k++) {
            text_prefix(f, last, row->depth, true);
            fputs(kids ? "\xe2\x94\x82     " : "      ", f);
            text_stack_mark(f, tk, k);
            text_frame(f, &fr[k]);
            text_locals(f, s, &fr[k], last, row->depth, kids ? "\xe2\x94\x82         " :
                        "          ");
        }
        if (tk->stack_truncated) {
            text_prefix(f, last, row->depth, true);
            fputs(kids ? "\xe2\x94\x82     ...\n" : "      ...\n", f);
        }
        {
            struct text_cont cont = { last, row->depth, kids };

            text_task_end(f, s, &cont, tk);
        }
    }
    free(last);
    tree_rows_free(&rows);
}

/* Each await cycle, as CPython's `asyncio pstree` names them: "deadlock: a → b → a". */
static void
text_cycles(FILE *f, const struct snap *s)
{
    size_t i, k;

    if (s->ncycles)
        fputc('\n', f);
    for (i = 0; i < s->ncycles; i++) {
        const struct snap_cycle *c = &s->cycles[i];

        fputs("deadlock: ", f);
        for (k = 0; k <= c->n; k++) {
            const struct snap_task *tk = &s->tasks[s->cycle_tasks[c->first + k % c->n]];

            if (k)
                fputs(" \xe2\x86\x92 ", f);
            text_str(f, tk->name);
            fprintf(f, " (0x%llx)", (unsigned long long)tk->addr);
        }
        fputc('\n', f);
    }
}

void
snap_write_text(FILE *f, const struct snap *s, const struct write_opts *o)
{
    static const struct write_opts defaults;
    struct tree_forest *t;
    struct track_index ix;

    if (!o)
        o = &defaults;
    text_header(f, s);
    text_threads(f, s);
    track_index_build(&ix, s);
    if (s->ntasks == 0) {
        /* say it: an empty section reads like a failure */
        fputs(s->flags & SNAP_F_NO_TASKS ? "\nno asyncio tasks (asyncio is not imported)\n"
                                         : "\nTasks: 0 (no tasks)\n", f);
    } else {
        t = tree_forest_build(s);
        text_summary(f, s, t, o);
        view_waits_fold_text(f, s, MAX_TEXT_GROUPS);
        text_cycles(f, s);
        text_tree(f, s, t, o, &ix);
        tree_forest_free(t);
    }
    text_track_ended(f, s, &ix, o->stacks);
    track_index_free(&ix);
}
