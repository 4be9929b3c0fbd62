/*
 * write.h - the text and JSON views of a snapshot.
 *
 * Writers only read the snapshot.  Every string that came from the target
 * (or from a loaded file) goes through common/escape.h.  The JSON schema is
 * documented in docs/snapshot-format.md.
 */
#ifndef AIO_VIEW_WRITE_H
#define AIO_VIEW_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/wfile.h"
#include "../snapshot/snapshot.h"

enum snap_format { SNAP_FMT_TEXT, SNAP_FMT_JSON };

/* A zeroed struct gives the defaults. */
struct write_opts {
    bool stacks;    /* text: print each task's whole coroutine stack */
    bool group;     /* text: fold identical leaf siblings of the await tree into one row */
};

/*
 * Write s to f in format fmt (o may be NULL).  Returns 0, or -AIO_E_IO with
 * err_set() when the stream reports an error (checked after a flush).
 */
int snap_write(FILE *f, const struct snap *s, enum snap_format fmt, const struct write_opts *o);

/*
 * path "-" = stdout; else atomic: temp file in the same dir created
 * O_EXCL|O_NOFOLLOW mode 0600, fsync, rename over path (a symlink planted at
 * path is replaced, never followed).  Returns 0 or -AIO_E_IO with err_set().
 */
int snap_write_path(const char *path, const struct snap *s, enum snap_format fmt,
                    const struct write_opts *o);

/* The two formats (no flush, no error check; snap_write does both). */
void snap_write_text(FILE *f, const struct snap *s, const struct write_opts *o);
void snap_write_json(FILE *f, const struct snap *s);

#endif
