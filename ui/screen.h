/*
 * screen.h - the live view's state and the functions its parts share
 * (internal to src/ui): screen.c runs the loop and owns the snapshot,
 * panes.c draws, keys.c maps keys to actions and draws the function bar.
 */
#ifndef AIO_UI_SCREEN_H
#define AIO_UI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"
#include "layout.h"
#include "lines.h"
#include "model.h"
#include "rows.h"
#include "term.h"
#include "ui.h"

#define UI_TEXT_MAX 128                 /* search, filter and prompt text */
#define UI_MSG_MS 6000                  /* a status message stays this long */
#define UI_INTERVAL_MIN 0.2
#define UI_INTERVAL_MAX 600.0

enum ui_view {
    UI_VIEW_TASKS = 0,
    UI_VIEW_THREADS,
    UI_VIEW_ENDED,              /* the terminated tasks of the history */
    UI_VIEW_HELP,
};

enum ui_prompt {
    UI_PROMPT_NONE = 0,
    UI_PROMPT_SEARCH,
    UI_PROMPT_FILTER,
};

struct ui_screen {
    const struct ui_opts *opts;     /* borrowed */
    ui_snap_fn take;
    void *take_arg;
    struct ui_term term;
    struct ui_layout lay;

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

    /* the task pane */
    struct ui_sel sel;
    size_t cur, top;                /* selected row, first row shown */
    enum ui_sort sort;
    bool group;
    char filter[UI_TEXT_MAX];
    char search[UI_TEXT_MAX];

    /* the detail pane */
    struct ui_lines detail;
    struct ui_links links;
    size_t detail_top;
    bool detail_stale;              /* rebuild before drawing */

    /* the threads view and the help screen */
    struct ui_lines threads;
    size_t th_cur, th_top;
    struct ui_lines help;
    size_t help_top;

    /* the terminated view: rows (newest first) and the selected one's detail */
    struct ui_lines ended;
    struct ui_lines ended_detail;
    size_t en_cur, en_top, en_detail_top;
    bool en_valid;                  /* en_id, en_coro, en_first: the selected task */
    uint64_t en_id, en_coro, en_first;
    struct ui_lines header;

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
    bool quit;
};

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t ui_now_ms(void);

/* Show a status message in the footer for a few seconds. */
void ui_screen_msg(struct ui_screen *S, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Take a snapshot now and show it (on failure keep the last one and say why). */
void ui_screen_refresh(struct ui_screen *S);

/* Rebuild the rows (collapse, filter, group or sort changed) keeping the selection. */
void ui_screen_rebuild(struct ui_screen *S);

/* Select row `row` (clamped) and remember its task. */
void ui_screen_select(struct ui_screen *S, size_t row);

/* Select row `row` and scroll it into view a third down the pane if it was not shown. */
void ui_screen_jump(struct ui_screen *S, size_t row);

/* Select task `task`, expanding its collapsed ancestors so that it has a row. */
void ui_screen_goto_task(struct ui_screen *S, size_t task);

/* The task of the selected row, or TREE_NONE. */
size_t ui_screen_cur_task(const struct ui_screen *S);

/* Rebuild the detail pane's lines and links if the selection or snapshot changed. */
void ui_screen_detail(struct ui_screen *S);

/* Select row `row` (clamped) of the terminated view and show its detail. */
void ui_screen_ended_select(struct ui_screen *S, size_t row);

/* Draw everything and update the terminal. */
void ui_screen_draw(struct ui_screen *S);

/* panes.c */
void ui_pane_header(struct ui_screen *S);
void ui_pane_tasks(struct ui_screen *S);
void ui_pane_detail(struct ui_screen *S);
void ui_pane_threads(struct ui_screen *S);
void ui_pane_ended(struct ui_screen *S);
void ui_pane_help(struct ui_screen *S);

/* keys.c */
/* Handle one key (a character, or a KEY_* code when fn is true). */
void ui_keys_handle(struct ui_screen *S, int key, bool fn);
/* The help screen's lines: every key of the key table. */
void ui_keys_help(struct ui_lines *L);
/* The footer: the prompt, a status message, or the function bar. */
void ui_keys_footer(struct ui_screen *S);

#endif
