/*
 * events.h - the history's events as text lines (--watch streams them).
 */
#ifndef AIO_VIEW_EVENTS_H
#define AIO_VIEW_EVENTS_H

#include <stddef.h>
#include <stdio.h>

#include "../snapshot/history.h"

/*
 * One line per event ("HH:MM:SS.mmm  task "x" ended (done): coro  where"),
 * in the order they came; the events of one sample that differ only by task
 * name fold into one line ("162 tasks ended (done): ..."), except a critical
 * task's.  dropped: events beyond the history's bound, said in one line.
 * Target strings escaped.
 */
void events_write_text(FILE *f, const struct hist_event *v, size_t n, size_t dropped);

#endif
