/*
 * model.c - what the live view remembers across refreshes: first-seen
 * times, activity from the history, thread CPU shares, collapsed tasks;
 * scrolling arithmetic, glyphs and short text formats.  The task rows are
 * in rows.c.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

/* ------------------------------------------------------------ first seen */

static int
ui_seen_cmp(const void *a, const void *b)
{
    const struct ui_seen *x = a, *y = b;

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->coro != y->coro)
        return x->coro < y->coro ? -1 : 1;
    if (x->names != y->names)
        return x->names < y->names ? -1 : 1;
    return 0;
}

/* FNV-1a over the task's name and its coroutine's name. */
static uint64_t
ui_seen_names(const struct snap_task *t)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;

    for (i = 0; t->name.s && i < t->name.len; i++)
        h = (h ^ (unsigned char)t->name.s[i]) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
    for (i = 0; t->coro.s && i < t->coro.len; i++)
        h = (h ^ (unsigned char)t->coro.s[i]) * 0x100000001b3ull;
    return h;
}

void
ui_ages_update(struct ui_ages *a, const struct snap *s, uint64_t now_ns)
{
    size_t n = s->ntasks, i;
    struct ui_seen *nv = xreallocarray(NULL, n ? n : 1, sizeof(*nv));
    const struct ui_seen *old;

    a->first = xreallocarray(a->first, n ? n : 1, sizeof(*a->first));
    for (i = 0; i < n; i++) {
        nv[i].addr = s->tasks[i].addr;
        nv[i].coro = s->tasks[i].coro_addr;
        nv[i].names = ui_seen_names(&s->tasks[i]);
        old = a->nsorted ? bsearch(&nv[i], a->sorted, a->nsorted, sizeof(*a->sorted),
                                   ui_seen_cmp) : NULL;
        nv[i].first_ns = old ? old->first_ns : now_ns;
        a->first[i] = nv[i].first_ns;
    }
    qsort(nv, n, sizeof(*nv), ui_seen_cmp);
    free(a->sorted);
    a->sorted = nv;
    a->nsorted = n;
    a->nfirst = n;
}

void
ui_ages_free(struct ui_ages *a)
{
    free(a->sorted);
    free(a->first);
    memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------ activity */

void
ui_act_build(struct ui_act *out, const struct history *h, const struct snap *s)
{
    size_t i, lo, hi, mid;

    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];
        const struct hist_task *ht = NULL;

        memset(&out[i], 0, sizeof(out[i]));
        /* live is sorted by (id, coroutine id) after every update */
        for (lo = 0, hi = h ? h->nlive : 0; lo < hi;) {
            const struct hist_task *m;

            mid = lo + (hi - lo) / 2;
            m = &h->live[mid];
            if (m->id == t->addr && m->coro_id == t->coro_addr) {
                ht = m;
                break;
            }
            if (m->id < t->addr || (m->id == t->addr && m->coro_id < t->coro_addr))
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!ht)
            continue;
        out[i].flags = UI_ACT_KNOWN;
        if (history_task_stuck(h, ht))
            out[i].flags |= UI_ACT_STUCK;
        if (history_task_swallowing(ht))
            out[i].flags |= UI_ACT_SWALLOW;
        if (ht->critical)
            out[i].flags |= UI_ACT_CRITICAL;
        out[i].samples = ht->samples;
        out[i].running = ht->running;
        out[i].idle_ns = h->last_ns > ht->last_change_ns ? h->last_ns - ht->last_change_ns : 0;
    }
}

unsigned
ui_act_permille(const struct ui_act *a)
{
    if (a->samples == 0)
        return 0;
    return (unsigned)((uint64_t)a->running * 1000u / a->samples);
}

/* ------------------------------------------------------------ thread CPU */

struct ui_cpu_ent {
    long tid;
    uint64_t ns;
};

static int
ui_cpu_ent_cmp(const void *a, const void *b)
{
    const struct ui_cpu_ent *x = a, *y = b;

    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void
ui_cpu_update(struct ui_cpu *c, const struct snap *s)
{
    size_t n = s->nthreads, i, k, lo, hi, mid;
    struct ui_cpu_ent *cur = xreallocarray(NULL, n ? n : 1, sizeof(*cur));
    uint64_t dt = c->n && s->taken_at_ns > c->t_ns ? s->taken_at_ns - c->t_ns : 0;

    c->pct = xreallocarray(c->pct, n ? n : 1, sizeof(*c->pct));
    c->npct = n;
    for (i = 0, k = 0; i < n; i++) {
        const struct snap_thread *th = &s->threads[i];

        c->pct[i] = -1;
        if (!th->cpu_known)
            continue;
        cur[k].tid = th->tid;
        cur[k++].ns = th->cpu_ns;
        if (dt == 0)
            continue;
        for (lo = 0, hi = c->n; lo < hi;) {
            mid = lo + (hi - lo) / 2;
            if (c->tid[mid] == th->tid) {
                /* a reused tid (thread ended, new one started) may show less time: unknown */
                if (th->cpu_ns >= c->ns[mid])
                    c->pct[i] = 100.0 * (double)(th->cpu_ns - c->ns[mid]) / (double)dt;
                break;
            }
            if (c->tid[mid] < th->tid)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    qsort(cur, k, sizeof(*cur), ui_cpu_ent_cmp);
    c->tid = xreallocarray(c->tid, k ? k : 1, sizeof(*c->tid));
    c->ns = xreallocarray(c->ns, k ? k : 1, sizeof(*c->ns));
    for (i = 0; i < k; i++) {
        c->tid[i] = cur[i].tid;
        c->ns[i] = cur[i].ns;
    }
    c->n = k;
    c->t_ns = s->taken_at_ns;
    free(cur);
}

void
ui_cpu_free(struct ui_cpu *c)
{
    free(c->tid);
    free(c->ns);
    free(c->pct);
    memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ address set */

/* Index of the first element >= addr. */
static size_t
ui_addrset_lower(const struct ui_addrset *set, uint64_t addr)
{
    size_t lo = 0, hi = set->n, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (set->v[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool
ui_addrset_has(const struct ui_addrset *set, uint64_t addr)
{
    size_t i = ui_addrset_lower(set, addr);

    return i < set->n && set->v[i] == addr;
}

void
ui_addrset_add(struct ui_addrset *set, uint64_t addr)
{
    size_t i = ui_addrset_lower(set, addr);

    if (i < set->n && set->v[i] == addr)
        return;
    xgrow((void **)&set->v, &set->cap, set->n + 1, sizeof(*set->v));
    memmove(&set->v[i + 1], &set->v[i], (set->n - i) * sizeof(*set->v));
    set->v[i] = addr;
    set->n++;
}

void
ui_addrset_del(struct ui_addrset *set, uint64_t addr)
{
    size_t i = ui_addrset_lower(set, addr);

    if (i >= set->n || set->v[i] != addr)
        return;
    memmove(&set->v[i], &set->v[i + 1], (set->n - i - 1) * sizeof(*set->v));
    set->n--;
}

void
ui_addrset_clear(struct ui_addrset *set)
{
    set->n = 0;
}

void
ui_addrset_free(struct ui_addrset *set)
{
    free(set->v);
    memset(set, 0, sizeof(*set));
}

void
ui_addrset_mark(const struct ui_addrset *set, const struct snap *s, unsigned char *flags)
{
    size_t i;

    if (set->n == 0) {
        memset(flags, 0, s->ntasks);
        return;
    }
    for (i = 0; i < s->ntasks; i++)
        flags[i] = ui_addrset_has(set, s->tasks[i].addr);
}

static const struct ui_glyphs ui_glyphs_utf8 = {
    .vert = "\xe2\x94\x82 ",                    /* "│ " */
    .blank = "  ",
    .tee = "\xe2\x94\x9c\xe2\x94\x80",          /* "├─" */
    .ell = "\xe2\x94\x94\xe2\x94\x80",          /* "└─" */
    .collapsed = "\xe2\x96\xb8",                /* "▸" */
    .expanded = "\xe2\x96\xbe",                 /* "▾" */
    .leaf = "\xe2\x94\x80",                     /* "─" */
    .times = "\xc3\x97",                        /* "×" */
    .ellipsis = "\xe2\x80\xa6",                 /* "…" */
};

static const struct ui_glyphs ui_glyphs_ascii = {
    .vert = "| ",
    .blank = "  ",
    .tee = "|-",
    .ell = "`-",
    .collapsed = "+",
    .expanded = "-",
    .leaf = "-",
    .times = "x",
    .ellipsis = "~",
};

const struct ui_glyphs *
ui_glyphs_get(bool utf8)
{
    return utf8 ? &ui_glyphs_utf8 : &ui_glyphs_ascii;
}

size_t
ui_scroll_fit(size_t top, size_t sel, size_t nrows, size_t height)
{
    if (height == 0 || nrows == 0)
        return 0;
    if (sel >= nrows)
        sel = nrows - 1;
    /* no empty space below the last row when rows could fill it */
    if (top + height > nrows)
        top = nrows > height ? nrows - height : 0;
    if (sel < top)
        top = sel;
    else if (sel >= top + height)
        top = sel - height + 1;
    return top;
}

/* ------------------------------------------------------------ text */

void
ui_fmt_age(char *buf, size_t size, uint64_t ns)
{
    unsigned long long sec = ns / 1000000000ull;

    if (sec < 60)
        snprintf(buf, size, "%llus", sec);
    else if (sec < 3600)
        snprintf(buf, size, "%llum%02llus", sec / 60, sec % 60);
    else if (sec < 86400)
        snprintf(buf, size, "%lluh%02llum", sec / 3600, sec / 60 % 60);
    else if (sec < 1000ull * 86400)
        snprintf(buf, size, "%llud%02lluh", sec / 86400, sec / 3600 % 24);
    else
        snprintf(buf, size, ">999d");
}

void
ui_fmt_dur(char *buf, size_t size, uint64_t ns)
{
    if (ns < 1000)
        snprintf(buf, size, "%lluns", (unsigned long long)ns);
    else if (ns < 1000000)
        snprintf(buf, size, "%lluus", (unsigned long long)(ns / 1000));
    else if (ns < 10000000)
        snprintf(buf, size, "%.2fms", (double)ns / 1e6);
    else if (ns < 1000000000)
        snprintf(buf, size, "%.1fms", (double)ns / 1e6);
    else if (ns < 10000000000ull)
        snprintf(buf, size, "%.2fs", (double)ns / 1e9);
    else if (ns < 60000000000ull)
        snprintf(buf, size, "%.1fs", (double)ns / 1e9);
    else
        ui_fmt_age(buf, size, ns);
}

const char *
ui_basename(const char *path, size_t len, size_t *outlen)
{
    size_t i = len;

    if (!path) {
        *outlen = 0;
        return NULL;
    }
    while (i > 0 && path[i - 1] != '/')
        i--;
    *outlen = len - i;
    return path + i;
}
