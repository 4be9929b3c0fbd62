/*
 * record.h - a run recorded as JSON Lines: one compact snapshot per line,
 * written each time the snapshot changed (--watch --record FILE), replayed
 * with --load FILE.
 */
#ifndef AIO_SNAPSHOT_RECORD_H
#define AIO_SNAPSHOT_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

/* Fingerprint of what a snapshot shows (tasks, states, stacks, threads' stacks). */
uint64_t record_fingerprint(const struct snap *s);

/* Append s as one line of compact JSON to f; 0 or -AIO_E_IO. */
int record_append(FILE *f, const struct snap *s);

#endif
