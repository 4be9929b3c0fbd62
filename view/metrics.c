/*
 * metrics.c - task health in the Prometheus text exposition format
 * (metrics.h).  One family after the other (the format wants a family's
 * series together), each with its HELP and TYPE lines, then every process's
 * series of it.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/xalloc.h"
#include "../snapshot/tree.h"
#include "text.h"

/* aiomon_target_stop_seconds: bounds in ns, and as the le label spells them */
static const uint64_t metrics_bound_ns[METRICS_NBUCKETS] = {
    1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000, 250000000,
    500000000, 1000000000,
};
static const char *const metrics_bound_le[METRICS_NBUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
};

#define METRICS_ESC_BYTES (4 * METRICS_LABEL_BYTES + 4)    /* escape_text_buf's worst case */
#define METRICS_LABEL_SIZE (2 * METRICS_ESC_BYTES)          /* and the format's escapes */

void
metrics_note(struct metrics_counts *c, const struct snap *s)
{
    size_t k;

    c->samples++;
    c->up = s != NULL;
    if (!s) {
        c->errors++;
        return;
    }
    for (k = 0; k < METRICS_NBUCKETS && s->stopped_ns > metrics_bound_ns[k]; k++)
        ;
    c->stop_bucket[k]++;
    c->stop_sum_ns += s->stopped_ns;
}

size_t
metrics_label(char *dst, size_t size, const char *s, size_t len)
{
    char tmp[METRICS_ESC_BYTES];
    size_t n, i, o = 0;

    if (size == 0)
        return 0;
    n = escape_text_buf(tmp, sizeof(tmp), s ? s : "", s ? len : 0, METRICS_LABEL_BYTES);
    for (i = 0; i < n; i++) {
        char c = tmp[i], e = c == '\\' ? '\\' : c == '"' ? '"' : c == '\n' ? 'n' : 0;

        if (o + 1 + (e != 0) >= size)
            break;
        if (e) {
            dst[o++] = '\\';
            dst[o++] = e;
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return o;
}

/* One aiomon_tasks_by_group series: labels already escaped (owned). */
struct metrics_group {
    char *coro;
    char *where;
    size_t count;
};

static int
metrics_group_label_cmp(const void *a, const void *b)
{
    const struct metrics_group *x = a, *y = b;
    int c = strcmp(x->coro, y->coro);

    return c ? c : strcmp(x->where, y->where);
}

static int
metrics_group_count_cmp(const void *a, const void *b)
{
    const struct metrics_group *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return metrics_group_label_cmp(a, b);
}

static char *
metrics_label_dup(const char *s, size_t len)
{
    char buf[METRICS_LABEL_SIZE];

    metrics_label(buf, sizeof(buf), s, len);
    return xstrdup(buf);
}

/* The where label of task i: the text view's WHERE, as its summary shows a group. */
static char *
metrics_where(const struct snap *s, size_t i, bool innermost)
{
    char *text = NULL, *label;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return xstrdup("?");
    text_task_where(f, s, i, innermost, true);
    fclose(f);
    label = metrics_label_dup(text, len);
    free(text);
    return label;
}

/*
 * The pending tasks of s by the text view's folding key (tree.h:
 * key_of_task), one group per distinct pair of labels (a cut or escaped
 * label can make two keys one), most tasks first.  Returns how many; *out
 * owned by the caller (metrics_groups_free).
 */
static size_t
metrics_groups(const struct snap *s, bool innermost, struct metrics_group **out)
{
    struct tree_forest *t = tree_forest_build(s);
    size_t *count = xcalloc(t->nkeys ? t->nkeys : 1, sizeof(*count));
    size_t *rep = xcalloc(t->nkeys ? t->nkeys : 1, sizeof(*rep));
    struct metrics_group *g;
    size_t i, k, n = 0, m;

    for (i = 0; i < s->ntasks; i++) {
        if (s->tasks[i].state != SNAP_TASK_PENDING)
            continue;
        k = t->key_of_task[i];
        if (count[k]++ == 0)
            rep[k] = i;
    }
    g = xcalloc(t->nkeys ? t->nkeys : 1, sizeof(*g));
    for (k = 0; k < t->nkeys; k++) {
        const struct snap_str *c;

        if (!count[k])
            continue;
        c = &s->tasks[rep[k]].coro;
        g[n].coro = c->s ? metrics_label_dup(c->s, c->len) : xstrdup("?");
        g[n].where = metrics_where(s, rep[k], innermost);
        g[n].count = count[k];
        n++;
    }
    if (n > 1)
        qsort(g, n, sizeof(*g), metrics_group_label_cmp);
    for (i = m = 0; i < n; i++) {
        if (m && metrics_group_label_cmp(&g[m - 1], &g[i]) == 0) {
            g[m - 1].count += g[i].count;
            free(g[i].coro);
            free(g[i].where);
        } else {
            g[m++] = g[i];
        }
    }
    if (m > 1)
        qsort(g, m, sizeof(*g), metrics_group_count_cmp);
    free(count);
    free(rep);
    tree_forest_free(t);
    *out = g;
    return m;
}

static void
metrics_groups_free(struct metrics_group *g, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(g[i].coro);
        free(g[i].where);
    }
    free(g);
}

static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The snapshot whose gauges are shown: the last one, while the last sample was read. */
static const struct snap *
metrics_live(const struct metrics_proc *p)
{
    return p->counts && p->counts->up ? p->last : NULL;
}

static void
metrics_write_groups(FILE *f, const struct metrics_proc *p, const struct metrics_opts *o)
{
    const struct snap *s = metrics_live(p);
    size_t top = o && o->top ? o->top : METRICS_DEFAULT_TOP;
    struct metrics_group *g = NULL;
    size_t n, i, shown = 0, other = 0;

    if (!s)
        return;
    n = metrics_groups(s, o && o->where_innermost, &g);
    for (i = 0; i < n; i++) {
        /* a target's own "other"/"other" pair would repeat the sum's labels */
        if (shown >= top || (strcmp(g[i].coro, "other") == 0 &&
                             strcmp(g[i].where, "other") == 0)) {
            other += g[i].count;
            continue;
        }
        fprintf(f, "aiomon_tasks_by_group{pid=\"%d\",coroutine=\"%s\",where=\"%s\"} %zu\n",
                p->pid, g[i].coro, g[i].where, g[i].count);
        shown++;
    }
    fprintf(f, "aiomon_tasks_by_group{pid=\"%d\",coroutine=\"other\",where=\"other\"} %zu\n",
            p->pid, other);
    metrics_groups_free(g, n);
}

static void
metrics_write_tasks(FILE *f, const struct metrics_proc *v, size_t n)
{
    static const char *const state_name[3] = { "pending", "done", "cancelled" };
    size_t i, k, by_state[3];

    metrics_family(f, "aiomon_tasks", "gauge",
                   "Tasks in the last sample, by state.");
    for (i = 0; i < n; i++) {
        const struct snap *s = metrics_live(&v[i]);

        if (!s)
            continue;
        memset(by_state, 0, sizeof(by_state));
        for (k = 0; k < s->ntasks; k++) {
            if ((unsigned)s->tasks[k].state < 3)
                by_state[s->tasks[k].state]++;
        }
        for (k = 0; k < 3; k++)
            fprintf(f, "aiomon_tasks{pid=\"%d\",state=\"%s\"} %zu\n", v[i].pid, state_name[k],
                    by_state[k]);
    }
}

static void
metrics_write_history(FILE *f, const struct metrics_proc *v, size_t n)
{
    size_t i, k, stuck, swallowing;

    metrics_family(f, "aiomon_tasks_stuck", "gauge",
                   "Pending tasks whose stack and awaited future did not change for --stuck.");
    for (i = 0; i < n; i++) {
        if (!metrics_live(&v[i]) || !v[i].h)
            continue;
        for (k = stuck = 0; k < v[i].h->nlive; k++)
            stuck += !v[i].h->live[k].ended && history_task_stuck(v[i].h, &v[i].h->live[k]);
        fprintf(f, "aiomon_tasks_stuck{pid=\"%d\"} %zu\n", v[i].pid, stuck);
    }
    metrics_family(f, "aiomon_tasks_swallowing_cancel", "gauge",
                   "Tasks still running after a cancellation was requested.");
    for (i = 0; i < n; i++) {
        if (!metrics_live(&v[i]) || !v[i].h)
            continue;
        for (k = swallowing = 0; k < v[i].h->nlive; k++)
            swallowing += history_task_swallowing(&v[i].h->live[k]);
        fprintf(f, "aiomon_tasks_swallowing_cancel{pid=\"%d\"} %zu\n", v[i].pid, swallowing);
    }
    metrics_family(f, "aiomon_tasks_ended_total", "counter",
                   "Tasks seen to end, by outcome (unknown: gone between two samples).");
    for (i = 0; i < n; i++) {
        if (!v[i].h)
            continue;
        for (k = 0; k < HIST_OUT__COUNT; k++)
            fprintf(f, "aiomon_tasks_ended_total{pid=\"%d\",outcome=\"%s\"} %" PRIu64 "\n",
                    v[i].pid, history_outcome_name((enum hist_outcome)k),
                    v[i].h->ended_total[k]);
    }
}

static void
metrics_write_stops(FILE *f, const struct metrics_proc *v, size_t n)
{
    uint64_t cum, total;
    size_t i, k;

    metrics_family(f, "aiomon_target_stop_seconds", "histogram",
                   "How long the target was stopped for a sample.");
    for (i = 0; i < n; i++) {
        const struct metrics_counts *c = v[i].counts;

        if (!c)
            continue;
        for (k = cum = 0; k < METRICS_NBUCKETS; k++) {
            cum += c->stop_bucket[k];
            fprintf(f, "aiomon_target_stop_seconds_bucket{pid=\"%d\",le=\"%s\"} %" PRIu64 "\n",
                    v[i].pid, metrics_bound_le[k], cum);
        }
        total = cum + c->stop_bucket[METRICS_NBUCKETS];
        fprintf(f, "aiomon_target_stop_seconds_bucket{pid=\"%d\",le=\"+Inf\"} %" PRIu64 "\n",
                v[i].pid, total);
        fprintf(f, "aiomon_target_stop_seconds_sum{pid=\"%d\"} %.9f\n", v[i].pid,
                (double)c->stop_sum_ns / 1e9);
        fprintf(f, "aiomon_target_stop_seconds_count{pid=\"%d\"} %" PRIu64 "\n", v[i].pid,
                total);
    }
}

void
metrics_write(FILE *f, const struct metrics_proc *v, size_t n, const struct metrics_opts *o)
{
    size_t i;

    metrics_family(f, "aiomon_up", "gauge", "1 when the last sample of the process was read.");
    for (i = 0; i < n; i++)
        fprintf(f, "aiomon_up{pid=\"%d\"} %d\n", v[i].pid, metrics_live(&v[i]) ? 1 : 0);
    metrics_family(f, "aiomon_samples_total", "counter", "Samples taken, read or failed.");
    for (i = 0; i < n; i++) {
        fprintf(f, "aiomon_samples_total{pid=\"%d\"} %" PRIu64 "\n", v[i].pid,
                v[i].counts ? v[i].counts->samples : 0);
    }
    metrics_family(f, "aiomon_sample_errors_total", "counter", "Samples that failed.");
    for (i = 0; i < n; i++) {
        fprintf(f, "aiomon_sample_errors_total{pid=\"%d\"} %" PRIu64 "\n", v[i].pid,
                v[i].counts ? v[i].counts->errors : 0);
    }
    metrics_write_tasks(f, v, n);
    metrics_family(f, "aiomon_tasks_by_group", "gauge",
                   "Pending tasks by coroutine and where they wait (the text view's groups), "
                   "the largest by name, the rest as other.");
    for (i = 0; i < n; i++)
        metrics_write_groups(f, &v[i], o);
    metrics_write_history(f, v, n);
    metrics_family(f, "aiomon_await_cycles", "gauge",
                   "Await cycles (deadlocks) in the last sample.");
    for (i = 0; i < n; i++) {
        if (metrics_live(&v[i]))
            fprintf(f, "aiomon_await_cycles{pid=\"%d\"} %zu\n", v[i].pid,
                    metrics_live(&v[i])->ncycles);
    }
    metrics_write_stops(f, v, n);
}
