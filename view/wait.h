/*
 * wait.h - what a pending task waits on, as the views show it (wait.c):
 * one line of text, the JSON "waiting_on" value, and the fold of tasks that
 * wait on one object.
 */
#ifndef AIO_VIEW_WAIT_H
#define AIO_VIEW_WAIT_H

#include <stddef.h>
#include <stdio.h>

#include "../common/escape.h"
#include "../snapshot/snapshot.h"

/*
 * The wait of task i as one line of safe text ("Lock 0x7f… (held, 200
 * waiting)", "sleep (3593 s left)"), NUL-terminated, cut to size.  Returns
 * its length; 0 (and "") when the task waits on nothing known.
 */
size_t view_wait_line(char *dst, size_t size, const struct snap *s, size_t i);

/* The JSON value of a task's "waiting_on": null or an object (docs/snapshot-format.md). */
void view_wait_json(escape_sink put, void *arg, const struct snap_wait *w);

/*
 * The objects two or more tasks wait on, most waited on first, one line each
 * ("200 tasks wait for Lock 0x7f… (held, 200 waiting)"), under a "Waits:"
 * heading; nothing when there is none.  At most max lines.
 */
void view_waits_fold_text(FILE *f, const struct snap *s, size_t max);

#endif
