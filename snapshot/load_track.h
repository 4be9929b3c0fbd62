/*
 * load_track.h - --load: the tracker's records read back (internal to
 * snapshot/): a task's "created_by", "creation_stack", "cancelled_by",
 * "serial", "created_by_serial"; the top-level "terminated" and "tracker".
 */
#ifndef AIO_SNAPSHOT_LOAD_TRACK_H
#define AIO_SNAPSHOT_LOAD_TRACK_H

#include <stdbool.h>

#include "json_scan.h"
#include "snapshot.h"

/* What the loader lends: its scanner, the snapshot, and its frame and exception readers. */
struct load_track {
    struct jscan *sc;
    struct snap *s;
    int (*frames)(void *arg, size_t *first, size_t *count);
    int (*exc)(void *arg, const struct snap_exc **out);
    void *arg;
};

/* A task's record as it is read, key by key. */
struct load_track_acc {
    struct snap_track r;
    bool any;                   /* some key held a value: the task has a record */
};

/* Whether the key just scanned is one of a task's tracker keys. */
bool load_track_is_key(const struct jscan *sc);

/* The value of that key into acc.  0, or -1 with the scanner's error. */
int load_track_value(const struct load_track *lt, struct load_track_acc *acc);

/* The record acc holds (in the arena), NULL when the task had none. */
const struct snap_track *load_track_done(const struct load_track *lt,
                                         const struct load_track_acc *acc);

/* One element of "terminated" into snap.ended. */
int load_track_ended(const struct load_track *lt);

/* "tracker": null or its object into snap.tracker. */
int load_track_tracker(const struct load_track *lt);

#endif
