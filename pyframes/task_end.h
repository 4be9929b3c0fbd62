/*
 * task_end.h - why a task ended (its exception or cancellation) and where it
 * was created (debug mode's _source_traceback), read from outside.
 */
#ifndef AIO_PYFRAMES_TASK_END_H
#define AIO_PYFRAMES_TASK_END_H

#include <stddef.h>

#include "pyint.h"

/*
 * Fill tasks[idx]'s exception (done with one), cancelled (cancelled) and
 * created_at (debug mode) from the task at addr.  Traceback frames are
 * appended to the snapshot's frames.  What cannot be read stays empty.
 */
void te_read(struct py_ctx *c, uint64_t addr, enum py_task_kind kind, size_t idx);

/*
 * An exception object (its type, message, traceback and __cause__ chain)
 * into the snapshot, NULL if unreadable; retrieved is set (not known).
 */
const struct snap_exc *te_exception_read(struct py_ctx *c, uint64_t exc);

/*
 * Split a type's tp_name into the class's name (after the last dot) and its
 * module (before it; "builtins" when there is no dot).  Pointers into
 * tp_name (or a static string).
 */
void exc_type_split(const char *tp_name, const char **qual, size_t *qual_len,
                    const char **module, size_t *module_len);

/*
 * The repr of a tuple from its items' reprs: "(a, b)".  Written to out (cap
 * bytes, at least 8), cut with "…" when it does not fit; returns its length.
 */
size_t exc_message_join(const struct snap_str *items, size_t n, char *out, size_t cap);

#endif
