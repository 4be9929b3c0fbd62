/*
 * load_locals.h - --load of a frame's "locals" (--locals), for load.c.
 */
#ifndef AIO_SNAPSHOT_LOAD_LOCALS_H
#define AIO_SNAPSHOT_LOAD_LOCALS_H

#include <stddef.h>

#include "json_scan.h"
#include "snapshot.h"

#define MAX_LOAD_LOCALS ((size_t)1 << 22)     /* all frames together */

/*
 * A frame's "locals" array ([{"name", "kind", "type", "value"}]) into
 * s->locals[*first .. +*count].  Every entry needs a known "kind" and a
 * string "name"; "type" and "value" are strings or null.  0 or -1 (the
 * scanner's error is set).
 */
int load_locals(struct jscan *sc, struct snap *s, size_t *first, size_t *count);

#endif
