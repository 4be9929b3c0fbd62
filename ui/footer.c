/*
 * footer.c - the footer: the prompt, a status message, or a function bar.
 */
#include "footer.h"

#include <stdio.h>
#include <string.h>

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
ui_funcbar_draw(const struct ui_state *S, struct ui_term *T, const struct ui_fkey *keys,
                size_t n)
{
    const struct ui_rect *r = &S->lay.footer;
    size_t shown = ui_funcbar_fit(keys, n, r->w, 6), i;
    int x = r->x, lw;
    char label[32];

    ui_term_fill(T, r->y, r->x, r->w, UI_C_FLABEL);
    for (i = 0; i < shown; i++) {
        x += ui_term_puts(T, r->y, x, r->w - x, UI_C_FKEY, keys[i].key);
        lw = (int)strlen(keys[i].label);
        snprintf(label, sizeof(label), "%-6s", keys[i].label);
        ui_term_puts(T, r->y, x, r->w - x, UI_C_FLABEL, label);
        x += lw < 6 ? 6 : lw;
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
    } else if (S->view == UI_VIEW_ENDED) {
        ui_funcbar_draw(S, T, ui_fbar_ended, sizeof(ui_fbar_ended) / sizeof(ui_fbar_ended[0]));
    } else {
        ui_funcbar_draw(S, T, ui_fbar_tasks, sizeof(ui_fbar_tasks) / sizeof(ui_fbar_tasks[0]));
    }
}
