/*
 * keys.c - the key table (every key, what it does, where it applies: the
 * help screen is generated from it, as htop's Action.c) and the actions.
 * An action changes the state and returns UI_R_* flags; what only the
 * screen manager can do (take a snapshot, repaint, quit) it asks for with
 * a flag.
 */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../view/write.h"
#include "columns.h"
#include "procs.h"
#include "search.h"

#define UI_V_TASKS   0x1u
#define UI_V_THREADS 0x2u
#define UI_V_ENDED   0x4u
#define UI_V_GROUPS  0x8u
#define UI_V_PROCS   0x10u
#define UI_V_ALL     (UI_V_TASKS | UI_V_THREADS | UI_V_ENDED | UI_V_GROUPS | UI_V_PROCS)

typedef unsigned (*ui_action)(struct ui_state *S, int key);

struct ui_key {
    int ch[5];                  /* characters, 0-terminated */
    int fk[3];                  /* curses KEY_* codes, 0-terminated */
    const char *keys;           /* as the help screen shows them */
    const char *help;
    ui_action act;              /* NULL: a key the pane handles itself */
    unsigned views;             /* UI_V_* where the key applies */
};

static const double ui_intervals[] = { 0.2, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300, 600 };

static bool
ui_has_snap(struct ui_state *S)
{
    if (S->snap)
        return true;
    ui_state_msg(S, "no snapshot yet");
    return false;
}

/* ------------------------------------------------------------ the tree */

static bool
ui_row_has_shown_children(const struct ui_state *S, size_t k)
{
    return k + 1 < S->rows.nrows && S->rows.parent[k + 1] == k;
}

static void
ui_set_collapsed(struct ui_state *S, size_t k, bool collapse)
{
    uint64_t addr = S->snap->tasks[S->rows.rows[k].task].addr;

    if (collapse)
        ui_addrset_add(&S->collapsed, addr);
    else
        ui_addrset_del(&S->collapsed, addr);
    ui_state_rebuild(S);
}

static unsigned
ui_act_left(struct ui_state *S, int key)
{
    size_t k = S->tasks.cur;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return UI_R_HANDLED;
    if ((S->rows.rows[k].flags & TREE_ROW_CHILDREN) && ui_row_has_shown_children(S, k))
        ui_set_collapsed(S, k, true);
    else if (S->rows.parent[k] != TREE_NONE)
        ui_state_select(S, S->rows.parent[k]);
    return UI_R_HANDLED;
}

static unsigned
ui_act_right(struct ui_state *S, int key)
{
    size_t k = S->tasks.cur;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return UI_R_HANDLED;
    if (S->rows.rows[k].flags & TREE_ROW_COLLAPSED)
        ui_set_collapsed(S, k, false);
    else if (ui_row_has_shown_children(S, k))
        ui_state_select(S, k + 1);
    return UI_R_HANDLED;
}

static unsigned
ui_act_toggle(struct ui_state *S, int key)
{
    size_t k = S->tasks.cur;
    const struct tree_row *row;

    (void)key;
    if (!S->snap || k >= S->rows.nrows)
        return UI_R_HANDLED;
    row = &S->rows.rows[k];
    if (row->flags & TREE_ROW_COLLAPSED)
        ui_set_collapsed(S, k, false);
    else if (row->flags & TREE_ROW_CHILDREN)
        ui_set_collapsed(S, k, true);
    else if (row->count > 1)
        ui_state_msg(S, "a group of %zu identical tasks: g unfolds groups", row->count);
    return UI_R_HANDLED;
}

static unsigned
ui_act_all(struct ui_state *S, int key)
{
    size_t i, n = 0;

    (void)key;
    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    if (S->collapsed.n) {
        ui_addrset_clear(&S->collapsed);
        ui_state_msg(S, "expanded every task");
    } else {
        for (i = 0; i < S->forest->nnodes; i++) {
            if (S->forest->nodes[i].nchildren) {
                ui_addrset_add(&S->collapsed, S->snap->tasks[S->forest->nodes[i].task].addr);
                n++;
            }
        }
        ui_state_msg(S, "collapsed %zu task%s", n, n == 1 ? "" : "s");
    }
    ui_state_rebuild(S);
    return UI_R_HANDLED;
}

static unsigned
ui_act_group(struct ui_state *S, int key)
{
    (void)key;
    S->group = !S->group;
    ui_state_rebuild(S);
    ui_state_msg(S, S->group ? "grouping on: identical sibling tasks folded into one row"
                  : "grouping off");
    return UI_R_HANDLED;
}

static unsigned
ui_act_sort(struct ui_state *S, int key)
{
    (void)key;
    S->sort = (enum ui_sort)((S->sort + 1) % UI_SORT__COUNT);
    ui_state_rebuild(S);
    ui_state_msg(S, "sort siblings by %s%s", ui_sort_name(S->sort), ui_sort_note(S->sort));
    return UI_R_HANDLED;
}

/* ------------------------------------------------------------ search, filter */

static unsigned
ui_act_search(struct ui_state *S, int key)
{
    (void)key;
    if (ui_has_snap(S))
        ui_prompt_open(S, UI_PROMPT_SEARCH, "");
    return UI_R_HANDLED;
}

static unsigned
ui_act_filter(struct ui_state *S, int key)
{
    (void)key;
    if (ui_has_snap(S))
        ui_prompt_open(S, UI_PROMPT_FILTER, S->filter[0] ? S->filter : S->search);
    if (S->prompt == UI_PROMPT_FILTER && S->pbuf[0]) {
        snprintf(S->filter, sizeof(S->filter), "%s", S->pbuf);
        ui_state_rebuild(S);
    }
    return UI_R_HANDLED;
}

static unsigned
ui_act_next(struct ui_state *S, int key)
{
    (void)key;
    ui_search_step(S, 1);
    return UI_R_HANDLED;
}

static unsigned
ui_act_prev(struct ui_state *S, int key)
{
    (void)key;
    ui_search_step(S, -1);
    return UI_R_HANDLED;
}

/* ------------------------------------------------------------ detail, jumps */

static void
ui_jump(struct ui_state *S, size_t task, const char *none)
{
    if (task == TREE_NONE || !S->snap || task >= S->snap->ntasks) {
        ui_state_msg(S, "%s", none);
        return;
    }
    ui_state_goto_task(S, task);
}

static unsigned
ui_act_awaited(struct ui_state *S, int key)
{
    (void)key;
    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    ui_state_detail(S);
    ui_jump(S, S->links.first_awaited, "it awaits no task");
    return UI_R_HANDLED;
}

static unsigned
ui_act_waiter(struct ui_state *S, int key)
{
    (void)key;
    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    ui_state_detail(S);
    ui_jump(S, S->links.first_waiter, "no task awaits it");
    return UI_R_HANDLED;
}

static unsigned
ui_act_link(struct ui_state *S, int key)
{
    size_t d = (size_t)(key - '1');

    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    ui_state_detail(S);
    if (d >= S->links.n) {
        ui_state_msg(S, "no link [%zu] in the detail pane", d + 1);
        return UI_R_HANDLED;
    }
    ui_jump(S, S->links.task[d], "no such task");
    return UI_R_HANDLED;
}

static unsigned
ui_act_dscroll_down(struct ui_state *S, int key)
{
    (void)key;
    /* the bottom is clamped by ui_pane_fit */
    return ui_pane_scroll(S->view == UI_VIEW_ENDED ? &S->ended_detail :
                          S->view == UI_VIEW_GROUPS ? &S->groups_detail : &S->detail, 1);
}

static unsigned
ui_act_dscroll_up(struct ui_state *S, int key)
{
    (void)key;
    return ui_pane_scroll(S->view == UI_VIEW_ENDED ? &S->ended_detail :
                          S->view == UI_VIEW_GROUPS ? &S->groups_detail : &S->detail, -1);
}

/* ------------------------------------------------------------ views, refresh */

static unsigned
ui_act_quit(struct ui_state *S, int key)
{
    (void)S;
    (void)key;
    return UI_R_HANDLED | UI_R_QUIT;
}

static unsigned
ui_act_help(struct ui_state *S, int key)
{
    (void)key;
    S->back_view = S->view;
    S->view = UI_VIEW_HELP;
    S->help.top = 0;
    return UI_R_HANDLED;
}

static unsigned
ui_act_threads(struct ui_state *S, int key)
{
    (void)key;
    S->view = S->view == UI_VIEW_THREADS ? UI_VIEW_TASKS : UI_VIEW_THREADS;
    return UI_R_HANDLED;
}

/* From a task waiting on an executor job to the worker thread running it, in the threads view. */
static unsigned
ui_act_exec_thread(struct ui_state *S, int key)
{
    const struct snap_wait *w;
    char want[40], buf[64];
    size_t task, k, wl;

    (void)key;
    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    task = ui_state_cur_task(S);
    w = task < S->snap->ntasks ? S->snap->tasks[task].waiting_on : NULL;
    if (!w || w->kind != SNAP_WAIT_EXECUTOR || !w->thread) {
        ui_state_msg(S, "it waits on no executor thread");
        return UI_R_HANDLED;
    }
    wl = (size_t)snprintf(want, sizeof(want), "Thread %ld ", w->thread);
    for (k = 0; k < S->thread_lines.nlines; k++) {
        ui_lines_text(&S->thread_lines, k, buf, sizeof(buf));
        if (strncmp(buf, want, wl) == 0) {
            S->view = UI_VIEW_THREADS;
            S->threads.cur = S->threads.top = k;
            return UI_R_HANDLED;
        }
    }
    ui_state_msg(S, "thread %ld is not in this snapshot", w->thread);
    return UI_R_HANDLED;
}

/* The terminated tasks of the history, newest first, and their last-seen stacks. */
static unsigned
ui_act_ended(struct ui_state *S, int key)
{
    (void)key;
    S->view = S->view == UI_VIEW_ENDED ? UI_VIEW_TASKS : UI_VIEW_ENDED;
    return UI_R_HANDLED;
}

/* The supervisors: tasks awaiting several others, TaskGroups, with their children. */
static unsigned
ui_act_groups(struct ui_state *S, int key)
{
    (void)key;
    S->view = S->view == UI_VIEW_GROUPS ? UI_VIEW_TASKS : UI_VIEW_GROUPS;
    return UI_R_HANDLED;
}

/* Enter on a supervisor: the task tree, with it selected (and its children shown). */
static unsigned
ui_act_group_goto(struct ui_state *S, int key)
{
    (void)key;
    if (!S->snap || S->groups.cur >= S->grp.n)
        return UI_R_HANDLED;
    S->view = UI_VIEW_TASKS;
    ui_state_goto_task(S, S->grp.v[S->groups.cur].task);
    return UI_R_HANDLED;
}

static unsigned
ui_act_escape(struct ui_state *S, int key)
{
    (void)key;
    if (S->view == UI_VIEW_THREADS || S->view == UI_VIEW_ENDED || S->view == UI_VIEW_GROUPS ||
        S->view == UI_VIEW_PROCS) {
        S->view = UI_VIEW_TASKS;
    } else if (S->filter[0]) {
        S->filter[0] = '\0';
        ui_state_rebuild(S);
        ui_state_msg(S, "filter cleared");
    } else if (S->search[0]) {
        S->search[0] = '\0';
        ui_state_msg(S, "search cleared");
    }
    return UI_R_HANDLED;
}

static bool
ui_live(struct ui_state *S)
{
    if (!S->opts->readonly)
        return true;
    ui_state_msg(S, "read-only: a loaded snapshot is never refreshed");
    return false;
}

static unsigned
ui_act_refresh(struct ui_state *S, int key)
{
    (void)key;
    return ui_live(S) ? UI_R_HANDLED | UI_R_REFRESH : UI_R_HANDLED;
}

static unsigned
ui_act_pause(struct ui_state *S, int key)
{
    (void)key;
    if (!ui_live(S))
        return UI_R_HANDLED;
    S->paused = !S->paused;
    if (!S->paused)
        S->next_ms = ui_now_ms() + (uint64_t)(S->interval * 1000.0);
    ui_state_msg(S, S->paused ? "paused: p resumes, r refreshes once" : "resumed");
    return UI_R_HANDLED;
}

static unsigned
ui_act_interval(struct ui_state *S, int key)
{
    size_t i, n = sizeof(ui_intervals) / sizeof(ui_intervals[0]);
    double v = S->interval;

    if (!ui_live(S))
        return UI_R_HANDLED;
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
    ui_state_msg(S, "refresh every %gs", S->interval);
    return UI_R_HANDLED;
}

static unsigned
ui_act_write(struct ui_state *S, int key)
{
    char path[128], stamp[32];
    struct tm tm;
    time_t now = time(NULL);
    int rc;

    (void)key;
    if (!ui_has_snap(S))
        return UI_R_HANDLED;
    if (!localtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    snprintf(path, sizeof(path), "./aiomon-%d-%s.json", S->snap->pid, stamp);
    rc = snap_write_path(path, S->snap, SNAP_FMT_JSON, NULL);
    if (rc < 0)
        ui_state_msg(S, "cannot write %s: %s", path, err_msg(rc));
    else
        ui_state_msg(S, "wrote %s (%zu tasks, %zu threads)", path, S->snap->ntasks,
                      S->snap->nthreads);
    return UI_R_HANDLED;
}

static unsigned
ui_act_redraw(struct ui_state *S, int key)
{
    (void)S;
    (void)key;
    return UI_R_HANDLED | UI_R_REDRAW;
}

/* ------------------------------------------------------------ the table */

static const struct ui_key ui_keys[] = {
    /* the moving keys are the pane's own (ui_pane_key): listed here for the help screen */
    { { 'k' }, { KEY_UP }, "Up k", "select the previous row", NULL, UI_V_ALL },
    { { 'j' }, { KEY_DOWN }, "Down j", "select the next row", NULL, UI_V_ALL },
    { { 0 }, { KEY_PPAGE }, "PgUp", "one page up", NULL, UI_V_ALL },
    { { ' ' }, { KEY_NPAGE }, "PgDn Space", "one page down", NULL, UI_V_ALL },
    { { 0 }, { KEY_HOME }, "Home", "first row", NULL, UI_V_ALL },
    { { 0 }, { KEY_END }, "End", "last row", NULL, UI_V_ALL },
    { { 0 }, { KEY_LEFT }, "Left", "collapse the task, or go to the task awaiting it",
      ui_act_left, UI_V_TASKS },
    { { 0 }, { KEY_RIGHT }, "Right", "expand the task, or go to its first awaited task",
      ui_act_right, UI_V_TASKS },
    { { '\r', '\n' }, { KEY_ENTER }, "Enter", "collapse / expand the task", ui_act_toggle,
      UI_V_TASKS },
    { { '\r', '\n' }, { KEY_ENTER }, "Enter", "the selected supervisor in the task tree",
      ui_act_group_goto, UI_V_GROUPS },
    { { '*' }, { 0 }, "*", "collapse every task / expand every task", ui_act_all,
      UI_V_TASKS },
    { { 'g' }, { KEY_F(7) }, "g F7", "group similar sibling tasks (same coroutine, user "
      "frame and innermost function) into one counted row, or ungroup", ui_act_group, UI_V_TASKS },
    { { 's' }, { KEY_F(6) }, "s F6", "sort siblings by: name, state, age (newest first), "
      "coroutine, address, running (share of samples running, highest first), idle (time "
      "since the stack last changed, longest first)", ui_act_sort, UI_V_TASKS },
    { { '/' }, { KEY_F(3) }, "/ F3", "search task names, coroutines, every frame's function and "
      "file, exceptions (as you type)",
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
      UI_V_TASKS | UI_V_ENDED | UI_V_GROUPS },
    { { 'K' }, { KEY_SR }, "K Shift-Up", "scroll the detail pane up", ui_act_dscroll_up,
      UI_V_TASKS | UI_V_ENDED | UI_V_GROUPS },
    { { 'x' }, { 0 }, "x", "go to the thread running the selected task's executor job "
      "(threads view)", ui_act_exec_thread, UI_V_TASKS },
    { { 't', '\t' }, { KEY_F(2) }, "t Tab F2", "threads view (each thread's stack and CPU "
      "share since the last refresh) / back to the task tree", ui_act_threads, UI_V_ALL },
    { { 'e' }, { KEY_F(9) }, "e F9", "terminated view (tasks that ended while watched, "
      "newest first, with their last-seen stack) / back to the task tree", ui_act_ended,
      UI_V_ALL },
    { { 'G' }, { 0 }, "G", "supervisors view (tasks awaiting several others and TaskGroups, "
      "with their children by state and coroutine) / back to the task tree", ui_act_groups,
      UI_V_ALL },
    { { 'r' }, { KEY_F(5) }, "r F5", "refresh now", ui_act_refresh, UI_V_ALL },
    { { 'p' }, { KEY_F(8) }, "p F8", "pause / resume the refreshes", ui_act_pause, UI_V_ALL },
    { { '+', '=', '-' }, { 0 }, "+ -", "refresh less often / more often (interval)",
      ui_act_interval, UI_V_ALL },
    { { '<', '>' }, { 0 }, "< >", "--subprocesses: show the previous / next Python process of "
      "the tree (the header says which: pid 1234 (2/5)); its history starts afresh",
      ui_act_proc, UI_V_ALL },
    { { 'P' }, { 0 }, "P", "--subprocesses: processes view (each Python process of the tree: "
      "pid, tasks at its last snapshot, command line) / back to the task tree", ui_act_procs,
      UI_V_ALL },
    { { '\r', '\n' }, { KEY_ENTER }, "Enter", "show the selected process in the task tree",
      ui_act_proc_enter, UI_V_PROCS },
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

unsigned
ui_keys_handle(struct ui_state *S, int key, bool fn)
{
    const struct ui_key *k;
    unsigned view;

    view = S->view == UI_VIEW_THREADS ? UI_V_THREADS
           : S->view == UI_VIEW_ENDED ? UI_V_ENDED
           : S->view == UI_VIEW_GROUPS ? UI_V_GROUPS
           : S->view == UI_VIEW_PROCS ? UI_V_PROCS : UI_V_TASKS;
    k = ui_key_find(key, fn, view);
    return k && k->act ? k->act(S, key) : UI_R_IGNORED;
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
    ui_lines_add(L, UI_C_NORMAL, "Columns:");
    for (i = 0; i < ui_ncolumns; i++)
        ui_lines_add(L, UI_C_NORMAL, " %s %s%s", ui_columns[i].title, ui_columns[i].help,
                     i + 1 < ui_ncolumns ? ";" : ".");
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_NORMAL, "Marks (RCS): ");
    ui_lines_add(L, UI_C_RUNNING, "R");
    ui_lines_add(L, UI_C_NORMAL, " running now, ");
    ui_lines_add(L, UI_C_CANCEL, "C");
    ui_lines_add(L, UI_C_NORMAL, " cancellation pending (");
    ui_lines_add(L, UI_C_CANCEL, "W");
    ui_lines_add(L, UI_C_NORMAL, ": swallowed, still running after it), ");
    ui_lines_add(L, UI_C_WARN, "S");
    ui_lines_add(L, UI_C_NORMAL, " stuck (stack unchanged longer than --stuck), ");
    ui_lines_add(L, UI_C_WARN, "D");
    ui_lines_add(L, UI_C_NORMAL, " on an await cycle (a deadlock).");
    for (i = 0; i < sizeof(ui_keys) / sizeof(ui_keys[0]); i++) {
        const struct ui_key *k = &ui_keys[i];

        if (!k->keys)
            continue;
        ui_lines_begin(L);
        ui_lines_add(L, UI_C_FKEY, "  %-14s", k->keys);
        ui_lines_add(L, UI_C_NORMAL, "%s%s", k->help,
                     k->views == UI_V_ALL ? "  (every view)"
                     : k->views == (UI_V_TASKS | UI_V_ENDED | UI_V_GROUPS)
                     ? "  (also in the terminated and supervisors views)"
                     : k->views == UI_V_GROUPS ? "  (supervisors view)"
                     : k->views == UI_V_PROCS ? "  (processes view)" : "");
    }
    ui_lines_begin(L);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_DIM, "While searching or filtering: type, Backspace, Ctrl-U clears, "
                 "Enter accepts, Esc cancels.  Target strings are shown escaped (\\xNN).");
}

