/*
 * write.h - the views of a snapshot as files: one writer per output format,
 * behind one table.
 *
 * Writers only read the snapshot.  Every string that came from the target
 * (or from a loaded file) goes through common/escape.h.  The JSON schema is
 * documented in docs/snapshot-format.md.
 */
#ifndef AIO_VIEW_WRITE_H
#define AIO_VIEW_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../common/wfile.h"
#include "../snapshot/snapshot.h"

/*
 * The output formats, one row each: X(ENUM, name).  Row NAME is the writer
 * snap_write_NAME of view/NAME.c, spelled "NAME" by --format.  A new format
 * is one view/NAME.c and one row here (and a line in the man page): the
 * enum, the table, --format and --help all come from this list.
 */
#define VIEW_FORMATS(X) \
    X(TEXT, text) \
    X(JSON, json)

enum snap_format {
#define VIEW_X_ENUM(ENUM, name) SNAP_FMT_##ENUM,
    VIEW_FORMATS(VIEW_X_ENUM)
#undef VIEW_X_ENUM
    SNAP_FMT__COUNT
};

/* A zeroed struct gives the defaults. */
struct write_opts {
    bool stacks;    /* text: print each task's whole coroutine stack */
    bool group;     /* text: fold identical leaf siblings of the await tree into one row */
    bool where_innermost;   /* text: a task's WHERE is its innermost frame, not its user frame */
};

/*
 * A writer: s to f with options o (NULL: the defaults; a format may ignore
 * them).  No flush and no error check: snap_write does both.
 */
typedef void (*view_write_fn)(FILE *f, const struct snap *s, const struct write_opts *o);

#define VIEW_X_DECL(ENUM, name) \
    void snap_write_##name(FILE *f, const struct snap *s, const struct write_opts *o);
VIEW_FORMATS(VIEW_X_DECL)
#undef VIEW_X_DECL

struct view_writer {
    const char *name;           /* as --format spells it */
    view_write_fn write;
};

/* The row of fmt (a valid enum snap_format). */
const struct view_writer *view_writer(enum snap_format fmt);

/* The format named name ("text", "json"), or -1 when there is none. */
int view_format_find(const char *name);

/* The known names, ", "-separated, into buf (always NUL-terminated when size > 0). */
void view_format_names(char *buf, size_t size);

/*
 * Write s to f in format fmt through the table (o may be NULL: the
 * defaults).  Returns 0, or -AIO_E_IO with err_set() when the stream reports
 * an error (checked after a flush).
 */
int snap_write(FILE *f, const struct snap *s, enum snap_format fmt, const struct write_opts *o);

/*
 * path "-" = stdout; else through write_path_atomic (common/wfile.h):
 * atomic, 0600, a symlink planted at path replaced, never followed.
 * Returns 0 or -AIO_E_IO with err_set().
 */
int snap_write_path(const char *path, const struct snap *s, enum snap_format fmt,
                    const struct write_opts *o);

/*
 * The snapshots of several processes (--subprocesses): JSON as one array of
 * snapshot objects (even of one), text as one section per process, each
 * under a "======== process PID (I of N) ========" ruler.  As snap_write and
 * snap_write_path otherwise.
 */
int snap_write_list(FILE *f, const struct snap *const *v, size_t n, enum snap_format fmt,
                    const struct write_opts *o);
int snap_write_list_path(const char *path, const struct snap *const *v, size_t n,
                         enum snap_format fmt, const struct write_opts *o);

#endif
