/*
 * pane.h - a pane of the live view (htop's Panel): rows of content, a
 * cursor, the first row shown, and its class (a draw function and a key
 * handler).  The screen manager (screen.c) owns the panes, lays them out,
 * hands them keys and draws them.
 *
 * Drawing never changes state: a class's draw takes const pointers to the
 * pane and to the view's state.  The cursor and the first row shown are
 * clamped by ui_pane_fit(), which the manager calls after every change and
 * before drawing.  A key handler changes only its pane and says what it did
 * with UI_R_* flags; whoever owns what follows the cursor reacts to them.
 */
#ifndef AIO_UI_PANE_H
#define AIO_UI_PANE_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"

/* What handling a key did: flags (htop's HandlerResult). */
#define UI_R_IGNORED 0x00u      /* not this handler's key: the next handler may take it */
#define UI_R_HANDLED 0x01u      /* taken */
#define UI_R_MOVED   0x02u      /* the cursor was set (maybe to the row it was on): what
                                 * follows the selection is updated */
#define UI_R_REFRESH 0x04u      /* take a snapshot now */
#define UI_R_REDRAW  0x08u      /* repaint the whole terminal (Ctrl-L) */
#define UI_R_BACK    0x10u      /* leave this view for the one it was opened from */
#define UI_R_QUIT    0x20u      /* leave the live view */

struct ui_pane;
struct ui_state;
struct ui_term;

struct ui_pane_class {
    const char *name;
    /* Draw the pane (its rect, and the title bar above it if it has one); reads only. */
    void (*draw)(const struct ui_pane *p, const struct ui_state *S, struct ui_term *T);
    /* A key the pane itself handles (UI_R_* flags), or NULL: none. */
    unsigned (*key)(struct ui_pane *p, int key, bool fn);
};

struct ui_pane {
    const struct ui_pane_class *cls;    /* borrowed; static */
    struct ui_rect rect;        /* where its rows go (no title bar); set by the layout */
    size_t nrows;               /* rows of content */
    size_t cur;                 /* the selected row (cursor panes) */
    size_t top;                 /* the first row shown */
    size_t moved_from;          /* the cursor before the last ui_pane_goto */
    bool cursor;                /* has a selection bar; else it only scrolls */
};

void ui_pane_init(struct ui_pane *p, const struct ui_pane_class *cls, bool cursor);

/*
 * Clamp the pane to its rows and height: a cursor pane's cursor to its rows
 * (0 when it has none) and its first row so that the cursor is shown,
 * moving it as little as possible (an empty pane keeps its first row); a
 * pane without cursor scrolls no further than its last row at the bottom.
 */
void ui_pane_fit(struct ui_pane *p);

/* Rows one page moves: the pane's height less one, at least 1. */
size_t ui_pane_page(const struct ui_pane *p);

/*
 * Put the cursor on row `row`, clamped to the rows, remembering where it
 * was in moved_from: UI_R_HANDLED | UI_R_MOVED (even when it stays on its
 * row: the owner then selects that row again).  An empty pane does not
 * move: UI_R_HANDLED alone.
 */
unsigned ui_pane_goto(struct ui_pane *p, long long row);

/* Scroll by `delta` rows (not above the first; the bottom is clamped by ui_pane_fit). */
unsigned ui_pane_scroll(struct ui_pane *p, long long delta);

/*
 * The moving keys of a cursor pane: Up k, Down j, PgUp, PgDn Space, Home,
 * End (KEY_* codes when fn).  UI_R_IGNORED for every other key, and for
 * every key of a pane without cursor.
 */
unsigned ui_pane_key(struct ui_pane *p, int key, bool fn);

/*
 * The keys of a pane that only scrolls (the help screen): Up and PgUp
 * scroll back (PgUp by 10 from the 10th row on, else by 1), Down and PgDn
 * scroll on (by 1 and 10); any other key, and Up or PgUp at the top, is
 * UI_R_BACK.
 */
unsigned ui_pane_key_scroll(struct ui_pane *p, int key, bool fn);

#endif
