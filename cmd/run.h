/*
 * run.h - `aiomon-attach --run`: run a command, and when it hangs (a
 * timeout, SIGUSR1) or one of its Python processes is about to die of a fatal
 * signal (--on-signal), leave a snapshot of every Python process of its tree.
 *
 * The command keeps our stdin/stdout/stderr, process group and terminal.
 * aiomon-attach becomes a child subreaper, so a process of the tree whose
 * parent died stays in the tree (it is adopted by us, not by init).
 */
#ifndef AIO_CMD_RUN_H
#define AIO_CMD_RUN_H

#include <stdbool.h>

#include "capture.h"
#include "pyframes/pyframes.h"

struct run_opts {
    char **argv;                /* CMD and its arguments, NULL-terminated; borrowed */
    double timeout;             /* seconds; 0 = none */
    bool on_signal;             /* snapshot Python processes of the tree on a fatal signal
                                 * (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL), before they die */
    bool keep_running;          /* at the timeout: snapshot but do not kill */
    const char *outdir;         /* where snapshots go; NULL = "."; created 0700 if missing */
    double grace;               /* SIGTERM -> SIGKILL grace period; 0 = 5 s */
    struct capture_opts capture;  /* how each snapshot reads (options_capture) */
};

/*
 * Run CMD to completion.  Returns the exit status aiomon-attach must exit
 * with: CMD's own status (128+signal if it was killed by a signal), or 2 if
 * CMD could not be started (after a one-line error on stderr).
 *
 * While it runs: SIGINT, SIGTERM and SIGHUP sent to aiomon-attach by a process
 * (kill) are forwarded to CMD; the ones the terminal sends to the whole
 * foreground process group are not, since CMD got them already.  SIGUSR1
 * snapshots every Python process of the tree and goes on.  At the timeout,
 * if CMD still runs: every Python process of the tree is snapshotted to
 * OUTDIR/aiomon-PID.json and OUTDIR/aiomon-PID.txt with a short summary on
 * stderr, then (unless keep_running) the tree gets SIGTERM, and SIGKILL
 * after the grace period.
 *
 * With on_signal the tree is traced (ptrace) from CMD's exec on; every
 * signal is delivered unchanged, and nothing stays traced or stopped when
 * this returns.  If tracing is not permitted, a warning is printed and CMD
 * runs untraced.  At the timeout the tree is detached before the snapshots,
 * so after a --keep-running timeout fatal signals are no longer caught.
 *
 * Installs handlers for SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGCHLD while it
 * runs, and restores the previous ones before returning, except where a
 * capture has installed the attach guard over them (the guard chains to
 * them; once CMD has ended, they do the default action).  Call it once.
 */
int run_command(const struct run_opts *o);

#endif
