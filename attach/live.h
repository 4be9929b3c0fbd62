/*
 * live.h - the live-process source: the tracer (tracer.h) to stop,
 * process_vm_readv to read.
 */
#ifndef AIO_ATTACH_LIVE_H
#define AIO_ATTACH_LIVE_H

#include <stdbool.h>

#include "source.h"

/*
 * Open pid as a source.  Checks that the process exists, is not ourselves and
 * is not traced by someone else, and reads its maps; does not stop it.
 * With nonblocking, stop/resume do nothing.  A process whose threads a tree
 * tracer of ours holds (tracer_holder: --run --on-signal) is read as held:
 * stop/resume leave its threads to that tracer.  0 or a negative AIO_E_* code
 * with err_set() context (NOPROC, PERM, TRACED).
 */
int live_open(struct source *src, int pid, bool nonblocking);

#endif
