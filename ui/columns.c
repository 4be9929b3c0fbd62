/*
 * columns.c - the task pane's column table and the cells of a task row.
 * Drawing reads the model only (struct ui_rowctx is all const).
 */
#include "columns.h"

#include <stdio.h>
#include <string.h>

#include "../view/wait.h"

static enum ui_color
ui_over(const struct ui_cell *cell, enum ui_color c)
{
    return cell->over != UI_C__COUNT ? cell->over : c;
}

int
ui_cell_text(struct ui_term *T, const struct ui_cell *cell, enum ui_color c, const char *text)
{
    int n = (int)strlen(text), x = cell->x;

    if (cell->align == UI_ALIGN_RIGHT && cell->w > n)
        x += cell->w - n;
    return ui_term_puts(T, cell->y, x, cell->w, ui_over(cell, c), text);
}

/* ------------------------------------------------------------ the cells */

static void
ui_col_state(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    const struct snap_task *t = &c->s->tasks[c->rows->rows[k].task];

    ui_cell_text(T, cell, ui_state_color(t->state), ui_state_short(t->state));
}

/* R running; C cancellation pending or W swallowed; D on an await cycle or S stuck. */
static void
ui_col_mark(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    size_t task = c->rows->rows[k].task;
    const struct snap_task *t = &c->s->tasks[task];
    const struct ui_act *act = c->act ? &c->act[task] : NULL;
    int x = cell->x, y = cell->y;

    /* fixed places, so that a column of S or W reads at a glance */
    if (t->running)
        ui_term_puts(T, y, x, 1, ui_over(cell, UI_C_RUNNING), "R");
    if (act && (act->flags & UI_ACT_SWALLOW))
        ui_term_puts(T, y, x + 1, 1, ui_over(cell, UI_C_CANCEL), "W");
    else if (t->cancel_requests > 0 || t->must_cancel)
        ui_term_puts(T, y, x + 1, 1, ui_over(cell, UI_C_CANCEL), "C");
    if (t->in_cycle && cell->w > 2)
        ui_term_puts(T, y, x + 2, 1, ui_over(cell, UI_C_WARN), "D");
    else if (act && (act->flags & UI_ACT_STUCK) && cell->w > 2)
        ui_term_puts(T, y, x + 2, 1, ui_over(cell, UI_C_WARN), "S");
}

/* Since first seen by this view. */
static void
ui_col_age(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    uint64_t first;
    char buf[32];

    if (!c->first_seen)
        return;
    first = c->first_seen[c->rows->rows[k].task];
    ui_fmt_age(buf, sizeof(buf), c->now_ns > first ? c->now_ns - first : 0);
    ui_cell_text(T, cell, UI_C_NORMAL, buf);
}

/* Share of the samples it was running in, in percent. */
static void
ui_col_run(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    const struct ui_act *act = c->act ? &c->act[c->rows->rows[k].task] : NULL;
    char buf[32];

    if (act && (act->flags & UI_ACT_KNOWN))
        snprintf(buf, sizeof(buf), "%u", (ui_act_permille(act) + 5) / 10);
    else
        snprintf(buf, sizeof(buf), "-");
    ui_cell_text(T, cell, act && act->running ? UI_C_RUNNING : UI_C_DIM, buf);
}

/* Since its stack last changed. */
static void
ui_col_idle(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    const struct ui_act *act = c->act ? &c->act[c->rows->rows[k].task] : NULL;
    char buf[32];

    if (act && (act->flags & UI_ACT_KNOWN))
        ui_fmt_age(buf, sizeof(buf), act->idle_ns);
    else
        snprintf(buf, sizeof(buf), "-");
    ui_cell_text(T, cell, act && (act->flags & UI_ACT_STUCK) ? UI_C_WARN : UI_C_NORMAL, buf);
}

/* Tree glyphs, the name, then a suffix that is never cut (×count, cycle, more waiters). */
static void
ui_col_task(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    const struct tree_row *row = &c->rows->rows[k];
    const struct snap_task *t = &c->s->tasks[row->task];
    const struct tree_node *nd = &c->t->nodes[row->node];
    char pre[512], suffix[96];
    int x = cell->x, w = cell->w, y = cell->y, used, sl, n;

    used = ui_rows_prefix(c->rows, k, T->g, w / 2 > 6 ? w / 2 : 6, pre, sizeof(pre));
    ui_term_puts(T, y, x, w, ui_over(cell, UI_C_TREE), pre);
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
        used = ui_term_puts(T, y, x, w - n, ui_over(cell, UI_C_DIM), "(null)");
    else if (t->name.len == 0)
        used = ui_term_puts(T, y, x, w - n, ui_over(cell, UI_C_DIM), "\"\"");
    else
        used = ui_term_raw(T, y, x, w - n,
                           ui_over(cell, c->filter[0] && !(row->flags & TREE_ROW_MATCH)
                                   ? UI_C_DIM : UI_C_NORMAL),
                           t->name.s, t->name.len);
    if (n > 0)
        ui_term_puts(T, y, x + used, n, ui_over(cell, UI_C_GROUP), suffix);
}

/* The coroutine's qualname. */
static void
ui_col_coro(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    const struct snap_task *t = &c->s->tasks[c->rows->rows[k].task];

    if (t->coro.s)
        ui_term_raw(T, cell->y, cell->x, cell->w, ui_over(cell, UI_C_FUNC), t->coro.s,
                    t->coro.len);
    else
        ui_cell_text(T, cell, UI_C_DIM, "-");
}

/*
 * Where the task is: its user frame with the awaited primitive,
 * "handle_request app.py:39 → Lock.acquire", or the innermost frame's
 * "locks.py:212" (no user frame, or --where=innermost).
 */
static void
ui_col_where(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c,
             size_t k)
{
    size_t task = c->rows->rows[k].task;
    const struct snap_frame *top = tree_task_top(c->s, task);
    const struct snap_frame *u = c->where_innermost ? NULL : tree_task_user(c->s, task);
    const struct snap_frame *fr = u ? u : top;
    const struct snap_str *fn = NULL, *inner = NULL;
    const char *b, *arrow = T->utf8 ? " \xe2\x86\x92 " : " -> ";
    size_t bl;
    char num[24];
    int nw, used = 0, w = cell->w, need;

    if (!fr || !fr->file.s) {
        ui_cell_text(T, cell, UI_C_DIM, "-");
        return;
    }
    b = ui_basename(fr->file.s, fr->file.len, &bl);
    nw = snprintf(num, sizeof(num), ":%d", fr->line);
    if (u && u->function.s)
        fn = u->qualname.s ? &u->qualname : &u->function;
    if (u && top && top != u && top->function.s)
        inner = top->qualname.s ? &top->qualname : &top->function;
    /* what does not fit goes first: the user function, then the awaited one (bytes ~ columns) */
    need = (int)bl + nw + (fn ? (int)fn->len + 1 : 0) + (inner ? 3 + (int)inner->len : 0);
    if (fn && need > w) {
        need -= (int)fn->len + 1;
        fn = NULL;
    }
    if (inner && need > w)
        inner = NULL;
    if (fn) {
        used = ui_term_raw(T, cell->y, cell->x, w, ui_over(cell, UI_C_FUNC), fn->s, fn->len);
        used += ui_term_puts(T, cell->y, cell->x + used, w - used, ui_over(cell, UI_C_NORMAL),
                             " ");
    }
    used += ui_term_raw(T, cell->y, cell->x + used, w - used - nw > 1 ? w - used - nw : 1,
                        ui_over(cell, UI_C_FILE), b, bl);
    used += ui_term_puts(T, cell->y, cell->x + used, w - used, ui_over(cell, UI_C_FILE), num);
    if (inner && used < w) {
        used += ui_term_puts(T, cell->y, cell->x + used, w - used, ui_over(cell, UI_C_DIM),
                             arrow);
        ui_term_raw(T, cell->y, cell->x + used, w - used, ui_over(cell, UI_C_FUNC), inner->s,
                    inner->len);
    }
}

/* What it waits on: "Lock 0x7f… (held, 200 waiting)", "sleep (3593 s left)". */
static void
ui_col_wait(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c, size_t k)
{
    char buf[256];

    if (view_wait_line(buf, sizeof(buf), c->s, c->rows->rows[k].task))
        ui_cell_text(T, cell, UI_C_NORMAL, buf);
    else
        ui_cell_text(T, cell, UI_C_DIM, "-");
}

/* ------------------------------------------------------------ the table */

#define UI_NO_FLEX { { 0, 0, 0, 0 }, { 0, 0, 0, 0 } }

const struct ui_column ui_columns[] = {
    { "STAT", 4, UI_NO_FLEX, UI_ALIGN_LEFT, UI_SORT_STATE, 0, ui_col_state,
      "the task's state: pend, done or canc" },
    { "RCS", 3, UI_NO_FLEX, UI_ALIGN_LEFT, UI_SORT__COUNT, 0, ui_col_mark,
      "marks (below)" },
    { "AGE", 6, UI_NO_FLEX, UI_ALIGN_RIGHT, UI_SORT_AGE, 0, ui_col_age,
      "since the task was first seen by this view" },
    { "RUN%", 4, UI_NO_FLEX, UI_ALIGN_RIGHT, UI_SORT_RUNNING, UI_COLF_WIDE, ui_col_run,
      "share of the refreshes it was running in (wide terminals)" },
    { "IDLE", 6, UI_NO_FLEX, UI_ALIGN_RIGHT, UI_SORT_IDLE, UI_COLF_WIDE, ui_col_idle,
      "since its stack last changed (wide terminals)" },
    { "TASK", 0, UI_NO_FLEX, UI_ALIGN_LEFT, UI_SORT_NAME, UI_COLF_REST, ui_col_task,
      "its name, under the task that awaits it" },
    { "COROUTINE", 0, { { 60, 24, 10, 48 }, { 0, 0, 0, 0 } }, UI_ALIGN_LEFT, UI_SORT_CORO, 0,
      ui_col_coro, "its coroutine's name" },
    { "WHERE", 0, { { 60, 30, 12, 56 }, { 40, 30, 12, 30 } }, UI_ALIGN_LEFT, UI_SORT__COUNT, 0,
      ui_col_where, "its user frame (the innermost of your code, not the standard library's or a "
      "package's) and the awaited function: handle app.py:39 -> Lock.acquire; the "
      "innermost frame with --where=innermost or when it has none" },
    { "WAIT", 0, { { 100, 30, 12, 48 }, { 0, 0, 0, 0 } }, UI_ALIGN_LEFT, UI_SORT__COUNT, 0,
      ui_col_wait, "what it waits on: a lock, queue, event, sleep, socket, executor thread, "
      "task... (wide terminals)" },
};

const size_t ui_ncolumns = sizeof(ui_columns) / sizeof(ui_columns[0]);

_Static_assert(sizeof(ui_columns) / sizeof(ui_columns[0]) <= UI_COLS_MAX,
               "struct ui_cols holds UI_COLS_MAX columns");

int
ui_col_find(const char *title)
{
    size_t i;

    for (i = 0; i < ui_ncolumns; i++) {
        if (strcmp(ui_columns[i].title, title) == 0)
            return (int)i;
    }
    return -1;
}

static int
ui_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void
ui_cols_compute(struct ui_cols *c, int width)
{
    int x = 0, rest, flexsum = 0, rest_col = -1;
    size_t i, j;

    memset(c, 0, sizeof(*c));
    if (width <= 0)
        return;
    /*
     * The fixed columns, each followed by one blank, while they leave 10
     * columns; the wide ones only where they leave the names room.
     */
    for (i = 0; i < ui_ncolumns && ui_columns[i].width > 0; i++) {
        if ((ui_columns[i].flags & UI_COLF_WIDE) && width < UI_ACT_COLS_MIN)
            continue;
        if (width - (x + ui_columns[i].width + 1) < 10)
            break;
        c->x[i] = x;
        c->w[i] = ui_columns[i].width;
        x += ui_columns[i].width + 1;
    }
    rest = width - x;
    for (i = 0; i < ui_ncolumns; i++) {
        const struct ui_column *col = &ui_columns[i];

        if (col->width > 0)
            continue;
        if (col->flags & UI_COLF_REST) {
            rest_col = (int)i;
            continue;
        }
        for (j = 0; j < sizeof(col->flex) / sizeof(col->flex[0]); j++) {
            const struct ui_col_flex *f = &col->flex[j];

            if (f->pct > 0 && rest >= f->from) {
                c->w[i] = ui_clamp(rest * f->pct / 100, f->min, f->max);
                flexsum += c->w[i] + 1;
                break;
            }
        }
    }
    if (rest_col >= 0)
        c->w[rest_col] = rest - flexsum;
    /* the rest column and the flexible ones, in table order after the fixed ones */
    for (i = 0; i < ui_ncolumns; i++) {
        if (ui_columns[i].width > 0 || c->w[i] <= 0)
            continue;
        c->x[i] = x;
        x += c->w[i] + 1;
    }
}

/* The cell of column i on line y of a pane starting at x. */
static struct ui_cell
ui_col_cell(const struct ui_cols *c, size_t i, int y, int x, enum ui_color over)
{
    struct ui_cell cell = { y, x + c->x[i], c->w[i], ui_columns[i].align, over };

    return cell;
}

void
ui_cols_draw_titles(struct ui_term *T, int y, int x, int width)
{
    struct ui_cols c;
    struct ui_cell cell;
    size_t i;

    ui_cols_compute(&c, width);
    ui_term_fill(T, y, x, width, UI_C_COLHDR);
    for (i = 0; i < ui_ncolumns; i++) {
        if (!c.w[i])
            continue;
        cell = ui_col_cell(&c, i, y, x, UI_C__COUNT);
        ui_cell_text(T, &cell, UI_C_COLHDR, ui_columns[i].title);
    }
}

void
ui_cols_draw_row(struct ui_term *T, int y, int x, int width, const struct ui_rowctx *c,
                 size_t k, bool selected)
{
    struct ui_cols cols;
    struct ui_cell cell;
    size_t i;

    ui_cols_compute(&cols, width);
    ui_term_fill(T, y, x, width, selected ? UI_C_SELECT : UI_C_NORMAL);
    for (i = 0; i < ui_ncolumns; i++) {
        if (!cols.w[i])
            continue;
        cell = ui_col_cell(&cols, i, y, x, selected ? UI_C_SELECT : UI_C__COUNT);
        ui_columns[i].draw(T, &cell, c, k);
    }
}
