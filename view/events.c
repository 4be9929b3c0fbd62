/*
 * events.c - the history's events as lines (--watch streams them): one line
 * per event with the wall-clock time of its sample, identical events of one
 * sample folded into one line ("162 tasks ended (done): handle  app.py:39").
 * A critical task's event is never folded.
 */
#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/escape.h"

static void
ev_time(FILE *f, uint64_t ns)
{
    time_t t = (time_t)(ns / 1000000000u);
    struct tm tm;
    char buf[32];

    if (!localtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm))
        snprintf(buf, sizeof(buf), "?");
    fprintf(f, "%s.%03u  ", buf, (unsigned)(ns / 1000000u % 1000u));
}

static void
ev_str(FILE *f, const char *s)
{
    escape_text(f, s, strlen(s), 0);
}

/* Why the task ended ("" when unknown, and for events without a task). */
static const char *
ev_reason(const struct hist_event *e)
{
    return e->reason ? e->reason : "";
}

static bool
ev_same(const struct hist_event *a, const struct hist_event *b)
{
    return a->kind == b->kind && a->state == b->state && !a->critical && !b->critical &&
           a->kind != HIST_EV_FLOOD && strcmp(a->coro, b->coro) == 0 &&
           strcmp(a->where, b->where) == 0 && strcmp(ev_reason(a), ev_reason(b)) == 0;
}

static const char *
ev_state(const struct hist_event *e)
{
    if (e->kind != HIST_EV_ENDED)
        return NULL;
    return e->state == SNAP_TASK_DONE ? "done" : e->state == SNAP_TASK_PENDING ?
           "vanished from the registry" : NULL;
}

static void
ev_line(FILE *f, const struct hist_event *e, size_t count)
{
    const char *st = ev_state(e);

    ev_time(f, e->at_ns);
    if (e->kind == HIST_EV_FLOOD) {
        fprintf(f, "flood: %zu pending ", e->count);
        ev_str(f, e->coro);
        fputs(" at ", f);
        ev_str(f, e->where);
        fprintf(f, " (+%.1f/s)\n", e->rate);
        return;
    }
    if (count > 1) {
        fprintf(f, "%zu tasks %s", count, history_event_kind_name(e->kind));
    } else {
        fputs("task \"", f);
        ev_str(f, e->name);
        fprintf(f, "\" %s", history_event_kind_name(e->kind));
    }
    if (st)
        fprintf(f, " (%s)", st);
    fputs(": ", f);
    ev_str(f, e->coro);
    if (e->where[0]) {
        fputs("  ", f);
        ev_str(f, e->where);
    }
    if (ev_reason(e)[0]) {
        fputs("  ", f);
        ev_str(f, ev_reason(e));
    }
    fputs(e->critical ? "  CRITICAL\n" : "\n", f);
}

/* Sort order for folding: a sample, then the event's kind and where; ties by arrival. */
static const struct hist_event *ev_sort_base;

static int
ev_key_cmp(const void *a, const void *b)
{
    const struct hist_event *x = &ev_sort_base[*(const size_t *)a];
    const struct hist_event *y = &ev_sort_base[*(const size_t *)b];
    int c;

    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    if (ev_same(x, y))
        return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->state != y->state)
        return x->state < y->state ? -1 : 1;
    if ((c = strcmp(x->coro, y->coro)) != 0)
        return c;
    if ((c = strcmp(x->where, y->where)) != 0)
        return c;
    if ((c = strcmp(ev_reason(x), ev_reason(y))) != 0)
        return c;
    /* unfoldable (critical, floods): each its own group, in arrival order */
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

struct ev_group {
    size_t first;       /* index of its first event */
    size_t count;
};

static int
ev_group_cmp(const void *a, const void *b)
{
    const struct ev_group *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}

void
events_write_text(FILE *f, const struct hist_event *v, size_t n, size_t dropped)
{
    size_t *ix = n ? malloc(n * sizeof(*ix)) : NULL;
    struct ev_group *g = n ? malloc(n * sizeof(*g)) : NULL;
    size_t i, ng = 0;

    if (n && (!ix || !g)) {
        /* no memory to fold: one line each */
        for (i = 0; i < n; i++)
            ev_line(f, &v[i], 1);
    } else if (n) {             /* qsort of a NULL array, even empty, is undefined */
        for (i = 0; i < n; i++)
            ix[i] = i;
        ev_sort_base = v;
        if (n > 1)
            qsort(ix, n, sizeof(*ix), ev_key_cmp);
        for (i = 0; i < n; i++) {
            if (ng && v[ix[i]].at_ns == v[g[ng - 1].first].at_ns &&
                ev_same(&v[ix[i]], &v[g[ng - 1].first])) {
                g[ng - 1].count++;
            } else {
                g[ng].first = ix[i];
                g[ng].count = 1;
                ng++;
            }
        }
        if (ng > 1)
            qsort(g, ng, sizeof(*g), ev_group_cmp);
        for (i = 0; i < ng; i++)
            ev_line(f, &v[g[i].first], g[i].count);
    }
    if (dropped)
        fprintf(f, "(%zu more events in this sample, not shown)\n", dropped);
    free(ix);
    free(g);
}
