/*
 * history.c - tasks tracked across snapshots (see history.h).
 */
#include "history.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/xalloc.h"
#include "reason.h"

/* Stacks kept per tracked task: enough to see where it was, bounded. */
#define HIST_MAX_STACK 64

void
history_init(struct history *h, size_t max_ended, uint64_t stuck_ns)
{
    memset(h, 0, sizeof(*h));
    h->max_ended = max_ended ? max_ended : HISTORY_DEFAULT_MAX;
    h->stuck_ns = stuck_ns;
}

static void
hist_task_clear(struct hist_task *t)
{
    size_t i;

    for (i = 0; i < t->nstack; i++) {
        free(t->stack[i].function);
        free(t->stack[i].file);
    }
    free(t->stack);
    free(t->name);
    free(t->coro);
    free(t->reason);
    free(t->created_by);
    free(t->cancelled_by);
    memset(t, 0, sizeof(*t));
}

void
history_free(struct history *h)
{
    size_t i;

    for (i = 0; i < h->nlive; i++)
        hist_task_clear(&h->live[i]);
    for (i = 0; i < h->nended; i++)
        hist_task_clear(&h->ended[i]);
    for (i = 0; i < h->nfloods; i++) {
        free(h->floods[i].coro);
        free(h->floods[i].file);
    }
    for (i = 0; i < h->ncritical; i++)
        free(h->critical[i]);
    history_events_free(h->events, h->nevents);
    free(h->live);
    free(h->ended);
    free(h->floods);
    memset(h, 0, sizeof(*h));
}

int
history_add_critical(struct history *h, const char *pattern)
{
    if (h->ncritical >= HISTORY_MAX_CRITICAL)
        return -1;
    h->critical[h->ncritical++] = xstrdup(pattern);
    return 0;
}

static char *
hist_strdup(struct snap_str s)
{
    return xstrdup(s.s ? s.s : "");
}

static uint64_t
hist_hash_bytes(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h * 0x100000001b3ull;
}

/* Hash of a task's stack: functions, files and lines, in order. */
static uint64_t
hist_stack_hash(const struct snap *s, const struct snap_task *t)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;

    for (i = 0; i < t->frame_count; i++) {
        const struct snap_frame *f = &s->frames[t->frame_first + i];

        h = hist_hash_bytes(h, f->function.s);
        h = hist_hash_bytes(h, f->file.s);
        h = (h ^ (uint64_t)(unsigned)f->line) * 0x100000001b3ull;
    }
    return h;
}

static bool
hist_is_critical(const struct history *h, const char *name, const char *coro)
{
    size_t i;

    for (i = 0; i < h->ncritical; i++) {
        if (fnmatch(h->critical[i], name, 0) == 0 || fnmatch(h->critical[i], coro, 0) == 0)
            return true;
    }
    return false;
}

static void
hist_copy_stack(struct hist_task *ht, const struct snap *s, const struct snap_task *t)
{
    size_t i, n = t->frame_count < HIST_MAX_STACK ? t->frame_count : HIST_MAX_STACK;

    for (i = 0; i < ht->nstack; i++) {
        free(ht->stack[i].function);
        free(ht->stack[i].file);
    }
    free(ht->stack);
    ht->stack = n ? xcalloc(n, sizeof(*ht->stack)) : NULL;
    ht->nstack = n;
    for (i = 0; i < n; i++) {
        const struct snap_frame *f = &s->frames[t->frame_first + i];

        ht->stack[i].function = hist_strdup(f->qualname.s ? f->qualname : f->function);
        ht->stack[i].file = hist_strdup(f->file);
        ht->stack[i].line = f->line;
    }
    ht->user_frame = t->user_frame < n ? t->user_frame : SNAP_NO_FRAME;
}

static int
hist_key_cmp(uint64_t id, uint64_t coro, const struct hist_task *t)
{
    if (id != t->id)
        return id < t->id ? -1 : 1;
    if (coro != t->coro_id)
        return coro < t->coro_id ? -1 : 1;
    return 0;
}

/* Binary search of live[0, n), which is sorted. */
static struct hist_task *
hist_find(struct history *h, uint64_t id, uint64_t coro, size_t n)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = hist_key_cmp(id, coro, &h->live[mid]);

        if (c == 0)
            return &h->live[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int
hist_task_cmp(const void *a, const void *b)
{
    const struct hist_task *y = b;
    const struct hist_task *x = a;

    return hist_key_cmp(x->id, x->coro_id, y);
}

/* Move a task that disappeared to the terminated list, evicting the oldest non-critical. */
static void
hist_end(struct history *h, struct hist_task *t)
{
    size_t i, nonc = 0;

    hist_event_ended(h, t);
    h->ended_total[history_task_outcome(t)]++;
    for (i = 0; i < h->nended; i++)
        nonc += !h->ended[i].critical;
    if (!t->critical && nonc >= h->max_ended) {
        for (i = 0; i < h->nended && h->ended[i].critical; i++)
            ;
        if (i < h->nended) {
            hist_task_clear(&h->ended[i]);
            memmove(&h->ended[i], &h->ended[i + 1], (h->nended - i - 1) * sizeof(*h->ended));
            h->nended--;
        }
    }
    xgrow((void **)&h->ended, &h->cap_ended, h->nended + 1, sizeof(*h->ended));
    h->ended[h->nended++] = *t;
    memset(t, 0, sizeof(*t));
}

/* A deep copy of t into the terminated list (t stays tracked, marked ended). */
static void
hist_end_copy(struct history *h, struct hist_task *t)
{
    struct hist_task c = *t;
    size_t i;

    c.name = xstrdup(t->name);
    c.coro = xstrdup(t->coro);
    c.reason = t->reason ? xstrdup(t->reason) : NULL;
    c.created_by = c.cancelled_by = NULL;
    c.stack = t->nstack ? xcalloc(t->nstack, sizeof(*c.stack)) : NULL;
    for (i = 0; i < t->nstack; i++) {
        c.stack[i].function = xstrdup(t->stack[i].function);
        c.stack[i].file = xstrdup(t->stack[i].file);
        c.stack[i].line = t->stack[i].line;
    }
    c.user_frame = t->user_frame;
    t->ended = true;
    c.ended = true;
    hist_end(h, &c);
}

/* Why a task seen done or cancelled ended (the last reason seen wins). */
static void
hist_note_reason(struct hist_task *ht, const struct snap *s, const struct snap_task *t)
{
    char buf[HISTORY_REASON_BYTES];

    if (!snap_task_reason(s, t, buf, sizeof(buf)))
        return;
    if (ht->reason && strcmp(ht->reason, buf) == 0)
        return;
    free(ht->reason);
    ht->reason = xstrdup(buf);
}

/*
 * The tasks the tracker saw end that the samples did not: into the terminated
 * list; what ended before the first sample is history, not news: no events.
 */
static void
hist_track_update(struct history *h, const struct snap *s)
{
    struct hist_task *v;
    bool events = h->events_on;
    size_t i, n = hist_track_collect(h, s, &v);

    if (h->nsamples == 0)
        h->events_on = false;
    for (i = 0; i < n; i++) {
        v[i].critical |= hist_is_critical(h, v[i].name, v[i].coro);
        hist_end(h, &v[i]);
    }
    h->events_on = events;
    free(v);
}

static struct hist_flood *
hist_flood_get(struct history *h, const char *coro, const struct snap_frame *top)
{
    const char *file = top && top->file.s ? top->file.s : "";
    int line = top ? top->line : 0;
    size_t i;

    for (i = 0; i < h->nfloods; i++) {
        struct hist_flood *f = &h->floods[i];

        if (f->line == line && strcmp(f->coro, coro) == 0 && strcmp(f->file, file) == 0)
            return f;
    }
    xgrow((void **)&h->floods, &h->cap_floods, h->nfloods + 1, sizeof(*h->floods));
    memset(&h->floods[h->nfloods], 0, sizeof(*h->floods));
    h->floods[h->nfloods].coro = xstrdup(coro);
    h->floods[h->nfloods].file = xstrdup(file);
    h->floods[h->nfloods].line = line;
    return &h->floods[h->nfloods++];
}

static void
hist_flood_shift(struct hist_flood *f, uint64_t now)
{
    memmove(&f->count[1], &f->count[0], HISTORY_FLOOD_WINDOW * sizeof(f->count[0]));
    memmove(&f->t_ns[1], &f->t_ns[0], HISTORY_FLOOD_WINDOW * sizeof(f->t_ns[0]));
    f->count[0] = 0;
    f->t_ns[0] = now;
    f->nsamples++;
}

static void
hist_update_floods(struct history *h, const struct snap *s)
{
    size_t i;

    for (i = 0; i < h->nfloods; i++)
        h->floods[i].seen = false;
    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];
        const struct snap_frame *top = t->frame_count ? &s->frames[t->frame_first] : NULL;
        struct hist_flood *f;

        if (t->state != SNAP_TASK_PENDING)
            continue;
        f = hist_flood_get(h, t->coro.s ? t->coro.s : "", top);
        if (!f->seen) {
            hist_flood_shift(f, s->taken_at_ns);
            f->seen = true;
        }
        f->count[0]++;
    }
    for (i = 0; i < h->nfloods; i++) {
        if (!h->floods[i].seen)
            hist_flood_shift(&h->floods[i], s->taken_at_ns);
    }
}

void
history_update(struct history *h, const struct snap *s)
{
    uint64_t now = s->taken_at_ns;
    size_t i, n0;

    for (i = 0; i < h->nlive; i++)
        h->live[i].seen = false;
    n0 = h->nlive;
    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];
        struct hist_task *ht = hist_find(h, t->addr, t->coro_addr, n0);
        uint64_t hash = hist_stack_hash(s, t);

        /*
         * Allocators reuse a freed task's memory for the next task, and its
         * coroutine's memory for the next coroutine: a new name means a new task.
         */
        if (ht && (ht->seen || strcmp(ht->name, t->name.s ? t->name.s : "") != 0 ||
                   strcmp(ht->coro, t->coro.s ? t->coro.s : "") != 0))
            ht = NULL;
        if (!ht) {
            /* new: appended after the sorted prefix (which lookups search), sorted in below */
            xgrow((void **)&h->live, &h->cap_live, h->nlive + 1, sizeof(*h->live));
            ht = &h->live[h->nlive++];
            memset(ht, 0, sizeof(*ht));
            ht->id = t->addr;
            ht->coro_id = t->coro_addr;
            ht->first_seen_ns = now;
            ht->last_change_ns = now;
            ht->stack_hash = hash;
            ht->name = hist_strdup(t->name);
            ht->coro = hist_strdup(t->coro);
            ht->critical = hist_is_critical(h, ht->name, ht->coro);
            hist_copy_stack(ht, s, t);
        } else if (ht->stack_hash != hash && (t->frame_count || t->state == SNAP_TASK_PENDING)) {
            /* a finished task has no stack any more: keep the last one seen */
            ht->stack_hash = hash;
            ht->last_change_ns = now;
            hist_copy_stack(ht, s, t);
        } else if (t->running != ht->was_running || t->waiter != ht->waiter) {
            /*
             * Active on the same line: it ran between the two samples (it was
             * suspended in one and running in the other), or it awaits another
             * future (a periodic loop such as uvicorn's Server.serve sleeping
             * 0.1 s).  Running in both on the same stack is a spin: stuck.
             */
            ht->last_change_ns = now;
        }
        ht->waiter = t->waiter;
        ht->was_running = t->running;
        ht->seen = true;
        ht->last_seen_ns = now;
        ht->state = t->state;
        ht->samples++;
        ht->running += t->running;
        ht->cancel_requests = t->cancel_requests;
        if ((t->cancel_requests > 0 || t->must_cancel) && t->state == SNAP_TASK_PENDING)
            ht->cancel_samples++;
        else
            ht->cancel_samples = 0;
        if (t->state != SNAP_TASK_PENDING)
            hist_note_reason(ht, s, t);
        /* done or cancelled but still referenced (so still listed): it has ended */
        if (t->state != SNAP_TASK_PENDING && !ht->ended) {
            ht->last_seen_ns = now;
            hist_end_copy(h, ht);
        }
    }
    /* tasks not seen any more have terminated */
    for (i = 0; i < h->nlive;) {
        if (!h->live[i].seen) {
            if (h->live[i].ended)
                hist_task_clear(&h->live[i]);   /* already in the terminated list */
            else
                hist_end(h, &h->live[i]);
            h->live[i] = h->live[h->nlive - 1];
            h->nlive--;
        } else {
            i++;
        }
    }
    if (h->nlive > 1)
        qsort(h->live, h->nlive, sizeof(*h->live), hist_task_cmp);
    hist_track_update(h, s);
    hist_update_floods(h, s);
    h->nsamples++;
    h->last_ns = now;
    hist_events_scan(h);
    h->stop_ns_total += s->stopped_ns;
    if (s->stopped_ns > h->stop_ns_max)
        h->stop_ns_max = s->stopped_ns;
}

static void
hist_write_frame_text(FILE *f, const struct hist_frame *fr)
{
    fputs("        ", f);
    escape_text(f, fr->function, strlen(fr->function), 0);
    fputs(" (", f);
    escape_text(f, fr->file, strlen(fr->file), 0);
    fprintf(f, ":%d)\n", fr->line);
}

/* "  handle_request app.py:39 → Lock.acquire": its user frame and the awaited primitive. */
static void
hist_write_where_text(FILE *f, const struct hist_task *t)
{
    const struct hist_frame *u;

    if (t->user_frame >= t->nstack)
        return;
    u = &t->stack[t->user_frame];
    fputs("  ", f);
    escape_text(f, u->function, strlen(u->function), 0);
    fputc(' ', f);
    escape_text(f, u->file, strlen(u->file), 0);
    fprintf(f, ":%d", u->line);
    if (t->user_frame > 0) {
        fputs(" \xe2\x86\x92 ", f);
        escape_text(f, t->stack[0].function, strlen(t->stack[0].function), 0);
    }
}

static void
hist_write_task_text(FILE *f, const struct history *h, const struct hist_task *t, bool stack)
{
    size_t i;

    fputs("    ", f);
    escape_text(f, t->name, strlen(t->name), 0);
    fputs("  ", f);
    escape_text(f, t->coro, strlen(t->coro), 0);
    hist_write_where_text(f, t);
    fprintf(f, "  first seen %.1fs ago, last seen %.1fs ago, lived %.1fs%s\n",
            (double)(h->last_ns - t->first_seen_ns) / 1e9,
            (double)(h->last_ns - t->last_seen_ns) / 1e9,
            (double)(t->last_seen_ns - t->first_seen_ns) / 1e9, t->critical ? "  CRITICAL" : "");
    if (t->reason)
        fprintf(f, "      %s\n", t->reason);    /* already escaped */
    if (t->created_by)
        fprintf(f, "      created by %s\n", t->created_by);
    if (t->cancelled_by)
        fprintf(f, "      cancelled by %s\n", t->cancelled_by);
    for (i = 0; stack && i < t->nstack; i++)
        hist_write_frame_text(f, &t->stack[i]);
}

/*
 * Two ended tasks fold together: same coroutine, last state, reason and
 * innermost last-seen frame.
 */
static int
hist_ended_key_cmp(const struct hist_task *x, const struct hist_task *y)
{
    int c;

    if (x->critical != y->critical)
        return x->critical ? -1 : 1;
    if (x->state != y->state)
        return x->state < y->state ? -1 : 1;
    if ((c = strcmp(x->coro, y->coro)) != 0)
        return c;
    /* different reasons (exception, cancel message) never fold together */
    if ((c = strcmp(x->reason ? x->reason : "", y->reason ? y->reason : "")) != 0)
        return c;
    if (x->nstack != 0 && y->nstack != 0) {
        if ((c = strcmp(x->stack[0].function, y->stack[0].function)) != 0)
            return c;
        if ((c = strcmp(x->stack[0].file, y->stack[0].file)) != 0)
            return c;
        if (x->stack[0].line != y->stack[0].line)
            return x->stack[0].line < y->stack[0].line ? -1 : 1;
    }
    return (x->nstack != 0) - (y->nstack != 0);
}

static const struct hist_task *hist_sort_ended;

static int
hist_ended_ix_cmp(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = hist_ended_key_cmp(&hist_sort_ended[i], &hist_sort_ended[j]);

    if (c == 0 || hist_sort_ended[i].critical)
        return i > j ? -1 : i < j;      /* newest first within a group */
    return c;
}

/*
 * The terminated tasks, newest group first: critical ones each on its own,
 * the others folded by coroutine, state and innermost frame ("x162").
 */
static void
hist_write_ended_text(FILE *f, const struct history *h)
{
    size_t *ix, i, j, n = h->nended;

    fprintf(f, "\nTerminated tasks (%zu, last seen stack):\n", n);
    if (n == 0) {
        fputs("    (none)\n", f);
        return;
    }
    ix = xcalloc(n, sizeof(*ix));
    for (i = 0; i < n; i++)
        ix[i] = i;
    hist_sort_ended = h->ended;
    qsort(ix, n, sizeof(*ix), hist_ended_ix_cmp);
    for (i = 0; i < n; i = j) {
        const struct hist_task *t = &h->ended[ix[i]];

        for (j = i + 1; j < n && !t->critical &&
             hist_ended_key_cmp(t, &h->ended[ix[j]]) == 0; j++)
            ;
        if (j - i > 1) {
            fprintf(f, "    \xc3\x97%zu  ", j - i);
            escape_text(f, t->coro, strlen(t->coro), 0);
            fprintf(f, "  (%s; the newest: ", snap_task_state_name(t->state));
            escape_text(f, t->name, strlen(t->name), 0);
            fprintf(f, ", last seen %.1fs ago)\n", (double)(h->last_ns - t->last_seen_ns) / 1e9);
            if (t->reason)
                fprintf(f, "      %s\n", t->reason);  /* already escaped */
            if (t->nstack)
                hist_write_frame_text(f, &t->stack[0]);
        } else {
            hist_write_task_text(f, h, t, true);
        }
    }
    free(ix);
}

void
history_write_text(FILE *f, const struct history *h)
{
    size_t i, n;
    double rate;

    fprintf(f, "History: %u samples, target stopped %.3f ms per sample on average (max %.3f ms)\n",
            h->nsamples, h->nsamples ? (double)h->stop_ns_total / h->nsamples / 1e6 : 0.0,
            (double)h->stop_ns_max / 1e6);
    hist_write_ended_text(f, h);
    fputs("\nStuck tasks (stack and awaited future unchanged, no run started or ended):\n", f);
    for (i = n = 0; i < h->nlive; i++) {
        if (!h->live[i].ended && history_task_stuck(h, &h->live[i])) {
            hist_write_task_text(f, h, &h->live[i], true);
            n++;
        }
    }
    if (!n)
        fputs("    (none)\n", f);
    fputs("\nSwallowed cancellations (cancel requested, still running):\n", f);
    for (i = n = 0; i < h->nlive; i++) {
        if (history_task_swallowing(&h->live[i])) {
            hist_write_task_text(f, h, &h->live[i], true);
            n++;
        }
    }
    if (!n)
        fputs("    (none)\n", f);
    fputs("\nGrowing floods:\n", f);
    for (i = n = 0; i < h->nfloods; i++) {
        const struct hist_flood *fl = &h->floods[i];

        if (!history_flood_growing(fl, &rate))
            continue;
        fprintf(f, "    %zu (+%.1f/s)  ", fl->count[0], rate);
        escape_text(f, fl->coro, strlen(fl->coro), 0);
        fputs("  ", f);
        escape_text(f, fl->file, strlen(fl->file), 0);
        fprintf(f, ":%d\n", fl->line);
        n++;
    }
    if (!n)
        fputs("    (none)\n", f);
    /*
     * A sample sees a task running only when the loop runs it at that very
     * moment: an I/O-bound loop is idle at nearly every sample.
     */
    fputs("\nActivity (tasks running at a sample: share of samples, time since its stack last "
          "changed):\n", f);
    for (i = n = 0; i < h->nlive; i++) {
        const struct hist_task *t = &h->live[i];

        if (!t->running)
            continue;
        fprintf(f, "    %5.1f%%  idle %.1fs  ", 100.0 * t->running / t->samples,
                (double)(h->last_ns - t->last_change_ns) / 1e9);
        escape_text(f, t->name, strlen(t->name), 0);
        fputc('\n', f);
        n++;
    }
    if (!n)
        fputs("    (none: the loop was idle, waiting for I/O or timers, at every sample)\n", f);
}

static void
hist_json_str(FILE *f, const char *key, const char *s)
{
    fprintf(f, "\"%s\": ", key);
    escape_json(f, s, strlen(s), 0);
}

static void
hist_write_task_json(FILE *f, const struct history *h, const struct hist_task *t)
{
    size_t i;

    fprintf(f, "{\"id\": \"0x%llx\", ", (unsigned long long)t->id);
    hist_json_str(f, "name", t->name);
    fputs(", ", f);
    hist_json_str(f, "coroutine", t->coro);
    fprintf(f, ", \"state\": \"%s\", \"first_seen_ns\": %llu, \"last_seen_ns\": %llu, "
            "\"last_change_ns\": %llu, \"samples\": %u, \"running_samples\": %u, "
            "\"cancel_requests\": %d, \"critical\": %s, \"stuck\": %s, "
            "\"swallowing_cancel\": %s, \"reason\": ",
            snap_task_state_name(t->state), (unsigned long long)t->first_seen_ns,
            (unsigned long long)t->last_seen_ns, (unsigned long long)t->last_change_ns,
            t->samples, t->running, t->cancel_requests, t->critical ? "true" : "false",
            history_task_stuck(h, t) ? "true" : "false",
            history_task_swallowing(t) ? "true" : "false");
    if (t->reason)
        escape_json(f, t->reason, strlen(t->reason), 0);
    else
        fputs("null", f);
    fputs(", \"created_by\": ", f);
    if (t->created_by)
        escape_json(f, t->created_by, strlen(t->created_by), 0);
    else
        fputs("null", f);
    fputs(", \"cancelled_by\": ", f);
    if (t->cancelled_by)
        escape_json(f, t->cancelled_by, strlen(t->cancelled_by), 0);
    else
        fputs("null", f);
    fputs(", \"stack\": [", f);
    for (i = 0; i < t->nstack; i++) {
        fputs(i ? ", {" : "{", f);
        hist_json_str(f, "function", t->stack[i].function);
        fputs(", ", f);
        hist_json_str(f, "file", t->stack[i].file);
        fprintf(f, ", \"line\": %d}", t->stack[i].line);
    }
    fputs("]}", f);
}

void
history_write_json(FILE *f, const struct history *h)
{
    size_t i;
    bool first = true;
    double rate;

    fprintf(f, "{\"samples\": %u, \"stop_ns_avg\": %llu, \"stop_ns_max\": %llu, \"terminated\": [",
            h->nsamples, (unsigned long long)(h->nsamples ? h->stop_ns_total / h->nsamples : 0),
            (unsigned long long)h->stop_ns_max);
    for (i = 0; i < h->nended; i++) {
        fputs(i ? ", " : "", f);
        hist_write_task_json(f, h, &h->ended[i]);
    }
    fputs("], \"live\": [", f);
    for (i = 0; i < h->nlive; i++) {
        if (h->live[i].ended)
            continue;   /* finished, still referenced: reported as terminated */
        fputs(first ? "" : ", ", f);
        first = false;
        hist_write_task_json(f, h, &h->live[i]);
    }
    first = true;
    fputs("], \"floods\": [", f);
    for (i = 0; i < h->nfloods; i++) {
        const struct hist_flood *fl = &h->floods[i];
        bool grow = history_flood_growing(fl, &rate);

        if (!fl->count[0])
            continue;
        fputs(first ? "{" : ", {", f);
        first = false;
        hist_json_str(f, "coroutine", fl->coro);
        fputs(", ", f);
        hist_json_str(f, "file", fl->file);
        fprintf(f, ", \"line\": %d, \"count\": %zu, \"growing\": %s, \"rate_per_s\": %.3f}",
                fl->line, fl->count[0], grow ? "true" : "false", grow ? rate : 0.0);
    }
    fputs("]}", f);
}
