/*
 * term.h - the terminal: curses set-up and teardown, colours or mono
 * attributes (NO_COLOR), UTF-8 or ASCII glyphs (locale), the async-signal-
 * safe terminal restore run by the signal guard, and the drawing primitives
 * every pane uses.  Everything drawn goes through ui_term_text(), which
 * only takes escaped text (see lines.h) and cuts it to a column budget.
 */
#ifndef AIO_UI_TERM_H
#define AIO_UI_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "lines.h"
#include "model.h"

struct ui_term {
    bool utf8;                  /* the locale's charset is UTF-8 */
    bool color;                 /* colours in use (terminal has them, NO_COLOR unset) */
    const struct ui_glyphs *g;
    int lines, cols;            /* screen size */
    unsigned long attr[UI_C__COUNT];    /* attr_t per ui_color */
    char *old_ctype;            /* owned; LC_CTYPE before ui_term_open */
    char *esc;                  /* owned; scratch for ui_term_raw */
    size_t esc_cap;
    bool open;
};

/*
 * Set LC_CTYPE from the environment, start curses on stdin/stdout, pick
 * colours and glyphs, register the terminal restore with crashhook_set().
 * Returns 0, or -AIO_E_IO with err_set() when there is no usable terminal.
 */
int ui_term_open(struct ui_term *T);

/* Leave curses, unregister the restore, give LC_CTYPE back.  Safe to call twice. */
void ui_term_close(struct ui_term *T);

/* Update lines/cols after a resize. */
void ui_term_size(struct ui_term *T);

/* Blank w cells at (y, x) in colour c. */
void ui_term_fill(struct ui_term *T, int y, int x, int w, enum ui_color c);

/*
 * Draw escaped UTF-8 text s[0..len) at (y, x) in at most w columns, in
 * colour c; returns the columns used.
 */
int ui_term_text(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s,
                 size_t len);

/* The same for a NUL-terminated string of our own (ASCII or our glyphs). */
int ui_term_puts(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s);

/*
 * Escape target bytes (any bytes) and draw them like ui_term_text; only
 * as much input as w columns can show is looked at.
 */
int ui_term_raw(struct ui_term *T, int y, int x, int w, enum ui_color c, const char *s,
                size_t len);

/*
 * Draw line k of L at (y, x), w columns, the rest blank.  With `over` not
 * UI_C__COUNT every segment is drawn in colour `over` (the selection bar).
 */
void ui_term_line(struct ui_term *T, int y, int x, int w, const struct ui_lines *L, size_t k,
                  enum ui_color over);

#endif
