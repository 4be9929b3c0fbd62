/*
 * history_events.c - the history's events (history.h): a task ended, was
 * cancelled, swallowed a cancellation, became stuck; a flood grew.  Each is
 * given once, when it happens: --watch prints them as they come.  The rules
 * of stuck, swallowing and growing are here too: history.c's reports and
 * the events read the same ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"
#include "history.h"

static const char *const hist_event_names[HIST_EV__COUNT] = {
    [HIST_EV_ENDED] = "ended",
    [HIST_EV_CANCELLED] = "cancelled",
    [HIST_EV_SWALLOWED] = "swallowed a cancellation",
    [HIST_EV_STUCK] = "stuck",
    [HIST_EV_FLOOD] = "flood",
};

bool
history_task_stuck(const struct history *h, const struct hist_task *t)
{
    return !t->ended && h->stuck_ns && t->state == SNAP_TASK_PENDING && t->samples > 1 &&
           h->last_ns - t->last_change_ns >= h->stuck_ns;
}

bool
history_task_swallowing(const struct hist_task *t)
{
    /* a cancellation was requested, and the coroutine kept running through the next samples */
    return t->cancel_samples >= 2;
}

enum hist_outcome
history_task_outcome(const struct hist_task *t)
{
    switch (t->state) {
    case SNAP_TASK_CANCELLED:
        return HIST_OUT_CANCELLED;
    case SNAP_TASK_DONE:
        /* a done task's reason is its exception (reason.h) */
        return t->reason && t->reason[0] ? HIST_OUT_EXCEPTION : HIST_OUT_OK;
    case SNAP_TASK_PENDING:
    default:
        return HIST_OUT_UNKNOWN;
    }
}

const char *
history_outcome_name(enum hist_outcome o)
{
    static const char *const names[HIST_OUT__COUNT] = {
        [HIST_OUT_OK] = "ok", [HIST_OUT_EXCEPTION] = "exception",
        [HIST_OUT_CANCELLED] = "cancelled", [HIST_OUT_UNKNOWN] = "unknown",
    };

    return (unsigned)o < HIST_OUT__COUNT ? names[o] : "unknown";
}

bool
history_flood_growing(const struct hist_flood *f, double *rate)
{
    size_t i;
    double dt;

    if (f->nsamples <= HISTORY_FLOOD_WINDOW)
        return false;
    for (i = 0; i < HISTORY_FLOOD_WINDOW; i++) {
        if (f->count[i] <= f->count[i + 1])
            return false;
    }
    dt = (double)(f->t_ns[0] - f->t_ns[HISTORY_FLOOD_WINDOW]) / 1e9;
    if (rate)
        *rate = dt > 0 ? (double)(f->count[0] - f->count[HISTORY_FLOOD_WINDOW]) / dt : 0;
    return true;
}

const char *
history_event_kind_name(enum hist_event_kind k)
{
    return (unsigned)k < HIST_EV__COUNT ? hist_event_names[k] : "unknown";
}

void
history_events_enable(struct history *h)
{
    h->events_on = true;
}

void
history_events_free(struct hist_event *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].coro);
        free(v[i].where);
        free(v[i].reason);
    }
    free(v);
}

void
history_events_take(struct history *h, struct hist_event **v, size_t *n, size_t *dropped)
{
    *v = h->events;
    *n = h->nevents;
    *dropped = h->events_dropped;
    h->events = NULL;
    h->nevents = h->cap_events = 0;
    h->events_dropped = 0;
}

static struct hist_event *
hist_event_new(struct history *h, enum hist_event_kind kind)
{
    struct hist_event *e;

    if (!h->events_on)
        return NULL;
    if (h->nevents >= HISTORY_MAX_EVENTS) {
        h->events_dropped++;
        return NULL;
    }
    xgrow((void **)&h->events, &h->cap_events, h->nevents + 1, sizeof(*h->events));
    e = &h->events[h->nevents++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->at_ns = h->last_ns;
    return e;
}

/*
 * Where a task was last seen, your code first: "function file:line" of its
 * user frame, then "→ function" of the innermost frame when that is another
 * (asyncio's own: "handle app.py:39 → acquire"); the innermost frame's
 * "function file:line" without a user frame; "" without frames.
 */
static char *
hist_event_where(const struct hist_task *t)
{
    const struct hist_frame *u;
    char *s;
    size_t n;

    if (!t->nstack)
        return xstrdup("");
    u = t->user_frame < t->nstack ? &t->stack[t->user_frame] : &t->stack[0];
    n = strlen(u->function) + strlen(u->file) + strlen(t->stack[0].function) + 40;
    s = xmalloc(n);
    if (u != &t->stack[0])
        snprintf(s, n, "%s %s:%d \xe2\x86\x92 %s", u->function, u->file, u->line,
                 t->stack[0].function);
    else
        snprintf(s, n, "%s %s:%d", u->function, u->file, u->line);
    return s;
}

static struct hist_event *
hist_event_task(struct history *h, enum hist_event_kind kind, const struct hist_task *t)
{
    struct hist_event *e = hist_event_new(h, kind);

    if (!e)
        return NULL;
    e->name = xstrdup(t->name ? t->name : "");
    e->coro = xstrdup(t->coro ? t->coro : "");
    e->where = hist_event_where(t);
    e->reason = xstrdup(t->reason ? t->reason : "");
    e->state = t->state;
    e->critical = t->critical;
    return e;
}

/*
 * Called as t goes to the terminated list, before the sample's time is
 * set: the event gets the time of the sample being folded in (set by scan).
 */
void
hist_event_ended(struct history *h, const struct hist_task *t)
{
    struct hist_event *e = hist_event_task(h, t->state == SNAP_TASK_CANCELLED ?
                                           HIST_EV_CANCELLED : HIST_EV_ENDED, t);

    if (e)
        e->at_ns = 0;       /* stamped by hist_events_scan */
}

/* After a sample: stamp its ended events, then the transitions into stuck, swallowing, flood. */
void
hist_events_scan(struct history *h)
{
    size_t i;
    double rate;

    for (i = h->nevents; i > 0 && h->events[i - 1].at_ns == 0; i--)
        h->events[i - 1].at_ns = h->last_ns;
    for (i = 0; i < h->nlive; i++) {
        struct hist_task *t = &h->live[i];
        bool stuck = history_task_stuck(h, t), swallowing = history_task_swallowing(t);

        if (swallowing && !t->said_swallowing)
            hist_event_task(h, HIST_EV_SWALLOWED, t);
        if (stuck && !t->said_stuck)
            hist_event_task(h, HIST_EV_STUCK, t);
        t->said_swallowing = swallowing;
        t->said_stuck = stuck;
    }
    for (i = 0; i < h->nfloods; i++) {
        struct hist_flood *f = &h->floods[i];
        bool growing = history_flood_growing(f, &rate);

        if (growing && !f->said_growing) {
            struct hist_event *e = hist_event_new(h, HIST_EV_FLOOD);

            if (e) {
                size_t n = strlen(f->file) + 32;

                e->name = xstrdup("");
                e->coro = xstrdup(f->coro);
                e->where = xmalloc(n);
                snprintf(e->where, n, "%s:%d", f->file, f->line);
                e->count = f->count[0];
                e->rate = rate;
            }
        }
        f->said_growing = growing;
    }
}
