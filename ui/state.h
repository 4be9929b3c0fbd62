/*
 * state.h - what the live view shows and remembers (internal to ui/): the
 * snapshot and what is derived from it, the history, the panes' cursors,
 * sort, filter, search, the prompt, the refresh timer, the status message.
 * state.c changes it; the screen manager (screen.c) takes the snapshots and
 * runs the loop; keys.c and search.c turn keys into changes; panes.c and
 * footer.c draw it, reading only.
 */
#ifndef AIO_UI_STATE_H
#define AIO_UI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"
#include "groups.h"
#include "layout.h"
#include "lines.h"
#include "model.h"
#include "pane.h"
#include "rows.h"
#include "ui.h"

#define UI_TEXT_MAX 128                 /* search, filter and prompt text */
#define UI_MSG_MS 6000                  /* a status message stays this long */
#define UI_INTERVAL_MIN 0.2
#define UI_INTERVAL_MAX 600.0

enum ui_view {
    UI_VIEW_TASKS = 0,
    UI_VIEW_THREADS,
    UI_VIEW_ENDED,              /* the terminated tasks of the history */
    UI_VIEW_GROUPS,             /* the supervisors: tasks awaiting several, TaskGroups */
    UI_VIEW_PROCS,              /* the processes of the tree (--subprocesses) */
    UI_VIEW_HELP,
    UI_VIEW__COUNT
};

enum ui_prompt {
    UI_PROMPT_NONE = 0,
    UI_PROMPT_SEARCH,
    UI_PROMPT_FILTER,
};

struct ui_state {
    const struct ui_opts *opts;     /* borrowed */
    const struct ui_glyphs *g;      /* borrowed; static */
    struct ui_layout lay;           /* of the last ui_state_update */

    /* the snapshot shown and what is derived from it */
    struct snap *snap;              /* owned; NULL until a snapshot was taken */
    struct tree_forest *forest;     /* owned */
    struct ui_rows rows;
    struct ui_ages ages;
    struct ui_addrset collapsed;    /* by task address */
    unsigned char *collapsed_flags; /* owned; per task, for tree_view */
    size_t cap_flags;
    size_t by_state[3], nrunning, ncancelling, nstuck, nswallow;
    uint64_t now_ns;                /* time of the snapshot shown */

    /* the history of the refreshes (or the one replayed from a record) */
    struct history hist;            /* owned; every snapshot installed is folded in */
    const struct history *h;        /* &hist, or opts->replayed */
    struct ui_act *act;             /* owned; per task of snap, from h */
    size_t cap_act;
    struct ui_cpu cpu;              /* per-thread CPU share between refreshes */

    /* the panes: rows are rows.rows, detail, threads, ended, ended_detail, groups, help */
    struct ui_pane tasks, detail, threads, ended, ended_detail, groups, groups_detail, help;
    struct ui_pane procs;

    /* the task pane */
    struct ui_sel sel;
    enum ui_sort sort;
    bool group;
    char filter[UI_TEXT_MAX];
    char search[UI_TEXT_MAX];

    /* the detail pane */
    struct ui_lines detail_lines;
    struct ui_links links;
    bool detail_stale;              /* rebuild before drawing */

    /* the threads view and the help screen */
    struct ui_lines thread_lines;
    struct ui_lines help_lines;         /* help_src wrapped to the help pane's width */
    struct ui_lines help_src;           /* the help screen, a line per key */
    int help_cols;                      /* the width help_lines are wrapped to */

    /* the terminated view: rows (newest first) and the selected one's detail */
    struct ui_lines ended_lines;
    struct ui_lines ended_detail_lines;
    bool en_valid;                  /* en_id, en_coro, en_first: the selected task */
    uint64_t en_id, en_coro, en_first;

    /* the supervisors view: one row each, the selected one's children below */
    struct ui_groups grp;
    struct ui_lines groups_lines;
    struct ui_lines groups_detail_lines;
    uint64_t grp_addr;              /* the selected supervisor's task address, 0 none */

    /* the processes view: the caller's list (procs.c) */
    struct ui_proc *procs_v;        /* owned; UI_PROCS_MAX, allocated when first shown */
    size_t nprocs;
    struct ui_lines procs_lines;

    struct ui_srccache src;
    enum ui_view view, back_view;

    /* the prompt of / and f (in the footer) */
    enum ui_prompt prompt;
    char pbuf[UI_TEXT_MAX];
    size_t plen;
    size_t p_origin;                /* row selected when the prompt opened */
    char p_saved[UI_TEXT_MAX];      /* filter before the prompt, restored by Esc */

    /* refreshing */
    double interval;
    bool paused;
    bool gone;                      /* the target exited: no more automatic refreshes */
    int last_err;                   /* 0, or the AIO_E_* code of the failed refresh */
    char err_text[256];             /* its message */
    uint64_t next_ms;               /* monotonic time of the next refresh */
    bool refreshing;

    char msg[256];                  /* status message, in the footer */
    uint64_t msg_until_ms;
};

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t ui_now_ms(void);

/*
 * Set S up for options o (borrowed, not NULL) with glyphs g: interval,
 * history and --critical patterns.  Panes get no class; the source-line
 * cache's host_path is the caller's to set.
 */
void ui_state_init(struct ui_state *S, const struct ui_opts *o, const struct ui_glyphs *g);
void ui_state_free(struct ui_state *S);

/*
 * Another process is shown from the next snapshot on (--subprocesses): drop
 * the snapshot, history, ages, CPU shares, collapsed tasks and cursors (the
 * sort, filter and search stay, as the user set them).
 */
void ui_state_restart(struct ui_state *S);

/* Show a status message in the footer for a few seconds. */
void ui_state_msg(struct ui_state *S, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Install a new snapshot (owned by S from now on): derived data, history, counts, selection. */
void ui_state_install(struct ui_state *S, struct snap *ns);

/* A refresh failed with err (< 0): keep the snapshot shown and say why. */
void ui_state_failed(struct ui_state *S, int err);

/* Rebuild the rows (collapse, filter, group or sort changed) keeping the selection. */
void ui_state_rebuild(struct ui_state *S);

/* Select row `row` of the task pane (clamped) and remember its task. */
void ui_state_select(struct ui_state *S, size_t row);

/* Select row `row` and scroll it into view a third down the pane if it was not shown. */
void ui_state_jump(struct ui_state *S, size_t row);

/* Select task `task`, expanding its collapsed ancestors so that it has a row. */
void ui_state_goto_task(struct ui_state *S, size_t task);

/* The task of the selected row, or TREE_NONE. */
size_t ui_state_cur_task(const struct ui_state *S);

/* Rebuild the detail pane's lines and links if the selection or snapshot changed. */
void ui_state_detail(struct ui_state *S);

/* Select row `row` (clamped) of the terminated view and show its detail. */
void ui_state_ended_select(struct ui_state *S, size_t row);

/* Select row `row` (clamped) of the supervisors view and show its children. */
void ui_state_groups_select(struct ui_state *S, size_t row);

/* The pane the moving keys go to in the current view. */
struct ui_pane *ui_state_focus(struct ui_state *S);

/* Pane p's cursor was set (UI_R_MOVED): select its row again, and what follows it. */
void ui_state_moved(struct ui_state *S, struct ui_pane *p);

/*
 * Before drawing: lay the panes out on a lines x cols terminal, give each
 * its rows, rebuild a stale detail pane, clamp every cursor and scroll.
 */
void ui_state_update(struct ui_state *S, int lines, int cols);

#endif
