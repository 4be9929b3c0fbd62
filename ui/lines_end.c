/*
 * lines_end.c - the detail pane's part on why a task ended: the reason
 * line (snapshot/reason.h), the exception's traceback and its causes, the
 * cancellation's traceback, and the creation stack of debug mode.
 */
#include "lines.h"

#include "../snapshot/reason.h"
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
ui_detail_end_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t,
                  struct ui_srccache *src)
{
    char reason[UI_REASON_BYTES];
    const struct snap_exc *e;
    int depth;

    if (snap_task_reason(s, t, reason, sizeof(reason))) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_HDR_LABEL, "ended ");
        ui_lines_add(L, t->exception && !t->exception->retrieved ? UI_C_WARN :
                        t->exception ? UI_C_DONE : UI_C_CANCEL, "%s", reason);
    }
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
