/*
 * track.c - --track PID and --untrack PID: send the tracker's script (or its
 * untrack() call) to a running CPython 3.14+ through PEP 768 (track/pep768.h),
 * wait until the process has run it, remove the file, and say how it went.
 * After --track, the mode asked for goes on (the live view, --dump,
 * --watch), with the tracker left in place.
 *
 * Nothing is written to a process that is refused: the version, the flag
 * that disables remote debugging and the layout are checked first, while
 * it runs.  The request is written while every thread is stopped; the wait
 * reads without stopping it.
 */
#include "mode.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "common/clock.h"
#include "common/crashhook.h"
#include "common/err.h"
#include "common/escape.h"
#include "track/pep768.h"
#include "track/probe.h"
#include "track/script.h"

#define TRACK_POLL_NS (50 * 1000000LL)
#define TRACK_QUIET_NS (1000 * 1000000LL)  /* then say that the target is not there yet */
#define TRACK_TAKEN_GRACE_NS (2000 * 1000000LL)
#define NS_PER_SEC 1000000000LL

/*
 * ^C (or SIGTERM, SIGHUP) while a request is out: withdraw it and remove its
 * file before going, so that the process does not run it later.  Installed
 * before the capture, so the attach guard (attach/guard.h) detaches first
 * and then calls this; outside the request it does the default action.
 */
static volatile sig_atomic_t track_armed;
static volatile sig_atomic_t track_stop_sig;
static const int track_stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
track_on_signal(int sig)
{
    if (track_armed) {
        track_stop_sig = sig;
        return;
    }
    /* what the guard would have done had it not chained to us: the live view's terminal back */
    crashhook_run();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
track_signals_install(void)
{
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = track_on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof(track_stop_signals) / sizeof(track_stop_signals[0]); i++)
        sigaction(track_stop_signals[i], &sa, NULL);
}

struct track_job {
    const struct options *o;
    bool untrack;
    struct capture *cap;
    struct source *src;
    const struct py_runtime *rt;
    struct track_request req;
    struct track_file file;
    struct track_state st;
    int absent;                 /* --untrack: probes in a row that found no tracker */
};

static void
track_sleep(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / NS_PER_SEC), (long)(ns % NS_PER_SEC) };

    nanosleep(&ts, NULL);
}

/* "thread 1234 (the main thread, running an asyncio loop)" */
static void
track_thread_desc(const struct track_request *r, char *buf, size_t size)
{
    snprintf(buf, size, "thread %ld (%s%s)", r->tid, r->main_thread ? "the main thread" :
             "a thread", r->loop_thread ? ", running an asyncio loop" : "");
}

/* Stop the target, write the request, let it go.  0 or a negative AIO_E_*. */
static int
track_send(struct track_job *j)
{
    int rc;

    if ((rc = source_stop(j->src)) < 0)
        return rc;
    /* the threads again, now that they hold still: the request goes to one that exists */
    rc = track_pep768_prepare(j->src, j->rt, &j->req);
    if (rc == 0)
        rc = track_pep768_send(j->src, &j->req, j->file.path);
    source_resume(j->src);
    return rc;
}

/* Withdraw the request the target has not taken; 1 if it took it meanwhile. */
static int
track_withdraw(struct track_job *j)
{
    int pending = 0, taken = 0;

    if (source_stop(j->src) < 0)
        return 0;
    if (track_pep768_pending(j->src, &j->req, &pending) == 0 && pending)
        track_pep768_cancel(&j->req);
    else
        taken = 1;
    source_resume(j->src);
    return taken;
}

/* Whether what was asked for is done: 1 yes, 0 not yet. */
static int
track_done(struct track_job *j)
{
    int consumed = track_file_consumed(&j->file), pending = 1;

    if (consumed < 0)       /* no inotify: the pending call taken is the best sign */
        consumed = track_pep768_pending(j->src, &j->req, &pending) == 0 && !pending;
    if (!consumed || track_probe(j->src, j->rt, &j->st) < 0)
        return 0;
    if (j->st.present)
        j->absent = 0;
    /* absent twice in a row: a read torn by the target's own change of sys.modules is not it */
    if (j->untrack)
        return !j->st.present && ++j->absent >= 2;
    return j->st.present && (j->st.enabled || j->st.error[0]);
}

static int
track_timeout(struct track_job *j, bool consumed, bool taken)
{
    char thr[96];

    track_thread_desc(&j->req, thr, sizeof(thr));
    if (taken && !consumed)
        return err_set(AIO_E_INTERNAL, "process %d took the request but did not read the "
                       "script (an audit hook refusing remote_debugger_script? see its "
                       "stderr)", j->o->pid);
    if (consumed && !j->untrack && !j->st.present)
        return err_set(AIO_E_INTERNAL, "process %d read the tracker's script but has no %s "
                       "module after %g s (see its stderr)", j->o->pid, TRACK_MODULE,
                       j->o->track_wait);
    if (consumed)
        return err_set(AIO_E_INTERNAL, "process %d read the script but %s after %g s",
                       j->o->pid, j->untrack ? "still has the tracker" :
                       "the tracker is not enabled", j->o->track_wait);
    return err_set(AIO_E_EXITED, "process %d did not run the request within %g s: its %s "
                   "never reached a safe point (idle in native code); request withdrawn",
                   j->o->pid, j->o->track_wait, thr);
}

/* Wait until the target has run the script; 0 or a negative AIO_E_*. */
static int
track_wait(struct track_job *j)
{
    int64_t start = (int64_t)clock_now_ns(CLOCK_MONOTONIC);
    int64_t deadline = start + (int64_t)(j->o->track_wait * NS_PER_SEC);
    bool said = false, extended = false;
    int pending = 0;

    for (;;) {
        int64_t now;

        if (track_done(j))
            return 0;
        if (track_stop_sig) {
            if (track_file_consumed(&j->file) != 1)
                track_withdraw(j);
            return err_set(AIO_E_INTERNAL, "interrupted by signal %d: %s", (int)track_stop_sig,
                           track_file_consumed(&j->file) == 1 ? "the process has the request "
                           "already" : "the request was withdrawn");
        }
        if (!source_alive(j->src))
            return err_set(AIO_E_EXITED, "process %d exited", j->o->pid);
        now = (int64_t)clock_now_ns(CLOCK_MONOTONIC);
        if (!said && now - start >= TRACK_QUIET_NS && track_file_consumed(&j->file) == 0 &&
            track_pep768_pending(j->src, &j->req, &pending) == 0 && pending) {
            fprintf(stderr, "aiomon-attach: waiting for %d to reach a safe point (its threads "
                    "are idle: the tracker %s when thread %ld next runs Python code)\n",
                    j->o->pid, j->untrack ? "is removed" : "installs", j->req.tid);
            said = true;
        }
        if (now >= deadline) {
            bool consumed = track_file_consumed(&j->file) == 1;

            /* taken just now: the thread is about to read the file, give it a moment */
            if (!consumed && !extended && track_withdraw(j)) {
                extended = true;
                deadline = now + TRACK_TAKEN_GRACE_NS;
                continue;
            }
            return track_timeout(j, consumed, extended);
        }
        track_sleep(TRACK_POLL_NS);
    }
}

/* Open the process and refuse what cannot be done, before anything is written. */
static int
track_open(struct track_job *j, const struct options *o, bool untrack)
{
    struct capture_opts co;
    int rc;

    memset(j, 0, sizeof(*j));
    j->o = o;
    j->untrack = untrack;
    j->file.dirfd = j->file.inotify = -1;
    options_capture(o, &co);
    co.nonblocking = false;     /* the request is written under a stop */
    co.native = co.native_all = false;
    j->cap = capture_open(o->pid, &co, &rc);
    if (!j->cap)
        return rc;
    j->src = capture_source(j->cap);
    j->rt = capture_runtime(j->cap);
    if ((rc = track_pep768_supported(j->rt)) < 0 && untrack && rc == -AIO_E_VERSION)
        return err_set(AIO_E_VERSION, "--untrack needs CPython 3.14+ (PEP 768); this is %s: "
                       "a tracker loaded by --run --track stays until the process ends",
                       j->rt->version);
    if (rc < 0)
        return rc;
    /* while it runs: remote debugging enabled, a thread to ask */
    return track_pep768_prepare(j->src, j->rt, &j->req);
}

/* The whole of --track / --untrack but the mode after it; 0 or the exit status. */
static int
track_run_request(const struct options *o, bool untrack)
{
    struct track_args a = { .keep = o->track_keep, .critical = o->critical,
                            .ncritical = (size_t)o->ncritical };
    struct track_job j;
    char *text = NULL, thr[96];
    int rc, status = 0;

    track_signals_install();
    rc = track_open(&j, o, untrack);
    if (rc < 0)
        goto out;
    if (untrack && track_probe(j.src, j.rt, &j.st) == 0 && !j.st.present) {
        printf("no tracker in process %d: nothing to remove\n", o->pid);
        goto out;
    }
    text = untrack ? track_script_untrack() : track_script_install(&a);
    track_armed = 1;
    if ((rc = track_file_create(&j.file, o->pid, text, strlen(text))) < 0 ||
        (rc = track_send(&j)) < 0 || (rc = track_wait(&j)) < 0)
        goto out;
    track_thread_desc(&j.req, thr, sizeof(thr));
    if (untrack) {
        printf("tracker removed from process %d (asyncio's create_task and the task "
               "factories put back)\n", o->pid);
    } else if (!j.st.enabled) {
        fprintf(stderr, "aiomon-attach: the tracker failed in process %d: ", o->pid);
        escape_text(stderr, j.st.error, strlen(j.st.error), 200);
        fputc('\n', stderr);
        status = 2;
    } else if (o->verbose) {
        fprintf(stderr, "aiomon-attach: tracker installed in process %d by its %s\n",
                o->pid, thr);
    }
out:
    track_file_remove(&j.file);
    track_armed = 0;
    if (track_stop_sig && rc >= 0)
        rc = err_set(AIO_E_INTERNAL, "interrupted by signal %d", (int)track_stop_sig);
    capture_close(j.cap);
    free(text);
    if (rc < 0)
        status = err_report_nothing(rc);
    return status;
}

int
track_main(const struct options *o, int (*then)(const struct options *o))
{
    int status = track_run_request(o, false);

    return status ? status : then(o);
}

int
untrack_main(const struct options *o)
{
    return track_run_request(o, true);
}
