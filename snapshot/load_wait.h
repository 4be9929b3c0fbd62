/*
 * load_wait.h - --load: a task's "waiting_on" read back (internal to snapshot/).
 */
#ifndef AIO_SNAPSHOT_LOAD_WAIT_H
#define AIO_SNAPSHOT_LOAD_WAIT_H

#include "json_scan.h"
#include "snapshot.h"

/*
 * The value of "waiting_on": null (*out NULL) or an object as view/wait.c
 * writes it, into s's arena.  Unknown keys are skipped; a fact absent is
 * unknown.  0, or -1 with the scanner's error.
 */
int jr_wait(struct jscan *sc, struct snap *s, const struct snap_wait **out);

#endif
