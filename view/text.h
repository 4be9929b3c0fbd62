/*
 * text.h - what the text view says about a task, for the other views of
 * view/ that must say the same (metrics.c).  Internal to view/.
 */
#ifndef AIO_VIEW_TEXT_H
#define AIO_VIEW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../snapshot/snapshot.h"

/*
 * Task `task`'s WHERE to f: its user frame with the awaited primitive,
 * "handle_request app.py:39 → Lock.acquire", or the innermost "file:line"
 * when it has none or innermost is asked; "-" without frames.  summary: as
 * the summary's groups show it (the primitive always named).  Target
 * strings escaped (common/escape.h).
 */
void text_task_where(FILE *f, const struct snap *s, size_t task, bool innermost, bool summary);

#endif
