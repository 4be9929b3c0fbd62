/*
 * layout.h - where things go on the screen: pane rectangles for a terminal
 * size, text cut to a number of terminal columns, and the function bar
 * (the task pane's columns are in columns.h).  Pure (no curses), unit-tested.
 */
#ifndef AIO_UI_LAYOUT_H
#define AIO_UI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

struct ui_rect {
    int y, x, h, w;             /* h or w 0: not shown */
};

/* Lines of the header above the panes. */
#define UI_HEADER_LINES 3

/* Smallest terminal the panes are drawn in; below it a notice is shown. */
#define UI_MIN_COLS 40
#define UI_MIN_LINES 10

/* At least this wide, the detail pane goes to the right of the tree. */
#define UI_SIDE_COLS 150
/*
 * The detail pane at the right is this wide at UI_SIDE_COLS, and gets one
 * column in UI_SIDE_DETAIL_SHARE of the terminal's columns beyond: the rest
 * goes to the tree, whose COROUTINE, WHERE and WAIT columns grow with it.
 */
#define UI_SIDE_DETAIL_MIN 60
#define UI_SIDE_DETAIL_SHARE 4

struct ui_layout {
    bool too_small;
    bool side;                  /* detail pane right of the tree (else below it) */
    struct ui_rect header;
    struct ui_rect colhdr;      /* the tree's column titles */
    struct ui_rect tree;        /* task rows (also the threads view, help: colhdr + tree
                                 * + dtitle + detail merged into `full`) */
    struct ui_rect dtitle;      /* the detail pane's title bar */
    struct ui_rect detail;
    struct ui_rect full;        /* everything between header and footer, for one-pane views */
    struct ui_rect footer;
};

/* The rectangles for a lines x cols terminal (any size, even 0 x 0). */
void ui_layout_compute(struct ui_layout *l, int lines, int cols);

/*
 * Text for a terminal cell range: decode UTF-8 s[0..len) (as produced by
 * escape_text_buf; invalid bytes become '?') into at most dstlen - 1 wide
 * characters spanning at most `cols` columns, NUL-terminated.  Characters
 * that are not printable with a positive width (controls, combining and
 * zero-width characters, unassigned code points) become '?'; on a non-UTF-8
 * terminal every non-ASCII character is '?' (wide ones "??").  When the text
 * does not fit, its last column is `ellipsis` (1 column).  Returns the
 * columns used.
 */
int ui_text_fit(wchar_t *dst, size_t dstlen, const char *s, size_t len, int cols, bool utf8,
                wchar_t ellipsis);

/* One function-bar entry: a key and what it does. */
struct ui_fkey {
    const char *key;            /* "F1", "q" */
    const char *label;          /* "Help" */
};

/*
 * How many of the first n entries fit in `width` columns when each is drawn
 * as key + label padded to `minlabel` columns (htop style), in order.
 */
size_t ui_funcbar_fit(const struct ui_fkey *keys, size_t n, int width, int minlabel);

#endif
