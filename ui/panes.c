/*
 * panes.c - drawing: the header, and the pane classes (the task tree, the
 * detail pane, the threads view, the terminated view and its detail, the
 * help screen).  Every function here reads the state and the panes only:
 * cursors and scrolling were clamped by ui_state_update before.  Only
 * visible rows are looked at.
 */
#include "panes.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "columns.h"

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
ui_header_build(struct ui_lines *L, const struct ui_state *S)
{
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
ui_header_draw(const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *r = &S->lay.header;
    struct ui_lines L;
    int i;

    memset(&L, 0, sizeof(L));
    ui_header_build(&L, S);
    for (i = 0; i < r->h; i++)
        ui_term_line(T, r->y + i, r->x, r->w, &L, (size_t)i, UI_C__COUNT);
    ui_lines_free(&L);
}

/* A title bar: text on the colhdr colour across the rectangle's first line. */
static void
ui_title_bar(struct ui_term *T, const struct ui_rect *r, const char *text)
{
    ui_term_fill(T, r->y, r->x, r->w, UI_C_COLHDR);
    ui_term_puts(T, r->y, r->x, r->w, UI_C_COLHDR, text);
}

/* The line between the tree and a detail pane at its right. */
static void
ui_separator(const struct ui_state *S, struct ui_term *T)
{
    if (!S->lay.side)
        return;
    attrset((attr_t)T->attr[UI_C_TREE]);
    mvvline(S->lay.colhdr.y, S->lay.colhdr.w, ACS_VLINE, S->lay.full.h);
    attrset(A_NORMAL);
}

/* Lines of L from p->top in p->rect; the cursor row in the selection colour. */
static void
ui_lines_draw(const struct ui_pane *p, const struct ui_lines *L, struct ui_term *T)
{
    const struct ui_rect *r = &p->rect;
    size_t k;
    int i;

    for (i = 0; i < r->h; i++) {
        k = p->top + (size_t)i;
        ui_term_line(T, r->y + i, r->x, r->w, L, k,
                     p->cursor && k == p->cur && k < L->nlines ? UI_C_SELECT : UI_C__COUNT);
    }
}

/* ------------------------------------------------------------ the task tree */

static void
ui_tasks_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *h = &S->lay.colhdr, *r = &p->rect;
    struct ui_rowctx c;
    size_t k;
    int i;

    ui_cols_draw_titles(T, h->y, h->x, h->w);
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
    c.s = S->snap;
    c.t = S->forest;
    c.rows = &S->rows;
    c.act = S->act;
    c.first_seen = S->ages.nfirst == S->snap->ntasks ? S->ages.first : NULL;
    c.now_ns = S->now_ns;
    c.filter = S->filter;
    c.where_innermost = S->opts && S->opts->where_innermost;
    for (i = 0; i < r->h; i++) {
        k = p->top + (size_t)i;
        if (k >= S->rows.nrows)
            break;
        ui_cols_draw_row(T, r->y + i, r->x, r->w, &c, k, k == p->cur);
    }
}

const struct ui_pane_class ui_tasks_pane = { "tasks", ui_tasks_draw, ui_pane_key };

/* ------------------------------------------------------------ the detail pane */

static void
ui_detail_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *r = &p->rect;
    const struct ui_lines *L = &S->detail_lines;
    size_t maxtop = L->nlines > (size_t)r->h ? L->nlines - (size_t)r->h : 0;
    char title[160];

    ui_separator(S, T);
    snprintf(title, sizeof(title), " Task detail%s   a: awaited  b: waiter  1-9: jump  J/K: scroll",
             S->rows.nrows && S->snap && S->rows.rows[S->tasks.cur].count > 1
             ? " (one of a group)" : "");
    ui_title_bar(T, &S->lay.dtitle, title);
    ui_lines_draw(p, L, T);
    if (p->top < maxtop && r->h > 0) {
        snprintf(title, sizeof(title), " %zu more (J) ", L->nlines - p->top - (size_t)r->h);
        ui_term_puts(T, r->y + r->h - 1, r->x + r->w - (int)strlen(title), (int)strlen(title),
                     UI_C_COLHDR, title);
    }
}

const struct ui_pane_class ui_detail_pane = { "detail", ui_detail_draw, NULL };

/* ------------------------------------------------------------ threads, help */

static void
ui_threads_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    char title[128];

    snprintf(title, sizeof(title), " Threads (%zu)   Tab/t: back to the task tree",
             S->snap ? S->snap->nthreads : (size_t)0);
    ui_title_bar(T, &S->lay.full, title);
    ui_lines_draw(p, &S->thread_lines, T);
}

const struct ui_pane_class ui_threads_pane = { "threads", ui_threads_draw, ui_pane_key };

static void
ui_help_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    ui_title_bar(T, &S->lay.full,
                 " Help: every key   (Up/Down/PgUp/PgDn scroll, any other key closes)");
    ui_lines_draw(p, &S->help_lines, T);
}

const struct ui_pane_class ui_help_pane = { "help", ui_help_draw, ui_pane_key_scroll };

static void
ui_procs_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    char title[128];

    snprintf(title, sizeof(title), "   %7s %6s  COMMAND   (%zu processes; Enter: show it, P: back)",
             "PID", "TASKS", S->nprocs);
    ui_title_bar(T, &S->lay.full, title);
    ui_lines_draw(p, &S->procs_lines, T);
}

const struct ui_pane_class ui_procs_pane = { "procs", ui_procs_draw, ui_pane_key };

/* ------------------------------------------------------------ the terminated view */

/* The ended tasks newest first where the tree is. */
static void
ui_ended_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *r = &p->rect;
    const struct ui_lines *L = &S->ended_lines;
    size_t k;
    char title[160];
    int i;

    snprintf(title, sizeof(title), "! HOW %7s %6s TASK  COROUTINE  at the innermost frame",
             "LIVED", "AGO");
    ui_title_bar(T, &S->lay.colhdr, title);
    if (L->nlines == 0) {
        ui_term_puts(T, r->y, r->x + 1, r->w - 1, UI_C_DIM,
                     S->opts->readonly && !S->opts->replayed
                     ? "no terminated task: a single snapshot has no history (e: back)"
                     : "no task has ended since the view started (e: back)");
        return;
    }
    for (i = 0; i < r->h; i++) {
        k = p->top + (size_t)i;
        if (k >= L->nlines)
            break;
        ui_term_line(T, r->y + i, r->x, r->w, L, k, k == p->cur ? UI_C_SELECT : UI_C__COUNT);
    }
}

const struct ui_pane_class ui_ended_pane = { "ended", ui_ended_draw, ui_pane_key };

/* The selected one's last-seen stack where the detail pane is. */
static void
ui_ended_detail_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    char title[160];

    ui_separator(S, T);
    snprintf(title, sizeof(title), " Terminated (%zu): last-seen stack   J/K: scroll  "
             "e: back to the tree", S->ended_lines.nlines);
    ui_title_bar(T, &S->lay.dtitle, title);
    ui_lines_draw(p, &S->ended_detail_lines, T);
}

const struct ui_pane_class ui_ended_detail_pane = { "ended detail", ui_ended_detail_draw, NULL };

/* ------------------------------------------------------------ the supervisors view */

/* The tasks awaiting several others (and TaskGroups) where the tree is, most children first. */
static void
ui_groups_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *r = &p->rect;
    const struct ui_lines *L = &S->groups_lines;
    size_t k;
    int i;

    ui_title_bar(T, &S->lay.colhdr, "  KIDS   PEND  DONE  CANC  HOW       SUPERVISOR  "
                 "CHILDREN BY COROUTINE");
    if (L->nlines == 0) {
        ui_term_puts(T, r->y, r->x + 1, r->w - 1, UI_C_DIM,
                     "no supervisor: no task awaits two or more tasks, no TaskGroup has "
                     "children (G: back)");
        return;
    }
    for (i = 0; i < r->h; i++) {
        k = p->top + (size_t)i;
        if (k >= L->nlines)
            break;
        ui_term_line(T, r->y + i, r->x, r->w, L, k, k == p->cur ? UI_C_SELECT : UI_C__COUNT);
    }
}

const struct ui_pane_class ui_groups_pane = { "groups", ui_groups_draw, ui_pane_key };

static void
ui_groups_detail_draw(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T)
{
    char title[160];

    ui_separator(S, T);
    /* short enough for 80 columns: the pane's lines say whose children they are */
    snprintf(title, sizeof(title), " Supervisors (%zu): children   J/K: scroll  "
             "Enter: in the tree  G: back", S->groups_lines.nlines);
    ui_title_bar(T, &S->lay.dtitle, title);
    ui_lines_draw(p, &S->groups_detail_lines, T);
}

const struct ui_pane_class ui_groups_detail_pane = { "groups detail", ui_groups_detail_draw,
                                                      NULL };
