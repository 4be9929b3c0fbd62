/*
 * columns.h - the task pane's columns, as one table (htop's field table):
 * each row names a column's title, width, alignment, sort key and draw
 * function.  Adding a column is one row in ui_columns[] (columns.c) and
 * its draw function; the layout, the titles and the rows follow the table.
 */
#ifndef AIO_UI_COLUMNS_H
#define AIO_UI_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"
#include "layout.h"
#include "lines.h"
#include "model.h"
#include "rows.h"
#include "term.h"

/* From this width of the task pane on, the UI_COLF_WIDE columns (RUN%, IDLE) are shown. */
#define UI_ACT_COLS_MIN 116

/* Most columns the table may have (struct ui_cols). */
#define UI_COLS_MAX 16

enum ui_align {
    UI_ALIGN_LEFT = 0,
    UI_ALIGN_RIGHT,
};

#define UI_COLF_WIDE 0x1u       /* shown only from UI_ACT_COLS_MIN columns on */
#define UI_COLF_REST 0x2u       /* gets what the other columns leave (the task column) */

/* What a row's cells are drawn from: the model shown, read only. */
struct ui_rowctx {
    const struct snap *s;
    const struct tree_forest *t;
    const struct ui_rows *rows;
    const struct ui_act *act;           /* per task, or NULL */
    const uint64_t *first_seen;         /* per task, or NULL (no ages) */
    uint64_t now_ns;                    /* time of the snapshot shown */
    const char *filter;                 /* the filter text, "" when none */
    bool where_innermost;               /* WHERE: the innermost frame, not the user frame */
};

/* One cell: where it goes and how. */
struct ui_cell {
    int y, x, w;
    enum ui_align align;
    enum ui_color over;         /* UI_C__COUNT, or the colour of every segment (selection) */
};

/* A flexible width: from `from` columns left after the fixed ones, pct% of them in [min, max]. */
struct ui_col_flex {
    int from, pct, min, max;
};

struct ui_column {
    const char *title;          /* "STAT" */
    int width;                  /* fixed width; 0: flexible (flex[], or UI_COLF_REST) */
    struct ui_col_flex flex[2]; /* the first that applies gives the width; none: hidden */
    enum ui_align align;        /* of the title and of a value drawn with ui_cell_text */
    enum ui_sort sort;          /* the sort key ordering its values; UI_SORT__COUNT: none */
    unsigned flags;             /* UI_COLF_* */
    /* Draw the value of row k of c->rows in the cell; reads only. */
    void (*draw)(struct ui_term *T, const struct ui_cell *cell, const struct ui_rowctx *c,
                 size_t k);
    const char *help;           /* what it shows, for the help screen (plain text) */
};

/*
 * The table, in screen order: the fixed columns first (UI_COLF_WIDE ones
 * after the others), then the UI_COLF_REST column, then the flexible ones.
 */
extern const struct ui_column ui_columns[];
extern const size_t ui_ncolumns;

/* Where each column of ui_columns[] goes. */
struct ui_cols {
    int x[UI_COLS_MAX];
    int w[UI_COLS_MAX];         /* 0: column hidden */
};

/*
 * Columns for a task pane `width` columns wide: the fixed ones first, each
 * followed by a blank, while they leave 10 columns (the wide ones only from
 * UI_ACT_COLS_MIN); the flexible ones from what is left; the rest column
 * gets the remainder.  Columns never overlap and end within width.
 */
void ui_cols_compute(struct ui_cols *c, int width);

/* The index of the column titled `title`, or -1. */
int ui_col_find(const char *title);

/* Our own text in a cell, aligned as the cell says; returns the columns used. */
int ui_cell_text(struct ui_term *T, const struct ui_cell *cell, enum ui_color c,
                 const char *text);

/* The column titles on line y from x, `width` columns (the colhdr bar). */
void ui_cols_draw_titles(struct ui_term *T, int y, int x, int width);

/* Row k of c->rows on line y from x, `width` columns; `selected`: the selection bar. */
void ui_cols_draw_row(struct ui_term *T, int y, int x, int width, const struct ui_rowctx *c,
                      size_t k, bool selected);

#endif
