/*
 * probe.h - is the tracker in a process, and is it on?  Read from memory:
 * sys.modules["_aiomon_tracker"].STATE["enabled"] and STATE["error"].
 *
 * Interim: pyframes/tracker.h's py_tracker_probe (the reader of everything
 * the tracker records) will answer the same question; this file goes when
 * it lands, and track_probe becomes a call of it.
 */
#ifndef AIO_TRACK_PROBE_H
#define AIO_TRACK_PROBE_H

#include <stdbool.h>

#include "attach/source.h"
#include "pyframes/pyframes.h"

struct track_state {
    bool present;               /* the module is in sys.modules */
    bool enabled;               /* STATE["enabled"] is True */
    char error[256];            /* STATE["error"] as UTF-8 (raw target text: escape it), "" */
};

/*
 * Look once (the target may run: a torn read is an error, to try again).
 * 0 with *out filled, or a negative AIO_E_*.
 */
int track_probe(struct source *src, const struct py_runtime *rt, struct track_state *out);

#endif
