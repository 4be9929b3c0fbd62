/*
 * reason.h - why a task ended, in one line of display text (the text view's
 * tree line, the live view, --watch and the terminated view):
 *
 *   KeyError: 'tenant-7' at worker.py:41 (never retrieved)
 *   cancelled ("shutdown") at tasks.py:665
 *
 * Target strings are escaped (common/escape.h): the result is printable,
 * valid UTF-8.
 */
#ifndef AIO_SNAPSHOT_REASON_H
#define AIO_SNAPSHOT_REASON_H

#include <stddef.h>

#include "snapshot.h"

#define REASON_MAX_MESSAGE 200  /* message bytes shown in a reason line (then "…") */

/*
 * An exception's type as Python's traceback prints it: the qualname,
 * prefixed by its module unless that is builtins or __main__.
 */
size_t snap_exc_type_text(const struct snap_exc *e, char *buf, size_t size);

/*
 * The reason of tasks[i]: its exception or its cancellation, with where
 * (the innermost traceback frame's file base name and line).  "" when it
 * has none (pending, or done with a result).  Always NUL-terminated.
 */
size_t snap_task_reason(const struct snap *s, const struct snap_task *t, char *buf,
                        size_t size);

#endif
