/*
 * screen.c - the screen manager (htop's ScreenManager): owns the state and
 * its panes, runs the loop, takes snapshots on a timer through the
 * caller's callback, hands each key to the prompt, the focused pane or the
 * key table and acts on what they return, lays out and draws.
 *
 * The flow goes one way: this loop -> keys, search -> state -> panes,
 * model, lines, term; drawing (panes.c, footer.c) reads the state only.
 */
#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "footer.h"
#include "keys.h"
#include "panes.h"
#include "procs.h"
#include "search.h"
#include "state.h"
#include "term.h"

/* The panes each view shows, drawn in this order (NULL-terminated). */
#define UI_VIEW_PANES 3

struct ui_screen {
    struct ui_state st;
    struct ui_term term;
    ui_snap_fn take;
    void *take_arg;
    struct ui_pane *panes[UI_VIEW__COUNT][UI_VIEW_PANES];
    bool quit;
};

static void
ui_screen_panes(struct ui_screen *M)
{
    struct ui_state *S = &M->st;

    ui_pane_init(&S->tasks, &ui_tasks_pane, true);
    ui_pane_init(&S->detail, &ui_detail_pane, false);
    ui_pane_init(&S->threads, &ui_threads_pane, true);
    ui_pane_init(&S->ended, &ui_ended_pane, true);
    ui_pane_init(&S->ended_detail, &ui_ended_detail_pane, false);
    ui_pane_init(&S->groups, &ui_groups_pane, true);
    ui_pane_init(&S->groups_detail, &ui_groups_detail_pane, false);
    ui_pane_init(&S->help, &ui_help_pane, false);
    ui_pane_init(&S->procs, &ui_procs_pane, true);
    M->panes[UI_VIEW_TASKS][0] = &S->tasks;
    M->panes[UI_VIEW_TASKS][1] = &S->detail;
    M->panes[UI_VIEW_THREADS][0] = &S->threads;
    M->panes[UI_VIEW_ENDED][0] = &S->ended;
    M->panes[UI_VIEW_ENDED][1] = &S->ended_detail;
    M->panes[UI_VIEW_GROUPS][0] = &S->groups;
    M->panes[UI_VIEW_GROUPS][1] = &S->groups_detail;
    M->panes[UI_VIEW_HELP][0] = &S->help;
    M->panes[UI_VIEW_PROCS][0] = &S->procs;
}

/* Lay out, clamp, then draw everything and update the terminal. */
static void
ui_screen_draw(struct ui_screen *M)
{
    struct ui_state *S = &M->st;
    struct ui_term *T = &M->term;
    struct ui_pane *const *p;
    size_t i;

    ui_state_update(S, T->lines, T->cols);
    erase();
    if (S->lay.too_small) {
        char buf[96];

        snprintf(buf, sizeof(buf), "terminal too small (%dx%d, need %dx%d): q quits",
                 T->cols, T->lines, UI_MIN_COLS, UI_MIN_LINES);
        ui_term_puts(T, 0, 0, T->cols, UI_C_BOLD, buf);
        refresh();
        return;
    }
    ui_header_draw(S, T);
    p = M->panes[(unsigned)S->view < UI_VIEW__COUNT ? S->view : UI_VIEW_TASKS];
    for (i = 0; i < UI_VIEW_PANES && p[i]; i++)
        p[i]->cls->draw(p[i], S, T);
    ui_footer_draw(S, T);
    refresh();
}

/* Take a snapshot now and show it (on failure keep the last one and say why). */
static void
ui_screen_refresh(struct ui_screen *M)
{
    struct ui_state *S = &M->st;
    struct snap *ns;
    char note[sizeof(S->msg)];
    int err = 0;

    S->refreshing = true;
    if (S->snap)
        ui_screen_draw(M);
    ns = M->take(M->take_arg, &err);
    S->refreshing = false;
    S->next_ms = ui_now_ms() + (uint64_t)(S->interval * 1000.0);
    /* another process (--subprocesses): the shown one's history would be a lie */
    if (ns && S->snap && ns->pid != S->snap->pid)
        ui_state_restart(S);
    if (!ns)
        ui_state_failed(S, err);
    else
        ui_state_install(S, ns);
    ui_procs_update(S);
    if (S->opts->take_note && S->opts->take_note(S->opts->proc_arg, note, sizeof(note)))
        ui_state_msg(S, "%s", note);
}

/* One key: the prompt takes every key; else the focused pane, then the key table. */
static void
ui_screen_key(struct ui_screen *M, int key, bool fn)
{
    struct ui_state *S = &M->st;
    struct ui_pane *p = ui_state_focus(S);
    unsigned r;

    if (S->prompt != UI_PROMPT_NONE) {
        ui_prompt_key(S, key, fn);
        return;
    }
    r = p->cls->key ? p->cls->key(p, key, fn) : UI_R_IGNORED;
    if (r == UI_R_IGNORED && S->view != UI_VIEW_HELP)
        r = ui_keys_handle(S, key, fn);
    if (r & UI_R_MOVED)
        ui_state_moved(S, p);
    if (r & UI_R_BACK)
        S->view = S->back_view;
    if (r & UI_R_REDRAW)
        clearok(curscr, TRUE);
    if (r & UI_R_REFRESH)
        ui_screen_refresh(M);
    if (r & UI_R_QUIT)
        M->quit = true;
}

/* How long getch may wait: until the next refresh or the end of the status message. */
static int
ui_screen_wait_ms(const struct ui_state *S)
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
ui_screen_tick(struct ui_screen *M)
{
    struct ui_state *S = &M->st;
    uint64_t now = ui_now_ms();

    if (S->msg[0] && now >= S->msg_until_ms)
        S->msg[0] = '\0';
    if (!S->opts->readonly && !S->paused && !S->gone && now >= S->next_ms)
        ui_screen_refresh(M);
}

static void
ui_screen_free(struct ui_screen *M)
{
    ui_state_free(&M->st);
    free(M);
}

int
ui_run(const struct ui_opts *o, ui_snap_fn take, void *arg)
{
    static const struct ui_opts defaults = { .interval = 2.0 };
    struct ui_screen *M = xcalloc(1, sizeof(*M));
    struct ui_state *S = &M->st;
    wint_t wc;
    int rc, r;

    M->take = take;
    M->take_arg = arg;
    rc = ui_term_open(&M->term);
    ui_state_init(S, o ? o : &defaults, M->term.g);
    ui_screen_panes(M);
    S->src.host_path = S->opts->host_path;
    S->src.host_arg = S->opts->host_arg;
    if (rc < 0) {
        ui_screen_free(M);
        return err_report(rc);
    }
    ui_keys_help(&S->help_src);
    S->help_cols = 0;               /* wrapped on the first layout */
    S->refreshing = true;
    ui_screen_draw(M);
    ui_screen_refresh(M);
    /* after the first refresh (whose own message would replace it) */
    if (S->opts->interval > 0 && S->opts->interval < UI_INTERVAL_MIN)
        ui_state_msg(S, "--interval raised to %.0f ms, the shortest the live view refreshes at",
                     UI_INTERVAL_MIN * 1000);
    else if (S->opts->interval > UI_INTERVAL_MAX)
        ui_state_msg(S, "--interval lowered to %.0f s, the longest the live view waits",
                     UI_INTERVAL_MAX);
    while (!M->quit) {
        ui_screen_draw(M);
        timeout(ui_screen_wait_ms(S));
        r = get_wch(&wc);
        if (r == ERR) {
            ui_screen_tick(M);
            continue;
        }
        if (r == KEY_CODE_YES && wc == KEY_RESIZE) {
            ui_term_size(&M->term);
            clearok(curscr, TRUE);
            continue;
        }
        ui_screen_key(M, (int)wc, r == KEY_CODE_YES);
        ui_screen_tick(M);
    }
    ui_term_close(&M->term);
    ui_screen_free(M);
    return 0;
}
