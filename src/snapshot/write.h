/*
 * write.h - the text and JSON views of a snapshot, and --load.
 *
 * Writers only read the snapshot.  Every string that came from the target
 * (or from a loaded file) goes through common/escape.h.  The JSON schema is
 * documented in docs/snapshot-format.md.
 */
#ifndef AIO_SNAPSHOT_WRITE_H
#define AIO_SNAPSHOT_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

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

/*
 * The same for any content: body writes it to f and returns 0 or a negative
 * AIO_E_* with err_set(); a write error of the stream (full disk) is caught
 * after it.  A device or FIFO at path is written in place; anything else is
 * replaced atomically (0600, never through a symlink or a hard link: a new
 * inode is renamed over the name), or left as it was with an error naming
 * path and errno.
 */
typedef int (*write_body_fn)(FILE *f, void *arg);
int write_path_atomic(const char *path, write_body_fn body, void *arg);

/* The two formats (no flush, no error check; snap_write does both). */
void snap_write_text(FILE *f, const struct snap *s, const struct write_opts *o);
void snap_write_json(FILE *f, const struct snap *s);

/* The AIO_E_* name of an error code without the prefix ("FAULT"), as in JSON diagnostics. */
const char *snap_code_name(int code);

/*
 * --load: parse a JSON file written by snap_write (treated as hostile:
 * bounded depth, sizes and counts; never crashes) back into a new snapshot
 * with SNAP_F_LOADED set.  Tasks must be listed by ascending unique id, as
 * the writer does.  Returns NULL and *err = -AIO_E_BADFILE (or -AIO_E_IO when
 * the file cannot be read) with an err_set() message on error.  The caller
 * frees the result with snap_free().
 */
struct snap *snap_read_json(const char *path, int *err);

/* The same from memory; name is used in error messages. */
struct snap *snap_read_json_mem(const char *buf, size_t len, const char *name, int *err);

/* What snap_read_json_each learnt of the file. */
struct snap_load_info {
    bool record;                /* a record of JSON Lines (--watch --record) */
    bool cut;                   /* its last line is cut (a --watch --record killed mid-write):
                                 * every complete line before it was read */
    size_t cut_line;            /* that line's number, 1-based */
};

/*
 * Every snapshot of a file, in order: one JSON snapshot, or a record of JSON
 * Lines (--watch --record).  fn takes ownership of each snapshot; a negative
 * return from fn stops.  Returns how many were read, or a negative AIO_E_*.
 * Only regular files (or "-", standard input) are read: a FIFO or device is
 * refused before it is opened for reading; a file that cannot be JSON (its
 * first byte) or is larger than the bound is refused before it is read.
 */
int snap_read_json_each(const char *path, int (*fn)(struct snap *s, void *arg), void *arg,
                        struct snap_load_info *info);

#endif
