/*
 * lines_end.c - the detail pane's part on why a task ended: the reason
 * line (snapshot/reason.h), the exception's traceback and its causes, the
 * cancellation's traceback, and the creation stack of debug mode; and the
 * tracker's records (--track): who created the task, up to a root, with jump
 * keys to those still alive, who cancelled it, where it was created.
 */
#include "lines.h"

#include "../snapshot/reason.h"
#include "../snapshot/track.h"
#include "../snapshot/tree.h"

#define UI_REASON_BYTES 1024

/* A titled list of frames, innermost first. */
static void
ui_end_frames(struct ui_lines *L, const struct snap *s, const char *title,
              struct snap_frames fs, struct ui_srccache *src)
{
    const struct snap_frame *fr = tree_frames(s, fs.first, fs.count, &fs.count);
    size_t i;

    if (!fs.count)
        return;
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "%s", title);
    ui_lines_add(L, UI_C_DIM, ", innermost first, %zu frame%s", fs.count,
                 fs.count == 1 ? "" : "s");
    for (i = 0; i < fs.count; i++)
        ui_frame_add(L, &fr[i], i, src);
}

void
ui_detail_reason_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t)
{
    char reason[UI_REASON_BYTES];

    if (snap_task_reason(s, t, reason, sizeof(reason))) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "ended ");
        ui_lines_add(L, t->exception && !t->exception->retrieved ? UI_C_WARN :
                        t->exception ? UI_C_DONE : UI_C_CANCEL, "%s", reason);
    }
}

void
ui_detail_end_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t,
                  struct ui_srccache *src)
{
    const struct snap_exc *e;
    int depth;

    if (t->exception) {
        ui_end_frames(L, s, "traceback", t->exception->traceback, src);
        for (e = t->exception->cause, depth = 0; e && depth < SNAP_MAX_CAUSES;
             e = e->cause, depth++) {
            char type[UI_REASON_BYTES];

            snap_exc_type_text(e, type, sizeof(type));
            ui_lines_begin(L);
            ui_lines_add(L, UI_C_HDR_LABEL, "caused by ");
            ui_lines_add(L, UI_C_WARN, "%s", type);
            if (e->message.s && e->message.len) {
                ui_lines_add(L, UI_C_WARN, ": ");
                ui_lines_add_str(L, UI_C_WARN, &e->message, "");
            }
            ui_end_frames(L, s, "its traceback", e->traceback, src);
        }
    } else if (t->cancelled) {
        ui_end_frames(L, s, "cancelled in", t->cancelled->traceback, src);
    }
    ui_end_frames(L, s, "created at (debug mode)", t->created_at, src);
}

/* One task of a chain: a numbered link when it is alive (a task of the snapshot). */
static void
ui_track_who(struct ui_lines *L, struct ui_links *links, const struct snap *s,
             const struct track_who *w)
{
    ui_lines_begin(L);
    if (w->kind == TRACK_WHO_TASK && links->n < UI_MAX_LINKS) {
        links->task[links->n++] = w->index;
        ui_lines_add(L, UI_C_FKEY, "  [%zu]", links->n);
        L->lines[L->nlines - 1].task = w->index;
    } else {
        ui_lines_add(L, UI_C_NORMAL, "     ");
    }
    ui_lines_add(L, UI_C_NORMAL, " ");
    if (w->kind == TRACK_WHO_TASK) {
        ui_lines_add_str(L, UI_C_BOLD, &s->tasks[w->index].name, "?");
        ui_lines_add(L, UI_C_DIM, "  ");
        ui_lines_add_str(L, UI_C_FUNC, &s->tasks[w->index].coro, "-");
    } else if (w->kind == TRACK_WHO_ENDED) {
        ui_lines_add_str(L, UI_C_BOLD, &s->ended[w->index].name, "?");
        ui_lines_add(L, UI_C_DIM, "  ended");
    } else {
        ui_lines_add(L, UI_C_DIM, "0x%llx (gone)", (unsigned long long)w->addr);
    }
}

void
ui_detail_track_add(struct ui_lines *L, struct ui_links *links, const struct snap *s,
                    const struct snap_task *t)
{
    const struct snap_track *r = t->track;
    struct track_index ix;
    char line[UI_REASON_BYTES];
    size_t depth;

    if (!r)
        return;
    track_index_build(&ix, s);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_HDR_LABEL, "created by");
    if (track_creator(s, &ix, r).kind == TRACK_WHO_NONE)
        ui_lines_add(L, UI_C_DIM, " no task (a root)");
    for (depth = 0; r && depth < TRACK_MAX_CHAIN; depth++) {
        struct track_who w = track_creator(s, &ix, r);

        if (w.kind == TRACK_WHO_NONE)
            break;
        ui_track_who(L, links, s, &w);
        r = track_who_record(s, &w);
    }
    if (track_cancel_text(s, &ix, t->track->cancelled_by, line, sizeof(line))) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "cancelled by ");
        ui_lines_add(L, UI_C_CANCEL, "%s", line);
    }
    track_index_free(&ix);
}

void
ui_detail_track_stack_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t,
                          struct ui_srccache *src)
{
    if (t->track)
        ui_end_frames(L, s, "created at (tracker)", t->track->creation_stack, src);
}
