#include "tracer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/err.h"
#include "../common/xalloc.h"
#include "guard.h"
#include "proc.h"

/* Re-list /proc/PID/task at most this often while threads keep appearing. */
#define TRACER_MAX_RELIST 50
/* Give up on a thread that neither stops nor goes away within this long. */
#define TRACER_STOP_TIMEOUT_NS 2000000000ull
/* How long another aiomon-attach may hold a process before we call it traced. */
#define TRACER_OTHER_WAIT_MS 3000

#define NS_PER_MS 1000000LL

struct tracer_thread {
    long tid;
    int tgid;
    bool stopped;               /* in a ptrace-stop we have not ended yet */
    bool hold;                  /* keep it stopped when it stops (snapshot or detach) */
    bool listen;                /* it is in a group-stop: end it with PTRACE_LISTEN */
    bool fatal;                 /* stopped on a fatal signal, not handed to the caller yet */
    bool was_stopped;           /* in a job-control stop before we came: leave it so */
    bool guarded;               /* in the signal guard's list */
    int sig;                    /* signal to deliver when it goes on */
};

struct tracer {
    struct tracer_hooks hooks;
    struct tracer_thread *t;
    size_t n, cap;
    bool tree;                  /* tracer_trace_tree: follows a tree, in the registry */
    bool reaps;                 /* it traced a tree: its reports come through tracer_reap */
    bool detaching;             /* detach every thread at its next stop */
    int hold_tgid;              /* new threads of this process are held too */
    bool hold_all;              /* new threads are held (detach) */
    struct tracer *next;        /* registry of tree tracers */
};

/* The tree tracers of this process (one in practice): see tracer_holder. */
static struct tracer *tracer_trees;

/* ---------------------------------------------------------------- the table */

struct tracer *
tracer_new(const struct tracer_hooks *hooks)
{
    struct tracer *tr = xcalloc(1, sizeof(*tr));

    if (hooks)
        tr->hooks = *hooks;
    return tr;
}

static struct tracer_thread *
tracer_find(const struct tracer *tr, long tid)
{
    size_t i;

    for (i = 0; i < tr->n; i++) {
        if (tr->t[i].tid == tid)
            return &tr->t[i];
    }
    return NULL;
}

/* Add (or find) a thread; pointers into tr->t are invalid after this. */
static struct tracer_thread *
tracer_add(struct tracer *tr, long tid, int tgid)
{
    struct tracer_thread *t = tracer_find(tr, tid);

    if (t)
        return t;
    xgrow((void **)&tr->t, &tr->cap, tr->n + 1, sizeof(*tr->t));
    t = &tr->t[tr->n++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    t->tgid = tgid;
    t->hold = tr->hold_all || (tr->hold_tgid > 0 && tgid == tr->hold_tgid);
    return t;
}

static void
tracer_drop(struct tracer *tr, struct tracer_thread *t)
{
    if (t->guarded)
        guard_remove(t->tid);
    *t = tr->t[--tr->n];
}

/* End the ptrace-stop of t: the signal it stopped with goes on unchanged. */
static void
tracer_thread_resume(struct tracer_thread *t)
{
    if (!t->stopped)
        return;
    if (t->listen)
        ptrace(PTRACE_LISTEN, (pid_t)t->tid, NULL, NULL);
    else
        ptrace(PTRACE_CONT, (pid_t)t->tid, NULL, (void *)(long)t->sig);
    /* ESRCH: killed meanwhile (SIGKILL); its exit is reported by waitpid */
    t->stopped = false;
    t->listen = false;
    t->sig = 0;
}

/* Detach a stopped thread, handing it the signal it stopped with; it leaves the table. */
static void
tracer_thread_detach(struct tracer *tr, struct tracer_thread *t)
{
    /*
     * A thread in a group-stop stays stopped after PTRACE_DETACH (the kernel
     * re-arms the group stop in __ptrace_unlink), so job control is intact.
     * One that was job-control stopped before we came, and that we stopped
     * with our interrupt, gets its SIGSTOP back (libdwfl does the same, see
     * __libdwfl_ptrace_detach; the quirk is explained in gdb's linux-nat.c).
     * ESRCH: exited, or not in a ptrace-stop (a SIGKILL raced us); the
     * kernel detaches a dying tracee on its own.
     */
    int sig = t->listen ? 0 : t->sig;

    if (t->was_stopped && sig == 0)
        sig = SIGSTOP;
    ptrace(PTRACE_DETACH, (pid_t)t->tid, NULL, (void *)(long)sig);
    tracer_drop(tr, t);
}

bool
tracer_is_stopped(const struct tracer *tr, long tid)
{
    const struct tracer_thread *t = tr ? tracer_find(tr, tid) : NULL;

    return t && t->stopped;
}

size_t
tracer_stopped_tids(const struct tracer *tr, int tgid, long **out)
{
    long *v = xreallocarray(NULL, tr->n + 1, sizeof(*v));
    size_t i, n = 0;

    /* main thread first (source.h) */
    for (i = 0; i < tr->n; i++) {
        if (tr->t[i].tgid == tgid && tr->t[i].stopped && tr->t[i].tid == tgid)
            v[n++] = tr->t[i].tid;
    }
    for (i = 0; i < tr->n; i++) {
        if (tr->t[i].tgid == tgid && tr->t[i].stopped && tr->t[i].tid != tgid)
            v[n++] = tr->t[i].tid;
    }
    *out = v;
    return n;
}

/* ---------------------------------------------------------------- one process, briefly */

/*
 * Exit statuses taken by tracer_wait_stop's waitpid: when the tool is the
 * target's parent (--run), a process that exits while it is being seized is
 * reaped here, and its parent-side wait would find nothing.  Kept for
 * tracer_take_reaped; bounded (the oldest are dropped).
 */
#define TRACER_MAX_REAPED 64
static struct {
    pid_t pid;
    int status;
} tracer_reaped[TRACER_MAX_REAPED];
static size_t tracer_nreaped;

static void
tracer_note_reaped(pid_t pid, int status)
{
    if (tracer_nreaped == TRACER_MAX_REAPED) {
        memmove(&tracer_reaped[0], &tracer_reaped[1],
                sizeof(tracer_reaped[0]) * (TRACER_MAX_REAPED - 1));
        tracer_nreaped--;
    }
    tracer_reaped[tracer_nreaped].pid = pid;
    tracer_reaped[tracer_nreaped].status = status;
    tracer_nreaped++;
}

bool
tracer_take_reaped(int pid, int *status)
{
    size_t i;

    for (i = 0; i < tracer_nreaped; i++) {
        if (tracer_reaped[i].pid != (pid_t)pid)
            continue;
        *status = tracer_reaped[i].status;
        memmove(&tracer_reaped[i], &tracer_reaped[i + 1],
                sizeof(tracer_reaped[0]) * (tracer_nreaped - i - 1));
        tracer_nreaped--;
        return true;
    }
    return false;
}

/* Whether process pid is an aiomon-attach (its comm). */
static bool
tracer_is_aiomon(int pid)
{
    char comm[64] = "";

    proc_thread_comm(pid, pid, comm, sizeof(comm));
    return strncmp(comm, "aiomon-attach", 13) == 0;
}

int
tracer_traced_error(int pid, int tracer)
{
    if (tracer_is_aiomon(tracer))
        return err_set(AIO_E_TRACED, "process %d is being read by another aiomon-attach "
                       "(pid %d), which did not let go within %d s (a --run --on-signal "
                       "watchdog holds its tree); try again, or use --nonblocking", pid, tracer,
                       TRACER_OTHER_WAIT_MS / 1000);
    return err_set(AIO_E_TRACED, "process %d is already traced by process %d (a debugger?); "
                   "detach it first, or use --nonblocking", pid, tracer);
}

/*
 * Wait until t reports a stop; false if it exited meanwhile (or never
 * stopped).  Not a blocking waitpid: when a process exits (or a non-leader
 * thread execs) while we seize it, a zombie leader is not reported while
 * other traced threads are unreaped, and a blocking wait would hang for ever.
 * So: poll with WNOHANG, and between polls look at the thread's state.
 */
static bool
tracer_wait_stop(int pid, struct tracer_thread *t)
{
    uint64_t deadline = clock_now_ns(CLOCK_MONOTONIC) + TRACER_STOP_TIMEOUT_NS;
    unsigned spins = 0;
    int status;

    for (;;) {
        pid_t r = waitpid((pid_t)t->tid, &status, __WALL | WNOHANG);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return false;   /* ECHILD: it is gone */
        }
        if (r == 0) {
            char st = proc_thread_state(pid, t->tid);
            struct timespec ts = { 0, spins < 20 ? 20000 : 500000 };

            if (st == 0 || st == 'Z' || st == 'X')
                return false;   /* exited (or exiting) without a stop to report */
            if (clock_now_ns(CLOCK_MONOTONIC) > deadline)
                return false;
            spins++;
            nanosleep(&ts, NULL);
            continue;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (r == (pid_t)pid)
                tracer_note_reaped(r, status);  /* the process itself: its status is kept */
            return false;
        }
        if (!WIFSTOPPED(status))
            continue;
        t->stopped = true;
        if ((status >> 16) == PTRACE_EVENT_STOP)
            return true;    /* our interrupt, or a group-stop */
        /*
         * A signal-delivery-stop came first: the thread is stopped now, which
         * is all we need.  Keep the signal and hand it back at detach, so the
         * target sees exactly what it would have seen without us.
         */
        t->sig = WSTOPSIG(status);
        return true;
    }
}

/*
 * PTRACE_SEIZE failed with EPERM.  That is not always a permission problem:
 * a thread that has begun to exit refuses too, and so do the threads of a
 * process in the middle of an exec.  Give such a thread a few milliseconds,
 * seizing again; returns 0 when it was seized after all, 1 when the thread is
 * gone (skip it), or a negative AIO_E_* code with the message.
 */
static int
tracer_seize_eperm(struct tracer *tr, int pid, long tid)
{
    int i;

    /* after an exec the leader's pid names a thread we already hold under its old tid */
    if (tid == pid && proc_tracer_pid(pid) == getpid())
        return err_set(AIO_E_EXITED, "process %d ran exec while being attached", pid);
    for (i = 0; i < 10; i++) {
        char st = proc_thread_state(pid, tid);

        if (proc_gone(pid))
            return err_set(AIO_E_EXITED, "process %d exited while being attached", pid);
        if (st == 0 || st == 'Z' || st == 'X')
            return 1;       /* only this thread is on its way out */
        usleep(2000);
        if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) == 0)
            return 0;
        if (errno == ESRCH)
            return 1;
    }
    if (tracer_traces(tr, pid))
        /* we may trace this process (we hold some of its threads): it is changing */
        return err_set(AIO_E_EXITED, "process %d exited or ran exec while being attached", pid);
    if (proc_tracer_pid(pid) > 0)
        return tracer_traced_error(pid, proc_tracer_pid(pid));
    return err_set(AIO_E_PERM, "cannot attach to process %d: permission denied; %s",
                   pid, proc_perm_hint(pid));
}

/* Seize and interrupt one thread: 0, 1 when it is gone (skip it), or negative AIO_E_*. */
static int
tracer_seize(struct tracer *tr, int pid, long tid)
{
    struct tracer_thread *t;
    char st = proc_thread_state(pid, tid);

    if (guard_add(tid) < 0)
        return -AIO_E_BOUND;
    if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) < 0) {
        int e = errno, rc;

        if (e == ESRCH) {
            guard_remove(tid);
            return 1;       /* the thread ended meanwhile: skip it */
        }
        if (e != EPERM) {
            guard_remove(tid);
            return err_set(AIO_E_PERM, "cannot attach to thread %ld: %s", tid, strerror(e));
        }
        rc = tracer_seize_eperm(tr, pid, tid);
        if (rc != 0) {
            guard_remove(tid);
            return rc;
        }
    }
    t = tracer_add(tr, tid, pid);
    t->guarded = true;
    t->was_stopped = (st == 'T');
    if (ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL) < 0 && errno != ESRCH)
        return err_set(AIO_E_INTERNAL, "cannot interrupt thread %ld: %s", tid, strerror(errno));
    return 0;
}

/* Detach every thread of process pid now (they are stopped, or gone). */
static void
tracer_detach_process(struct tracer *tr, int pid)
{
    size_t i;

    for (i = 0; i < tr->n;) {
        if (tr->t[i].tgid == pid)
            tracer_thread_detach(tr, &tr->t[i]);
        else
            i++;
    }
}

int
tracer_stop_process(struct tracer *tr, int pid)
{
    size_t i, first = tr->n, waited = tr->n;
    int round, rc = 0;

    /* threads may start while we attach: re-list until a round adds nothing */
    for (round = 0; round < TRACER_MAX_RELIST; round++) {
        long *tids = NULL;
        long n = proc_list_tids(pid, &tids), j;
        bool added = false;

        if (n < 0) {
            rc = n == -AIO_E_PERM ? err_set(AIO_E_PERM, "cannot list threads of process %d; %s",
                                            pid, proc_perm_hint(pid))
                                  : err_set(AIO_E_EXITED, "process %d exited", pid);
            goto fail;
        }
        if (n == 0) {
            free(tids);
            rc = err_set(AIO_E_EXITED, "process %d exited", pid);
            goto fail;
        }
        for (j = 0; j < n; j++) {
            if (tracer_find(tr, tids[j]))
                continue;
            rc = tracer_seize(tr, pid, tids[j]);
            if (rc < 0) {
                free(tids);
                goto fail;
            }
            added = added || rc == 0;
        }
        free(tids);
        rc = 0;
        /* wait for the stops of the threads seized in this round */
        for (; waited < tr->n; waited++) {
            if (!tracer_wait_stop(pid, &tr->t[waited]))
                tr->t[waited].tid = -tr->t[waited].tid;   /* exited: mark */
        }
        if (!added)
            break;
    }
    /* drop threads that exited while we attached */
    for (i = first; i < tr->n;) {
        if (tr->t[i].tid < 0) {
            tr->t[i].tid = -tr->t[i].tid;
            tracer_drop(tr, &tr->t[i]);
        } else {
            i++;
        }
    }
    if (!tracer_traces(tr, pid)) {
        rc = err_set(AIO_E_EXITED, "process %d exited while being attached", pid);
        goto fail;
    }
    return 0;
fail:
    /*
     * Threads seized in this round are interrupted but not waited for yet:
     * PTRACE_DETACH works only in a ptrace-stop, so wait for theirs first,
     * or they would stay in it until we exit.
     */
    for (; waited < tr->n; waited++) {
        if (!tracer_wait_stop(pid, &tr->t[waited]))
            tr->t[waited].tid = -tr->t[waited].tid;
    }
    for (i = first; i < tr->n; i++) {
        if (tr->t[i].tid < 0)
            tr->t[i].tid = -tr->t[i].tid;
    }
    tracer_detach_process(tr, pid);
    return rc;
}

/* ---------------------------------------------------------------- a traced tree */

int
tracer_trace_tree(struct tracer *tr, int pid)
{
    long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                PTRACE_O_TRACEEXEC;

    if (ptrace(PTRACE_SEIZE, (pid_t)pid, NULL, (void *)opts) < 0)
        return -1;
    tracer_add(tr, pid, pid);
    tr->reaps = true;
    if (!tr->tree) {
        tr->tree = true;
        tr->next = tracer_trees;
        tracer_trees = tr;
    }
    return 0;
}

bool
tracer_active(const struct tracer *tr)
{
    return tr->tree || tr->n > 0;
}

bool
tracer_traces(const struct tracer *tr, int pid)
{
    size_t i;

    for (i = 0; i < tr->n; i++) {
        if (tr->t[i].tgid == pid)
            return true;
    }
    return false;
}

struct tracer *
tracer_holder(int pid)
{
    struct tracer *tr;

    for (tr = tracer_trees; tr; tr = tr->next) {
        if (tr->tree && tracer_traces(tr, pid))
            return tr;
    }
    return NULL;
}

static bool
tracer_fatal_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
}

static bool
tracer_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void
tracer_exited(struct tracer *tr, int pid, int status)
{
    if (tr->hooks.exited)
        tr->hooks.exited(tr->hooks.arg, pid, status);
}

/* The other threads of process pid are gone after its exec. */
static void
tracer_on_exec(struct tracer *tr, int pid)
{
    struct tracer_thread *t;
    size_t i;

    /*
     * A non-leader that exec'd took the leader's tid, which is what waitpid
     * reports: forget the others, and what the owner knew of the old program.
     */
    for (i = 0; i < tr->n;) {
        if (tr->t[i].tgid == pid && tr->t[i].tid != pid)
            tracer_drop(tr, &tr->t[i]);
        else
            i++;
    }
    t = tracer_find(tr, pid);
    if (t)
        t->tgid = pid;
    if (tr->hooks.execed)
        tr->hooks.execed(tr->hooks.arg, pid);
}

/* One waitpid() report of a thread of the tree (or of an untraced child). */
static void
tracer_event(struct tracer *tr, pid_t pid, int status)
{
    struct tracer_thread *t = tracer_find(tr, pid);
    unsigned long msg = 0;
    int sig, ev;

    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (t)
            tracer_drop(tr, t);
        tracer_exited(tr, pid, status);
        return;
    }
    if (!WIFSTOPPED(status))
        return;
    if (!t)     /* an auto-attached child can report before its parent's fork event */
        t = tracer_add(tr, pid, proc_tgid(pid));
    sig = WSTOPSIG(status);
    ev = (int)((unsigned)status >> 16);
    t->stopped = true;
    t->sig = 0;
    t->listen = false;
    switch (ev) {
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        if (ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0 && msg > 0) {
            tracer_add(tr, (long)msg, proc_tgid((long)msg));
            t = tracer_find(tr, pid);
        }
        break;
    case PTRACE_EVENT_EXEC:
        tracer_on_exec(tr, pid);
        t = tracer_find(tr, pid);
        break;
    case PTRACE_EVENT_STOP:
        t->listen = tracer_stop_signal(sig);    /* else SIGTRAP: interrupt or first stop */
        break;
    case 0:
        t->sig = sig;                           /* signal-delivery-stop */
        break;
    default:
        break;
    }
    if (tr->detaching) {
        tracer_thread_detach(tr, t);
        return;
    }
    if (t->hold)
        return;
    if (ev == 0 && tracer_fatal_signal(sig)) {
        t->fatal = true;        /* the owner decides (tracer_next_fatal) */
        return;
    }
    tracer_thread_resume(t);
}

void
tracer_reap(struct tracer *tr)
{
    for (;;) {
        int status;
        pid_t r = waitpid(-1, &status, WNOHANG | __WALL);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        if (tracer_active(tr))
            tracer_event(tr, r, status);
        else if (WIFEXITED(status) || WIFSIGNALED(status))
            tracer_exited(tr, r, status);
    }
}

bool
tracer_next_fatal(struct tracer *tr, long *tid, int *tgid, int *sig)
{
    size_t i;

    for (i = 0; i < tr->n; i++) {
        struct tracer_thread *t = &tr->t[i];

        if (!t->fatal)
            continue;
        t->fatal = false;
        if (!t->stopped || t->hold)
            continue;   /* released or held meanwhile: nothing to decide */
        *tid = t->tid;
        *tgid = t->tgid;
        *sig = t->sig;
        return true;
    }
    return false;
}

void
tracer_resume(struct tracer *tr, long tid)
{
    struct tracer_thread *t = tracer_find(tr, tid);

    if (t)
        tracer_thread_resume(t);
}

static bool
tracer_matches(const struct tracer *tr, const struct tracer_thread *t)
{
    return tr->hold_all || t->tgid == tr->hold_tgid;
}

static size_t
tracer_pending(const struct tracer *tr)
{
    size_t i, pending = 0;

    for (i = 0; i < tr->n; i++)
        pending += tracer_matches(tr, &tr->t[i]) && tr->t[i].hold && !tr->t[i].stopped;
    return pending;
}

static void
tracer_idle(struct tracer *tr, int64_t ns)
{
    struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };

    if (tr->hooks.idle)
        tr->hooks.idle(tr->hooks.arg, ns);
    else
        nanosleep(&ts, NULL);
}

size_t
tracer_hold(struct tracer *tr, int tgid, int ms)
{
    uint64_t end = clock_now_ns(CLOCK_MONOTONIC) + (uint64_t)ms * NS_PER_MS;
    size_t i, pending;

    tr->hold_tgid = tgid;
    tr->hold_all = tgid == 0;
    for (i = 0; i < tr->n; i++) {
        struct tracer_thread *t = &tr->t[i];

        if (!tracer_matches(tr, t))
            continue;
        t->hold = true;
        if (!t->stopped && ptrace(PTRACE_INTERRUPT, (pid_t)t->tid, NULL, NULL) < 0 &&
            errno == ESRCH)
            t->hold = false;    /* dying: its exit report will drop it */
    }
    for (;;) {
        if (tracer_pending(tr) == 0)
            return 0;
        tracer_reap(tr);
        pending = tracer_pending(tr);
        if (pending == 0)
            return 0;
        if (clock_now_ns(CLOCK_MONOTONIC) >= end)
            return pending;
        tracer_idle(tr, 10 * NS_PER_MS);
    }
}

void
tracer_release(struct tracer *tr)
{
    size_t i;

    for (i = 0; i < tr->n; i++) {
        if (tr->t[i].hold) {
            tr->t[i].hold = false;
            tracer_thread_resume(&tr->t[i]);
        }
    }
    tr->hold_tgid = 0;
    tr->hold_all = false;
}

size_t
tracer_detach_all(struct tracer *tr, int ms)
{
    int saved = errno;
    size_t i, left;

    if (tr->tree) {
        struct tracer **p;

        tr->tree = false;
        for (p = &tracer_trees; *p; p = &(*p)->next) {
            if (*p == tr) {
                *p = tr->next;
                break;
            }
        }
    }
    if (tr->n == 0) {
        errno = saved;
        return 0;
    }
    tr->detaching = true;
    for (i = 0; i < tr->n;) {
        if (tr->t[i].stopped)
            tracer_thread_detach(tr, &tr->t[i]);
        else
            i++;
    }
    left = tr->n;
    /*
     * Those still running are detached as they stop.  Only for a tree: the
     * threads of a brief stop were all waited for, and a waitpid(-1) here
     * could take the exit status of a child that is not ours to reap.
     */
    if (left > 0 && tr->reaps) {
        tracer_hold(tr, 0, ms);     /* each one is detached by tracer_event as it stops */
        tr->hold_all = false;
        left = tr->n;
    }
    if (left == 0)
        tr->detaching = false;
    errno = saved;
    return left;
}

void
tracer_free(struct tracer *tr)
{
    if (!tr)
        return;
    /* a detach already under way had its wait: do not wait again */
    tracer_detach_all(tr, tr->detaching ? 0 : TRACER_DETACH_MS);
    free(tr->t);
    free(tr);
}
