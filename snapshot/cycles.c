/*
 * cycles.c - await cycles: tasks that await each other in a ring never
 * finish (a deadlock).  CPython 3.14's own `asyncio pstree` refuses to draw
 * such a graph; we name every cycle, on every version, and the views mark
 * its tasks.
 *
 * The edges are sorted by waiter (snap_edges_finish), so a task's awaited
 * tasks are one run of the edge array.  A depth-first walk with an explicit
 * stack (await chains can be as deep as the snapshot is large) colours each
 * task; an edge to a task still on the stack closes a cycle: the stack from
 * that task to the top.  Each cycle is rotated to begin at its task with the
 * smallest id (address), kept once, and the list is sorted.
 */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"

enum { WHITE = 0, GREY = 1, BLACK = 2 };

struct cyc_walk {
    const struct snap *s;
    size_t *edge_first;         /* per task: index of its first edge; [ntasks] = nedges */
    unsigned char *colour;
    size_t *pos;                /* per task on the stack: its depth */
    size_t *stack, *next_edge;  /* the path, and per depth the next edge to try */
    size_t depth;
    struct snap_cycle *cycles;
    size_t ncycles, cap_cycles;
    size_t *tasks;
    size_t ntasks, cap_tasks;
    size_t dropped;             /* cycles beyond SNAP_MAX_CYCLES */
};

/* The cycle stack[from .. depth-1], rotated to its smallest id; 0 if already known. */
static void
cyc_record(struct cyc_walk *w, size_t from)
{
    const struct snap *s = w->s;
    size_t n = w->depth - from, start = 0, i, k;

    for (i = 1; i < n; i++)
        if (s->tasks[w->stack[from + i]].addr < s->tasks[w->stack[from + start]].addr)
            start = i;
    for (k = 0; k < w->ncycles; k++) {
        const struct snap_cycle *c = &w->cycles[k];

        if (c->n != n)
            continue;
        for (i = 0; i < n; i++)
            if (w->tasks[c->first + i] != w->stack[from + (start + i) % n])
                break;
        if (i == n)
            return;
    }
    if (w->ncycles >= SNAP_MAX_CYCLES) {
        w->dropped++;
        return;
    }
    xgrow((void **)&w->cycles, &w->cap_cycles, w->ncycles + 1, sizeof(*w->cycles));
    xgrow((void **)&w->tasks, &w->cap_tasks, w->ntasks + n, sizeof(*w->tasks));
    w->cycles[w->ncycles].first = w->ntasks;
    w->cycles[w->ncycles].n = n;
    w->ncycles++;
    for (i = 0; i < n; i++)
        w->tasks[w->ntasks++] = w->stack[from + (start + i) % n];
}

static void
cyc_walk_from(struct cyc_walk *w, size_t root)
{
    const struct snap *s = w->s;

    w->depth = 0;
    w->stack[w->depth] = root;
    w->next_edge[w->depth] = w->edge_first[root];
    w->pos[root] = w->depth++;
    w->colour[root] = GREY;
    while (w->depth > 0) {
        size_t t = w->stack[w->depth - 1], e = w->next_edge[w->depth - 1], v;

        if (e >= w->edge_first[t + 1]) {
            w->colour[t] = BLACK;
            w->depth--;
            continue;
        }
        w->next_edge[w->depth - 1] = e + 1;
        v = s->edges[e].awaited;
        if (v >= s->ntasks)
            continue;
        if (w->colour[v] == GREY) {
            cyc_record(w, w->pos[v]);
        } else if (w->colour[v] == WHITE) {
            w->stack[w->depth] = v;
            w->next_edge[w->depth] = w->edge_first[v];
            w->pos[v] = w->depth++;
            w->colour[v] = GREY;
        }
    }
}

static int
cyc_cmp(const void *a, const void *b, void *arg)
{
    const struct snap *s = arg;
    const struct snap_cycle *x = a, *y = b;
    uint64_t ax = s->tasks[s->cycle_tasks[x->first]].addr;
    uint64_t ay = s->tasks[s->cycle_tasks[y->first]].addr;

    if (ax != ay)
        return ax < ay ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

void
snap_cycles_find(struct snap *s)
{
    struct cyc_walk w;
    size_t i, e;

    free(s->cycles);
    free(s->cycle_tasks);
    s->cycles = NULL;
    s->cycle_tasks = NULL;
    s->ncycles = s->ncycle_tasks = 0;
    for (i = 0; i < s->ntasks; i++)
        s->tasks[i].in_cycle = false;
    if (s->nedges == 0 || s->ntasks == 0)
        return;
    memset(&w, 0, sizeof(w));
    w.s = s;
    w.edge_first = xcalloc(s->ntasks + 1, sizeof(*w.edge_first));
    w.colour = xcalloc(s->ntasks, 1);
    w.pos = xcalloc(s->ntasks, sizeof(*w.pos));
    w.stack = xcalloc(s->ntasks, sizeof(*w.stack));
    w.next_edge = xcalloc(s->ntasks, sizeof(*w.next_edge));
    /* edges are sorted by waiter: edge_first[t] .. edge_first[t+1] are t's */
    for (i = 0, e = 0; i <= s->ntasks; i++) {
        while (e < s->nedges && s->edges[e].waiter < i)
            e++;
        w.edge_first[i] = e;
    }
    for (i = 0; i < s->ntasks; i++)
        if (w.colour[i] == WHITE && w.edge_first[i] < w.edge_first[i + 1])
            cyc_walk_from(&w, i);
    s->cycles = w.cycles;
    s->ncycles = w.ncycles;
    s->cycle_tasks = w.tasks;
    s->ncycle_tasks = w.ntasks;
    for (i = 0; i < s->ncycle_tasks; i++)
        s->tasks[s->cycle_tasks[i]].in_cycle = true;
    if (s->ncycles > 1)
        qsort_r(s->cycles, s->ncycles, sizeof(*s->cycles), cyc_cmp, s);
    if (w.dropped)
        snap_diag_add(s, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND, "%zu more await cycles not listed (at most %d)",
                      w.dropped, SNAP_MAX_CYCLES);
    free(w.edge_first);
    free(w.colour);
    free(w.pos);
    free(w.stack);
    free(w.next_edge);
}
