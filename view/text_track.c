/*
 * text_track.c - the tracker's section of the text view (text_track.h):
 *
 *   Tracker: 1234 tasks created, 1200 ended since it was installed 12 s ago
 *   Ended (tracker, newest first; 1000 kept):
 *     critical-x  done  KeyError: 'tenant-7' at app.py:9  [critical]  0.4 s ago
 *           created by Task-1
 */
#include "text_track.h"

#include <inttypes.h>
#include <string.h>

#include "../common/escape.h"
#include "../snapshot/reason.h"

#define TT_LINE 1024

static double
tt_ago(const struct snap *s, uint64_t at_ns)
{
    return at_ns && s->taken_at_ns > at_ns ? (double)(s->taken_at_ns - at_ns) / 1e9 : 0.0;
}

static void
tt_one(FILE *f, const struct snap *s, const struct track_index *ix, const struct snap_ended *e)
{
    struct snap_task tmp;
    char line[TT_LINE];

    fputs("  ", f);
    escape_text(f, e->name.s, e->name.len, 100);
    memset(&tmp, 0, sizeof(tmp));
    tmp.state = e->state;
    tmp.exception = e->exception;
    if (snap_task_reason(s, &tmp, line, sizeof(line)))
        fprintf(f, "  %s", line);
    else
        fprintf(f, "  %s", snap_task_state_name(e->state));
    if (e->coro.s) {
        fputs("  ", f);
        escape_text(f, e->coro.s, e->coro.len, 100);
    }
    if (e->critical)
        fputs("  [critical]", f);
    if (e->ended_at_ns)
        fprintf(f, "  %.1f s ago", tt_ago(s, e->ended_at_ns));
    fputc('\n', f);
    if (e->track && track_chain_text(s, ix, e->track, line, sizeof(line)))
        fprintf(f, "        created by %s\n", line);
    if (e->track && track_cancel_text(s, ix, e->track->cancelled_by, line, sizeof(line)))
        fprintf(f, "        cancelled by %s\n", line);
}

void
text_track_ended(FILE *f, const struct snap *s, const struct track_index *ix, bool stacks)
{
    const struct snap_tracker *tr = &s->tracker;
    size_t i, shown = 0;

    (void)stacks;
    if (!tr->present)
        return;
    fprintf(f, "\nTracker: %" PRId64 " task%s created, %" PRId64 " ended since it was installed"
            " %.0f s ago", tr->created, tr->created == 1 ? "" : "s", tr->ended,
            tt_ago(s, tr->installed_ns));
    if (!tr->enabled) {
        fputs("; disabled", f);
        if (tr->error.s) {
            fputs(": ", f);
            escape_text(f, tr->error.s, tr->error.len, 200);
        }
    }
    fputc('\n', f);
    fprintf(f, "Ended (tracker, newest first; the last %" PRId64 " kept and every critical one):"
            "%s\n", tr->keep, s->nended ? "" : " (none)");
    for (i = 0; i < s->nended; i++) {
        if (shown < TEXT_MAX_ENDED || s->ended[i].critical) {
            tt_one(f, s, ix, &s->ended[i]);
            shown++;
        }
    }
    if (shown < s->nended)
        fprintf(f, "  … %zu more (the JSON view lists them all)\n", s->nended - shown);
}
