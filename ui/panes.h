/*
 * panes.h - what the live view draws (panes.c): the header and the pane
 * classes.  Every draw function reads only.
 */
#ifndef AIO_UI_PANES_H
#define AIO_UI_PANES_H

#include "pane.h"
#include "state.h"
#include "term.h"

/* The three header lines in S->lay.header. */
void ui_header_draw(const struct ui_state *S, struct ui_term *T);

extern const struct ui_pane_class ui_tasks_pane;        /* the task tree, with column titles */
extern const struct ui_pane_class ui_detail_pane;       /* the selected task */
extern const struct ui_pane_class ui_threads_pane;      /* every thread's stack */
extern const struct ui_pane_class ui_ended_pane;        /* the terminated tasks */
extern const struct ui_pane_class ui_ended_detail_pane; /* the selected one's last stack */
extern const struct ui_pane_class ui_groups_pane;       /* the supervisors */
extern const struct ui_pane_class ui_groups_detail_pane; /* the selected one's children */
extern const struct ui_pane_class ui_help_pane;         /* every key */
extern const struct ui_pane_class ui_procs_pane;        /* the processes (--subprocesses) */

#endif
