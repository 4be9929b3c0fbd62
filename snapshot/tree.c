#include "tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"
#include "tree_match.h"

/* Filter state per node in tree_rows.scratch */
#define TREE_SC_MATCH   0x1u    /* the task matches */
#define TREE_SC_KEEP    0x2u    /* it or a descendant matches */
#define TREE_SC_DESC    0x4u    /* a descendant matches */

static size_t *
tree_alloc_idx(size_t n)
{
    return xreallocarray(NULL, n ? n : 1, sizeof(size_t));
}

const struct snap_frame *
tree_task_top(const struct snap *s, size_t task)
{
    size_t n;

    if (task >= s->ntasks)
        return NULL;
    return tree_frames(s, s->tasks[task].frame_first, s->tasks[task].frame_count, &n);
}

const struct snap_frame *
tree_task_user(const struct snap *s, size_t task)
{
    const struct snap_task *t;
    const struct snap_frame *fr;
    size_t n;

    if (task >= s->ntasks)
        return NULL;
    t = &s->tasks[task];
    if (t->user_frame == SNAP_NO_FRAME || t->user_frame >= t->frame_count)
        return NULL;
    fr = tree_frames(s, t->frame_first, t->frame_count, &n);
    return t->user_frame < n ? &fr[t->user_frame] : NULL;
}

const struct snap_frame *
tree_task_where(const struct snap *s, size_t task, bool innermost)
{
    const struct snap_frame *u = innermost ? NULL : tree_task_user(s, task);

    return u ? u : tree_task_top(s, task);
}

/*
 * Counting sort of the edges by one endpoint.  first[] ends up holding the
 * start of each task's list, first[n] the total.
 */
static void
tree_csr_fill(const struct snap *s, size_t n, bool by_waiter, size_t **first_out,
              size_t **list_out)
{
    size_t *first = xcalloc(n + 1, sizeof(size_t)), *list;
    size_t e, i, k;

    for (e = 0; e < s->nedges; e++) {
        if (s->edges[e].waiter < n && s->edges[e].awaited < n)
            first[(by_waiter ? s->edges[e].waiter : s->edges[e].awaited) + 1]++;
    }
    for (i = 0; i < n; i++)
        first[i + 1] += first[i];
    list = tree_alloc_idx(first[n]);
    for (e = 0; e < s->nedges; e++) {
        if (s->edges[e].waiter >= n || s->edges[e].awaited >= n)
            continue;
        k = by_waiter ? s->edges[e].waiter : s->edges[e].awaited;
        list[first[k]++] = e;
    }
    /* first[k] is now the end of list k: shift back to starts. */
    for (i = n; i > 0; i--)
        first[i] = first[i - 1];
    first[0] = 0;
    *first_out = first;
    *list_out = list;
}

void
tree_graph_build(struct tree_graph *g, const struct snap *s)
{
    g->ntasks = s->ntasks;
    tree_csr_fill(s, s->ntasks, true, &g->out_first, &g->out);
    tree_csr_fill(s, s->ntasks, false, &g->in_first, &g->in);
}

void
tree_graph_free(struct tree_graph *g)
{
    free(g->out_first);
    free(g->out);
    free(g->in_first);
    free(g->in);
    memset(g, 0, sizeof(*g));
}

/* DFS state shared by the forest builder */
struct tree_dfs {
    const struct snap *s;
    struct tree_forest *t;
    size_t *stk_node, *stk_pos; /* explicit stack: node index, next out-edge position */
    size_t *pref;               /* per task: edge from its first waiter other than itself */
    unsigned char *on_stack;    /* per task */
};

static size_t
tree_node_add(struct tree_dfs *d, size_t task, size_t parent)
{
    struct tree_forest *t = d->t;
    size_t i = t->nnodes++;
    struct tree_node *nd = &t->nodes[i];

    memset(nd, 0, sizeof(*nd));
    nd->task = task;
    nd->parent = parent;
    if (parent != TREE_NONE) {
        nd->depth = t->nodes[parent].depth + 1;
        t->nodes[parent].nchildren++;
    }
    t->node_of_task[task] = i;
    return i;
}

/*
 * Iterative depth-first walk from root task `root`.  A task is placed only
 * through its preferred edge (from its first waiter), so where a
 * multi-awaited task lands does not depend on the traversal order.
 */
static void
tree_dfs_run(struct tree_dfs *d, size_t root)
{
    const struct tree_graph *g = &d->t->graph;
    struct tree_forest *t = d->t;
    size_t sp = 0, top, task, c, e;

    t->nroots++;
    d->stk_node[sp] = tree_node_add(d, root, TREE_NONE);
    d->stk_pos[sp++] = g->out_first[root];
    d->on_stack[root] = 1;
    while (sp > 0) {
        top = d->stk_node[sp - 1];
        task = t->nodes[top].task;
        if (d->stk_pos[sp - 1] == g->out_first[task + 1]) {
            t->nodes[top].subtree = t->nnodes - top;
            d->on_stack[task] = 0;
            sp--;
            continue;
        }
        e = g->out[d->stk_pos[sp - 1]++];
        c = d->s->edges[e].awaited;
        if (t->node_of_task[c] == TREE_NONE && d->pref[c] == e) {
            d->stk_node[sp] = tree_node_add(d, c, top);
            d->stk_pos[sp++] = g->out_first[c];
            d->on_stack[c] = 1;
        } else if (d->on_stack[c]) {
            t->nodes[top].cycle = true;
        }
    }
}

/*
 * A root for the part of the graph that unvisited task `task` belongs to.
 * A task is reached when its preferred waiter is, so the preferred waiter of
 * an unvisited task is unvisited too: walking up through them must close a
 * cycle, and the task where it closes reaches everything walked.
 */
static size_t
tree_cycle_root(struct tree_dfs *d, size_t task, size_t *walk)
{
    size_t u = task;

    for (;;) {
        walk[u] = task + 1;
        u = d->s->edges[d->pref[u]].waiter;
        if (walk[u] == task + 1)
            return u;
    }
}

/*
 * Grouping in O(n) with one small hash map: open addressing, linear
 * probing, slots keep the hash so growth needs no key comparisons.  Strings
 * are interned to ids first, so every grouping key is a tuple of integers.
 */
struct tree_hslot {
    uint64_t hash;
    size_t val;                 /* TREE_NONE = empty */
};

struct tree_hmap {
    struct tree_hslot *slots;   /* owned */
    size_t mask, count;
};

struct tree_tuple {
    uint64_t a, b, c, d;
};

#define TREE_PCACHE 1024        /* direct-mapped cache of interned string pointers */

/* One grouping pass: interned strings and tuples, each indexed by its id. */
struct tree_grouper {
    struct tree_hmap strs, tuples;
    struct snap_str pc_str[TREE_PCACHE];    /* readers share strings: skip hashing those */
    size_t pc_id[TREE_PCACHE];
    struct snap_str *str;       /* owned array; the strings' bytes are borrowed */
    size_t nstr, cap_str;
    struct tree_tuple *tup;     /* owned */
    size_t ntup, cap_tup;
};

/* Spread every input bit into the low bits used as the slot index (murmur3 fmix64). */
static uint64_t
tree_hash_fin(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static uint64_t
tree_hash_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 32);
}

/* Eight bytes at a time. */
static uint64_t
tree_hash_bytes(const char *p, size_t n)
{
    uint64_t h = n, w;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = tree_hash_word(h, w);
    }
    if (n) {
        w = 0;
        memcpy(&w, p, n);
        h = tree_hash_word(h, w);
    }
    return tree_hash_fin(h);
}

/* Make room for n entries without growing again (or just one more when n is 0). */
static void
tree_hmap_reserve(struct tree_hmap *m, size_t n)
{
    size_t size = 64, i, k;
    struct tree_hslot *old = m->slots, *slots;

    if (n == 0)
        n = m->count + 1;
    if (old && n * 2 <= m->mask + 1)
        return;
    while (size < n * 2)
        size *= 2;
    slots = xreallocarray(NULL, size, sizeof(*slots));
    for (i = 0; i < size; i++)
        slots[i].val = TREE_NONE;
    for (i = 0; old && i <= m->mask; i++) {
        if (old[i].val == TREE_NONE)
            continue;
        for (k = old[i].hash & (size - 1); slots[k].val != TREE_NONE; k = (k + 1) & (size - 1))
            ;
        slots[k] = old[i];
    }
    free(old);
    m->slots = slots;
    m->mask = size - 1;
}

/* The slot for hash where eq() holds, or the empty slot where it belongs. */
static struct tree_hslot *
tree_hmap_find(struct tree_hmap *m, uint64_t hash,
               bool (*eq)(const struct tree_grouper *, size_t, const void *),
               const struct tree_grouper *g, const void *key)
{
    size_t k;

    tree_hmap_reserve(m, 0);
    for (k = hash & m->mask; m->slots[k].val != TREE_NONE; k = (k + 1) & m->mask) {
        if (m->slots[k].hash == hash && eq(g, m->slots[k].val, key))
            break;
    }
    return &m->slots[k];
}

static bool
tree_str_eq(const struct tree_grouper *g, size_t val, const void *key)
{
    const struct snap_str *a = &g->str[val], *b = key;

    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static bool
tree_tuple_eq(const struct tree_grouper *g, size_t val, const void *key)
{
    const struct tree_tuple *a = &g->tup[val], *b = key;

    return a->a == b->a && a->b == b->b && a->c == b->c && a->d == b->d;
}

/* The id of a string: 0 for null, else 1 + its index among the distinct strings. */
static size_t
tree_intern(struct tree_grouper *g, const struct snap_str *str)
{
    size_t pc = ((uintptr_t)str->s >> 4) % TREE_PCACHE;
    struct tree_hslot *sl;
    uint64_t h;

    if (!str->s)
        return 0;
    if (g->pc_str[pc].s == str->s && g->pc_str[pc].len == str->len)
        return g->pc_id[pc];
    h = tree_hash_bytes(str->s, str->len);
    sl = tree_hmap_find(&g->strs, h, tree_str_eq, g, str);
    if (sl->val == TREE_NONE) {
        sl->hash = h;
        sl->val = g->nstr;
        g->strs.count++;
        xgrow((void **)&g->str, &g->cap_str, g->nstr + 1, sizeof(*g->str));
        g->str[g->nstr++] = *str;
    }
    g->pc_str[pc] = *str;
    g->pc_id[pc] = sl->val + 1;
    return sl->val + 1;
}

/* The id of a tuple (dense from 0); *fresh says whether it is new. */
static size_t
tree_tuple_id(struct tree_grouper *g, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
              bool *fresh)
{
    struct tree_tuple k = { a, b, c, d };
    uint64_t h = tree_hash_fin(tree_hash_word(tree_hash_word(tree_hash_word(
                               tree_hash_word(0, a), b), c), d));
    struct tree_hslot *sl = tree_hmap_find(&g->tuples, h, tree_tuple_eq, g, &k);

    *fresh = sl->val == TREE_NONE;
    if (*fresh) {
        sl->hash = h;
        sl->val = g->ntup;
        g->tuples.count++;
        xgrow((void **)&g->tup, &g->cap_tup, g->ntup + 1, sizeof(*g->tup));
        g->tup[g->ntup++] = k;
    }
    return sl->val;
}

static void
tree_grouper_free(struct tree_grouper *g)
{
    free(g->strs.slots);
    free(g->tuples.slots);
    free(g->str);
    free(g->tup);
    free(g);
}

/*
 * A task that ended with a reason (an exception, a cancellation) is also
 * keyed by it: type, message, retrieved and where, so different reasons
 * never fold together.  The high bit keeps these tuples apart from the
 * (coroutine, file, line) ones.
 */
static size_t
tree_end_key(struct tree_grouper *g, const struct snap *s, size_t task, size_t key)
{
    const struct snap_task *t = &s->tasks[task];
    const struct snap_str none = { NULL, 0 };
    struct snap_frames tb = { 0, 0 };
    const struct snap_frame *fr;
    size_t n, where;
    bool fresh;

    if (!t->exception && !t->cancelled)
        return key;
    tb = t->exception ? t->exception->traceback : t->cancelled->traceback;
    fr = tree_frames(s, tb.first, tb.count, &n);
    where = tree_tuple_id(g, fr ? tree_intern(g, &fr->file) : 0,
                          fr ? (uint64_t)(unsigned)fr->line : 0, (uint64_t)1 << 62, 0, &fresh);
    if (t->exception)
        return tree_tuple_id(g, key, tree_intern(g, &t->exception->message),
                             ((uint64_t)1 << 63) | ((uint64_t)t->exception->retrieved << 61) |
                             tree_intern(g, &t->exception->type), where, &fresh);
    return tree_tuple_id(g, key, tree_intern(g, t->cancelled->message.s ?
                                                &t->cancelled->message : &none),
                         ((uint64_t)1 << 63) | ((uint64_t)1 << 60), where, &fresh);
}

/* Renumber keys densely from 0 (tree_end_key's tuples leave gaps); returns their count. */
static size_t
tree_keys_dense(size_t *key, size_t n, size_t nids)
{
    size_t *map = tree_alloc_idx(nids), i, next = 0;

    for (i = 0; i < nids; i++)
        map[i] = TREE_NONE;
    for (i = 0; i < n; i++) {
        if (map[key[i]] == TREE_NONE)
            map[key[i]] = next++;
        key[i] = map[key[i]];
    }
    free(map);
    return next;
}

/*
 * Per task, the id of its (coroutine, user frame's file and line (the
 * innermost frame's when it has none), innermost function): different
 * endpoints waiting on the same lock never share a key.  Ids are dense from 0.
 */
static size_t *
tree_keys_build(const struct snap *s, size_t *nkeys)
{
    struct tree_grouper *g = xcalloc(1, sizeof(*g));
    size_t *key = tree_alloc_idx(s->ntasks), i;
    const struct snap_frame *top, *where;
    bool fresh;

    for (i = 0; i < s->ntasks; i++) {
        top = tree_task_top(s, i);
        where = tree_task_where(s, i, false);
        key[i] = tree_tuple_id(g, tree_intern(g, &s->tasks[i].coro),
                               where ? tree_intern(g, &where->file) : 0,
                               where ? (uint64_t)(unsigned)where->line : 0,
                               top ? tree_intern(g, top->qualname.s ? &top->qualname
                                                                    : &top->function) : 0,
                               &fresh);
        key[i] = tree_end_key(g, s, i, key[i]);
    }
    *nkeys = tree_keys_dense(key, s->ntasks, g->ntup);
    tree_grouper_free(g);
    return key;
}

struct tree_forest *
tree_forest_build(const struct snap *s)
{
    struct tree_forest *t = xcalloc(1, sizeof(*t));
    struct tree_dfs d = { .s = s, .t = t };
    size_t n = s->ntasks, i, e, self, *walk;
    const struct tree_graph *g = &t->graph;

    tree_graph_build(&t->graph, s);
    t->key_of_task = tree_keys_build(s, &t->nkeys);
    t->nodes = xreallocarray(NULL, n ? n : 1, sizeof(*t->nodes));
    t->node_of_task = tree_alloc_idx(n);
    for (i = 0; i < n; i++)
        t->node_of_task[i] = TREE_NONE;
    d.stk_node = tree_alloc_idx(n);
    d.stk_pos = tree_alloc_idx(n);
    d.pref = tree_alloc_idx(n);
    d.on_stack = xcalloc(n ? n : 1, 1);
    walk = xcalloc(n ? n : 1, sizeof(size_t));

    for (i = 0; i < n; i++) {
        d.pref[i] = TREE_NONE;
        for (e = g->in_first[i]; e < g->in_first[i + 1]; e++) {
            if (s->edges[g->in[e]].waiter != i) {
                d.pref[i] = g->in[e];
                break;
            }
        }
    }
    /* Roots: tasks nobody else awaits. */
    for (i = 0; i < n; i++) {
        if (d.pref[i] == TREE_NONE)
            tree_dfs_run(&d, i);
    }
    for (i = 0; i < n; i++) {
        if (t->node_of_task[i] == TREE_NONE)
            tree_dfs_run(&d, tree_cycle_root(&d, i, walk));
    }
    for (i = 0; i < t->nnodes; i++) {
        struct tree_node *nd = &t->nodes[i];

        self = 0;
        for (e = g->in_first[nd->task]; e < g->in_first[nd->task + 1]; e++)
            self += s->edges[g->in[e]].waiter == nd->task;
        nd->extra_waiters = g->in_first[nd->task + 1] - g->in_first[nd->task] - self -
                            (nd->parent != TREE_NONE);
    }
    free(walk);
    free(d.pref);
    free(d.on_stack);
    free(d.stk_pos);
    free(d.stk_node);
    return t;
}

void
tree_forest_free(struct tree_forest *t)
{
    if (!t)
        return;
    tree_graph_free(&t->graph);
    free(t->nodes);
    free(t->node_of_task);
    free(t->key_of_task);
    free(t);
}

bool
tree_task_match(const struct snap *s, size_t task, const char *filter, bool icase)
{
    struct tree_matcher m;
    bool r;

    if (!filter || !*filter)
        return true;
    if (task >= s->ntasks)
        return false;
    tree_matcher_init(&m, filter, icase);
    r = tree_matcher_task(&m, s, task);
    tree_matcher_free(&m);
    return r;
}

/* r->rows has room for every node (reserved by tree_rows_build). */
static void
tree_rows_push(struct tree_rows *r, const struct tree_node *nd, size_t node, unsigned flags)
{
    struct tree_row *row = &r->rows[r->nrows++];

    row->node = node;
    row->task = nd->task;
    row->depth = nd->depth;
    row->count = 1;
    row->flags = flags;
}

/*
 * What a row's wait adds to its group: rows waiting on different objects
 * stay apart (a sleep's future is its own: sleepers fold by kind).
 */
static uint64_t
tree_wait_key(const struct snap_wait *w)
{
    if (!w)
        return 0;
    return w->kind == SNAP_WAIT_SLEEP || !w->object ? (uint64_t)w->kind + 1 : w->object;
}

/* Fold identical leaf siblings: the first row of a group takes the count, the rest go. */
static void
tree_rows_group(struct tree_rows *r, const struct snap *s, const struct tree_forest *t)
{
    struct tree_grouper *g = xcalloc(1, sizeof(*g));
    size_t *lead = tree_alloc_idx(r->nrows), i, out, k;
    bool fresh;

    tree_hmap_reserve(&g->tuples, r->nrows);
    for (i = 0; i < r->nrows; i++) {
        if (i + 1 < r->nrows && r->rows[i + 1].depth > r->rows[i].depth)
            continue;       /* has visible children */
        k = tree_tuple_id(g, t->nodes[r->rows[i].node].parent,
                          t->key_of_task[r->rows[i].task],
                          tree_wait_key(s->tasks[r->rows[i].task].waiting_on), 0, &fresh);
        if (fresh) {
            lead[k] = i;
        } else {
            r->rows[lead[k]].count++;
            r->rows[i].count = 0;
        }
    }
    for (i = out = 0; i < r->nrows; i++) {
        if (r->rows[i].count)
            r->rows[out++] = r->rows[i];
    }
    r->nrows = out;
    free(lead);
    tree_grouper_free(g);
}

/*
 * TREE_ROW_LAST, scanning backwards: seen[d] says a later sibling at depth d
 * exists.  Moving to a deeper row enters a new sibling list, so those depths
 * are reset.  A row is at most one deeper than its predecessor, so the
 * resets cost O(rows) in total.
 */
static void
tree_rows_mark_last(struct tree_rows *r, unsigned char *seen)
{
    size_t k, d, prev = 0, x;

    for (k = r->nrows; k-- > 0;) {
        d = r->rows[k].depth;
        if (k == r->nrows - 1 || d > prev) {
            for (x = (k == r->nrows - 1) ? 0 : prev + 1; x <= d; x++)
                seen[x] = 0;
        }
        if (!seen[d])
            r->rows[k].flags |= TREE_ROW_LAST;
        seen[d] = 1;
        prev = d;
    }
}

void
tree_rows_build(struct tree_rows *r, const struct snap *s, const struct tree_forest *t,
                const struct tree_view *v)
{
    bool filt = v && v->filter && v->filter[0];
    struct tree_matcher m;
    unsigned char *sc;
    size_t i, n = t->nnodes;

    r->nrows = 0;
    xgrow((void **)&r->rows, &r->cap, n + 1, sizeof(*r->rows));
    xgrow((void **)&r->scratch, &r->scratch_cap, n + 1, 1);
    sc = r->scratch;
    if (filt) {
        tree_matcher_init(&m, v->filter, v->filter_icase);
        for (i = 0; i < n; i++)
            sc[i] = tree_matcher_task(&m, s, t->nodes[i].task) ? TREE_SC_MATCH | TREE_SC_KEEP : 0;
        tree_matcher_free(&m);
        for (i = n; i-- > 0;) {
            if ((sc[i] & TREE_SC_KEEP) && t->nodes[i].parent != TREE_NONE)
                sc[t->nodes[i].parent] |= TREE_SC_KEEP | TREE_SC_DESC;
        }
    }
    for (i = 0; i < n;) {
        const struct tree_node *nd = &t->nodes[i];
        unsigned flags = 0;
        bool hide;

        if (filt && !(sc[i] & TREE_SC_KEEP)) {
            i += nd->subtree;
            continue;
        }
        if (nd->nchildren)
            flags |= TREE_ROW_CHILDREN;
        if (nd->cycle)
            flags |= TREE_ROW_CYCLE;
        if (filt && (sc[i] & TREE_SC_MATCH))
            flags |= TREE_ROW_MATCH;
        hide = v && v->collapsed && v->collapsed[nd->task] && nd->nchildren &&
               !(filt && (sc[i] & TREE_SC_DESC));
        if (hide)
            flags |= TREE_ROW_COLLAPSED;
        tree_rows_push(r, nd, i, flags);
        i += hide ? nd->subtree : 1;
    }
    if (v && v->group)
        tree_rows_group(r, s, t);
    tree_rows_mark_last(r, sc);
}

void
tree_rows_free(struct tree_rows *r)
{
    free(r->rows);
    free(r->scratch);
    memset(r, 0, sizeof(*r));
}

static int
tree_group_cmp(const void *a, const void *b)
{
    const struct tree_group *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

void
tree_summary_build(struct tree_summary *sum, const struct snap *s,
                   const struct tree_forest *t)
{
    size_t nkeys, i, k, *own = NULL;
    const size_t *key;

    memset(sum, 0, sizeof(*sum));
    if (t && t->nnodes == s->ntasks) {
        key = t->key_of_task;
        nkeys = t->nkeys;
    } else {
        key = own = tree_keys_build(s, &nkeys);
    }
    sum->groups = xcalloc(nkeys ? nkeys : 1, sizeof(*sum->groups));
    sum->ngroups = nkeys;
    for (i = s->ntasks; i-- > 0;) {
        if ((unsigned)s->tasks[i].state < 3)
            sum->by_state[s->tasks[i].state]++;
        k = key[i];
        sum->groups[k].count++;
        sum->groups[k].task = i;    /* scanning down: ends at the lowest index */
    }
    if (nkeys > 1)
        qsort(sum->groups, nkeys, sizeof(*sum->groups), tree_group_cmp);
    free(own);
}

void
tree_summary_free(struct tree_summary *sum)
{
    free(sum->groups);
    memset(sum, 0, sizeof(*sum));
}
