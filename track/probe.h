/*
 * probe.h - is the tracker in a process, and is it on?  Read from memory
 * (sys.modules["_aiomon_tracker"].STATE) by pyframes' py_tracker_probe.
 * A read that fails looks like "not there": the caller asks again.
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

/* Look once (the target may run).  0 with *out filled, or a negative AIO_E_*. */
int track_probe(struct source *src, const struct py_runtime *rt, struct track_state *out);

#endif
