/*
 * run_report.h - the snapshot files and the stderr summary of --run.
 */
#ifndef AIO_CMD_RUN_REPORT_H
#define AIO_CMD_RUN_REPORT_H

#include "snapshot/snapshot.h"

/*
 * Write OUTDIR/aiomon-PID.json and .txt (aiomon-PID-N.* for the N-th
 * snapshot of the same process: a SIGUSR1 snapshot is never overwritten by
 * the timeout's), then the summary on stderr, which names what was written
 * and what could not be; why says what caused the snapshot ("timeout").
 */
void run_report_write(const char *outdir, const struct snap *s, const char *why);

/* "aiomon-attach: pid PID: WHAT: MESSAGE" on stderr, the message escaped. */
void run_report_note(int pid, const char *what, int rc);

#endif
