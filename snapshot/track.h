/*
 * track.h - the tracker's records (--track) as the views show them: who
 * created a task, and who created that one, up to a root; who cancelled it.
 *
 *   created by request-17 ← handler-3 ← Task-1
 *   cancelled by shutdown at app.py:88 ("bye")
 *
 * Target strings are escaped (common/escape.h): the text is printable UTF-8.
 */
#ifndef AIO_SNAPSHOT_TRACK_H
#define AIO_SNAPSHOT_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define TRACK_MAX_CHAIN 32      /* creators followed up a chain */

/* The ended records by address, to find a creator that has ended (track_index_build). */
struct track_index {
    uint64_t *addr;             /* sorted */
    size_t *ended;              /* index into snap.ended, by addr */
    size_t n;
};

void track_index_build(struct track_index *ix, const struct snap *s);
void track_index_free(struct track_index *ix);

/* Who a task id is: a task of the snapshot, an ended record, or only an id. */
struct track_who {
    enum { TRACK_WHO_NONE = 0, TRACK_WHO_TASK, TRACK_WHO_ENDED, TRACK_WHO_ID } kind;
    size_t index;               /* into snap.tasks or snap.ended */
    uint64_t addr;
};

/*
 * The task that created the task of record r (serials checked when both are
 * known: an address reused by a later task is not its creator).  kind NONE
 * when it was made outside any task.
 */
struct track_who track_creator(const struct snap *s, const struct track_index *ix,
                               const struct snap_track *r);

/* The record of who (its snap_track), NULL when none. */
const struct snap_track *track_who_record(const struct snap *s, const struct track_who *w);

/*
 * "request-17 ← handler-3 ← Task-1": the creators of r up to a root (or
 * TRACK_MAX_CHAIN of them, then "← …"); "" when r has no creator.
 */
size_t track_chain_text(const struct snap *s, const struct track_index *ix,
                        const struct snap_track *r, char *buf, size_t size);

/* "shutdown at app.py:88 (\"bye\")": who cancelled, where, the message; "" when none. */
size_t track_cancel_text(const struct snap *s, const struct track_index *ix,
                         const struct snap_cancel_by *k, char *buf, size_t size);

#endif
