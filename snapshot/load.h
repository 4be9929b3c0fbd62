/*
 * load.h - --load: snapshots written by the JSON view, read back into the model.
 */
#ifndef AIO_SNAPSHOT_LOAD_H
#define AIO_SNAPSHOT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

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
