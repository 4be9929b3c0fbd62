/*
 * live.h - the live-process source: ptrace to stop, process_vm_readv to read.
 */
#ifndef AIO_ATTACH_LIVE_H
#define AIO_ATTACH_LIVE_H

#include <stdbool.h>

#include "source.h"

/*
 * Open pid as a source.  Checks that the process exists, is not ourselves and
 * is not traced by someone else, and reads its maps; does not stop it.
 * With nonblocking, stop/resume do nothing.  0 or a negative AIO_E_* code
 * with err_set() context (NOPROC, PERM, TRACED).
 */
int live_open(struct source *src, int pid, bool nonblocking);

/*
 * PRETRACED: the caller (the watchdog) holds every thread of src stopped
 * itself; src was opened nonblocking (its stop and resume do nothing), yet
 * walks treat it as stopped (SOURCE_STOPPED: page cache on).  Goes away when
 * the watchdog's tracer and this one become one.
 */
void live_hold(struct source *src);

/*
 * The exit status of process pid if a stop of ours reaped it (it exited while
 * being seized, and we are its parent: --run); true once, then forgotten.
 */
bool live_take_reaped(int pid, int *status);

#endif
