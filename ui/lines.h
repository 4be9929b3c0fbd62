/*
 * lines.h - text content of the detail pane, the threads view and the help
 * screen, as lines of coloured segments; and the source-line cache.
 *
 * Every byte that enters a line goes through escape_text_buf() (our own
 * text too), so what a pane draws is always valid UTF-8 without control
 * characters.  Pure apart from reading source files; unit-tested.
 */
#ifndef AIO_UI_LINES_H
#define AIO_UI_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"
#include "model.h"

/* What a segment looks like; term.c maps these to colour pairs or mono attributes. */
enum ui_color {
    UI_C_NORMAL = 0,
    UI_C_DIM,
    UI_C_BOLD,
    UI_C_HDR_LABEL,
    UI_C_HDR_VALUE,
    UI_C_COLHDR,                /* column titles and pane title bars */
    UI_C_SELECT,                /* the selected row */
    UI_C_RUNNING,
    UI_C_CANCEL,
    UI_C_DONE,
    UI_C_PENDING,
    UI_C_FILE,
    UI_C_SOURCE,
    UI_C_FUNC,
    UI_C_NATIVE,
    UI_C_GROUP,
    UI_C_LINK,
    UI_C_WARN,
    UI_C_FKEY,
    UI_C_FLABEL,
    UI_C_TREE,
    UI_C_MATCH,
    UI_C__COUNT
};

struct ui_seg {
    size_t off, len;            /* into ui_lines.text */
    enum ui_color color;
};

struct ui_line {
    size_t seg, nseg;           /* into ui_lines.segs */
    size_t task;                /* the task this line links to, or TREE_NONE */
};

struct ui_lines {
    char *text;                 /* owned; escaped UTF-8, segments point into it */
    size_t tlen, tcap;
    struct ui_seg *segs;        /* owned */
    size_t nsegs, scap;
    struct ui_line *lines;      /* owned */
    size_t nlines, lcap;
};

/* Forget every line (arrays are kept for reuse). */
void ui_lines_reset(struct ui_lines *L);
void ui_lines_free(struct ui_lines *L);

/* Start a new, empty line. */
void ui_lines_begin(struct ui_lines *L);

/* Append our own formatted text to the current line (escaped like everything else). */
void ui_lines_add(struct ui_lines *L, enum ui_color c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append len bytes (target or file text), escaped, at most cap input bytes (0: default). */
void ui_lines_add_bytes(struct ui_lines *L, enum ui_color c, const char *s, size_t len,
                        size_t cap);

/* Append a target string, escaped; `null_text` (ours) when it is null. */
void ui_lines_add_str(struct ui_lines *L, enum ui_color c, const struct snap_str *str,
                      const char *null_text);

/*
 * --locals (ui/locals.c): the arguments and locals of frame f, a line each,
 * when the snapshot has them (SNAP_F_LOCALS); nothing otherwise.
 */
void ui_locals_add(struct ui_lines *L, const struct snap *s, const struct snap_frame *f);

/* The plain text of line k (segments concatenated), NUL-terminated; returns its length. */
size_t ui_lines_text(const struct ui_lines *L, size_t k, char *buf, size_t size);

/* Blanks before the continuation of a wrapped line without a label column. */
#define UI_WRAP_INDENT 2
/* The most blanks a continuation starts with (ui_lines_wrap). */
#define UI_WRAP_INDENT_MAX 32

/*
 * dst: the lines of src broken at blanks so that each fits `cols` columns
 * (a word longer than a line stays whole, to be cut where drawn); the
 * continuation lines start under the text after the first segment when it
 * ends in a blank (the help screen's key column), else UI_WRAP_INDENT in.
 */
void ui_lines_wrap(struct ui_lines *dst, const struct ui_lines *src, int cols);

/* ------------------------------------------------------------ source lines */

#define UI_SRC_CACHE 32                 /* files kept */
#define UI_SRC_MAX_SIZE (16u << 20)     /* larger files are not read */

struct ui_srcfile {
    char *path;                 /* owned; NULL = slot unused */
    char *data;                 /* owned; NULL = unreadable */
    size_t size;
    size_t *line_off;           /* owned; start of each line, nlines + 1 entries */
    size_t nlines;
    unsigned long used;         /* clock of the last use (replacement) */
};

struct ui_srccache {
    struct ui_srcfile files[UI_SRC_CACHE];
    unsigned long clock;
    /* where this side opens an absolute target path (source_host_path); NULL: as named */
    int (*host_path)(void *arg, const char *path, char *out, size_t size);
    void *host_arg;
};

/*
 * Line `line` (1-based) of the file `path` as the target named it (absolute
 * names where c->host_path says, relative ones relative to our working directory), without its line
 * end, or NULL when the file is not a readable regular file, is too big,
 * or has no such line.  The text is the file's (hostile: escape it) and is
 * valid until the next call.  Only stat(2), open(2) and read(2): a FIFO or
 * device is never opened.
 */
const char *ui_src_line(struct ui_srccache *c, const char *path, size_t pathlen, int line,
                        size_t *len);
void ui_srccache_free(struct ui_srccache *c);

/* ------------------------------------------------------------ contents */

/* Links a key can follow from the detail pane. */
#define UI_MAX_LINKS 9

struct ui_links {
    size_t task[UI_MAX_LINKS];  /* digits 1..9 */
    size_t n;
    size_t first_awaited;       /* `a`; TREE_NONE if none */
    size_t first_waiter;        /* `b`; TREE_NONE if none */
};

struct ui_detail_in {
    const struct snap *s;
    const struct tree_forest *t;
    size_t task;                /* index into s->tasks */
    size_t count;               /* tasks folded into its row (>= 1) */
    const uint64_t *first_seen; /* per task, or NULL */
    const struct ui_act *act;   /* per task, or NULL: activity and history markers */
    uint64_t now_ns;            /* for ages */
    const struct ui_glyphs *g;
    struct ui_srccache *src;    /* NULL: no source lines */
};

/*
 * The detail pane of one task, the most useful lines first: name, state
 * and markers, where it is (its user frame), what it waits on, why it
 * ended, the tasks it awaits and that await it (numbered links), its
 * creator (--track), its tracebacks, its whole coroutine stack innermost
 * first with source lines; then its identity, activity, diagnostics.
 */
void ui_detail_build(struct ui_lines *L, struct ui_links *links, const struct ui_detail_in *in);

/* One frame of a pane: "#k function  file:line" with its source line. */
/* The source line file:line under a frame (indented, trimmed); nothing if unreadable. */
void ui_src_add(struct ui_lines *L, struct ui_srccache *src, const char *file, size_t filelen,
                int line, const char *indent);

void ui_frame_add(struct ui_lines *L, const struct snap_frame *f, size_t k,
                  struct ui_srccache *src);

/* Why task t ended (lines_end.c): its reason line; nothing for a task that has not. */
void ui_detail_reason_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t);

/*
 * The rest of why task t ended (lines_end.c): its exception's traceback
 * and cause chain or its cancellation's traceback, and its creation stack
 * (debug mode).  Nothing for a task without any.
 */
void ui_detail_end_add(struct ui_lines *L, const struct snap *s, const struct snap_task *t,
                       struct ui_srccache *src);

/*
 * The tracker's records of task t (lines_end.c, --track): the chain of the
 * tasks that created it (numbered links to those alive) and who cancelled
 * it, short, near the top; its creation stack, long, after the coroutine
 * stack (ui_detail_track_stack_add).  Nothing for a task without a record.
 */
void ui_detail_track_add(struct ui_lines *L, struct ui_links *links, const struct snap *s,
                         const struct snap_task *t);
void ui_detail_track_stack_add(struct ui_lines *L, const struct snap *s,
                               const struct snap_task *t, struct ui_srccache *src);

/*
 * The threads view: every thread with its CPU share since the previous
 * refresh (cpu_pct per thread, < 0 unknown; the array may be NULL) and its
 * stack (python and native frames), then diagnostics.
 */
void ui_threads_build(struct ui_lines *L, const struct snap *s, const double *cpu_pct,
                      struct ui_srccache *src);

/*
 * The rows of the terminated view: one line per task of h->ended, newest
 * first (the list is in the order the tasks ended), each line's .task its
 * index in h->ended: critical marker, how it ended, how long it lived, how
 * long ago it ended (now_ns), name, coroutine, innermost last-seen frame.
 */
void ui_ended_build(struct ui_lines *L, const struct history *h, uint64_t now_ns);

/*
 * The detail pane of terminated task h->ended[idx]: name, flags, lifetime,
 * activity, and its last-seen stack innermost first with source lines.
 */
void ui_ended_detail(struct ui_lines *L, const struct history *h, size_t idx, uint64_t now_ns,
                     struct ui_srccache *src);

/* The short word of how a terminated task ended: "done", "canc", or "gone" (seen pending). */
const char *ui_ended_how(enum snap_task_state st);

/* The short state word of a task column: "pend", "done", "canc". */
const char *ui_state_short(enum snap_task_state st);

/* The colour of a task state. */
enum ui_color ui_state_color(enum snap_task_state st);

#endif
