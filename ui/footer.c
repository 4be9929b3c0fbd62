/*
 * footer.c - the footer: the prompt, a status message, or a function bar.
 */
#include "footer.h"

#include <stdio.h>
#include <string.h>

/*
 * A function-bar entry and its rank: when the bar does not fit, the entries
 * of the highest rank go first (the help lists every key); rank 0 stays.
 */
struct ui_fentry {
    struct ui_fkey k;
    int drop;
};

/* Columns between two entries, so that "F3Search" and "F4Filter" read apart. */
#define UI_FBAR_GAP 1

static const struct ui_fentry ui_fbar_tasks[] = {
    { { "F1", "Help" }, 0 }, { { "F3", "Search" }, 1 }, { { "F4", "Filter" }, 2 },
    { { "F5", "Refresh" }, 7 }, { { "F6", "Sort" }, 5 }, { { "Tab", "Threads" }, 3 },
    { { "e", "Ended" }, 4 }, { { "g", "Group" }, 5 }, { { "p", "Pause" }, 6 },
    { { "F10", "Quit" }, 0 }, { { "w", "Write" }, 7 },
};

static const struct ui_fentry ui_fbar_threads[] = {
    { { "F1", "Help" }, 0 }, { { "Tab", "Tasks" }, 1 }, { { "e", "Ended" }, 2 },
    { { "F5", "Refresh" }, 4 }, { { "p", "Pause" }, 3 }, { { "F10", "Quit" }, 0 },
    { { "w", "Write" }, 4 },
};

static const struct ui_fentry ui_fbar_ended[] = {
    { { "F1", "Help" }, 0 }, { { "e", "Tasks" }, 1 }, { { "Tab", "Threads" }, 2 },
    { { "J", "Scroll" }, 2 }, { { "F5", "Refresh" }, 4 }, { { "p", "Pause" }, 3 },
    { { "F10", "Quit" }, 0 },
};

static const struct ui_fentry ui_fbar_procs[] = {
    { { "F1", "Help" }, 0 }, { { "Enter", "Show" }, 0 }, { { "P", "Back" }, 1 },
    { { "<>", "Switch" }, 2 }, { { "F10", "Quit" }, 0 },
};

/* Most entries a function bar has (the shown[] flags of one drawing). */
#define UI_FBAR_MAX 16

static int
ui_fentry_width(const struct ui_fentry *e)
{
    return (int)(strlen(e->k.key) + strlen(e->k.label)) + UI_FBAR_GAP;
}

/* Which entries are shown in `width` columns: the highest ranks dropped first. */
static void
ui_fbar_choose(const struct ui_fentry *e, size_t n, int width, bool *shown)
{
    int total = 0, rank = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        shown[i] = true;
        total += ui_fentry_width(&e[i]);
        if (e[i].drop > rank)
            rank = e[i].drop;
    }
    for (; total > width && rank >= 0; rank--) {
        for (i = n; i-- > 0 && total > width;) {
            if (shown[i] && e[i].drop == rank) {
                shown[i] = false;
                total -= ui_fentry_width(&e[i]);
            }
        }
    }
}

static void
ui_funcbar_draw(const struct ui_state *S, struct ui_term *T, const struct ui_fentry *e,
                size_t n)
{
    const struct ui_rect *r = &S->lay.footer;
    bool shown[UI_FBAR_MAX];
    int x = r->x;
    size_t i;

    if (n > UI_FBAR_MAX)
        n = UI_FBAR_MAX;
    ui_fbar_choose(e, n, r->w, shown);
    ui_term_fill(T, r->y, r->x, r->w, UI_C_FLABEL);
    for (i = 0; i < n; i++) {
        if (!shown[i])
            continue;
        x += ui_term_puts(T, r->y, x, r->w - x, UI_C_FKEY, e[i].k.key);
        x += ui_term_puts(T, r->y, x, r->w - x, UI_C_FLABEL, e[i].k.label);
        x += UI_FBAR_GAP;
    }
}

void
ui_footer_draw(const struct ui_state *S, struct ui_term *T)
{
    const struct ui_rect *r = &S->lay.footer;
    int x;

    if (S->prompt != UI_PROMPT_NONE) {
        bool none = S->prompt == UI_PROMPT_SEARCH && S->pbuf[0] && S->snap &&
                    (S->rows.nrows == 0 ||
                     !tree_task_match(S->snap, S->rows.rows[S->tasks.cur].task, S->pbuf,
                                      true));

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
        ui_funcbar_draw(S, T, ui_fbar_threads,
                        sizeof(ui_fbar_threads) / sizeof(ui_fbar_threads[0]));
    } else if (S->view == UI_VIEW_PROCS) {
        ui_funcbar_draw(S, T, ui_fbar_procs, sizeof(ui_fbar_procs) / sizeof(ui_fbar_procs[0]));
    } else if (S->view == UI_VIEW_ENDED) {
        ui_funcbar_draw(S, T, ui_fbar_ended, sizeof(ui_fbar_ended) / sizeof(ui_fbar_ended[0]));
    } else {
        ui_funcbar_draw(S, T, ui_fbar_tasks, sizeof(ui_fbar_tasks) / sizeof(ui_fbar_tasks[0]));
    }
}
