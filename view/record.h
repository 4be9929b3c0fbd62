/*
 * record.h - a run recorded as JSON Lines: one compact snapshot per line,
 * written each time the snapshot changed (--watch --record FILE), replayed
 * with --load FILE.
 */
#ifndef AIO_SNAPSHOT_RECORD_H
#define AIO_SNAPSHOT_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "../snapshot/snapshot.h"

/* Fingerprint of what a snapshot shows (tasks, states, stacks, threads' stacks). */
uint64_t record_fingerprint(const struct snap *s);

/*
 * Append s as one line of compact JSON to fd (opened O_APPEND) named path: the
 * whole line or nothing (a failed write is truncated back); 0 or -AIO_E_IO
 * with err_set() naming path and errno.
 */
int record_append(int fd, const char *path, const struct snap *s);

#endif
