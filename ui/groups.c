/*
 * groups.c - the supervisors view's model (groups.h).
 */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"
#include "../snapshot/tree.h"

void
ui_groups_free(struct ui_groups *G)
{
    free(G->v);
    memset(G, 0, sizeof(*G));
}

static const struct snap *ui_groups_snap;

static int
ui_group_cmp(const void *a, const void *b)
{
    const struct ui_group *x = a, *y = b;
    const struct snap_task *tx = &ui_groups_snap->tasks[x->task];
    const struct snap_task *ty = &ui_groups_snap->tasks[y->task];
    size_t n = tx->name.len < ty->name.len ? tx->name.len : ty->name.len;
    int c;

    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    c = n ? memcmp(tx->name.s, ty->name.s, n) : 0;
    if (c)
        return c;
    return tx->name.len != ty->name.len ? (tx->name.len < ty->name.len ? -1 : 1) :
           (x->task < y->task ? -1 : x->task > y->task);
}

void
ui_groups_build(struct ui_groups *G, const struct snap *s)
{
    size_t i, j;

    G->n = 0;
    for (i = 0; i < s->nedges; i = j) {
        struct ui_group g;

        memset(&g, 0, sizeof(g));
        g.task = s->edges[i].waiter;
        g.edge_first = i;
        for (j = i; j < s->nedges && s->edges[j].waiter == g.task; j++) {
            const struct snap_task *c = &s->tasks[s->edges[j].awaited];

            g.n++;
            if ((unsigned)c->state < 3)
                g.by_state[c->state]++;
            g.taskgroup |= s->edges[j].kind == SNAP_EDGE_TASKGROUP;
        }
        if (g.n < UI_GROUP_MIN && !g.taskgroup)
            continue;
        xgrow((void **)&G->v, &G->cap, G->n + 1, sizeof(*G->v));
        G->v[G->n++] = g;
    }
    ui_groups_snap = s;
    if (G->n > 1)
        qsort(G->v, G->n, sizeof(*G->v), ui_group_cmp);
}

/* Children of g counted by (coroutine, state): a small table, most first. */
struct ui_kind {
    const struct snap_str *coro;
    enum snap_task_state state;
    size_t n;
};

static bool
ui_str_eq(const struct snap_str *a, const struct snap_str *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

static int
ui_kind_cmp(const void *a, const void *b)
{
    const struct ui_kind *x = a, *y = b;

    return x->n != y->n ? (x->n > y->n ? -1 : 1) : 0;
}

static size_t
ui_group_kinds(const struct ui_group *g, const struct snap *s, struct ui_kind **out)
{
    struct ui_kind *v = NULL;
    size_t n = 0, cap = 0, i, k;

    for (i = 0; i < g->n; i++) {
        const struct snap_task *c = &s->tasks[s->edges[g->edge_first + i].awaited];

        for (k = 0; k < n; k++) {
            if (v[k].state == c->state && ui_str_eq(v[k].coro, &c->coro))
                break;
        }
        if (k == n) {
            xgrow((void **)&v, &cap, n + 1, sizeof(*v));
            v[n].coro = &c->coro;
            v[n].state = c->state;
            v[n++].n = 0;
        }
        v[k].n++;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), ui_kind_cmp);
    *out = v;
    return n;
}

void
ui_groups_lines(struct ui_lines *L, const struct ui_groups *G, const struct snap *s)
{
    size_t i, k, nk;

    ui_lines_reset(L);
    for (i = 0; i < G->n; i++) {
        const struct ui_group *g = &G->v[i];
        const struct snap_task *t = &s->tasks[g->task];
        struct ui_kind *kinds;

        ui_lines_begin(L);
        L->lines[L->nlines - 1].task = g->task;
        ui_lines_add(L, UI_C_NORMAL, "%6zu %6zu %5zu %5zu  %-9s ", g->n,
                     g->by_state[SNAP_TASK_PENDING], g->by_state[SNAP_TASK_DONE],
                     g->by_state[SNAP_TASK_CANCELLED], g->taskgroup ? "taskgroup" : "awaits");
        ui_lines_add_str(L, UI_C_BOLD, &t->name, "?");
        ui_lines_add(L, UI_C_DIM, "  ");
        nk = ui_group_kinds(g, s, &kinds);
        for (k = 0; k < nk && k < 3; k++) {
            ui_lines_add(L, UI_C_NORMAL, "%s", k ? ", " : "");
            ui_lines_add_str(L, UI_C_FUNC, kinds[k].coro, "?");
            ui_lines_add(L, UI_C_DIM, " x%zu", kinds[k].n);
        }
        if (nk > 3)
            ui_lines_add(L, UI_C_DIM, ", %zu more kinds", nk - 3);
        free(kinds);
    }
}

void
ui_group_detail(struct ui_lines *L, const struct ui_groups *G, size_t k, const struct snap *s)
{
    const struct ui_group *g;
    struct ui_kind *kinds;
    size_t i, nk;

    ui_lines_reset(L);
    if (k >= G->n) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_DIM, "no task awaits %d or more tasks, and no TaskGroup has "
                     "children", UI_GROUP_MIN);
        return;
    }
    g = &G->v[k];
    ui_lines_begin(L);
    ui_lines_add_str(L, UI_C_BOLD, &s->tasks[g->task].name, "?");
    ui_lines_add(L, UI_C_NORMAL, "  %s %zu tasks (Enter: show it in the task tree)",
                 g->taskgroup ? "runs a TaskGroup of" : "awaits", g->n);
    nk = ui_group_kinds(g, s, &kinds);
    for (i = 0; i < nk; i++) {
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_NORMAL, "  %6zu  %-9s ", kinds[i].n,
                     snap_task_state_name(kinds[i].state));
        ui_lines_add_str(L, UI_C_FUNC, kinds[i].coro, "?");
    }
    free(kinds);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_DIM, "children:");
    for (i = 0; i < g->n && i < UI_GROUP_LIST; i++) {
        size_t c = s->edges[g->edge_first + i].awaited;

        ui_lines_begin(L);
        L->lines[L->nlines - 1].task = c;
        ui_lines_add(L, UI_C_NORMAL, "  %-9s ", snap_task_state_name(s->tasks[c].state));
        ui_lines_add_str(L, UI_C_BOLD, &s->tasks[c].name, "?");
        ui_lines_add(L, UI_C_DIM, "  ");
        ui_lines_add_str(L, UI_C_FUNC, &s->tasks[c].coro, "?");
    }
    if (g->n > UI_GROUP_LIST)
        ui_lines_add(L, UI_C_DIM, "  ... %zu more", g->n - UI_GROUP_LIST);
}
