/*
 * procs.h - the processes of the tree (--subprocesses): < and > switch,
 * the processes view (P) lists them and Enter shows one (procs.c).  The
 * caller of ui_run knows the processes (ui_opts.list_procs, switch_proc).
 */
#ifndef AIO_UI_PROCS_H
#define AIO_UI_PROCS_H

#include "state.h"

#define UI_PROCS_MAX 256        /* processes listed, as many as the caller reads */

/* < >: the previous or next process (UI_R_REFRESH when it switched). */
unsigned ui_act_proc(struct ui_state *S, int key);

/* P: the processes view, listed afresh / back to the task tree. */
unsigned ui_act_procs(struct ui_state *S, int key);

/* Enter in the processes view: show the selected process in the task tree. */
unsigned ui_act_proc_enter(struct ui_state *S, int key);

/* After a refresh: the list again, if the processes view is open. */
void ui_procs_update(struct ui_state *S);

#endif
