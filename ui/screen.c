/*
 * screen.c - the live view's main loop: take snapshots on a timer through
 * the caller's callback, keep the selection, collapse state and ages across
 * refreshes, dispatch keys, redraw.
 */
#include "ui.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "screen.h"

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

void
ui_screen_msg(struct ui_screen *S, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(S->msg, sizeof(S->msg), fmt, ap);
    va_end(ap);
    S->msg_until_ms = ui_now_ms() + UI_MSG_MS;
}

size_t
ui_screen_cur_task(const struct ui_screen *S)
{
    if (!S->snap || S->cur >= S->rows.nrows)
        return TREE_NONE;
    return S->rows.rows[S->cur].task;
}

void
ui_screen_select(struct ui_screen *S, size_t row)
{
    if (!S->snap || S->rows.nrows == 0) {
        S->cur = 0;
        return;
    }
    if (row >= S->rows.nrows)
        row = S->rows.nrows - 1;
    if (row != S->cur)
        S->detail_top = 0;
    S->cur = row;
    ui_sel_set(&S->sel, &S->rows, S->snap, row);
    S->detail_stale = true;
}

void
ui_screen_jump(struct ui_screen *S, size_t row)
{
    size_t h = S->lay.tree.h > 0 ? (size_t)S->lay.tree.h : 1;

    ui_screen_select(S, row);
    /* a far jump puts the row a third down the pane, so what follows it shows too */
    if (S->cur < S->top || S->cur >= S->top + h)
        S->top = S->cur > h / 3 ? S->cur - h / 3 : 0;
}

void
ui_screen_rebuild(struct ui_screen *S)
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
    S->cur = ui_sel_resolve(&S->sel, &S->rows, S->snap, S->forest);
    /* the remembered task stays the same (it may be folded into this row) */
    if (S->sel.valid)
        S->sel.row = S->cur;
    else
        ui_sel_set(&S->sel, &S->rows, S->snap, S->cur);
    S->detail_stale = true;
}

void
ui_screen_goto_task(struct ui_screen *S, size_t task)
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
        ui_screen_msg(S, "filter cleared to show the task");
    }
    if (changed)
        ui_screen_rebuild(S);
    row = ui_rows_find(&S->rows, S->snap, S->forest, task);
    if (row == TREE_NONE)
        return;
    ui_screen_jump(S, row);
    /* remember the task itself, even when it is folded into a group row */
    S->sel.addr = S->snap->tasks[task].addr;
    S->sel.coro = S->snap->tasks[task].coro_addr;
    if (S->rows.rows[row].task != task && S->rows.rows[row].count > 1)
        ui_screen_msg(S, "the task is folded into a group of %zu (g: unfold)",
                      S->rows.rows[row].count);
}

void
ui_screen_detail(struct ui_screen *S)
{
    struct ui_detail_in in;
    size_t task = ui_screen_cur_task(S);

    if (!S->detail_stale)
        return;
    S->detail_stale = false;
    memset(&in, 0, sizeof(in));
    if (!S->snap || task == TREE_NONE) {
        ui_lines_reset(&S->detail);
        memset(&S->links, 0, sizeof(S->links));
        S->links.first_awaited = S->links.first_waiter = TREE_NONE;
        return;
    }
    in.s = S->snap;
    in.t = S->forest;
    in.task = task;
    in.count = S->rows.rows[S->cur].count;
    in.first_seen = S->ages.nfirst == S->snap->ntasks ? S->ages.first : NULL;
    in.act = S->act;
    in.now_ns = S->now_ns;
    in.g = S->term.g;
    in.src = &S->src;
    ui_detail_build(&S->detail, &S->links, &in);
}

void
ui_screen_ended_select(struct ui_screen *S, size_t row)
{
    const struct hist_task *t;

    if (S->ended.nlines == 0) {
        S->en_cur = 0;
        S->en_valid = false;
        ui_ended_detail(&S->ended_detail, S->h, (size_t)-1, S->now_ns, &S->src);
        return;
    }
    if (row >= S->ended.nlines)
        row = S->ended.nlines - 1;
    if (row != S->en_cur)
        S->en_detail_top = 0;
    S->en_cur = row;
    t = &S->h->ended[S->ended.lines[row].task];
    S->en_valid = true;
    S->en_id = t->id;
    S->en_coro = t->coro_id;
    S->en_first = t->first_seen_ns;
    ui_ended_detail(&S->ended_detail, S->h, S->ended.lines[row].task, S->now_ns, &S->src);
}

/*
 * The terminated view after a refresh: new rows come in on top and old ones
 * are evicted, so the selection follows its task, not its row.
 */
static void
ui_screen_ended(struct ui_screen *S)
{
    size_t k, row = S->en_cur;

    ui_ended_build(&S->ended, S->h, S->now_ns);
    for (k = 0; S->en_valid && k < S->ended.nlines; k++) {
        const struct hist_task *t = &S->h->ended[S->ended.lines[k].task];

        if (t->id == S->en_id && t->coro_id == S->en_coro && t->first_seen_ns == S->en_first) {
            row = k;
            break;
        }
    }
    ui_screen_ended_select(S, row);
}

/* Install a new snapshot: derived data, history, counts, selection. */
static void
ui_screen_install(struct ui_screen *S, struct snap *ns)
{
    size_t i;

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
    ui_screen_rebuild(S);
    ui_threads_build(&S->threads, ns, S->cpu.pct, &S->src);
    ui_screen_ended(S);
    if (S->th_cur >= S->threads.nlines)
        S->th_cur = S->threads.nlines ? S->threads.nlines - 1 : 0;
}

void
ui_screen_refresh(struct ui_screen *S)
{
    struct snap *ns;
    int err = 0;

    S->refreshing = true;
    if (S->snap)
        ui_screen_draw(S);
    ns = S->take(S->take_arg, &err);
    S->refreshing = false;
    S->next_ms = ui_now_ms() + (uint64_t)(S->interval * 1000.0);
    if (!ns) {
        if (err >= 0)
            err = -AIO_E_INTERNAL;
        S->last_err = err;
        snprintf(S->err_text, sizeof(S->err_text), "%s", err_msg(err));
        if (err == -AIO_E_NOPROC || err == -AIO_E_EXITED)
            S->gone = true;
        return;
    }
    S->last_err = 0;
    S->err_text[0] = '\0';
    S->gone = false;
    ui_screen_install(S, ns);
}

void
ui_screen_draw(struct ui_screen *S)
{
    struct ui_term *T = &S->term;

    erase();
    ui_layout_compute(&S->lay, T->lines, T->cols);
    if (S->lay.too_small) {
        char buf[96];

        snprintf(buf, sizeof(buf), "terminal too small (%dx%d, need %dx%d): q quits",
                 T->cols, T->lines, UI_MIN_COLS, UI_MIN_LINES);
        ui_term_puts(T, 0, 0, T->cols, UI_C_BOLD, buf);
        refresh();
        return;
    }
    ui_pane_header(S);
    switch (S->view) {
    case UI_VIEW_THREADS:
        ui_pane_threads(S);
        break;
    case UI_VIEW_ENDED:
        ui_pane_ended(S);
        break;
    case UI_VIEW_HELP:
        ui_pane_help(S);
        break;
    default:
        ui_pane_tasks(S);
        ui_pane_detail(S);
        break;
    }
    ui_keys_footer(S);
    refresh();
}

/* How long getch may wait: until the next refresh or the end of the status message. */
static int
ui_screen_wait_ms(const struct ui_screen *S)
{
    uint64_t now = ui_now_ms(), until = UINT64_MAX;

    if (!S->opts->readonly && !S->paused && !S->gone)
        until = S->next_ms;
    if (S->msg[0] && S->msg_until_ms < until)
        until = S->msg_until_ms;
    if (until == UINT64_MAX)
        return -1;
    if (until <= now)
        return 0;
    return until - now > 60000 ? 60000 : (int)(until - now);
}

static void
ui_screen_tick(struct ui_screen *S)
{
    uint64_t now = ui_now_ms();

    if (S->msg[0] && now >= S->msg_until_ms)
        S->msg[0] = '\0';
    if (!S->opts->readonly && !S->paused && !S->gone && now >= S->next_ms)
        ui_screen_refresh(S);
}

static void
ui_screen_free(struct ui_screen *S)
{
    snap_free(S->snap);
    tree_forest_free(S->forest);
    ui_rows_free(&S->rows);
    ui_ages_free(&S->ages);
    ui_addrset_free(&S->collapsed);
    free(S->collapsed_flags);
    ui_lines_free(&S->detail);
    ui_lines_free(&S->threads);
    ui_lines_free(&S->ended);
    ui_lines_free(&S->ended_detail);
    history_free(&S->hist);
    free(S->act);
    ui_cpu_free(&S->cpu);
    ui_lines_free(&S->help);
    ui_lines_free(&S->header);
    ui_srccache_free(&S->src);
    free(S);
}

int
ui_run(const struct ui_opts *o, ui_snap_fn take, void *arg)
{
    static const struct ui_opts defaults = { .interval = 2.0 };
    struct ui_screen *S = xcalloc(1, sizeof(*S));
    wint_t wc;
    int rc, r;

    S->opts = o ? o : &defaults;
    S->take = take;
    S->take_arg = arg;
    S->interval = S->opts->interval > 0 ? S->opts->interval : 2.0;
    if (S->interval < UI_INTERVAL_MIN)
        S->interval = UI_INTERVAL_MIN;
    if (S->interval > UI_INTERVAL_MAX)
        S->interval = UI_INTERVAL_MAX;
    S->links.first_awaited = S->links.first_waiter = TREE_NONE;
    history_init(&S->hist, S->opts->history > 0 ? (size_t)S->opts->history : 0,
                 S->opts->stuck > 0 ? (uint64_t)(S->opts->stuck * 1e9) : 0);
    for (r = 0; r < S->opts->ncritical; r++) {
        if (history_add_critical(&S->hist, S->opts->critical[r]) < 0)
            break;      /* options.c bounds them to the same number */
    }
    S->h = S->opts->replayed ? S->opts->replayed : &S->hist;
    S->src.host_path = S->opts->host_path;
    S->src.host_arg = S->opts->host_arg;
    rc = ui_term_open(&S->term);
    if (rc < 0) {
        fprintf(stderr, "aiomon-attach: %s\n", err_msg(rc));
        ui_screen_free(S);
        return err_exit_code(rc);
    }
    ui_keys_help(&S->help);
    S->refreshing = true;
    ui_screen_draw(S);
    ui_screen_refresh(S);
    /* after the first refresh (whose own message would replace it) */
    if (S->opts->interval > 0 && S->opts->interval < UI_INTERVAL_MIN)
        ui_screen_msg(S, "--interval raised to %.0f ms, the shortest the live view refreshes at",
                      UI_INTERVAL_MIN * 1000);
    else if (S->opts->interval > UI_INTERVAL_MAX)
        ui_screen_msg(S, "--interval lowered to %.0f s, the longest the live view waits",
                      UI_INTERVAL_MAX);
    while (!S->quit) {
        ui_screen_draw(S);
        timeout(ui_screen_wait_ms(S));
        r = get_wch(&wc);
        if (r == ERR) {
            ui_screen_tick(S);
            continue;
        }
        if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
            ui_term_size(&S->term);
            clearok(curscr, TRUE);
            continue;
        }
        ui_keys_handle(S, (int)wc, r == KEY_CODE_YES);
        ui_screen_tick(S);
    }
    ui_term_close(&S->term);
    ui_screen_free(S);
    return 0;
}
