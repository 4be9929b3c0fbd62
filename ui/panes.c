/*
 * panes.c - drawing: the header, the task tree, the detail pane, the
 * threads view and the help screen.  Only visible rows are looked at.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "screen.h"

/* "12:01:02" of a CLOCK_REALTIME time in ns */
static void
ui_fmt_clock(char *buf, size_t size, uint64_t ns)
{
    time_t t = (time_t)(ns / 1000000000u);
    struct tm tm;

    if (ns == 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%H:%M:%S", &tm) == 0)
        snprintf(buf, size, "--:--:--");
}

static void
ui_header_build(struct ui_screen *S)
{
    struct ui_lines *L = &S->header;
    const struct snap *s = S->snap;
    char a[32], b[32], c[32];

    ui_lines_reset(L);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_BOLD, "aiomon-attach");
    if (S->opts->source_desc)
        ui_lines_add(L, UI_C_HDR_VALUE, "  %s", S->opts->source_desc);
    else if (s)
        ui_lines_add(L, UI_C_HDR_VALUE, "  pid %d", s->pid);
    if (s) {
        ui_lines_add(L, UI_C_HDR_LABEL, "  Python ");
        ui_lines_add(L, UI_C_HDR_VALUE, "%s", s->python_version[0] ? s->python_version : "?");
        if (s->layout_source)
            ui_lines_add(L, UI_C_DIM, " (%s)", s->layout_source);
        if (s->cmdline.s) {
            ui_lines_add(L, UI_C_HDR_LABEL, "  cmd ");
            ui_lines_add_str(L, UI_C_NORMAL, &s->cmdline, "");
        }
    }

    ui_lines_begin(L);
    if (s) {
        ui_lines_add(L, UI_C_HDR_LABEL, "Tasks ");
        ui_lines_add(L, UI_C_HDR_VALUE, "%zu", s->ntasks);
        ui_lines_add(L, UI_C_NORMAL, ": %zu pending, %zu done, %zu cancelled",
                     S->by_state[SNAP_TASK_PENDING], S->by_state[SNAP_TASK_DONE],
                     S->by_state[SNAP_TASK_CANCELLED]);
        ui_lines_add(L, S->nrunning ? UI_C_RUNNING : UI_C_NORMAL, ", %zu running",
                     S->nrunning);
        ui_lines_add(L, S->ncancelling ? UI_C_CANCEL : UI_C_NORMAL, ", %zu cancelling",
                     S->ncancelling);
        if (S->nstuck)
            ui_lines_add(L, UI_C_WARN, ", %zu stuck", S->nstuck);
        if (S->nswallow)
            ui_lines_add(L, UI_C_CANCEL, ", %zu swallowed", S->nswallow);
        ui_lines_add(L, UI_C_HDR_LABEL, "  Threads ");
        ui_lines_add(L, UI_C_HDR_VALUE, "%zu", s->nthreads);
        ui_lines_add(L, UI_C_HDR_LABEL, "  Ended ");
        ui_lines_add(L, UI_C_HDR_VALUE, "%zu", S->h ? S->h->nended : (size_t)0);
        ui_lines_add(L, UI_C_DIM, " (e)");
        if (s->flags & SNAP_F_NO_TASKS)
            ui_lines_add(L, UI_C_WARN, "  no asyncio tasks read");
        if (s->ndiags)
            ui_lines_add(L, UI_C_WARN, "  %zu diagnostic%s (t)", s->ndiags,
                         s->ndiags == 1 ? "" : "s");
    } else {
        ui_lines_add(L, UI_C_DIM, S->refreshing ? "taking the first snapshot..." : "no snapshot");
    }

    ui_lines_begin(L);
    if (S->last_err) {
        ui_fmt_clock(a, sizeof(a), s ? S->now_ns : 0);
        ui_lines_add(L, UI_C_CANCEL, "%s: %s", S->gone ? "TARGET GONE" : "REFRESH FAILED",
                     S->err_text);
        if (s)
            ui_lines_add(L, UI_C_CANCEL, " - showing the snapshot of %s", a);
        ui_lines_add(L, UI_C_DIM, S->gone ? "  (r: retry, q: quit)" : "");
        return;
    }
    if (!s)
        return;
    ui_fmt_clock(a, sizeof(a), S->now_ns);
    ui_fmt_dur(b, sizeof(b), s->stopped_ns);
    ui_fmt_dur(c, sizeof(c), s->read_ns);
    ui_lines_add(L, UI_C_HDR_LABEL, "Snapshot ");
    ui_lines_add(L, UI_C_HDR_VALUE, "%s", a);
    if (s->flags & SNAP_F_TORN)
        ui_lines_add(L, UI_C_NORMAL, " (not stopped), read %s", c);
    else
        ui_lines_add(L, UI_C_NORMAL, " stopped %s, read %s", b, c);
    if (s->flags & SNAP_F_PARTIAL)
        ui_lines_add(L, UI_C_WARN, " partial");
    if (S->opts->readonly || (s->flags & SNAP_F_LOADED))
        ui_lines_add(L, UI_C_HDR_LABEL, "  read-only");
    else if (S->refreshing)
        ui_lines_add(L, UI_C_HDR_LABEL, "  refreshing...");
    else if (S->paused)
        ui_lines_add(L, UI_C_WARN, "  PAUSED");
    else
        ui_lines_add(L, UI_C_NORMAL, "  every %gs", S->interval);
    ui_lines_add(L, UI_C_HDR_LABEL, "  sort ");
    ui_lines_add(L, UI_C_NORMAL, "%s", ui_sort_name(S->sort));
    if (S->group)
        ui_lines_add(L, UI_C_GROUP, "  grouped");
    if (S->filter[0]) {
        ui_lines_add(L, UI_C_HDR_LABEL, "  filter ");
        ui_lines_add(L, UI_C_MATCH, "%s", S->filter);
    }
}

void
ui_pane_header(struct ui_screen *S)
{
    const struct ui_rect *r = &S->lay.header;
    int i;

    ui_header_build(S);
    for (i = 0; i < r->h; i++)
        ui_term_line(&S->term, r->y + i, r->x, r->w, &S->header, (size_t)i, UI_C__COUNT);
}

/* A title bar: text on the colhdr colour across the rectangle's first line. */
static void
ui_title_bar(struct ui_screen *S, const struct ui_rect *r, const char *text)
{
    ui_term_fill(&S->term, r->y, r->x, r->w, UI_C_COLHDR);
    ui_term_puts(&S->term, r->y, r->x, r->w, UI_C_COLHDR, text);
}

/* "demo_app.py:23" of a task's suspension point, in w columns at x. */
static void
ui_where_draw(struct ui_screen *S, int y, int x, int w, size_t task, enum ui_color over)
{
    const struct snap_frame *top = tree_task_top(S->snap, task);
    const char *b;
    size_t bl;
    char num[24];
    int nw, used;

    if (!top || !top->file.s) {
        ui_term_puts(&S->term, y, x, w, over != UI_C__COUNT ? over : UI_C_DIM, "-");
        return;
    }
    b = ui_basename(top->file.s, top->file.len, &bl);
    nw = snprintf(num, sizeof(num), ":%d", top->line);
    used = ui_term_raw(&S->term, y, x, w - nw > 1 ? w - nw : 1,
                       over != UI_C__COUNT ? over : UI_C_FILE, b, bl);
    ui_term_puts(&S->term, y, x + used, w - used, over != UI_C__COUNT ? over : UI_C_FILE, num);
}

/* Our own text right-aligned in w columns at x. */
static void
ui_right(struct ui_screen *S, int y, int x, int w, enum ui_color c, const char *text)
{
    int n = (int)strlen(text);

    ui_term_puts(&S->term, y, x + (w > n ? w - n : 0), w, c, text);
}

static void
ui_row_draw(struct ui_screen *S, size_t k, int y)
{
    struct ui_term *T = &S->term;
    const struct tree_row *row = &S->rows.rows[k];
    const struct snap_task *t = &S->snap->tasks[row->task];
    const struct tree_node *nd = &S->forest->nodes[row->node];
    const struct ui_rect *r = &S->lay.tree;
    const struct ui_act *act = S->act ? &S->act[row->task] : NULL;
    enum ui_color over = k == S->cur ? UI_C_SELECT : UI_C__COUNT;
    struct ui_cols c;
    char pre[512], suffix[96], buf[32];
    int x, w, used, sl, n;

#define UI_OVER(col) (over != UI_C__COUNT ? over : (col))
    ui_cols_compute(&c, r->w);
    ui_term_fill(T, y, r->x, r->w, UI_OVER(UI_C_NORMAL));
    if (c.w[UI_COL_STATE])
        ui_term_puts(T, y, r->x + c.x[UI_COL_STATE], c.w[UI_COL_STATE],
                     UI_OVER(ui_state_color(t->state)), ui_state_short(t->state));
    if (c.w[UI_COL_MARK]) {
        /* fixed places, so that a column of S or W reads at a glance */
        x = r->x + c.x[UI_COL_MARK];
        if (t->running)
            ui_term_puts(T, y, x, 1, UI_OVER(UI_C_RUNNING), "R");
        if (act && (act->flags & UI_ACT_SWALLOW))
            ui_term_puts(T, y, x + 1, 1, UI_OVER(UI_C_CANCEL), "W");
        else if (t->cancel_requests > 0 || t->must_cancel)
            ui_term_puts(T, y, x + 1, 1, UI_OVER(UI_C_CANCEL), "C");
        if (t->in_cycle && c.w[UI_COL_MARK] > 2)
            ui_term_puts(T, y, x + 2, 1, UI_OVER(UI_C_WARN), "D");
        else if (act && (act->flags & UI_ACT_STUCK) && c.w[UI_COL_MARK] > 2)
            ui_term_puts(T, y, x + 2, 1, UI_OVER(UI_C_WARN), "S");
    }
    if (c.w[UI_COL_AGE] && S->ages.nfirst == S->snap->ntasks) {
        uint64_t first = S->ages.first[row->task];

        ui_fmt_age(buf, sizeof(buf), S->now_ns > first ? S->now_ns - first : 0);
        n = (int)strlen(buf);
        ui_term_puts(T, y, r->x + c.x[UI_COL_AGE] + (c.w[UI_COL_AGE] > n ? c.w[UI_COL_AGE] - n : 0),
                     c.w[UI_COL_AGE], UI_OVER(UI_C_NORMAL), buf);
    }
    if (c.w[UI_COL_RUN]) {
        if (act && (act->flags & UI_ACT_KNOWN))
            snprintf(buf, sizeof(buf), "%u", (ui_act_permille(act) + 5) / 10);
        else
            snprintf(buf, sizeof(buf), "-");
        ui_right(S, y, r->x + c.x[UI_COL_RUN], c.w[UI_COL_RUN],
                 UI_OVER(act && act->running ? UI_C_RUNNING : UI_C_DIM), buf);
    }
    if (c.w[UI_COL_IDLE]) {
        if (act && (act->flags & UI_ACT_KNOWN))
            ui_fmt_age(buf, sizeof(buf), act->idle_ns);
        else
            snprintf(buf, sizeof(buf), "-");
        ui_right(S, y, r->x + c.x[UI_COL_IDLE], c.w[UI_COL_IDLE],
                 UI_OVER(act && (act->flags & UI_ACT_STUCK) ? UI_C_WARN : UI_C_NORMAL), buf);
    }

    /* the task column: tree glyphs, name, then a suffix that is never cut */
    x = r->x + c.x[UI_COL_TASK];
    w = c.w[UI_COL_TASK];
    used = ui_rows_prefix(&S->rows, k, T->g, w / 2 > 6 ? w / 2 : 6, pre, sizeof(pre));
    ui_term_puts(T, y, x, w, UI_OVER(UI_C_TREE), pre);
    x += used;
    w -= used;
    suffix[0] = '\0';
    sl = 0;
    if (row->count > 1)
        sl += snprintf(suffix + sl, sizeof(suffix) - (size_t)sl, " %s%zu", T->g->times,
                       row->count);
    if (row->flags & TREE_ROW_CYCLE)
        sl += snprintf(suffix + sl, sizeof(suffix) - (size_t)sl, " (cycle)");
    if (nd->extra_waiters && sl < (int)sizeof(suffix) - 24)
        sl += snprintf(suffix + sl, sizeof(suffix) - (size_t)sl, " +%zu waiter%s",
                       nd->extra_waiters, nd->extra_waiters == 1 ? "" : "s");
    n = suffix[0] ? (int)strlen(suffix) - (row->count > 1 && T->utf8 ? 1 : 0) : 0;
    if (n > w - 4)
        n = w - 4 > 0 ? w - 4 : 0;
    if (!t->name.s)
        used = ui_term_puts(T, y, x, w - n, UI_OVER(UI_C_DIM), "(null)");
    else if (t->name.len == 0)
        used = ui_term_puts(T, y, x, w - n, UI_OVER(UI_C_DIM), "\"\"");
    else
        used = ui_term_raw(T, y, x, w - n, UI_OVER(S->filter[0] && !(row->flags & TREE_ROW_MATCH)
                                                    ? UI_C_DIM : UI_C_NORMAL),
                           t->name.s, t->name.len);
    if (n > 0)
        ui_term_puts(T, y, x + used, n, UI_OVER(UI_C_GROUP), suffix);

    if (c.w[UI_COL_CORO]) {
        if (t->coro.s)
            ui_term_raw(T, y, r->x + c.x[UI_COL_CORO], c.w[UI_COL_CORO], UI_OVER(UI_C_FUNC),
                        t->coro.s, t->coro.len);
        else
            ui_term_puts(T, y, r->x + c.x[UI_COL_CORO], c.w[UI_COL_CORO], UI_OVER(UI_C_DIM),
                         "-");
    }
    if (c.w[UI_COL_WHERE])
        ui_where_draw(S, y, r->x + c.x[UI_COL_WHERE], c.w[UI_COL_WHERE], row->task, over);
#undef UI_OVER
}

void
ui_pane_tasks(struct ui_screen *S)
{
    struct ui_term *T = &S->term;
    const struct ui_rect *h = &S->lay.colhdr, *r = &S->lay.tree;
    struct ui_cols c;
    size_t k;
    int i, col;

    ui_cols_compute(&c, h->w);
    ui_term_fill(T, h->y, h->x, h->w, UI_C_COLHDR);
    for (col = 0; col < UI_COL__COUNT; col++) {
        const char *title = ui_col_title((enum ui_col)col);
        int x = h->x + c.x[col];

        if (!c.w[col])
            continue;
        if (col == UI_COL_AGE || col == UI_COL_RUN || col == UI_COL_IDLE)
            x += c.w[col] > (int)strlen(title) ? c.w[col] - (int)strlen(title) : 0;
        ui_term_puts(T, h->y, x, c.w[col], UI_C_COLHDR, title);
    }
    if (!S->snap) {
        ui_term_puts(T, r->y, r->x + 1, r->w - 1, UI_C_DIM,
                     S->last_err ? "no snapshot could be taken" : "taking a snapshot...");
        return;
    }
    if (S->rows.nrows == 0) {
        ui_term_puts(T, r->y, r->x + 1, r->w - 1, UI_C_DIM,
                     S->filter[0] ? "no task matches the filter (Esc: clear it)"
                     : (S->snap->flags & SNAP_F_NO_TASKS)
                     ? "no asyncio tasks (asyncio not imported, or tasks unreadable)"
                     : "no asyncio tasks (t: threads)");
        return;
    }
    S->top = ui_scroll_fit(S->top, S->cur, S->rows.nrows, (size_t)r->h);
    for (i = 0; i < r->h; i++) {
        k = S->top + (size_t)i;
        if (k >= S->rows.nrows)
            break;
        ui_row_draw(S, k, r->y + i);
    }
}

void
ui_pane_detail(struct ui_screen *S)
{
    struct ui_term *T = &S->term;
    const struct ui_rect *r = &S->lay.detail;
    size_t maxtop;
    char title[160];
    int i;

    if (S->lay.side) {
        attrset((attr_t)T->attr[UI_C_TREE]);
        mvvline(S->lay.colhdr.y, S->lay.colhdr.w, ACS_VLINE, S->lay.full.h);
        attrset(A_NORMAL);
    }
    ui_screen_detail(S);
    snprintf(title, sizeof(title), " Task detail%s   a: awaited  b: waiter  1-9: jump  J/K: scroll",
             S->rows.nrows && S->snap && S->rows.rows[S->cur].count > 1 ? " (one of a group)" : "");
    ui_title_bar(S, &S->lay.dtitle, title);
    maxtop = S->detail.nlines > (size_t)r->h ? S->detail.nlines - (size_t)r->h : 0;
    if (S->detail_top > maxtop)
        S->detail_top = maxtop;
    for (i = 0; i < r->h; i++)
        ui_term_line(T, r->y + i, r->x, r->w, &S->detail, S->detail_top + (size_t)i,
                     UI_C__COUNT);
    if (S->detail_top < maxtop && r->h > 0) {
        snprintf(title, sizeof(title), " %zu more (J) ", S->detail.nlines - S->detail_top -
                 (size_t)r->h);
        ui_term_puts(T, r->y + r->h - 1, r->x + r->w - (int)strlen(title), (int)strlen(title),
                     UI_C_COLHDR, title);
    }
}

/* A list of lines with a cursor, below a title bar, over the whole body. */
static void
ui_list_draw(struct ui_screen *S, const struct ui_lines *L, size_t *cur, size_t *top,
             bool cursor, const char *title)
{
    const struct ui_rect *r = &S->lay.full;
    size_t h = r->h > 1 ? (size_t)r->h - 1 : 0, k;
    int i;

    ui_title_bar(S, r, title);
    if (cursor) {
        if (*cur >= L->nlines)
            *cur = L->nlines ? L->nlines - 1 : 0;
        *top = ui_scroll_fit(*top, *cur, L->nlines, h);
    } else {
        size_t maxtop = L->nlines > h ? L->nlines - h : 0;

        if (*top > maxtop)
            *top = maxtop;
    }
    for (i = 0; (size_t)i < h; i++) {
        k = *top + (size_t)i;
        ui_term_line(&S->term, r->y + 1 + i, r->x, r->w, L, k,
                     cursor && k == *cur && k < L->nlines ? UI_C_SELECT : UI_C__COUNT);
    }
}

void
ui_pane_threads(struct ui_screen *S)
{
    char title[128];

    snprintf(title, sizeof(title), " Threads (%zu)   Tab/t: back to the task tree",
             S->snap ? S->snap->nthreads : (size_t)0);
    ui_list_draw(S, &S->threads, &S->th_cur, &S->th_top, true, title);
}

/*
 * The terminated view: the ended tasks newest first where the tree is, the
 * selected one's last-seen stack where the detail pane is.
 */
void
ui_pane_ended(struct ui_screen *S)
{
    struct ui_term *T = &S->term;
    const struct ui_rect *h = &S->lay.colhdr, *r = &S->lay.tree, *d = &S->lay.detail;
    size_t k, maxtop;
    char title[160];
    int i;

    snprintf(title, sizeof(title), "! HOW %7s %6s TASK  COROUTINE  at the innermost frame",
             "LIVED", "AGO");
    ui_title_bar(S, h, title);
    if (S->ended.nlines == 0) {
        ui_term_puts(T, r->y, r->x + 1, r->w - 1, UI_C_DIM,
                     S->opts->readonly && !S->opts->replayed
                     ? "no terminated task: a single snapshot has no history (e: back)"
                     : "no task has ended since the view started (e: back)");
    } else {
        S->en_top = ui_scroll_fit(S->en_top, S->en_cur, S->ended.nlines, (size_t)r->h);
        for (i = 0; i < r->h; i++) {
            k = S->en_top + (size_t)i;
            if (k >= S->ended.nlines)
                break;
            ui_term_line(T, r->y + i, r->x, r->w, &S->ended, k,
                         k == S->en_cur ? UI_C_SELECT : UI_C__COUNT);
        }
    }
    if (S->lay.side) {
        attrset((attr_t)T->attr[UI_C_TREE]);
        mvvline(S->lay.colhdr.y, S->lay.colhdr.w, ACS_VLINE, S->lay.full.h);
        attrset(A_NORMAL);
    }
    snprintf(title, sizeof(title), " Terminated (%zu): last-seen stack   J/K: scroll  "
             "e: back to the tree", S->ended.nlines);
    ui_title_bar(S, &S->lay.dtitle, title);
    maxtop = S->ended_detail.nlines > (size_t)d->h ? S->ended_detail.nlines - (size_t)d->h : 0;
    if (S->en_detail_top > maxtop)
        S->en_detail_top = maxtop;
    for (i = 0; i < d->h; i++)
        ui_term_line(T, d->y + i, d->x, d->w, &S->ended_detail, S->en_detail_top + (size_t)i,
                     UI_C__COUNT);
}

void
ui_pane_help(struct ui_screen *S)
{
    ui_list_draw(S, &S->help, NULL, &S->help_top, false,
                 " Help: every key   (Up/Down/PgUp/PgDn scroll, any other key closes)");
}
