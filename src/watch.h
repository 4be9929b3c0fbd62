/*
 * watch.h - --watch: sample a process repeatedly and report what happened
 * over time (terminated, stuck, cancelled-but-running tasks, floods).
 */
#ifndef AIO_WATCH_H
#define AIO_WATCH_H

#include "options.h"

/* Sample until --samples, SIGINT/SIGTERM or the process exits; returns the exit status. */
int watch_run(const struct options *o);

#endif
