/*
 * history_track.c - the tasks the tracker (--track) saw end, folded into the
 * history's terminated list (history.h): sampling sees a task end only if
 * it was alive in a sample; the tracker saw every one, with its reason, its
 * creator and who cancelled it.
 */
#include "history.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"
#include "reason.h"
#include "track.h"

#define HT_SEARCH 4096      /* terminated entries searched (newest first) for the same task */
#define HT_LINE   1024

static char *
ht_dup(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

static char *
ht_str(struct snap_str v)
{
    return v.s ? xstrndup(v.s, strnlen(v.s, v.len)) : xstrdup("");
}

/* The most recent terminated entry of the task e names, or NULL. */
static struct hist_task *
ht_find(struct history *h, const struct snap_ended *e)
{
    size_t i, n = 0;

    for (i = h->nended; i > 0 && n < HT_SEARCH; i--, n++) {
        struct hist_task *t = &h->ended[i - 1];

        if (t->id == e->addr && e->name.s && strcmp(t->name, e->name.s) == 0)
            return t;
    }
    return NULL;
}

/* The tracker's notes on the task of e (reason, creator chain, canceller) into t. */
static void
ht_notes(struct hist_task *t, const struct snap *s, const struct track_index *ix,
         const struct snap_ended *e)
{
    char line[HT_LINE];
    struct snap_task tmp;

    memset(&tmp, 0, sizeof(tmp));
    tmp.state = e->state;
    tmp.exception = e->exception;
    if (!t->reason && snap_task_reason(s, &tmp, line, sizeof(line)))
        t->reason = ht_dup(line);
    if (e->track && !t->created_by && track_chain_text(s, ix, e->track, line, sizeof(line)))
        t->created_by = ht_dup(line);
    if (e->track && !t->cancelled_by &&
        track_cancel_text(s, ix, e->track->cancelled_by, line, sizeof(line)))
        t->cancelled_by = ht_dup(line);
    t->critical |= e->critical;
}

size_t
hist_track_collect(struct history *h, const struct snap *s, struct hist_task **out)
{
    struct track_index ix;
    uint64_t newest = h->track_seen_ns;
    size_t k, n = 0;

    *out = NULL;
    if (!s->nended)
        return 0;
    track_index_build(&ix, s);
    *out = xcalloc(s->nended, sizeof(**out));
    /* oldest first (snap.ended is newest first): the terminated list stays in order */
    for (k = s->nended; k > 0; k--) {
        const struct snap_ended *e = &s->ended[k - 1];
        struct hist_task *t, *c;

        if (e->ended_at_ns <= h->track_seen_ns)
            continue;
        if (e->ended_at_ns > newest)
            newest = e->ended_at_ns;
        if ((t = ht_find(h, e)) != NULL) {
            ht_notes(t, s, &ix, e);
            continue;
        }
        c = &(*out)[n++];
        c->id = e->addr;
        c->name = ht_str(e->name);
        c->coro = ht_str(e->coro);
        c->user_frame = SNAP_NO_FRAME;
        c->state = e->state;
        c->first_seen_ns = c->last_seen_ns = c->last_change_ns = e->ended_at_ns;
        c->ended = true;
        ht_notes(c, s, &ix, e);
    }
    h->track_seen_ns = newest;
    track_index_free(&ix);
    return n;
}
