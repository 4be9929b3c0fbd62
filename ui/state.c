/*
 * state.c - the live view's state changes: install a snapshot, keep the
 * selection, collapse state and ages across refreshes, select and jump,
 * rebuild the rows and the detail pane, lay the panes out and clamp them.
 * No curses here.
 */
#include "state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/xalloc.h"

uint64_t
ui_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
ui_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The history of the refreshes, empty, with the options' --history, --stuck and --critical. */
static void
ui_state_hist_init(struct ui_state *S)
{
    const struct ui_opts *o = S->opts;
    int r;

    history_init(&S->hist, o->history > 0 ? (size_t)o->history : 0,
                 o->stuck > 0 ? (uint64_t)(o->stuck * 1e9) : 0);
    for (r = 0; r < o->ncritical; r++) {
        if (history_add_critical(&S->hist, o->critical[r]) < 0)
            break;      /* options.c bounds them to the same number */
    }
}

void
ui_state_init(struct ui_state *S, const struct ui_opts *o, const struct ui_glyphs *g)
{
    S->opts = o;
    S->g = g;
    S->interval = o->interval > 0 ? o->interval : 2.0;
    if (S->interval < UI_INTERVAL_MIN)
        S->interval = UI_INTERVAL_MIN;
    if (S->interval > UI_INTERVAL_MAX)
        S->interval = UI_INTERVAL_MAX;
    S->links.first_awaited = S->links.first_waiter = TREE_NONE;
    ui_state_hist_init(S);
    S->h = o->replayed ? o->replayed : &S->hist;
}

void
ui_state_restart(struct ui_state *S)
{
    snap_free(S->snap);
    S->snap = NULL;
    tree_forest_free(S->forest);
    S->forest = NULL;
    S->rows.nrows = 0;
    ui_ages_free(&S->ages);
    ui_cpu_free(&S->cpu);
    ui_addrset_clear(&S->collapsed);
    history_free(&S->hist);
    ui_state_hist_init(S);
    memset(&S->sel, 0, sizeof(S->sel));
    S->en_valid = false;
    S->grp_addr = 0;
    S->links.n = 0;
    S->links.first_awaited = S->links.first_waiter = TREE_NONE;
    S->tasks.cur = S->tasks.top = S->detail.top = 0;
    S->threads.cur = S->threads.top = 0;
    S->ended.cur = S->ended.top = S->ended_detail.top = 0;
    S->groups.cur = S->groups.top = S->groups_detail.top = 0;
    S->detail_stale = true;
}

void
ui_state_free(struct ui_state *S)
{
    snap_free(S->snap);
    tree_forest_free(S->forest);
    ui_rows_free(&S->rows);
    ui_ages_free(&S->ages);
    ui_addrset_free(&S->collapsed);
    free(S->collapsed_flags);
    ui_lines_free(&S->detail_lines);
    ui_lines_free(&S->thread_lines);
    ui_lines_free(&S->ended_lines);
    ui_lines_free(&S->ended_detail_lines);
    ui_groups_free(&S->grp);
    ui_lines_free(&S->groups_lines);
    ui_lines_free(&S->groups_detail_lines);
    history_free(&S->hist);
    free(S->act);
    ui_cpu_free(&S->cpu);
    ui_lines_free(&S->help_lines);
    ui_lines_free(&S->help_src);
    free(S->procs_v);
    ui_lines_free(&S->procs_lines);
    ui_srccache_free(&S->src);
}

void
ui_state_msg(struct ui_state *S, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(S->msg, sizeof(S->msg), fmt, ap);
    va_end(ap);
    S->msg_until_ms = ui_now_ms() + UI_MSG_MS;
}

size_t
ui_state_cur_task(const struct ui_state *S)
{
    if (!S->snap || S->tasks.cur >= S->rows.nrows)
        return TREE_NONE;
    return S->rows.rows[S->tasks.cur].task;
}

void
ui_state_select(struct ui_state *S, size_t row)
{
    if (!S->snap || S->rows.nrows == 0) {
        S->tasks.cur = 0;
        return;
    }
    if (row >= S->rows.nrows)
        row = S->rows.nrows - 1;
    if (row != S->tasks.cur)
        S->detail.top = 0;
    S->tasks.cur = row;
    ui_sel_set(&S->sel, &S->rows, S->snap, row);
    S->detail_stale = true;
}

void
ui_state_jump(struct ui_state *S, size_t row)
{
    size_t h = S->tasks.rect.h > 0 ? (size_t)S->tasks.rect.h : 1;
    struct ui_pane *p = &S->tasks;

    ui_state_select(S, row);
    /* a far jump puts the row a third down the pane, so what follows it shows too */
    if (p->cur < p->top || p->cur >= p->top + h)
        p->top = p->cur > h / 3 ? p->cur - h / 3 : 0;
}

void
ui_state_rebuild(struct ui_state *S)
{
    struct tree_view v;
    size_t n;

    if (!S->snap)
        return;
    n = S->snap->ntasks ? S->snap->ntasks : 1;
    xgrow((void **)&S->collapsed_flags, &S->cap_flags, n, 1);
    ui_addrset_mark(&S->collapsed, S->snap, S->collapsed_flags);
    memset(&v, 0, sizeof(v));
    v.collapsed = S->collapsed_flags;
    v.filter = S->filter[0] ? S->filter : NULL;
    v.filter_icase = true;
    v.group = S->group;
    ui_rows_build(&S->rows, S->snap, S->forest, &v, S->sort, S->ages.first, S->act);
    S->tasks.nrows = S->rows.nrows;
    S->tasks.cur = ui_sel_resolve(&S->sel, &S->rows, S->snap, S->forest);
    /* the remembered task stays the same (it may be folded into this row) */
    if (S->sel.valid)
        S->sel.row = S->tasks.cur;
    else
        ui_sel_set(&S->sel, &S->rows, S->snap, S->tasks.cur);
    S->detail_stale = true;
}

void
ui_state_goto_task(struct ui_state *S, size_t task)
{
    const struct tree_forest *t = S->forest;
    size_t node, p, steps, row;
    bool changed = false;

    if (!S->snap || task >= S->snap->ntasks || task >= t->nnodes)
        return;
    node = t->node_of_task[task];
    for (p = t->nodes[node].parent, steps = 0; p != TREE_NONE && steps < t->nnodes;
         p = t->nodes[p].parent, steps++) {
        uint64_t addr = S->snap->tasks[t->nodes[p].task].addr;

        if (ui_addrset_has(&S->collapsed, addr)) {
            ui_addrset_del(&S->collapsed, addr);
            changed = true;
        }
    }
    if (S->filter[0] && !tree_task_match(S->snap, task, S->filter, true)) {
        /* it would stay hidden (unless a descendant matches): drop the filter */
        S->filter[0] = '\0';
        changed = true;
        ui_state_msg(S, "filter cleared to show the task");
    }
    if (changed)
        ui_state_rebuild(S);
    row = ui_rows_find(&S->rows, S->snap, S->forest, task);
    if (row == TREE_NONE)
        return;
    ui_state_jump(S, row);
    /* remember the task itself, even when it is folded into a group row */
    S->sel.addr = S->snap->tasks[task].addr;
    S->sel.coro = S->snap->tasks[task].coro_addr;
    if (S->rows.rows[row].task != task && S->rows.rows[row].count > 1)
        ui_state_msg(S, "the task is folded into a group of %zu (g: unfold)",
                     S->rows.rows[row].count);
}

void
ui_state_detail(struct ui_state *S)
{
    struct ui_detail_in in;
    size_t task = ui_state_cur_task(S);

    if (!S->detail_stale)
        return;
    S->detail_stale = false;
    memset(&in, 0, sizeof(in));
    if (!S->snap || task == TREE_NONE) {
        ui_lines_reset(&S->detail_lines);
        memset(&S->links, 0, sizeof(S->links));
        S->links.first_awaited = S->links.first_waiter = TREE_NONE;
        S->detail.nrows = 0;
        return;
    }
    in.s = S->snap;
    in.t = S->forest;
    in.task = task;
    in.count = S->rows.rows[S->tasks.cur].count;
    in.first_seen = S->ages.nfirst == S->snap->ntasks ? S->ages.first : NULL;
    in.act = S->act;
    in.now_ns = S->now_ns;
    in.g = S->g;
    in.src = &S->src;
    ui_detail_build(&S->detail_lines, &S->links, &in);
    S->detail.nrows = S->detail_lines.nlines;
}

void
ui_state_ended_select(struct ui_state *S, size_t row)
{
    const struct hist_task *t;

    S->ended.nrows = S->ended_lines.nlines;
    if (S->ended_lines.nlines == 0) {
        S->ended.cur = 0;
        S->en_valid = false;
        ui_ended_detail(&S->ended_detail_lines, S->h, (size_t)-1, S->now_ns, &S->src);
        S->ended_detail.nrows = S->ended_detail_lines.nlines;
        return;
    }
    if (row >= S->ended_lines.nlines)
        row = S->ended_lines.nlines - 1;
    if (row != S->ended.cur)
        S->ended_detail.top = 0;
    S->ended.cur = row;
    t = &S->h->ended[S->ended_lines.lines[row].task];
    S->en_valid = true;
    S->en_id = t->id;
    S->en_coro = t->coro_id;
    S->en_first = t->first_seen_ns;
    ui_ended_detail(&S->ended_detail_lines, S->h, S->ended_lines.lines[row].task, S->now_ns,
                    &S->src);
    S->ended_detail.nrows = S->ended_detail_lines.nlines;
}

void
ui_state_groups_select(struct ui_state *S, size_t row)
{
    S->groups.nrows = S->groups_lines.nlines;
    if (row >= S->groups_lines.nlines)
        row = S->groups_lines.nlines ? S->groups_lines.nlines - 1 : 0;
    if (row != S->groups.cur)
        S->groups_detail.top = 0;
    S->groups.cur = row;
    S->grp_addr = row < S->grp.n ? S->snap->tasks[S->grp.v[row].task].addr : 0;
    ui_group_detail(&S->groups_detail_lines, &S->grp, row, S->snap);
    S->groups_detail.nrows = S->groups_detail_lines.nlines;
}

/* The supervisors view after a refresh: the selection follows its task. */
static void
ui_state_groups(struct ui_state *S)
{
    size_t k, row = S->groups.cur;

    ui_groups_build(&S->grp, S->snap);
    ui_groups_lines(&S->groups_lines, &S->grp, S->snap);
    for (k = 0; S->grp_addr && k < S->grp.n; k++) {
        if (S->snap->tasks[S->grp.v[k].task].addr == S->grp_addr) {
            row = k;
            break;
        }
    }
    ui_state_groups_select(S, row);
}

/*
 * The terminated view after a refresh: new rows come in on top and old ones
 * are evicted, so the selection follows its task, not its row.
 */
static void
ui_state_ended(struct ui_state *S)
{
    size_t k, row = S->ended.cur;

    ui_ended_build(&S->ended_lines, S->h, S->now_ns);
    for (k = 0; S->en_valid && k < S->ended_lines.nlines; k++) {
        const struct hist_task *t = &S->h->ended[S->ended_lines.lines[k].task];

        if (t->id == S->en_id && t->coro_id == S->en_coro && t->first_seen_ns == S->en_first) {
            row = k;
            break;
        }
    }
    ui_state_ended_select(S, row);
}

void
ui_state_install(struct ui_state *S, struct snap *ns)
{
    size_t i;

    S->last_err = 0;
    S->err_text[0] = '\0';
    S->gone = false;
    S->now_ns = ns->taken_at_ns ? ns->taken_at_ns : ui_realtime_ns();
    if (!S->opts->replayed)
        history_update(&S->hist, ns);
    xgrow((void **)&S->act, &S->cap_act, ns->ntasks ? ns->ntasks : 1, sizeof(*S->act));
    ui_act_build(S->act, S->h, ns);
    ui_cpu_update(&S->cpu, ns);
    ui_ages_update(&S->ages, ns, S->now_ns);
    tree_forest_free(S->forest);
    S->forest = tree_forest_build(ns);
    snap_free(S->snap);
    S->snap = ns;
    memset(S->by_state, 0, sizeof(S->by_state));
    S->nrunning = S->ncancelling = S->nstuck = S->nswallow = 0;
    for (i = 0; i < ns->ntasks; i++) {
        const struct snap_task *t = &ns->tasks[i];

        if ((unsigned)t->state < 3)
            S->by_state[t->state]++;
        S->nrunning += t->running;
        S->ncancelling += t->cancel_requests > 0 || t->must_cancel;
        S->nstuck += (S->act[i].flags & UI_ACT_STUCK) != 0;
        S->nswallow += (S->act[i].flags & UI_ACT_SWALLOW) != 0;
    }
    ui_state_rebuild(S);
    ui_threads_build(&S->thread_lines, ns, S->cpu.pct, &S->src);
    S->threads.nrows = S->thread_lines.nlines;
    ui_state_ended(S);
    ui_state_groups(S);
    if (S->threads.cur >= S->threads.nrows)
        S->threads.cur = S->threads.nrows ? S->threads.nrows - 1 : 0;
}

void
ui_state_failed(struct ui_state *S, int err)
{
    if (err >= 0)
        err = -AIO_E_INTERNAL;
    S->last_err = err;
    snprintf(S->err_text, sizeof(S->err_text), "%s", err_msg(err));
    if (err == -AIO_E_NOPROC || err == -AIO_E_EXITED)
        S->gone = true;
}

struct ui_pane *
ui_state_focus(struct ui_state *S)
{
    switch (S->view) {
    case UI_VIEW_THREADS: return &S->threads;
    case UI_VIEW_ENDED: return &S->ended;
    case UI_VIEW_GROUPS: return &S->groups;
    case UI_VIEW_HELP: return &S->help;
    case UI_VIEW_PROCS: return &S->procs;
    default: return &S->tasks;
    }
}

void
ui_state_moved(struct ui_state *S, struct ui_pane *p)
{
    if (p == &S->tasks && S->snap && S->rows.nrows) {
        if (p->cur != p->moved_from)
            S->detail.top = 0;
        ui_sel_set(&S->sel, &S->rows, S->snap, S->tasks.cur);
        S->detail_stale = true;
    } else if (p == &S->ended) {
        if (p->cur != p->moved_from)
            S->ended_detail.top = 0;
        ui_state_ended_select(S, S->ended.cur);
    } else if (p == &S->groups && S->snap) {
        ui_state_groups_select(S, S->groups.cur);
    }
}

/* The rectangle r less its first line (a title bar). */
static struct ui_rect
ui_rect_below_title(const struct ui_rect *r)
{
    struct ui_rect b = *r;

    if (b.h > 0) {
        b.y++;
        b.h--;
    }
    return b;
}

void
ui_state_update(struct ui_state *S, int lines, int cols)
{
    ui_layout_compute(&S->lay, lines, cols);
    S->tasks.rect = S->lay.tree;
    S->detail.rect = S->lay.detail;
    S->threads.rect = ui_rect_below_title(&S->lay.full);
    S->ended.rect = S->lay.tree;
    S->ended_detail.rect = S->lay.detail;
    S->groups.rect = S->lay.tree;
    S->groups_detail.rect = S->lay.detail;
    S->help.rect = ui_rect_below_title(&S->lay.full);
    S->procs.rect = ui_rect_below_title(&S->lay.full);
    /* the help screen's long lines wrap rather than being cut at the pane's edge */
    if (S->help.rect.w > 0 && S->help.rect.w != S->help_cols) {
        ui_lines_wrap(&S->help_lines, &S->help_src, S->help.rect.w);
        S->help_cols = S->help.rect.w;
    }
    S->tasks.nrows = S->snap ? S->rows.nrows : 0;
    ui_state_detail(S);
    S->detail.nrows = S->detail_lines.nlines;
    S->threads.nrows = S->thread_lines.nlines;
    S->ended.nrows = S->ended_lines.nlines;
    S->ended_detail.nrows = S->ended_detail_lines.nlines;
    S->groups.nrows = S->groups_lines.nlines;
    S->groups_detail.nrows = S->groups_detail_lines.nlines;
    S->help.nrows = S->help_lines.nlines;
    S->procs.nrows = S->procs_lines.nlines;
    if (S->lay.too_small)
        return;
    ui_pane_fit(&S->tasks);
    ui_pane_fit(&S->detail);
    ui_pane_fit(&S->threads);
    ui_pane_fit(&S->ended);
    ui_pane_fit(&S->ended_detail);
    ui_pane_fit(&S->groups);
    ui_pane_fit(&S->groups_detail);
    ui_pane_fit(&S->help);
    ui_pane_fit(&S->procs);
}
