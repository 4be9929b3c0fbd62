/*
 * pane.c - the generic pane: clamping, moving, scrolling.  No drawing and
 * no knowledge of what the rows are.
 */
#include "pane.h"

#include <curses.h>
#include <string.h>

#include "model.h"

void
ui_pane_init(struct ui_pane *p, const struct ui_pane_class *cls, bool cursor)
{
    memset(p, 0, sizeof(*p));
    p->cls = cls;
    p->cursor = cursor;
}

void
ui_pane_fit(struct ui_pane *p)
{
    size_t h = p->rect.h > 0 ? (size_t)p->rect.h : 0, maxtop;

    if (!p->cursor) {
        maxtop = p->nrows > h ? p->nrows - h : 0;
        if (p->top > maxtop)
            p->top = maxtop;
        return;
    }
    if (p->nrows == 0) {
        p->cur = 0;
        return;
    }
    if (p->cur >= p->nrows)
        p->cur = p->nrows - 1;
    p->top = ui_scroll_fit(p->top, p->cur, p->nrows, h);
}

size_t
ui_pane_page(const struct ui_pane *p)
{
    return p->rect.h > 2 ? (size_t)p->rect.h - 1 : 1;
}

unsigned
ui_pane_goto(struct ui_pane *p, long long row)
{
    if (p->nrows == 0)
        return UI_R_HANDLED;
    if (row < 0)
        row = 0;
    if ((unsigned long long)row >= p->nrows)
        row = (long long)p->nrows - 1;
    p->moved_from = p->cur;
    p->cur = (size_t)row;
    return UI_R_HANDLED | UI_R_MOVED;
}

unsigned
ui_pane_scroll(struct ui_pane *p, long long delta)
{
    if (delta < 0 && p->top < (unsigned long long)-delta)
        p->top = 0;
    else
        p->top += (size_t)delta;
    return UI_R_HANDLED;
}

unsigned
ui_pane_key(struct ui_pane *p, int key, bool fn)
{
    long long cur = (long long)p->cur, page = (long long)ui_pane_page(p);

    if (!p->cursor)
        return UI_R_IGNORED;
    if (fn) {
        switch (key) {
        case KEY_UP: return ui_pane_goto(p, cur - 1);
        case KEY_DOWN: return ui_pane_goto(p, cur + 1);
        case KEY_PPAGE: return ui_pane_goto(p, cur - page);
        case KEY_NPAGE: return ui_pane_goto(p, cur + page);
        case KEY_HOME: return ui_pane_goto(p, 0);
        case KEY_END: return ui_pane_goto(p, (long long)p->nrows);
        default: return UI_R_IGNORED;
        }
    }
    switch (key) {
    case 'k': return ui_pane_goto(p, cur - 1);
    case 'j': return ui_pane_goto(p, cur + 1);
    case ' ': return ui_pane_goto(p, cur + page);
    default: return UI_R_IGNORED;
    }
}

unsigned
ui_pane_key_scroll(struct ui_pane *p, int key, bool fn)
{
    /* at the top, Up and PgUp close the pane like any other key */
    if (fn && (key == KEY_UP || key == KEY_PPAGE) && p->top > 0) {
        p->top -= key == KEY_UP || p->top < 10 ? 1 : 10;
        return UI_R_HANDLED;
    }
    if (fn && (key == KEY_DOWN || key == KEY_NPAGE))
        return ui_pane_scroll(p, key == KEY_DOWN ? 1 : 10);
    return UI_R_HANDLED | UI_R_BACK;
}
