/*
 * watch.h - --watch: sample a process repeatedly and report what happened
 * over time (terminated, stuck, cancelled-but-running tasks, floods).
 */
#ifndef AIO_WATCH_H
#define AIO_WATCH_H

#include "options.h"
#include "snapshot/snapshot.h"

/* Sample until --samples, SIGINT/SIGTERM or the process exits; returns the exit status. */
int watch_run(const struct options *o);

struct history;

/*
 * Print the history report and the last snapshot (text, or JSON with --json)
 * to -o or stdout; 0 or 2 when it could not be written.
 */
int watch_report(const struct options *o, const struct history *h, const struct snap *last);

#endif
