/*
 * procs.c - switching process (--subprocesses): < and >, and the processes
 * view (P): each Python process of the tree with its pid, its tasks at its
 * last snapshot and its command line; Enter shows the selected one.
 */
#include "procs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

/* Whether processes can be switched; else why not, in the status line. */
static bool
ui_procs_can(struct ui_state *S)
{
    if (S->opts->readonly) {
        ui_state_msg(S, "read-only: a loaded snapshot is never refreshed");
        return false;
    }
    if (!S->opts->switch_proc || !S->opts->list_procs) {
        ui_state_msg(S, "one process shown: --subprocesses shows its Python children too");
        return false;
    }
    return true;
}

static unsigned
ui_procs_switch(struct ui_state *S, int step, int pid)
{
    char why[128] = "";

    if (!S->opts->switch_proc(S->opts->proc_arg, step, pid, why, sizeof(why))) {
        ui_state_msg(S, "%s", why);
        return UI_R_HANDLED;
    }
    return UI_R_HANDLED | UI_R_REFRESH;
}

unsigned
ui_act_proc(struct ui_state *S, int key)
{
    if (!ui_procs_can(S))
        return UI_R_HANDLED;
    return ui_procs_switch(S, key == '<' ? -1 : 1, 0);
}

/* The list from the caller, one line each: the shown one marked, the cursor on it. */
static void
ui_procs_build(struct ui_state *S)
{
    struct ui_lines *L = &S->procs_lines;
    size_t i;

    if (!S->procs_v)
        S->procs_v = xcalloc(UI_PROCS_MAX, sizeof(*S->procs_v));
    S->nprocs = S->opts->list_procs(S->opts->proc_arg, S->procs_v, UI_PROCS_MAX);
    ui_lines_reset(L);
    for (i = 0; i < S->nprocs; i++) {
        const struct ui_proc *p = &S->procs_v[i];

        ui_lines_begin(L);
        ui_lines_add(L, p->shown ? UI_C_BOLD : UI_C_NORMAL, "%s %7d ", p->shown ? "*" : " ",
                     p->pid);
        if (p->ntasks >= 0)
            ui_lines_add(L, UI_C_NORMAL, "%6ld  ", p->ntasks);
        else
            ui_lines_add(L, UI_C_DIM, "%6s  ", "-");
        ui_lines_add_bytes(L, UI_C_NORMAL, p->cmd, strnlen(p->cmd, sizeof(p->cmd)), 0);
    }
    S->procs.nrows = L->nlines;
}

unsigned
ui_act_procs(struct ui_state *S, int key)
{
    size_t i;

    (void)key;
    if (S->view == UI_VIEW_PROCS) {
        S->view = UI_VIEW_TASKS;
        return UI_R_HANDLED;
    }
    if (!ui_procs_can(S))
        return UI_R_HANDLED;
    ui_procs_build(S);
    S->procs.cur = S->procs.top = 0;
    for (i = 0; i < S->nprocs; i++) {
        if (S->procs_v[i].shown)
            S->procs.cur = i;
    }
    S->view = UI_VIEW_PROCS;
    return UI_R_HANDLED;
}

unsigned
ui_act_proc_enter(struct ui_state *S, int key)
{
    (void)key;
    S->view = UI_VIEW_TASKS;
    if (S->procs.cur >= S->nprocs || S->procs_v[S->procs.cur].shown)
        return UI_R_HANDLED;
    return ui_procs_switch(S, 0, S->procs_v[S->procs.cur].pid);
}

void
ui_procs_update(struct ui_state *S)
{
    if (S->view == UI_VIEW_PROCS && S->opts->list_procs)
        ui_procs_build(S);
}
