/*
 * search.c - the prompt of / and f, and the search steps of n and N.
 */
#include "search.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

void
ui_prompt_open(struct ui_state *S, enum ui_prompt p, const char *init)
{
    S->prompt = p;
    snprintf(S->pbuf, sizeof(S->pbuf), "%s", init);
    S->plen = strlen(S->pbuf);
    S->p_origin = S->tasks.cur;
    snprintf(S->p_saved, sizeof(S->p_saved), "%s", S->filter);
}

void
ui_search_step(struct ui_state *S, int dir)
{
    size_t row, task;

    if (!S->search[0]) {
        ui_state_msg(S, "no search text: / searches names, coroutines, every frame and exceptions");
        return;
    }
    if (!S->snap) {
        ui_state_msg(S, "no snapshot yet");
        return;
    }
    row = ui_rows_search(&S->rows, S->snap, S->rows.nrows ? S->tasks.cur : TREE_NONE, dir,
                         S->search);
    if (row != TREE_NONE) {
        if (row == S->tasks.cur)
            ui_state_msg(S, "the only match of \"%s\"", S->search);
        ui_state_jump(S, row);
        return;
    }
    task = ui_forest_search_hidden(&S->rows, S->snap, S->forest, S->search);
    if (task == TREE_NONE) {
        ui_state_msg(S, "no task matches \"%s\"", S->search);
        return;
    }
    ui_state_goto_task(S, task);
}

/* The prompt text changed: search moves as you type, the filter applies as you type. */
static void
ui_prompt_changed(struct ui_state *S)
{
    size_t row;

    if (S->prompt == UI_PROMPT_FILTER) {
        snprintf(S->filter, sizeof(S->filter), "%s", S->pbuf);
        ui_state_rebuild(S);
        return;
    }
    if (!S->pbuf[0]) {
        ui_state_select(S, S->p_origin);
        return;
    }
    row = ui_rows_search(&S->rows, S->snap, S->p_origin ? S->p_origin - 1 : TREE_NONE, 1,
                         S->pbuf);
    if (row != TREE_NONE)
        ui_state_jump(S, row);
}

static void
ui_prompt_done(struct ui_state *S, bool accept)
{
    enum ui_prompt p = S->prompt;

    S->prompt = UI_PROMPT_NONE;
    if (p == UI_PROMPT_FILTER) {
        if (!accept)
            snprintf(S->filter, sizeof(S->filter), "%s", S->p_saved);
        ui_state_rebuild(S);
        if (accept)
            ui_state_msg(S, S->filter[0] ? "filter: %zu rows (f: change, Esc: clear)"
                         : "filter cleared", S->rows.nrows);
        return;
    }
    if (!accept) {
        ui_state_jump(S, S->p_origin);
        return;
    }
    snprintf(S->search, sizeof(S->search), "%s", S->pbuf);
    if (!S->search[0])
        return;
    if (S->rows.nrows &&
        tree_task_match(S->snap, S->rows.rows[S->tasks.cur].task, S->search, true))
        ui_state_msg(S, "n: next match, N: previous");
    else
        ui_search_step(S, 1);
}

/* Encode a code point as UTF-8 into the prompt buffer. */
static void
ui_prompt_put(struct ui_state *S, unsigned cp)
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

unsigned
ui_prompt_key(struct ui_state *S, int key, bool fn)
{
    if ((!fn && (key == '\r' || key == '\n')) || (fn && key == KEY_ENTER)) {
        ui_prompt_done(S, true);
        return UI_R_HANDLED;
    }
    if (!fn && key == 27) {
        ui_prompt_done(S, false);
        return UI_R_HANDLED;
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
        return UI_R_HANDLED;
    }
    ui_prompt_changed(S);
    return UI_R_HANDLED;
}
