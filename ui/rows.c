/*
 * rows.c - the task pane's rows: the forest's rows with siblings sorted
 * by one of the sort keys, grouped rows represented by their first member,
 * finding and searching rows, the tree prefix, and the selection that
 * survives refreshes.
 */
#include "rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

/* Deepest tree levels drawn as glyphs; deeper rows show "[depth]" first. */
#define MAX_PREFIX_LEVELS 64

/* ------------------------------------------------------------ rows */

struct ui_sortkey {
    size_t parent;              /* base row of the parent, TREE_NONE (sorts last) at roots */
    uint64_t num;
    const char *str;            /* borrowed from the snapshot; NULL sorts as "" */
    size_t len;
    size_t ord;                 /* base row: the tie-break */
};

static unsigned char
ui_fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool
ui_isdigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Natural order, ASCII case-insensitive: runs of digits compare as numbers
 * ("request-9" < "request-10"), the rest byte by byte.
 */
static int
ui_natcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i = 0, j = 0, si, sj, ni, nj, k;

    while (i < alen && j < blen) {
        if (ui_isdigit(x[i]) && ui_isdigit(y[j])) {
            while (i < alen && x[i] == '0')
                i++;
            while (j < blen && y[j] == '0')
                j++;
            for (si = i; i < alen && ui_isdigit(x[i]); i++)
                ;
            for (sj = j; j < blen && ui_isdigit(y[j]); j++)
                ;
            ni = i - si;
            nj = j - sj;
            if (ni != nj)
                return ni < nj ? -1 : 1;
            for (k = 0; k < ni; k++) {
                if (x[si + k] != y[sj + k])
                    return x[si + k] < y[sj + k] ? -1 : 1;
            }
            continue;
        }
        if (ui_fold(x[i]) != ui_fold(y[j]))
            return ui_fold(x[i]) < ui_fold(y[j]) ? -1 : 1;
        i++;
        j++;
    }
    return (i < alen) - (j < blen);
}

static int
ui_key_cmp(const void *a, const void *b)
{
    const struct ui_sortkey *x = a, *y = b;
    int c;

    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    c = ui_natcmp(x->str ? x->str : "", x->str ? x->len : 0,
                  y->str ? y->str : "", y->str ? y->len : 0);
    if (c)
        return c;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* Numbers that sort last: tasks the history does not know (yet). */
#define UI_KEY_UNKNOWN UINT64_MAX

/* What a sort key may look at, besides the snapshot. */
struct ui_sort_in {
    const struct snap *s;
    const uint64_t *first_seen;     /* per task, or NULL */
    const struct ui_act *act;       /* per task, or NULL */
};

static void
ui_key_name(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    k->str = in->s->tasks[task].name.s;
    k->len = in->s->tasks[task].name.len;
}

static void
ui_key_state(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    k->num = (uint64_t)in->s->tasks[task].state;
    ui_key_name(k, in, task);
}

static void
ui_key_age(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    /* newest first: the largest first-seen time sorts first */
    k->num = in->first_seen ? UINT64_MAX - in->first_seen[task] : 0;
}

static void
ui_key_coro(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    k->str = in->s->tasks[task].coro.s;
    k->len = in->s->tasks[task].coro.len;
}

static void
ui_key_running(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    const struct ui_act *a = in->act ? &in->act[task] : NULL;

    /* the busiest first; a tie (e.g. every idle task at 0%) by name */
    k->num = a && (a->flags & UI_ACT_KNOWN) ? 1000u - ui_act_permille(a) : UI_KEY_UNKNOWN;
    ui_key_name(k, in, task);
}

static void
ui_key_idle(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task)
{
    const struct ui_act *a = in->act ? &in->act[task] : NULL;

    /* the longest unchanged first: stuck tasks come to the top */
    k->num = a && (a->flags & UI_ACT_KNOWN) ? UI_KEY_UNKNOWN - 1 - a->idle_ns / 1000000u
             : UI_KEY_UNKNOWN;
    ui_key_name(k, in, task);
}

/*
 * The sort keys, in the order `s` cycles through them.  A key fills num
 * (compared first) and str (natural order); UI_SORT_TREE fills nothing:
 * the forest's order is the tie-break.
 */
static const struct ui_sort_def {
    const char *name;
    const char *note;           /* said when it is chosen */
    void (*fill)(struct ui_sortkey *k, const struct ui_sort_in *in, size_t task);
} ui_sorts[UI_SORT__COUNT] = {
    [UI_SORT_NAME] = { "name", "", ui_key_name },
    [UI_SORT_STATE] = { "state", "", ui_key_state },
    [UI_SORT_AGE] = { "age", " (newest first)", ui_key_age },
    [UI_SORT_CORO] = { "coroutine", "", ui_key_coro },
    [UI_SORT_TREE] = { "address", "", NULL },
    [UI_SORT_RUNNING] = { "running", " (share of samples running, highest first)",
                          ui_key_running },
    [UI_SORT_IDLE] = { "idle", " (time since the stack last changed, longest first)",
                       ui_key_idle },
};

const char *
ui_sort_name(enum ui_sort s)
{
    return (unsigned)s < UI_SORT__COUNT ? ui_sorts[s].name : "?";
}

const char *
ui_sort_note(enum ui_sort s)
{
    return (unsigned)s < UI_SORT__COUNT ? ui_sorts[s].note : "";
}

static void
ui_key_fill(struct ui_sortkey *k, const struct snap *s, size_t task, enum ui_sort sort,
            const uint64_t *first_seen, const struct ui_act *act)
{
    const struct ui_sort_in in = { s, first_seen, act };

    k->num = 0;
    k->str = NULL;
    k->len = 0;
    if ((unsigned)sort < UI_SORT__COUNT && ui_sorts[sort].fill)
        ui_sorts[sort].fill(k, &in, task);
}

int
ui_sort_cmp(enum ui_sort sort, const struct snap *s, const uint64_t *first_seen,
            const struct ui_act *act, size_t a, size_t b)
{
    struct ui_sortkey x, y;

    ui_key_fill(&x, s, a, sort, first_seen, act);
    ui_key_fill(&y, s, b, sort, first_seen, act);
    x.parent = y.parent = 0;
    x.ord = y.ord = 0;
    return ui_key_cmp(&x, &y);
}

static void
ui_rows_grow(struct ui_rows *r, size_t n, size_t ntasks)
{
    if (n > r->cap) {
        r->cap = n;
        r->rows = xreallocarray(r->rows, n, sizeof(*r->rows));
        r->parent = xreallocarray(r->parent, n, sizeof(*r->parent));
    }
    if (n + 1 > r->cap_scratch) {
        r->cap_scratch = n + 1;
        r->keys = xreallocarray(r->keys, n + 1, sizeof(*r->keys));
        r->tmp = xreallocarray(r->tmp, 6 * (n + 1), sizeof(*r->tmp));
    }
    if (ntasks > r->cap_tasks) {
        r->cap_tasks = ntasks;
        r->row_of_task = xreallocarray(r->row_of_task, ntasks, sizeof(*r->row_of_task));
    }
}

/*
 * Siblings sorted: the keys are sorted by (parent, key, base row), so the
 * children of every row are contiguous; then an iterative preorder walk
 * emits the display order.  tmp holds, for n base rows:
 * bparent[n] | start[n + 1] | cnt[n + 1] | newidx[n] | stack[2 (n + 1)].
 */
static void
ui_rows_sorted(struct ui_rows *r, const struct snap *s, enum ui_sort sort,
               const uint64_t *first_seen, const struct ui_act *act)
{
    size_t n = r->base.nrows, k, p, sp = 0, pos, out = 0, old, nw;
    size_t *bparent = r->tmp, *start = bparent + n, *cnt = start + n + 1;
    size_t *newidx = cnt + n + 1, *stack = newidx + n;
    const struct tree_row *base = r->base.rows;

    memset(cnt, 0, (n + 1) * sizeof(*cnt));
    for (k = 0; k < n; k++) {
        r->keys[k].parent = bparent[k];
        r->keys[k].ord = k;
        ui_key_fill(&r->keys[k], s, base[k].task, sort, first_seen, act);
        cnt[bparent[k] == TREE_NONE ? n : bparent[k]]++;
    }
    qsort(r->keys, n, sizeof(*r->keys), ui_key_cmp);
    /* parents sort in ascending row order, roots (TREE_NONE) last: same as index order */
    for (p = 0, pos = 0; p <= n; p++) {
        start[p] = pos;
        pos += cnt[p];
    }
    stack[sp++] = start[n];
    stack[sp++] = start[n] + cnt[n];
    while (sp > 0) {
        if (stack[sp - 2] == stack[sp - 1]) {
            sp -= 2;
            continue;
        }
        pos = stack[sp - 2]++;
        old = r->keys[pos].ord;
        nw = out++;
        newidx[old] = nw;
        r->rows[nw] = base[old];
        r->rows[nw].flags &= ~TREE_ROW_LAST;
        if (pos + 1 == stack[sp - 1])
            r->rows[nw].flags |= TREE_ROW_LAST;
        r->parent[nw] = bparent[old] == TREE_NONE ? TREE_NONE : newidx[bparent[old]];
        r->rows[nw].depth = r->parent[nw] == TREE_NONE ? 0 : r->rows[r->parent[nw]].depth + 1;
        if (cnt[old]) {
            stack[sp++] = start[old];
            stack[sp++] = start[old] + cnt[old];
        }
    }
}

static bool
ui_str_eq(const struct snap_str *a, const struct snap_str *b)
{
    if (!a->s || !b->s)
        return !a->s && !b->s;
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static const struct snap_str *
ui_frame_func(const struct snap_frame *f)
{
    return f->qualname.s ? &f->qualname : &f->function;
}

/*
 * Same coroutine, user frame (file:line; the innermost frame's when none) and
 * innermost function: the key tree_rows_build groups by (key_of_task).
 */
static bool
ui_same_group_key(const struct snap *s, size_t a, size_t b)
{
    const struct snap_frame *fa = tree_task_where(s, a, false), *fb = tree_task_where(s, b, false);
    const struct snap_frame *ta = tree_task_top(s, a), *tb = tree_task_top(s, b);

    if (!ui_str_eq(&s->tasks[a].coro, &s->tasks[b].coro))
        return false;
    if (!fa || !fb)
        return !fa && !fb;
    return fa->line == fb->line && ui_str_eq(&fa->file, &fb->file) &&
           ui_str_eq(ui_frame_func(ta), ui_frame_func(tb));
}

/* Group rows under one parent looked at for a representative; more are left as they are. */
#define MAX_GROUPS_PER_PARENT 64

struct ui_grp {
    size_t parent;              /* forest node, TREE_NONE for roots */
    size_t row;                 /* base row */
};

static int
ui_grp_cmp(const void *a, const void *b)
{
    const struct ui_grp *x = a, *y = b;

    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * A grouped row shows the member that sorts first ("request-0 x200", not
 * whichever task has the lowest address).  Candidates are the row's leaf
 * siblings with the same coroutine and suspension point (that the filter
 * keeps); the row then shows that task, so its detail and sort key agree.
 */
static void
ui_rows_represent(struct ui_rows *r, const struct snap *s, const struct tree_forest *t,
                  const struct tree_view *v, enum ui_sort sort, const uint64_t *first_seen,
                  const struct ui_act *act)
{
    struct ui_grp *g;
    struct ui_sortkey best, cand;
    size_t n = r->base.nrows, ng = 0, i, j, k, c, end;
    bool filt = v->filter && v->filter[0];

    for (k = 0; k < n; k++)
        ng += r->base.rows[k].count > 1;
    if (ng == 0)
        return;
    g = xreallocarray(NULL, ng, sizeof(*g));
    for (k = 0, ng = 0; k < n; k++) {
        if (r->base.rows[k].count > 1 && r->base.rows[k].node < t->nnodes) {
            g[ng].parent = t->nodes[r->base.rows[k].node].parent;
            g[ng++].row = k;
        }
    }
    qsort(g, ng, sizeof(*g), ui_grp_cmp);
    for (i = 0; i < ng; i = j) {
        for (j = i + 1; j < ng && g[j].parent == g[i].parent; j++)
            ;
        if (j - i > MAX_GROUPS_PER_PARENT)
            continue;
        /* the siblings: children of the parent node, or the roots */
        c = g[i].parent == TREE_NONE ? 0 : g[i].parent + 1;
        end = g[i].parent == TREE_NONE ? t->nnodes : g[i].parent + t->nodes[g[i].parent].subtree;
        for (; c < end && c < t->nnodes; c += t->nodes[c].subtree ? t->nodes[c].subtree : 1) {
            size_t task = t->nodes[c].task;

            if (t->nodes[c].nchildren || task >= s->ntasks ||
                (filt && !tree_task_match(s, task, v->filter, v->filter_icase)))
                continue;
            for (k = i; k < j; k++) {
                struct tree_row *row = &r->base.rows[g[k].row];

                if (row->task == task || !ui_same_group_key(s, row->task, task))
                    continue;
                ui_key_fill(&best, s, row->task, sort, first_seen, act);
                ui_key_fill(&cand, s, task, sort, first_seen, act);
                best.parent = cand.parent = 0;
                best.ord = cand.ord = 0;
                if (ui_key_cmp(&cand, &best) < 0) {
                    row->task = task;
                    row->node = c;
                }
                break;
            }
        }
    }
    free(g);
}

void
ui_rows_build(struct ui_rows *r, const struct snap *s, const struct tree_forest *t,
              const struct tree_view *v, enum ui_sort sort, const uint64_t *first_seen,
              const struct ui_act *act)
{
    size_t n, k, d, sp = 0, *bparent, *dstack;

    tree_rows_build(&r->base, s, t, v);
    if (v && v->group && sort != UI_SORT_TREE)
        ui_rows_represent(r, s, t, v, sort, first_seen, act);
    n = r->base.nrows;
    ui_rows_grow(r, n ? n : 1, s->ntasks ? s->ntasks : 1);
    bparent = r->tmp;
    dstack = r->tmp + 5 * (n + 1);      /* the tail of tmp, free until the sort's stack */
    /*
     * Parents from depths: a row is at most one level deeper than the row
     * before it (ancestors of shown rows are shown).  A depth that breaks
     * the rule is clamped, so parents stay consistent whatever the input.
     */
    for (k = 0; k < n; k++) {
        d = r->base.rows[k].depth;
        if (d > sp)
            d = sp;
        bparent[k] = d ? dstack[d - 1] : TREE_NONE;
        dstack[d] = k;
        sp = d + 1;
    }
    if (sort == UI_SORT_TREE || n < 2) {
        for (k = 0; k < n; k++) {
            r->rows[k] = r->base.rows[k];
            r->parent[k] = bparent[k];
            r->rows[k].depth = bparent[k] == TREE_NONE ? 0 : r->rows[bparent[k]].depth + 1;
        }
    } else {
        ui_rows_sorted(r, s, sort, first_seen, act);
    }
    r->nrows = n;
    r->ntasks = s->ntasks;
    for (k = 0; k < s->ntasks; k++)
        r->row_of_task[k] = TREE_NONE;
    for (k = 0; k < n; k++) {
        if (r->rows[k].task < s->ntasks)
            r->row_of_task[r->rows[k].task] = k;
    }
}

void
ui_rows_free(struct ui_rows *r)
{
    tree_rows_free(&r->base);
    free(r->rows);
    free(r->parent);
    free(r->row_of_task);
    free(r->keys);
    free(r->tmp);
    memset(r, 0, sizeof(*r));
}

size_t
ui_rows_find(const struct ui_rows *r, const struct snap *s, const struct tree_forest *t,
             size_t task)
{
    size_t node, pnode, k, steps;

    if (task >= s->ntasks || task >= r->ntasks || s->ntasks != t->nnodes)
        return TREE_NONE;
    if (r->row_of_task[task] != TREE_NONE)
        return r->row_of_task[task];
    node = t->node_of_task[task];
    if (node >= t->nnodes)
        return TREE_NONE;
    pnode = t->nodes[node].parent;
    for (k = 0; k < r->nrows; k++) {
        const struct tree_row *row = &r->rows[k];

        if (row->count > 1 && row->node < t->nnodes && t->nodes[row->node].parent == pnode &&
            ui_same_group_key(s, row->task, task))
            return k;
    }
    for (steps = 0; pnode != TREE_NONE && pnode < t->nnodes && steps < t->nnodes; steps++) {
        k = r->row_of_task[t->nodes[pnode].task];
        if (k != TREE_NONE)
            return k;
        pnode = t->nodes[pnode].parent;
    }
    return TREE_NONE;
}

size_t
ui_rows_search(const struct ui_rows *r, const struct snap *s, size_t from, int dir,
               const char *text)
{
    size_t n = r->nrows, i, k, start;

    if (n == 0 || !text || !*text)
        return TREE_NONE;
    if (from == TREE_NONE || from >= n)
        start = dir < 0 ? 0 : n - 1;
    else
        start = from;
    for (i = 1; i <= n; i++) {
        k = dir < 0 ? (start + n - i % n) % n : (start + i) % n;
        if (tree_task_match(s, r->rows[k].task, text, true))
            return k;
    }
    return TREE_NONE;
}

size_t
ui_forest_search_hidden(const struct ui_rows *r, const struct snap *s,
                        const struct tree_forest *t, const char *text)
{
    size_t i, task;

    if (!text || !*text || r->ntasks != s->ntasks)
        return TREE_NONE;
    for (i = 0; i < t->nnodes; i++) {
        task = t->nodes[i].task;
        if (task < s->ntasks && r->row_of_task[task] == TREE_NONE &&
            tree_task_match(s, task, text, true))
            return task;
    }
    return TREE_NONE;
}

/* Append str (of `cols` columns) if it fits in both the buffer and the column budget. */
static void
ui_prefix_put(char *buf, size_t size, size_t *used, int *cols, int maxcols, const char *str,
              int w)
{
    size_t n = strlen(str);

    if (*cols + w > maxcols || *used + n + 1 > size)
        return;
    memcpy(buf + *used, str, n);
    *used += n;
    buf[*used] = '\0';
    *cols += w;
}

int
ui_rows_prefix(const struct ui_rows *r, size_t k, const struct ui_glyphs *g, int maxcols,
               char *buf, size_t size)
{
    bool last[MAX_PREFIX_LEVELS];
    size_t depth, nlev, shown, i, p, used = 0;
    int cols = 0, room;
    unsigned flags;
    char num[32];

    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (k >= r->nrows || maxcols <= 0)
        return 0;
    flags = r->rows[k].flags;
    depth = r->rows[k].depth;
    /* levels 1 .. depth-1 are the ancestors below the root: vertical bars or blanks */
    nlev = depth > 1 ? depth - 1 : 0;
    room = maxcols - (depth ? 4 : 2);
    shown = nlev;
    if ((size_t)(room < 0 ? 0 : room) < 2 * nlev || nlev > MAX_PREFIX_LEVELS) {
        snprintf(num, sizeof(num), "[%zu]", depth);
        room -= (int)strlen(num);
        shown = room > 0 ? (size_t)room / 2 : 0;
        if (shown > MAX_PREFIX_LEVELS)
            shown = MAX_PREFIX_LEVELS;
        if (shown > nlev)
            shown = nlev;
        ui_prefix_put(buf, size, &used, &cols, maxcols, num, (int)strlen(num));
    }
    /* last[j] for the `shown` innermost ancestor levels, innermost at index shown-1 */
    p = r->parent[k];
    for (i = shown; i > 0 && p != TREE_NONE; i--) {
        last[i - 1] = (r->rows[p].flags & TREE_ROW_LAST) != 0;
        p = r->parent[p];
    }
    for (; i > 0; i--)
        last[i - 1] = true;
    for (i = 0; i < shown; i++)
        ui_prefix_put(buf, size, &used, &cols, maxcols, last[i] ? g->blank : g->vert, 2);
    if (depth)
        ui_prefix_put(buf, size, &used, &cols, maxcols,
                      (flags & TREE_ROW_LAST) ? g->ell : g->tee, 2);
    if (flags & TREE_ROW_COLLAPSED)
        ui_prefix_put(buf, size, &used, &cols, maxcols, g->collapsed, 1);
    else if (flags & TREE_ROW_CHILDREN)
        ui_prefix_put(buf, size, &used, &cols, maxcols, g->expanded, 1);
    else
        ui_prefix_put(buf, size, &used, &cols, maxcols, depth ? g->leaf : " ", 1);
    ui_prefix_put(buf, size, &used, &cols, maxcols, " ", 1);
    return cols;
}

/* ------------------------------------------------------------ selection */

void
ui_sel_set(struct ui_sel *sel, const struct ui_rows *r, const struct snap *s, size_t row)
{
    if (row == TREE_NONE || row >= r->nrows || r->rows[row].task >= s->ntasks) {
        sel->valid = false;
        sel->row = 0;
        return;
    }
    sel->valid = true;
    sel->addr = s->tasks[r->rows[row].task].addr;
    sel->coro = s->tasks[r->rows[row].task].coro_addr;
    sel->row = row;
}

size_t
ui_sel_resolve(const struct ui_sel *sel, const struct ui_rows *r, const struct snap *s,
               const struct tree_forest *t)
{
    size_t task, row;

    if (r->nrows == 0)
        return 0;
    if (sel->valid) {
        task = snap_task_find(s, sel->addr);
        if (task != (size_t)-1 && s->tasks[task].coro_addr == sel->coro) {
            row = ui_rows_find(r, s, t, task);
            if (row != TREE_NONE)
                return row;
        }
    }
    return sel->row < r->nrows ? sel->row : r->nrows - 1;
}

