/*
 * probe.c - the tracker's state, for waiting on an install or a removal:
 * pyframes' own reader of it (py_tracker_probe), into a snapshot of its own.
 */
#include "probe.h"

#include <string.h>

int
track_probe(struct source *src, const struct py_runtime *rt, struct track_state *out)
{
    struct snap *snap = snap_new(src->pid);
    const struct snap_tracker *tr = &snap->tracker;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = py_tracker_probe(src, rt, snap);
    if (rc == 0) {
        out->present = tr->present;
        out->enabled = tr->enabled;
        if (tr->error.s) {
            size_t n = tr->error.len < sizeof(out->error) - 1 ? tr->error.len :
                       sizeof(out->error) - 1;

            memcpy(out->error, tr->error.s, n);
            out->error[n] = '\0';
        }
    }
    snap_free(snap);
    return rc;
}
