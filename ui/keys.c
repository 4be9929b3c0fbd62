/*
 * keys.c - the key table (every key, what it does, where it applies: the
 * help screen is generated from it), the actions, the prompt of / and f,
 * and the footer (prompt, status message or function bar).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../view/write.h"
#include "screen.h"

#define UI_V_TASKS   0x1u
#define UI_V_THREADS 0x2u
#define UI_V_ENDED   0x4u
#define UI_V_ALL     (UI_V_TASKS | UI_V_THREADS | UI_V_ENDED)

typedef void (*ui_action)(struct ui_screen *S, int key);

struct ui_key {
    int ch[5];                  /* characters, 0-terminated */
    int fk[3];                  /* curses KEY_* codes, 0-terminated */
    const char *keys;           /* as the help screen shows them */
    const char *help;
    ui_action act;
    unsigned views;             /* UI_V_* where the key applies */
};

static const double ui_intervals[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300, 600 };

static bool
ui_has_snap(struct ui_screen *S)
{
    if (S->snap)
        return true;
    ui_screen_msg(S, "no snapshot yet");
    return false;
}

/* ------------------------------------------------------------ moving */

/* Rows of the list the current view moves in, and one page of it. */
static size_t
ui_list_len(const struct ui_screen *S, size_t *page)
{
    int h = S->view == UI_VIEW_THREADS ? S->lay.full.h - 2 : S->lay.tree.h - 1;

    *page = h > 1 ? (size_t)h : 1;
    if (S->view == UI_VIEW_THREADS)
        return S->threads.nlines;
    return S->view == UI_VIEW_ENDED ? S->ended.nlines : S->rows.nrows;
}

/* Select row v of the current view's list (clamped). */
static void
ui_move_to(struct ui_screen *S, long long v)
{
    size_t page, n = ui_list_len(S, &page);

    if (n == 0)
        return;
    if (v < 0)
        v = 0;
    if ((unsigned long long)v >= n)
        v = (long long)n - 1;
    if (S->view == UI_VIEW_THREADS)
        S->th_cur = (size_t)v;
    else if (S->view == UI_VIEW_ENDED)
        ui_screen_ended_select(S, (size_t)v);
    else
        ui_screen_select(S, (size_t)v);
}

static long long
ui_cur_pos(const struct ui_screen *S)
{
    if (S->view == UI_VIEW_ENDED)
        return (long long)S->en_cur;
    return (long long)(S->view == UI_VIEW_THREADS ? S->th_cur : S->cur);
}

static void
ui_act_up(struct ui_screen *S, int key)
{
    (void)key;
    ui_move_to(S, ui_cur_pos(S) - 1);
}

static void
ui_act_down(struct ui_screen *S, int key)
{
    (void)key;
    ui_move_to(S, ui_cur_pos(S) + 1);
}

static void
ui_act_pgup(struct ui_screen *S, int key)
{
    size_t page;

    (void)key;
    ui_list_len(S, &page);
    ui_move_to(S, ui_cur_pos(S) - (long long)page);
}

static void
ui_act_pgdn(struct ui_screen *S, int key)
{
    size_t page;

    (void)key;
    ui_list_len(S, &page);
    ui_move_to(S, ui_cur_pos(S) + (long long)page);
}

static void
ui_act_home(struct ui_screen *S, int key)
{
    (void)key;
    ui_move_to(S, 0);
}

static void
ui_act_end(struct ui_screen *S, int key)
{
    size_t page;

    (void)key;
    ui_move_to(S, (long long)ui_list_len(S, &page));
}

/* ------------------------------------------------------------ the tree */

static bool
ui_row_has_shown_children(const struct ui_screen *S, size_t k)
{
    return k + 1 < S->rows.nrows && S->rows.parent[k + 1] == k;
}

static void
ui_set_collapsed(struct ui_screen *S, size_t k, bool collapse)
{
    uint64_t addr = S->snap->tasks[S->rows.rows[k].task].addr;

    if (collapse)
        ui_addrset_add(&S->collapsed, addr);
    else
        ui_addrset_del(&S->collapsed, addr);
    ui_screen_rebuild(S);
}

static void
ui_act_left(struct ui_screen *S, int key)
{
    size_t k = S->cur;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return;
    if ((S->rows.rows[k].flags & TREE_ROW_CHILDREN) && ui_row_has_shown_children(S, k))
        ui_set_collapsed(S, k, true);
    else if (S->rows.parent[k] != TREE_NONE)
        ui_screen_select(S, S->rows.parent[k]);
}

static void
ui_act_right(struct ui_screen *S, int key)
{
    size_t k = S->cur;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return;
    if (S->rows.rows[k].flags & TREE_ROW_COLLAPSED)
        ui_set_collapsed(S, k, false);
    else if (ui_row_has_shown_children(S, k))
        ui_screen_select(S, k + 1);
}

static void
ui_act_toggle(struct ui_screen *S, int key)
{
    size_t k = S->cur;
    const struct tree_row *row;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return;
    row = &S->rows.rows[k];
    if (row->flags & TREE_ROW_COLLAPSED)
        ui_set_collapsed(S, k, false);
    else if (row->flags & TREE_ROW_CHILDREN)
        ui_set_collapsed(S, k, true);
    else if (row->count > 1)
        ui_screen_msg(S, "a group of %zu identical tasks: g unfolds groups", row->count);
}

static void
ui_act_all(struct ui_screen *S, int key)
{
    size_t i, n = 0;

    (void)key;
    if (!ui_has_snap(S))
        return;
    if (S->collapsed.n) {
        ui_addrset_clear(&S->collapsed);
        ui_screen_msg(S, "expanded every task");
    } else {
        for (i = 0; i < S->forest->nnodes; i++) {
            if (S->forest->nodes[i].nchildren) {
                ui_addrset_add(&S->collapsed, S->snap->tasks[S->forest->nodes[i].task].addr);
                n++;
            }
        }
        ui_screen_msg(S, "collapsed %zu task%s", n, n == 1 ? "" : "s");
    }
    ui_screen_rebuild(S);
}

static void
ui_act_group(struct ui_screen *S, int key)
{
    (void)key;
    S->group = !S->group;
    ui_screen_rebuild(S);
    ui_screen_msg(S, S->group ? "grouping on: identical sibling tasks folded into one row"
                  : "grouping off");
}

static void
ui_act_sort(struct ui_screen *S, int key)
{
    (void)key;
    S->sort = (enum ui_sort)((S->sort + 1) % UI_SORT__COUNT);
    ui_screen_rebuild(S);
    ui_screen_msg(S, "sort siblings by %s%s", ui_sort_name(S->sort),
                  S->sort == UI_SORT_AGE ? " (newest first)"
                  : S->sort == UI_SORT_RUNNING ? " (share of samples running, highest first)"
                  : S->sort == UI_SORT_IDLE ? " (time since the stack last changed, longest "
                  "first)" : "");
}

/* ------------------------------------------------------------ search, filter */

static void
ui_prompt_open(struct ui_screen *S, enum ui_prompt p, const char *init)
{
    S->prompt = p;
    snprintf(S->pbuf, sizeof(S->pbuf), "%s", init);
    S->plen = strlen(S->pbuf);
    S->p_origin = S->cur;
    snprintf(S->p_saved, sizeof(S->p_saved), "%s", S->filter);
}

static void
ui_act_search(struct ui_screen *S, int key)
{
    (void)key;
    if (ui_has_snap(S))
        ui_prompt_open(S, UI_PROMPT_SEARCH, "");
}

static void
ui_act_filter(struct ui_screen *S, int key)
{
    (void)key;
    if (ui_has_snap(S))
        ui_prompt_open(S, UI_PROMPT_FILTER, S->filter[0] ? S->filter : S->search);
    if (S->prompt == UI_PROMPT_FILTER && S->pbuf[0]) {
        snprintf(S->filter, sizeof(S->filter), "%s", S->pbuf);
        ui_screen_rebuild(S);
    }
}

/* Go to the next match of the search text: shown rows first, then hidden tasks. */
static void
ui_search_step(struct ui_screen *S, int dir)
{
    size_t row, task;

    if (!S->search[0]) {
        ui_screen_msg(S, "no search text: / searches names, coroutines and files");
        return;
    }
    if (!ui_has_snap(S))
        return;
    row = ui_rows_search(&S->rows, S->snap, S->rows.nrows ? S->cur : TREE_NONE, dir,
                         S->search);
    if (row != TREE_NONE) {
        if (row == S->cur)
            ui_screen_msg(S, "the only match of \"%s\"", S->search);
        ui_screen_jump(S, row);
        return;
    }
    task = ui_forest_search_hidden(&S->rows, S->snap, S->forest, S->search);
    if (task == TREE_NONE) {
        ui_screen_msg(S, "no task matches \"%s\"", S->search);
        return;
    }
    ui_screen_goto_task(S, task);
}

static void
ui_act_next(struct ui_screen *S, int key)
{
    (void)key;
    ui_search_step(S, 1);
}

static void
ui_act_prev(struct ui_screen *S, int key)
{
    (void)key;
    ui_search_step(S, -1);
}

/* The prompt text changed: search moves as you type, the filter applies as you type. */
static void
ui_prompt_changed(struct ui_screen *S)
{
    size_t row;

    if (S->prompt == UI_PROMPT_FILTER) {
        snprintf(S->filter, sizeof(S->filter), "%s", S->pbuf);
        ui_screen_rebuild(S);
        return;
    }
    if (!S->pbuf[0]) {
        ui_screen_select(S, S->p_origin);
        return;
    }
    row = ui_rows_search(&S->rows, S->snap, S->p_origin ? S->p_origin - 1 : TREE_NONE, 1,
                         S->pbuf);
    if (row != TREE_NONE)
        ui_screen_jump(S, row);
}

static void
ui_prompt_done(struct ui_screen *S, bool accept)
{
    enum ui_prompt p = S->prompt;

    S->prompt = UI_PROMPT_NONE;
    if (p == UI_PROMPT_FILTER) {
        if (!accept)
            snprintf(S->filter, sizeof(S->filter), "%s", S->p_saved);
        ui_screen_rebuild(S);
        if (accept)
            ui_screen_msg(S, S->filter[0] ? "filter: %zu rows (f: change, Esc: clear)"
                          : "filter cleared", S->rows.nrows);
        return;
    }
    if (!accept) {
        ui_screen_jump(S, S->p_origin);
        return;
    }
    snprintf(S->search, sizeof(S->search), "%s", S->pbuf);
    if (!S->search[0])
        return;
    if (S->rows.nrows && tree_task_match(S->snap, S->rows.rows[S->cur].task, S->search, true))
        ui_screen_msg(S, "n: next match, N: previous");
    else
        ui_search_step(S, 1);
}

/* Encode a code point as UTF-8 into the prompt buffer. */
static void
ui_prompt_put(struct ui_screen *S, unsigned cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            return;
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else if (cp < 0x110000) {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    } else {
        return;
    }
    if (S->plen + n >= sizeof(S->pbuf))
        return;
    memcpy(S->pbuf + S->plen, u, n);
    S->plen += n;
    S->pbuf[S->plen] = '\0';
}

static void
ui_prompt_key(struct ui_screen *S, int key, bool fn)
{
    if ((!fn && (key == '\r' || key == '\n')) || (fn && key == KEY_ENTER)) {
        ui_prompt_done(S, true);
        return;
    }
    if (!fn && key == 27) {
        ui_prompt_done(S, false);
        return;
    }
    if ((fn && key == KEY_BACKSPACE) || (!fn && (key == 127 || key == 8))) {
        while (S->plen > 0 && ((unsigned char)S->pbuf[--S->plen] & 0xc0) == 0x80)
            ;
        S->pbuf[S->plen] = '\0';
    } else if (!fn && key == 21) {         /* ^U */
        S->plen = 0;
        S->pbuf[0] = '\0';
    } else if (!fn && key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0)) {
        ui_prompt_put(S, (unsigned)key);
    } else {
        return;
    }
    ui_prompt_changed(S);
}

/* ------------------------------------------------------------ detail, jumps */

static void
ui_jump(struct ui_screen *S, size_t task, const char *none)
{
    if (task == TREE_NONE || !S->snap || task >= S->snap->ntasks) {
        ui_screen_msg(S, "%s", none);
        return;
    }
    ui_screen_goto_task(S, task);
}

static void
ui_act_awaited(struct ui_screen *S, int key)
{
    (void)key;
    if (!ui_has_snap(S))
        return;
    ui_screen_detail(S);
    ui_jump(S, S->links.first_awaited, "it awaits no task");
}

static void
ui_act_waiter(struct ui_screen *S, int key)
{
    (void)key;
    if (!ui_has_snap(S))
        return;
    ui_screen_detail(S);
    ui_jump(S, S->links.first_waiter, "no task awaits it");
}

static void
ui_act_link(struct ui_screen *S, int key)
{
    size_t d = (size_t)(key - '1');

    if (!ui_has_snap(S))
        return;
    ui_screen_detail(S);
    if (d >= S->links.n) {
        ui_screen_msg(S, "no link [%zu] in the detail pane", d + 1);
        return;
    }
    ui_jump(S, S->links.task[d], "no such task");
}

static void
ui_act_dscroll_down(struct ui_screen *S, int key)
{
    (void)key;
    if (S->view == UI_VIEW_ENDED)
        S->en_detail_top++;     /* clamped when drawn */
    else
        S->detail_top++;
}

static void
ui_act_dscroll_up(struct ui_screen *S, int key)
{
    size_t *top = S->view == UI_VIEW_ENDED ? &S->en_detail_top : &S->detail_top;

    (void)key;
    if (*top > 0)
        (*top)--;
}

/* ------------------------------------------------------------ views, refresh */

static void
ui_act_quit(struct ui_screen *S, int key)
{
    (void)key;
    S->quit = true;
}

static void
ui_act_help(struct ui_screen *S, int key)
{
    (void)key;
    S->back_view = S->view;
    S->view = UI_VIEW_HELP;
    S->help_top = 0;
}

static void
ui_act_threads(struct ui_screen *S, int key)
{
    (void)key;
    S->view = S->view == UI_VIEW_THREADS ? UI_VIEW_TASKS : UI_VIEW_THREADS;
}

/* The terminated tasks of the history, newest first, and their last-seen stacks. */
static void
ui_act_ended(struct ui_screen *S, int key)
{
    (void)key;
    S->view = S->view == UI_VIEW_ENDED ? UI_VIEW_TASKS : UI_VIEW_ENDED;
}

static void
ui_act_escape(struct ui_screen *S, int key)
{
    (void)key;
    if (S->view == UI_VIEW_THREADS || S->view == UI_VIEW_ENDED) {
        S->view = UI_VIEW_TASKS;
    } else if (S->filter[0]) {
        S->filter[0] = '\0';
        ui_screen_rebuild(S);
        ui_screen_msg(S, "filter cleared");
    } else if (S->search[0]) {
        S->search[0] = '\0';
        ui_screen_msg(S, "search cleared");
    }
}

static bool
ui_live(struct ui_screen *S)
{
    if (!S->opts->readonly)
        return true;
    ui_screen_msg(S, "read-only: a loaded snapshot is never refreshed");
    return false;
}

static void
ui_act_refresh(struct ui_screen *S, int key)
{
    (void)key;
    if (ui_live(S))
        ui_screen_refresh(S);
}

static void
ui_act_pause(struct ui_screen *S, int key)
{
    (void)key;
    if (!ui_live(S))
        return;
    S->paused = !S->paused;
    if (!S->paused)
        S->next_ms = ui_now_ms() + (uint64_t)(S->interval * 1000.0);
    ui_screen_msg(S, S->paused ? "paused: p resumes, r refreshes once" : "resumed");
}

static void
ui_act_interval(struct ui_screen *S, int key)
{
    size_t i, n = sizeof(ui_intervals) / sizeof(ui_intervals[0]);
    double v = S->interval;

    if (!ui_live(S))
        return;
    if (key == '+' || key == '=') {
        for (i = 0; i < n && ui_intervals[i] <= S->interval + 1e-9; i++)
            ;
        if (i < n)
            v = ui_intervals[i];
    } else {
        for (i = n; i > 0 && ui_intervals[i - 1] >= S->interval - 1e-9; i--)
            ;
        if (i > 0)
            v = ui_intervals[i - 1];
    }
    S->interval = v;
    S->next_ms = ui_now_ms() + (uint64_t)(S->interval * 1000.0);
    ui_screen_msg(S, "refresh every %gs", S->interval);
}

static void
ui_act_write(struct ui_screen *S, int key)
{
    char path[128], stamp[32];
    struct tm tm;
    time_t now = time(NULL);
    int rc;

    (void)key;
    if (!ui_has_snap(S))
        return;
    if (!localtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    snprintf(path, sizeof(path), "./aiomon-%d-%s.json", S->snap->pid, stamp);
    rc = snap_write_path(path, S->snap, SNAP_FMT_JSON, NULL);
    if (rc < 0)
        ui_screen_msg(S, "cannot write %s: %s", path, err_msg(rc));
    else
        ui_screen_msg(S, "wrote %s (%zu tasks, %zu threads)", path, S->snap->ntasks,
                      S->snap->nthreads);
}

static void
ui_act_redraw(struct ui_screen *S, int key)
{
    (void)S;
    (void)key;
    clearok(curscr, TRUE);
}

/* ------------------------------------------------------------ the table */

static const struct ui_key ui_keys[] = {
    { { 'k' }, { KEY_UP }, "Up k", "select the previous row", ui_act_up, UI_V_ALL },
    { { 'j' }, { KEY_DOWN }, "Down j", "select the next row", ui_act_down, UI_V_ALL },
    { { 0 }, { KEY_PPAGE }, "PgUp", "one page up", ui_act_pgup, UI_V_ALL },
    { { ' ' }, { KEY_NPAGE }, "PgDn Space", "one page down", ui_act_pgdn, UI_V_ALL },
    { { 0 }, { KEY_HOME }, "Home", "first row", ui_act_home, UI_V_ALL },
    { { 0 }, { KEY_END }, "End", "last row", ui_act_end, UI_V_ALL },
    { { 0 }, { KEY_LEFT }, "Left", "collapse the task, or go to the task awaiting it",
      ui_act_left, UI_V_TASKS },
    { { 0 }, { KEY_RIGHT }, "Right", "expand the task, or go to its first awaited task",
      ui_act_right, UI_V_TASKS },
    { { '\r', '\n' }, { KEY_ENTER }, "Enter", "collapse / expand the task", ui_act_toggle,
      UI_V_TASKS },
    { { '*' }, { 0 }, "*", "collapse every task / expand every task", ui_act_all,
      UI_V_TASKS },
    { { 'g' }, { KEY_F(7) }, "g F7", "group identical sibling tasks (same coroutine and "
      "suspension point) into one counted row, or ungroup", ui_act_group, UI_V_TASKS },
    { { 's' }, { KEY_F(6) }, "s F6", "sort siblings by: name, state, age (newest first), "
      "coroutine, address, running (share of samples running, highest first), idle (time "
      "since the stack last changed, longest first)", ui_act_sort, UI_V_TASKS },
    { { '/' }, { KEY_F(3) }, "/ F3", "search task names, coroutines and files (as you type)",
      ui_act_search, UI_V_TASKS },
    { { 'n' }, { 0 }, "n", "next search match", ui_act_next, UI_V_TASKS },
    { { 'N' }, { 0 }, "N", "previous search match", ui_act_prev, UI_V_TASKS },
    { { 'f', '\\' }, { KEY_F(4) }, "f \\ F4", "filter the tree to matching tasks and their "
      "ancestors (empty: no filter)", ui_act_filter, UI_V_TASKS },
    { { 27 }, { 0 }, "Esc", "clear the filter, then the search; leave the threads or the "
      "terminated view", ui_act_escape, UI_V_ALL },
    { { 'a' }, { 0 }, "a", "go to the first task the selected task awaits", ui_act_awaited,
      UI_V_TASKS },
    { { 'b' }, { 0 }, "b", "go to the task that awaits the selected task", ui_act_waiter,
      UI_V_TASKS },
    { { '1', '2', '3', '4' }, { 0 }, "1-9", "go to the task listed as [1]..[9] in the detail "
      "pane", ui_act_link, UI_V_TASKS },
    { { '5', '6', '7', '8' }, { 0 }, NULL, NULL, ui_act_link, UI_V_TASKS },
    { { '9' }, { 0 }, NULL, NULL, ui_act_link, UI_V_TASKS },
    { { 'J' }, { KEY_SF }, "J Shift-Down", "scroll the detail pane down", ui_act_dscroll_down,
      UI_V_TASKS | UI_V_ENDED },
    { { 'K' }, { KEY_SR }, "K Shift-Up", "scroll the detail pane up", ui_act_dscroll_up,
      UI_V_TASKS | UI_V_ENDED },
    { { 't', '\t' }, { KEY_F(2) }, "t Tab F2", "threads view (each thread's stack and CPU "
      "share since the last refresh) / back to the task tree", ui_act_threads, UI_V_ALL },
    { { 'e' }, { KEY_F(9) }, "e F9", "terminated view (tasks that ended while watched, "
      "newest first, with their last-seen stack) / back to the task tree", ui_act_ended,
      UI_V_ALL },
    { { 'r' }, { KEY_F(5) }, "r F5", "refresh now", ui_act_refresh, UI_V_ALL },
    { { 'p' }, { KEY_F(8) }, "p F8", "pause / resume the refreshes", ui_act_pause, UI_V_ALL },
    { { '+', '=', '-' }, { 0 }, "+ -", "refresh less often / more often (interval)",
      ui_act_interval, UI_V_ALL },
    { { 'w' }, { 0 }, "w", "write the snapshot shown as JSON to ./aiomon-PID-TIME.json",
      ui_act_write, UI_V_ALL },
    { { 12 }, { 0 }, "Ctrl-L", "redraw the screen", ui_act_redraw, UI_V_ALL },
    { { '?', 'h' }, { KEY_F(1) }, "? h F1", "this help", ui_act_help, UI_V_ALL },
    { { 'q', 'Q' }, { KEY_F(10) }, "q F10", "quit (detaches; the target keeps running)",
      ui_act_quit, UI_V_ALL },
};

static const struct ui_key *
ui_key_find(int key, bool fn, unsigned view)
{
    size_t i, j;

    for (i = 0; i < sizeof(ui_keys) / sizeof(ui_keys[0]); i++) {
        const struct ui_key *k = &ui_keys[i];

        if (!(k->views & view))
            continue;
        for (j = 0; !fn && j < sizeof(k->ch) / sizeof(k->ch[0]) && k->ch[j]; j++) {
            if (k->ch[j] == key)
                return k;
        }
        for (j = 0; fn && j < sizeof(k->fk) / sizeof(k->fk[0]) && k->fk[j]; j++) {
            if (k->fk[j] == key)
                return k;
        }
    }
    return NULL;
}

void
ui_keys_handle(struct ui_screen *S, int key, bool fn)
{
    const struct ui_key *k;
    unsigned view;

    if (S->prompt != UI_PROMPT_NONE) {
        ui_prompt_key(S, key, fn);
        return;
    }
    if (S->view == UI_VIEW_HELP) {
        if (fn && (key == KEY_UP || key == KEY_PPAGE) && S->help_top > 0)
            S->help_top -= key == KEY_UP || S->help_top < 10 ? 1 : 10;
        else if (fn && (key == KEY_DOWN || key == KEY_NPAGE))
            S->help_top += key == KEY_DOWN ? 1 : 10;     /* clamped when drawn */
        else
            S->view = S->back_view;
        return;
    }
    view = S->view == UI_VIEW_THREADS ? UI_V_THREADS
           : S->view == UI_VIEW_ENDED ? UI_V_ENDED : UI_V_TASKS;
    k = ui_key_find(key, fn, view);
    if (k)
        k->act(S, key);
}

void
ui_keys_help(struct ui_lines *L)
{
    size_t i;

    ui_lines_reset(L);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_BOLD, "aiomon-attach live view");
    ui_lines_add(L, UI_C_NORMAL, ": every asyncio task of the target as an await tree "
                 "(a task's children are the tasks it awaits).");
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_NORMAL, "Columns: STAT pend/done/canc; RCS: ");
    ui_lines_add(L, UI_C_RUNNING, "R");
    ui_lines_add(L, UI_C_NORMAL, " running now, ");
    ui_lines_add(L, UI_C_CANCEL, "C");
    ui_lines_add(L, UI_C_NORMAL, " cancellation pending (");
    ui_lines_add(L, UI_C_CANCEL, "W");
    ui_lines_add(L, UI_C_NORMAL, ": swallowed, still running after it), ");
    ui_lines_add(L, UI_C_WARN, "S");
    ui_lines_add(L, UI_C_NORMAL, " stuck (stack unchanged longer than --stuck), ");
    ui_lines_add(L, UI_C_WARN, "D");
    ui_lines_add(L, UI_C_NORMAL, " on an await cycle (a deadlock);");
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_NORMAL, "AGE since first seen by this view; RUN%% share of the "
                 "refreshes it was running in; IDLE since its stack last changed (wide "
                 "terminals); WHERE: the innermost frame.");
    for (i = 0; i < sizeof(ui_keys) / sizeof(ui_keys[0]); i++) {
        const struct ui_key *k = &ui_keys[i];

        if (!k->keys)
            continue;
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_FKEY, "  %-14s", k->keys);
        ui_lines_add(L, UI_C_NORMAL, "%s%s", k->help,
                     k->views == UI_V_ALL ? "  (every view)"
                     : k->views == (UI_V_TASKS | UI_V_ENDED) ? "  (also in the terminated view)"
                     : "");
    }
    ui_lines_begin(L);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_DIM, "While searching or filtering: type, Backspace, Ctrl-U clears, "
                 "Enter accepts, Esc cancels.  Target strings are shown escaped (\\xNN).");
}

static const struct ui_fkey ui_fbar_tasks[] = {
    { "F1", "Help" }, { "F3", "Search" }, { "F4", "Filter" }, { "F5", "Refresh" },
    { "F6", "Sort" }, { "Tab", "Threads" }, { "e", "Ended" }, { "g", "Group" },
    { "p", "Pause" }, { "F10", "Quit" }, { "w", "Write" },
};

static const struct ui_fkey ui_fbar_threads[] = {
    { "F1", "Help" }, { "Tab", "Tasks" }, { "e", "Ended" }, { "F5", "Refresh" },
    { "p", "Pause" }, { "F10", "Quit" }, { "w", "Write" },
};

static const struct ui_fkey ui_fbar_ended[] = {
    { "F1", "Help" }, { "e", "Tasks" }, { "Tab", "Threads" }, { "J", "Scroll" },
    { "F5", "Refresh" }, { "p", "Pause" }, { "F10", "Quit" },
};

static void
ui_funcbar_draw(struct ui_screen *S, const struct ui_fkey *keys, size_t n)
{
    const struct ui_rect *r = &S->lay.footer;
    size_t shown = ui_funcbar_fit(keys, n, r->w, 6), i;
    int x = r->x, lw;
    char label[32];

    ui_term_fill(&S->term, r->y, r->x, r->w, UI_C_FLABEL);
    for (i = 0; i < shown; i++) {
        x += ui_term_puts(&S->term, r->y, x, r->w - x, UI_C_FKEY, keys[i].key);
        lw = (int)strlen(keys[i].label);
        snprintf(label, sizeof(label), "%-6s", keys[i].label);
        ui_term_puts(&S->term, r->y, x, r->w - x, UI_C_FLABEL, label);
        x += lw < 6 ? 6 : lw;
    }
}

void
ui_keys_footer(struct ui_screen *S)
{
    const struct ui_rect *r = &S->lay.footer;
    struct ui_term *T = &S->term;
    int x;

    if (S->prompt != UI_PROMPT_NONE) {
        bool none = S->prompt == UI_PROMPT_SEARCH && S->pbuf[0] && S->snap &&
                    (S->rows.nrows == 0 ||
                     !tree_task_match(S->snap, S->rows.rows[S->cur].task, S->pbuf, true));

        ui_term_fill(T, r->y, r->x, r->w, UI_C_NORMAL);
        x = ui_term_puts(T, r->y, r->x, r->w, UI_C_FLABEL,
                         S->prompt == UI_PROMPT_SEARCH ? "Search:" : "Filter:");
        x += ui_term_puts(T, r->y, r->x + x, r->w - x, UI_C_NORMAL, " ");
        x += ui_term_raw(T, r->y, r->x + x, r->w - x - 1, UI_C_BOLD, S->pbuf, S->plen);
        x += ui_term_puts(T, r->y, r->x + x, r->w - x, UI_C_SELECT, " ");
        if (none)
            x += ui_term_puts(T, r->y, r->x + x, r->w - x, UI_C_CANCEL, "  no match");
        ui_term_puts(T, r->y, r->x + x, r->w - x, UI_C_DIM, "   Enter: done  Esc: cancel");
        return;
    }
    if (S->msg[0]) {
        ui_term_fill(T, r->y, r->x, r->w, UI_C_NORMAL);
        ui_term_puts(T, r->y, r->x, r->w, UI_C_BOLD, S->msg);
        return;
    }
    if (S->view == UI_VIEW_HELP) {
        ui_term_fill(T, r->y, r->x, r->w, UI_C_FLABEL);
        ui_term_puts(T, r->y, r->x, r->w, UI_C_FLABEL, " any key: back");
    } else if (S->view == UI_VIEW_THREADS) {
        ui_funcbar_draw(S, ui_fbar_threads, sizeof(ui_fbar_threads) / sizeof(ui_fbar_threads[0]));
    } else if (S->view == UI_VIEW_ENDED) {
        ui_funcbar_draw(S, ui_fbar_ended, sizeof(ui_fbar_ended) / sizeof(ui_fbar_ended[0]));
    } else {
        ui_funcbar_draw(S, ui_fbar_tasks, sizeof(ui_fbar_tasks) / sizeof(ui_fbar_tasks[0]));
    }
}
