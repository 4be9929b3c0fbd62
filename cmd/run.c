/*
 * run.c - `aiomon-attach --run`: run a command and snapshot the Python
 * processes of its tree when it hangs (timeout, SIGUSR1) or, with
 * --on-signal, when one of them is about to die of a fatal signal.
 *
 * One event loop for both modes: a self-pipe woken by SIGCHLD, SIGUSR1 and
 * the forwarded signals, the tracer's reaping of every child report, and the
 * deadline of the timeout.  The ptrace work (following the tree from CMD's
 * exec on, holding a process across its snapshot, detaching) is the
 * tracer's (attach/tracer.h); the tree is attach/proc.c's.  What is left
 * here is the mode: the command, its signals, timeouts, file names and the
 * summary.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach/proc.h"
#include "attach/tracer.h"
#include "capture.h"
#include "common/err.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "run_report.h"
#include "snapshot/snapshot.h"

/* How long to wait for tracees to stop before a snapshot or a detach. */
#define RUN_HOLD_MS 2000
#define RUN_DETACH_MS 5000
/* SIGKILL rounds after the grace period (new processes may still appear). */
#define RUN_MAX_KILL_ROUNDS 100
#define RUN_DEFAULT_GRACE 5.0
/* Longest timeout or grace period honoured (about 31 years). */
#define RUN_MAX_SECONDS 1e9

#define NS_PER_MS 1000000LL
#define NS_PER_SEC 1000000000LL

/*
 * State shared with the signal handlers: the only globals here, as in
 * attach/guard.c.  run_cmd_pid > 0 while CMD runs (the forwarding target);
 * run_wake_fd is the write end of the self-pipe.
 */
static volatile sig_atomic_t run_cmd_pid;
static volatile sig_atomic_t run_usr1;
static volatile sig_atomic_t run_wake_fd = -1;

static const int run_forwarded[] = { SIGINT, SIGTERM, SIGHUP };
#define RUN_NFORWARDED (sizeof(run_forwarded) / sizeof(run_forwarded[0]))
/* the handled signals: the forwarded ones, then SIGUSR1 and SIGCHLD */
#define RUN_NHANDLED (RUN_NFORWARDED + 2)

struct run {
    const struct run_opts *o;
    const char *outdir;
    double grace;
    pid_t self;
    pid_t child;                /* CMD */
    bool exited;                /* CMD's status is in status */
    int status;
    int errfd;                  /* exec error pipe (CLOEXEC), -1 once closed */
    int start_errno;            /* CMD could not be started */
    int wake[2];                /* self-pipe */
    int64_t deadline;           /* CLOCK_MONOTONIC ns; 0 = none */
    bool timed_out;

    pid_t *preexisting;         /* our children before CMD: not part of the tree */
    size_t npreexisting;

    struct tracer *tracer;      /* owned: reaps every child; traces the tree with --on-signal */
    bool tracing;               /* --on-signal: the tree is traced */
    pid_t *fatal_done;          /* processes snapshotted for a fatal signal already */
    size_t nfatal, cap_fatal;

    struct sigaction old_sa[RUN_NHANDLED];
    sigset_t old_mask;
    int old_subreaper;
};

static int64_t
run_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ---------------------------------------------------------------- signals */

static void
run_wake_up(void)
{
    int fd = run_wake_fd;

    if (fd >= 0) {
        ssize_t r = write(fd, "", 1);   /* full pipe: a wake-up is pending anyway */

        (void)r;
    }
}

static void
run_on_forwarded(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    pid_t pid = run_cmd_pid;

    (void)uc;
    if (pid <= 0) {
        /* CMD is not running (any more): what would have happened without us */
        signal(sig, SIG_DFL);
        raise(sig);
        errno = saved;
        return;
    }
    /*
     * Forward what a process sent us (kill: SI_USER, sigqueue, tgkill: all
     * <= 0).  A signal from the kernel (SI_KERNEL: the terminal's ^C, ^\,
     * hangup) went to the whole foreground process group, CMD included, and
     * must not reach it twice.
     */
    if (!si || si->si_code <= 0)
        kill(pid, sig);
    run_wake_up();
    errno = saved;
}

static void
run_on_usr1(int sig)
{
    int saved = errno;

    (void)sig;
    run_usr1 = 1;
    run_wake_up();
    errno = saved;
}

static void
run_on_chld(int sig)
{
    int saved = errno;

    (void)sig;
    run_wake_up();
    errno = saved;
}

static int
run_handled_sig(size_t i)
{
    if (i < RUN_NFORWARDED)
        return run_forwarded[i];
    return i == RUN_NFORWARDED ? SIGUSR1 : SIGCHLD;
}

static void
run_signals_install(struct run *w)
{
    struct sigaction sa;
    size_t i;

    for (i = 0; i < RUN_NHANDLED; i++) {
        int sig = run_handled_sig(i);

        memset(&sa, 0, sizeof(sa));
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (i < RUN_NFORWARDED) {
            sa.sa_flags |= SA_SIGINFO;
            sa.sa_sigaction = run_on_forwarded;
        } else {
            sa.sa_handler = sig == SIGUSR1 ? run_on_usr1 : run_on_chld;
        }
        sigaction(sig, &sa, &w->old_sa[i]);
    }
}

/*
 * Put back what was there before us, except where the attach guard has since
 * installed itself over our handler: the guard chains to it, and with no CMD
 * running our handler does the default action.
 */
static void
run_signals_restore(struct run *w)
{
    struct sigaction cur;
    size_t i;

    for (i = 0; i < RUN_NHANDLED; i++) {
        int sig = run_handled_sig(i);

        if (sigaction(sig, NULL, &cur) < 0)
            continue;
        if (cur.sa_sigaction == run_on_forwarded || cur.sa_handler == run_on_usr1 ||
            cur.sa_handler == run_on_chld)
            sigaction(sig, &w->old_sa[i], NULL);
    }
}

/*
 * The exec error pipe: the child's errno when execvp failed, else end of file
 * (it is close-on-exec).  Only called when it is readable or the child is gone.
 */
static void
run_read_errfd(struct run *w)
{
    int e = 0;
    ssize_t r;

    do {
        r = read(w->errfd, &e, sizeof(e));
    } while (r < 0 && errno == EINTR);
    if (r == (ssize_t)sizeof(e))
        w->start_errno = e;
    close(w->errfd);
    w->errfd = -1;
}

/* Sleep until a handler wakes us, the exec error pipe speaks, or ns pass (ns < 0: no limit). */
static void
run_wait(struct run *w, int64_t ns)
{
    struct pollfd pf[2];
    struct timespec ts;
    nfds_t n = 1;
    char buf[64];

    pf[0].fd = w->wake[0];
    pf[0].events = POLLIN;
    if (w->errfd >= 0) {
        pf[1].fd = w->errfd;
        pf[1].events = POLLIN;
        n = 2;
    }
    if (ns < 0)
        ns = -1;
    ts.tv_sec = ns / NS_PER_SEC;
    ts.tv_nsec = ns % NS_PER_SEC;
    if (ppoll(pf, n, ns < 0 ? NULL : &ts, NULL) <= 0)
        return;                 /* timeout, or EINTR: the caller looks again */
    while (read(w->wake[0], buf, sizeof(buf)) > 0)
        ;
    if (n == 2 && pf[1].revents)
        run_read_errfd(w);
}

/* ---------------------------------------------------------------- the tree */

/*
 * The processes of the tree: our descendants (CMD, its descendants, and the
 * orphans we adopted as subreaper), without the children we had before CMD
 * and their descendants, and without zombies; parents before their children.
 * *out (when out is not NULL) is malloc'd; returns the count.
 */
static size_t
run_tree(const struct run *w, pid_t **out)
{
    return proc_descendants(w->self, w->preexisting, w->npreexisting, out);
}

static void
run_record_exit(void *arg, int pid, int status)
{
    struct run *w = arg;

    if (pid == w->child && !w->exited) {
        w->exited = true;
        w->status = status;
        run_cmd_pid = 0;
    }
}

/* A process ran exec: a fatal signal of its new program gets a snapshot of its own. */
static void
run_forget_fatal(void *arg, int pid)
{
    struct run *w = arg;
    size_t i;

    for (i = 0; i < w->nfatal; i++) {
        if (w->fatal_done[i] == pid)
            w->fatal_done[i] = 0;
    }
}

static void
run_idle(void *arg, int64_t ns)
{
    run_wait(arg, ns);
}

/* Stop tracing the tree (before the timeout's snapshots, and at the end). */
static void
run_detach_all(struct run *w)
{
    size_t left = tracer_detach_all(w->tracer, RUN_DETACH_MS);

    w->tracing = false;
    if (left > 0)
        fprintf(stderr, "aiomon-attach: %zu thread(s) did not stop within %d ms; they are "
                "detached when they do\n", left, RUN_DETACH_MS);
}

/* ---------------------------------------------------------------- snapshots */

/*
 * Snapshot one process of the tree.  traced: it is traced by our tracer,
 * which holds its threads for the capture (the capture's source finds them
 * held, see live_open).  Returns 1 when a snapshot was written, 0 when it is
 * not a Python process (or is gone), -1 on failure (with a note).
 */
static int
run_snapshot_one(struct run *w, pid_t pid, bool traced, const char *why)
{
    struct capture_opts co = w->o->capture;
    struct capture *cap;
    struct snap *s;
    size_t left = 0;
    int rc;

    err_clear();
    cap = capture_open(pid, &co, &rc);
    if (!cap) {
        if (rc == -AIO_E_NOTPY || rc == -AIO_E_NOPROC)
            return 0;
        run_report_note(pid, "no snapshot", rc);
        return -1;
    }
    if (traced)
        left = tracer_hold(w->tracer, pid, RUN_HOLD_MS);
    s = capture_take(cap, &rc);
    if (traced)
        tracer_release(w->tracer);
    capture_close(cap);
    if (!s) {
        run_report_note(pid, "no snapshot", rc);
        return -1;
    }
    if (left > 0)
        s->flags |= SNAP_F_TORN;
    run_report_write(w->outdir, s, why);
    snap_free(s);
    return 1;
}

static void
run_snapshot_tree(struct run *w, const char *why)
{
    pid_t *pids = NULL;
    size_t n = run_tree(w, &pids), i, done = 0;
    int64_t t0 = run_now();

    for (i = 0; i < n; i++) {
        bool traced = w->tracing && tracer_traces(w->tracer, pids[i]);

        done += run_snapshot_one(w, pids[i], traced, why) > 0;
    }
    fprintf(stderr, "aiomon-attach: %s: %zu Python process(es) of %zu snapshotted in %.1f ms\n",
            why, done, n, (double)(run_now() - t0) / NS_PER_MS);
    free(pids);
}

static bool
run_fatal_seen(struct run *w, pid_t tgid)
{
    size_t i;

    for (i = 0; i < w->nfatal; i++) {
        if (w->fatal_done[i] == tgid)
            return true;
    }
    xgrow((void **)&w->fatal_done, &w->cap_fatal, w->nfatal + 1, sizeof(pid_t));
    w->fatal_done[w->nfatal++] = tgid;
    return false;
}

/*
 * Thread tid of the tree is in signal-delivery-stop for fatal signal sig.  If
 * its process is Python (and was not snapshotted for a fatal signal yet:
 * faulthandler re-raises), hold its other threads, read it, then let the
 * signal go on unchanged, so the process dies exactly as it would have
 * (same signal, same core dump).
 */
static void
run_on_fatal(struct run *w, long tid, pid_t tgid, int sig)
{
    struct capture_opts co = w->o->capture;
    struct capture *cap = NULL;
    struct snap *s = NULL;
    char why[64];
    size_t left;
    int rc;

    if (run_fatal_seen(w, tgid))
        goto resume;
    err_clear();
    cap = capture_open(tgid, &co, &rc);
    if (!cap) {
        if (rc != -AIO_E_NOTPY && rc != -AIO_E_NOPROC)
            run_report_note(tgid, "no snapshot", rc);
        goto resume;
    }
    left = tracer_hold(w->tracer, tgid, RUN_HOLD_MS);
    s = capture_take(cap, &rc);
    capture_close(cap);
    snprintf(why, sizeof(why), "SIG%s in thread %ld",
             sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", tid);
    if (!s) {
        run_report_note(tgid, "no snapshot", rc);
    } else {
        if (left > 0)
            s->flags |= SNAP_F_TORN;
        run_report_write(w->outdir, s, why);
        snap_free(s);
    }
    /*
     * Only now the faulting thread goes on with its signal (it dies): its own
     * last words on the shared stderr (faulthandler's dump) come after the
     * summary, never inside its lines.
     */
    tracer_release(w->tracer);
    return;
resume:
    tracer_resume(w->tracer, tid);
}

/* Every thread the tracer keeps stopped on a fatal signal, one at a time. */
static void
run_fatal_signals(struct run *w)
{
    long tid;
    pid_t tgid;
    int sig;

    while (w->tracing && tracer_next_fatal(w->tracer, &tid, &tgid, &sig))
        run_on_fatal(w, tid, tgid, sig);
}

/* ---------------------------------------------------------------- timeout */

/* SIGTERM to the tree, SIGKILL after the grace period to what is left. */
static void
run_terminate(struct run *w)
{
    pid_t *pids = NULL;
    size_t n = run_tree(w, &pids), i;
    int64_t end = run_now() + (int64_t)(w->grace * NS_PER_SEC);
    int round;

    fprintf(stderr, "aiomon-attach: sending SIGTERM to %zu process(es) of the tree%s\n", n,
            n ? "" : " (none left)");
    for (i = 0; i < n; i++) {
        kill(pids[i], SIGTERM);
        kill(pids[i], SIGCONT);     /* a stopped process acts on SIGTERM only when it runs */
    }
    free(pids);
    for (;;) {
        int64_t now;

        tracer_reap(w->tracer);
        if (w->exited && run_tree(w, NULL) == 0)
            return;
        now = run_now();
        if (now >= end)
            break;
        run_wait(w, end - now < 50 * NS_PER_MS ? end - now : 50 * NS_PER_MS);
    }
    for (round = 0; round < RUN_MAX_KILL_ROUNDS; round++) {
        n = run_tree(w, &pids);
        if (n == 0) {
            free(pids);
            break;
        }
        if (round == 0)
            fprintf(stderr, "aiomon-attach: sending SIGKILL to %zu process(es) still running "
                    "after %g s\n", n, w->grace);
        for (i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        free(pids);
        run_wait(w, 20 * NS_PER_MS);
        tracer_reap(w->tracer);
    }
}

static void
run_timeout(struct run *w)
{
    fprintf(stderr, "aiomon-attach: timeout: \"");
    escape_text(stderr, w->o->argv[0], strlen(w->o->argv[0]), 100);
    fprintf(stderr, "\" still running after %g s\n", w->o->timeout);
    /* read every process the ordinary way, with nothing of ours attached */
    run_detach_all(w);
    run_snapshot_tree(w, "timeout");
    if (!w->o->keep_running)
        run_terminate(w);
}

/* ---------------------------------------------------------------- start */

/* In the child: our signal state undone, wait for the tracer (if any), exec. */
static void
run_child_exec(struct run *w, int errfd, int gofd)
{
    size_t i;
    int e;

    for (i = 0; i < RUN_NHANDLED; i++)
        sigaction(run_handled_sig(i), &w->old_sa[i], NULL);
    sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
    if (gofd >= 0) {
        char c;
        ssize_t r;

        do {
            r = read(gofd, &c, 1);
        } while (r < 0 && errno == EINTR);
        if (r != 1)
            _exit(127);         /* the watchdog died before it let us go */
        close(gofd);
    }
    execvp(w->o->argv[0], w->o->argv);
    e = errno;
    if (write(errfd, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

static int
run_start(struct run *w)
{
    int errp[2] = { -1, -1 }, gop[2] = { -1, -1 };
    sigset_t all;
    pid_t pid;
    int e;

    if (pipe2(errp, O_CLOEXEC) < 0 || (w->o->on_signal && pipe2(gop, O_CLOEXEC) < 0))
        goto fail;
    /* no handler of ours may run in the child before it undoes them */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    pid = fork();
    if (pid == 0) {
        close(errp[0]);
        if (gop[1] >= 0)
            close(gop[1]);
        close(w->wake[0]);
        close(w->wake[1]);
        run_child_exec(w, errp[1], gop[0]);
    }
    e = errno;
    if (pid > 0) {
        w->child = pid;
        run_cmd_pid = pid;
    }
    sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
    errno = e;
    if (pid < 0)
        goto fail;
    close(errp[1]);
    w->errfd = errp[0];
    if (gop[0] >= 0) {
        close(gop[0]);
        if (tracer_trace_tree(w->tracer, pid) == 0) {
            w->tracing = true;
        } else {
            fprintf(stderr, "aiomon-attach: --on-signal: cannot trace the command (%s); %s; "
                    "running it untraced\n", strerror(errno), proc_perm_hint(pid));
        }
        if (write(gop[1], "g", 1) != 1)
            fprintf(stderr, "aiomon-attach: cannot start the command: %s\n", strerror(errno));
        close(gop[1]);
    }
    return 0;
fail:
    e = errno;
    fprintf(stderr, "aiomon-attach: cannot start the command: %s\n", strerror(e));
    if (errp[0] >= 0) {
        close(errp[0]);
        close(errp[1]);
    }
    if (gop[0] >= 0) {
        close(gop[0]);
        close(gop[1]);
    }
    errno = e;
    return -1;
}

static int
run_outdir(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (errno == EEXIST)
        errno = ENOTDIR;
    fprintf(stderr, "aiomon-attach: cannot use output directory \"");
    escape_text(stderr, dir, strlen(dir), 200);
    fprintf(stderr, "\": %s\n", strerror(errno));
    return -1;
}

static int
run_exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 2;
}

int
run_command(const struct run_opts *o)
{
    struct tracer_hooks hooks = { .exited = run_record_exit, .execed = run_forget_fatal,
                                  .idle = run_idle };
    struct run w;
    int ret = 2;

    memset(&w, 0, sizeof(w));
    hooks.arg = &w;
    w.o = o;
    w.outdir = o->outdir ? o->outdir : ".";
    w.grace = o->grace > 0 ? (o->grace < RUN_MAX_SECONDS ? o->grace : RUN_MAX_SECONDS)
                           : RUN_DEFAULT_GRACE;
    w.self = getpid();
    w.errfd = -1;
    w.wake[0] = w.wake[1] = -1;
    if (!o->argv || !o->argv[0]) {
        fprintf(stderr, "aiomon-attach: --run needs a command\n");
        return 2;
    }
    if (run_outdir(w.outdir) < 0)
        return 2;
    if (pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "aiomon-attach: cannot create a pipe: %s\n", strerror(errno));
        return 2;
    }
    sigprocmask(SIG_SETMASK, NULL, &w.old_mask);
    if (prctl(PR_GET_CHILD_SUBREAPER, &w.old_subreaper) < 0)
        w.old_subreaper = 0;
    w.npreexisting = proc_children(w.self, &w.preexisting);
    w.tracer = tracer_new(&hooks);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    run_usr1 = 0;
    run_wake_fd = w.wake[1];
    run_signals_install(&w);
    if (run_start(&w) < 0)
        goto out;
    if (o->timeout > 0)     /* at most RUN_MAX_SECONDS: the deadline stays an int64 of ns */
        w.deadline = run_now() +
                     (int64_t)((o->timeout < RUN_MAX_SECONDS ? o->timeout : RUN_MAX_SECONDS) *
                               NS_PER_SEC);

    for (;;) {
        int64_t now;

        tracer_reap(w.tracer);
        run_fatal_signals(&w);
        if (w.exited)
            break;
        if (!tracer_active(w.tracer) && proc_exists(w.child) < 0) {
            int st;

            /* a capture's stop reaped it (it died while being seized): its status is kept */
            if (tracer_take_reaped(w.child, &st)) {
                w.exited = true;
                w.status = st;
                break;
            }
            fprintf(stderr, "aiomon-attach: the command ended while being read; "
                    "its exit status is lost\n");
            w.exited = true;
            w.status = -1;
            break;
        }
        if (run_usr1) {
            run_usr1 = 0;
            run_snapshot_tree(&w, "SIGUSR1");
            continue;
        }
        now = run_now();
        if (w.deadline && !w.timed_out && now >= w.deadline) {
            w.timed_out = true;
            run_timeout(&w);
            continue;
        }
        run_wait(&w, w.deadline && !w.timed_out ? w.deadline - now : -1);
    }
    if (w.errfd >= 0)
        run_read_errfd(&w);      /* CMD is gone: no writer is left, this cannot block */
    if (w.start_errno) {
        fprintf(stderr, "aiomon-attach: cannot run \"");
        escape_text(stderr, o->argv[0], strlen(o->argv[0]), 200);
        fprintf(stderr, "\": %s\n", strerror(w.start_errno));
        /* as timeout(1) and shells: 127 not found, 126 found but not runnable */
        ret = w.start_errno == ENOENT || w.start_errno == ENOTDIR ? 127 : 126;
    } else {
        ret = w.status < 0 ? 2 : run_exit_status(w.status);
    }
out:
    run_cmd_pid = 0;
    run_detach_all(&w);
    run_signals_restore(&w);
    run_wake_fd = -1;
    prctl(PR_SET_CHILD_SUBREAPER, w.old_subreaper);
    if (w.errfd >= 0)
        close(w.errfd);
    close(w.wake[0]);
    close(w.wake[1]);
    tracer_free(w.tracer);
    free(w.fatal_done);
    free(w.preexisting);
    return ret;
}
