/*
 * run.c - `aiomon-attach --run`: run a command and snapshot the Python
 * processes of its tree when it hangs (timeout, SIGUSR1) or, with
 * --on-signal, when one of them is about to die of a fatal signal.
 *
 * One event loop for both modes: a self-pipe woken by SIGCHLD, SIGUSR1 and
 * the forwarded signals, waitpid(-1, __WALL | WNOHANG) for every child event,
 * and the deadline of the timeout.  With --on-signal the tree is traced from
 * CMD's exec on (PTRACE_SEIZE with fork/vfork/clone/exec options): every
 * stop is ended at once with the same signal, except a fatal one in a Python
 * process, which is held while the snapshot is taken.  The ptrace rules
 * followed here are those of ptrace(2) "Stopped states" and strace's
 * src/strace.c: a PTRACE_EVENT_STOP whose signal is a stop signal is a
 * group-stop (ended with PTRACE_LISTEN, so job control still works), with
 * SIGTRAP it is an interrupt or the first stop of an auto-attached child.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach/live.h"
#include "attach/proc.h"
#include "capture.h"
#include "common/err.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "snapshot/snapshot.h"
#include "view/write.h"

/* Processes read from /proc for one walk of the tree. */
#define WD_MAX_PROCS 65536
/* Lines of the stderr summary of one process. */
#define WD_MAX_SNAPSHOTS_PER_PID 1000  /* aiomon-PID-N.*: N below this */
#define WD_SUMMARY_THREADS 16
#define WD_SUMMARY_TASKS 10
/* How long to wait for tracees to stop before a snapshot or a detach. */
#define WD_HOLD_MS 2000
#define WD_DETACH_MS 5000
/* SIGKILL rounds after the grace period (new processes may still appear). */
#define WD_MAX_KILL_ROUNDS 100
#define WD_DEFAULT_GRACE 5.0
/* Longest timeout or grace period honoured (about 31 years). */
#define WD_MAX_SECONDS 1e9

#define NS_PER_MS 1000000LL
#define NS_PER_SEC 1000000000LL

/*
 * State shared with the signal handlers: the only globals here, as in
 * attach/guard.c.  wd_cmd_pid > 0 while CMD runs (the forwarding target);
 * wd_wake_fd is the write end of the self-pipe.
 */
static volatile sig_atomic_t wd_cmd_pid;
static volatile sig_atomic_t wd_usr1;
static volatile sig_atomic_t wd_wake_fd = -1;

static const int wd_forwarded[] = { SIGINT, SIGTERM, SIGHUP };
#define WD_NFORWARDED (sizeof(wd_forwarded) / sizeof(wd_forwarded[0]))
/* the handled signals: the forwarded ones, then SIGUSR1 and SIGCHLD */
#define WD_NHANDLED (WD_NFORWARDED + 2)

struct wd_tracee {
    pid_t tid;
    pid_t tgid;
    bool stopped;               /* in a ptrace-stop we have not ended yet */
    bool hold;                  /* keep it stopped when it stops (snapshot or detach) */
    bool listen;                /* it is in a group-stop: end it with PTRACE_LISTEN */
    bool deferred;              /* stopped on a fatal signal while another process was held */
    int sig;                    /* signal to deliver when it goes on */
};

struct wd {
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

    bool tracing;               /* --on-signal: the tree is traced */
    bool detaching;             /* detach every tracee at its next stop */
    pid_t hold_tgid;            /* new tracees of this process are held too */
    bool hold_all;              /* new tracees are held (detach) */
    struct wd_tracee *t;
    size_t nt, cap_t;
    pid_t *fatal_done;          /* processes snapshotted for a fatal signal already */
    size_t nfatal, cap_fatal;

    struct sigaction old_sa[WD_NHANDLED];
    sigset_t old_mask;
    int old_subreaper;
};

static int64_t
wd_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ---------------------------------------------------------------- signals */

static void
wd_wake_up(void)
{
    int fd = wd_wake_fd;

    if (fd >= 0) {
        ssize_t r = write(fd, "", 1);   /* full pipe: a wake-up is pending anyway */

        (void)r;
    }
}

static void
wd_on_forwarded(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    pid_t pid = wd_cmd_pid;

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
    wd_wake_up();
    errno = saved;
}

static void
wd_on_usr1(int sig)
{
    int saved = errno;

    (void)sig;
    wd_usr1 = 1;
    wd_wake_up();
    errno = saved;
}

static void
wd_on_chld(int sig)
{
    int saved = errno;

    (void)sig;
    wd_wake_up();
    errno = saved;
}

static int
wd_handled_sig(size_t i)
{
    if (i < WD_NFORWARDED)
        return wd_forwarded[i];
    return i == WD_NFORWARDED ? SIGUSR1 : SIGCHLD;
}

static void
wd_signals_install(struct wd *w)
{
    struct sigaction sa;
    size_t i;

    for (i = 0; i < WD_NHANDLED; i++) {
        int sig = wd_handled_sig(i);

        memset(&sa, 0, sizeof(sa));
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (i < WD_NFORWARDED) {
            sa.sa_flags |= SA_SIGINFO;
            sa.sa_sigaction = wd_on_forwarded;
        } else {
            sa.sa_handler = sig == SIGUSR1 ? wd_on_usr1 : wd_on_chld;
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
wd_signals_restore(struct wd *w)
{
    struct sigaction cur;
    size_t i;

    for (i = 0; i < WD_NHANDLED; i++) {
        int sig = wd_handled_sig(i);

        if (sigaction(sig, NULL, &cur) < 0)
            continue;
        if (cur.sa_sigaction == wd_on_forwarded || cur.sa_handler == wd_on_usr1 ||
            cur.sa_handler == wd_on_chld)
            sigaction(sig, &w->old_sa[i], NULL);
    }
}

/*
 * The exec error pipe: the child's errno when execvp failed, else end of file
 * (it is close-on-exec).  Only called when it is readable or the child is gone.
 */
static void
wd_read_errfd(struct wd *w)
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
wd_wait(struct wd *w, int64_t ns)
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
        wd_read_errfd(w);
}

/* ---------------------------------------------------------------- the process tree */

struct wd_pe {
    pid_t pid, ppid;
    char state;
};

/* pid, ppid and state of /proc/PID/stat; false if it is gone or unreadable. */
static bool
wd_read_stat(pid_t pid, struct wd_pe *pe)
{
    char path[64], buf[512];
    const char *p;
    ssize_t n;
    int fd, ppid;
    char st;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    do {
        n = read(fd, buf, sizeof(buf) - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* "pid (comm) S ppid ...": comm may hold spaces and ')', so look for the last ')' */
    p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %c %d", &st, &ppid) != 2)
        return false;
    pe->pid = pid;
    pe->ppid = ppid;
    pe->state = st;
    return true;
}

static int
wd_pe_cmp(const void *a, const void *b)
{
    const struct wd_pe *x = a, *y = b;

    if (x->ppid != y->ppid)
        return x->ppid < y->ppid ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process of the system (at most WD_MAX_PROCS), sorted by parent; the count. */
static size_t
wd_proc_list(struct wd_pe **out)
{
    struct wd_pe *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d = opendir("/proc");

    *out = NULL;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL && n < WD_MAX_PROCS) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        struct wd_pe pe;

        if (*end != '\0' || pid <= 0 || pid > INT_MAX || !wd_read_stat((pid_t)pid, &pe))
            continue;
        xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n++] = pe;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(*v), wd_pe_cmp);
    *out = v;
    return n;
}

/* Index of the first entry whose parent is ppid (n when none). */
static size_t
wd_first_child(const struct wd_pe *v, size_t n, pid_t ppid)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid].ppid < ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool
wd_is_preexisting(const struct wd *w, pid_t pid)
{
    size_t i;

    for (i = 0; i < w->npreexisting; i++) {
        if (w->preexisting[i] == pid)
            return true;
    }
    return false;
}

/*
 * The processes of the tree: our descendants (CMD, its descendants, and the
 * orphans we adopted as subreaper), without the children we had before CMD
 * and their descendants, and without zombies.  Breadth-first, so parents
 * come before their children.  *out (when out is not NULL) is malloc'd;
 * returns the count.
 */
static size_t
wd_tree(const struct wd *w, pid_t **out)
{
    struct wd_pe *v;
    size_t n = wd_proc_list(&v), nq = 0, head, nlive = 0, i;
    struct wd_pe *queue = xreallocarray(NULL, n + 1, sizeof(*queue));
    pid_t *live = out ? xreallocarray(NULL, n + 1, sizeof(*live)) : NULL;

    queue[nq].pid = w->self;
    queue[nq++].state = 'S';
    for (head = 0; head < nq; head++) {
        pid_t parent = queue[head].pid;

        for (i = wd_first_child(v, n, parent); i < n && v[i].ppid == parent; i++) {
            if (v[i].pid == w->self || nq > n)
                continue;       /* cannot happen in a tree; /proc may race: stay bounded */
            if (parent == w->self && wd_is_preexisting(w, v[i].pid))
                continue;
            queue[nq++] = v[i];
            if (v[i].state == 'Z' || v[i].state == 'X')
                continue;
            if (live)
                live[nlive] = v[i].pid;
            nlive++;
        }
    }
    if (out)
        *out = live;
    free(queue);
    free(v);
    return nlive;
}

static void
wd_note_preexisting(struct wd *w)
{
    struct wd_pe *v;
    size_t n = wd_proc_list(&v), i, cap = 0;

    for (i = wd_first_child(v, n, w->self); i < n && v[i].ppid == w->self; i++) {
        xgrow((void **)&w->preexisting, &cap, w->npreexisting + 1, sizeof(pid_t));
        w->preexisting[w->npreexisting++] = v[i].pid;
    }
    free(v);
}

/* ---------------------------------------------------------------- tracees */

static struct wd_tracee *
wd_tracee_find(struct wd *w, pid_t tid)
{
    size_t i;

    for (i = 0; i < w->nt; i++) {
        if (w->t[i].tid == tid)
            return &w->t[i];
    }
    return NULL;
}

/* The thread group of tid ("Tgid:" of /proc/TID/status), tid itself when unreadable. */
static pid_t
wd_tgid_of(pid_t tid)
{
    char path[64], line[128];
    pid_t tgid = tid;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    f = fopen(path, "re");
    if (!f)
        return tid;
    while (fgets(line, sizeof(line), f)) {
        int v;

        if (sscanf(line, "Tgid: %d", &v) == 1) {
            tgid = v;
            break;
        }
    }
    fclose(f);
    return tgid;
}

/* Add (or find) a tracee; pointers into w->t are invalid after this. */
static struct wd_tracee *
wd_tracee_add(struct wd *w, pid_t tid, pid_t tgid)
{
    struct wd_tracee *t = wd_tracee_find(w, tid);

    if (t)
        return t;
    xgrow((void **)&w->t, &w->cap_t, w->nt + 1, sizeof(*w->t));
    t = &w->t[w->nt++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    t->tgid = tgid;
    t->hold = w->hold_all || (w->hold_tgid > 0 && tgid == w->hold_tgid);
    return t;
}

static void
wd_tracee_drop(struct wd *w, struct wd_tracee *t)
{
    *t = w->t[--w->nt];
}

/* End the ptrace-stop of t: the signal it stopped with goes on unchanged. */
static void
wd_tracee_resume(struct wd_tracee *t)
{
    if (!t->stopped)
        return;
    if (t->listen)
        ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
    else
        ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)t->sig);
    /* ESRCH: killed meanwhile (SIGKILL); its exit is reported by waitpid */
    t->stopped = false;
    t->listen = false;
    t->sig = 0;
}

/* Detach a stopped tracee, handing it the signal it stopped with; it leaves the table. */
static void
wd_tracee_detach(struct wd *w, struct wd_tracee *t)
{
    /*
     * A tracee in a group-stop stays stopped after PTRACE_DETACH (the kernel
     * re-arms the group stop in __ptrace_unlink), so job control is intact.
     */
    ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)(t->listen ? 0 : t->sig));
    wd_tracee_drop(w, t);
}

static bool
wd_fatal_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS || sig == SIGFPE || sig == SIGILL;
}

static bool
wd_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void wd_on_fatal(struct wd *w, pid_t tid);

static void
wd_record_exit(struct wd *w, pid_t pid, int status)
{
    if (pid == w->child && !w->exited) {
        w->exited = true;
        w->status = status;
        wd_cmd_pid = 0;
    }
}

/* One waitpid() report of a tracee (or of an untraced child). */
static void
wd_trace_event(struct wd *w, pid_t pid, int status)
{
    struct wd_tracee *t = wd_tracee_find(w, pid);
    unsigned long msg = 0;
    int sig, ev;

    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (t)
            wd_tracee_drop(w, t);
        wd_record_exit(w, pid, status);
        return;
    }
    if (!WIFSTOPPED(status))
        return;
    if (!t)     /* an auto-attached child can report before its parent's fork event */
        t = wd_tracee_add(w, pid, wd_tgid_of(pid));
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
            wd_tracee_add(w, (pid_t)msg, wd_tgid_of((pid_t)msg));
            t = wd_tracee_find(w, pid);
        }
        break;
    case PTRACE_EVENT_EXEC: {
        /*
         * The other threads of the process are gone (a non-leader that
         * exec'd took the leader's tid, which is what waitpid reports): forget
         * them, and what we knew of the old program.
         */
        size_t i;

        for (i = 0; i < w->nt;) {
            if (w->t[i].tgid == pid && w->t[i].tid != pid)
                wd_tracee_drop(w, &w->t[i]);
            else
                i++;
        }
        for (i = 0; i < w->nfatal; i++) {
            if (w->fatal_done[i] == pid)
                w->fatal_done[i] = 0;
        }
        t = wd_tracee_find(w, pid);
        t->tgid = pid;
        break;
    }
    case PTRACE_EVENT_STOP:
        t->listen = wd_stop_signal(sig);    /* else SIGTRAP: interrupt or first stop */
        break;
    case 0:
        t->sig = sig;                       /* signal-delivery-stop */
        break;
    default:
        break;
    }
    if (w->detaching) {
        wd_tracee_detach(w, t);
        return;
    }
    if (t->hold)
        return;
    if (ev == 0 && wd_fatal_signal(sig)) {
        if (w->hold_tgid > 0 || w->hold_all)
            t->deferred = true;     /* one hold at a time: the main loop comes back to it */
        else
            wd_on_fatal(w, pid);
        return;
    }
    wd_tracee_resume(t);
}

/* The fatal signals that arrived while a process was held. */
static void
wd_run_deferred(struct wd *w)
{
    bool again = w->tracing;

    while (again) {
        size_t i;

        again = false;
        for (i = 0; i < w->nt; i++) {
            if (w->t[i].deferred) {
                w->t[i].deferred = false;
                wd_on_fatal(w, w->t[i].tid);
                again = true;   /* the table may have changed */
                break;
            }
        }
    }
}

/* Whether some thread of process pid is one of our tracees. */
static bool
wd_traces_process(const struct wd *w, pid_t pid)
{
    size_t i;

    for (i = 0; i < w->nt; i++) {
        if (w->t[i].tgid == pid)
            return true;
    }
    return false;
}

/* Reap every report pending now. */
static void
wd_reap(struct wd *w)
{
    for (;;) {
        int status;
        pid_t r = waitpid(-1, &status, WNOHANG | __WALL);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        if (w->tracing || w->nt > 0)
            wd_trace_event(w, r, status);
        else if (WIFEXITED(status) || WIFSIGNALED(status))
            wd_record_exit(w, r, status);
    }
}

static bool
wd_matches(const struct wd *w, const struct wd_tracee *t)
{
    return w->hold_all || t->tgid == w->hold_tgid;
}

/*
 * Stop every thread of process tgid (0: every tracee) and keep it stopped,
 * handling the other reports meanwhile.  Returns how many did not stop
 * within ms (they are then read while running: a torn snapshot).
 */
static size_t
wd_hold(struct wd *w, pid_t tgid, int ms)
{
    int64_t end = wd_now() + (int64_t)ms * NS_PER_MS;
    size_t i, pending;

    w->hold_tgid = tgid;
    w->hold_all = tgid == 0;
    for (i = 0; i < w->nt; i++) {
        struct wd_tracee *t = &w->t[i];

        if (!wd_matches(w, t))
            continue;
        t->hold = true;
        if (!t->stopped && ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0 && errno == ESRCH)
            t->hold = false;    /* dying: its exit report will drop it */
    }
    for (;;) {
        for (i = pending = 0; i < w->nt; i++)
            pending += wd_matches(w, &w->t[i]) && w->t[i].hold && !w->t[i].stopped;
        if (pending == 0)
            return 0;
        wd_reap(w);
        for (i = pending = 0; i < w->nt; i++)
            pending += wd_matches(w, &w->t[i]) && w->t[i].hold && !w->t[i].stopped;
        if (pending == 0)
            return 0;
        if (wd_now() >= end)
            return pending;
        wd_wait(w, 10 * NS_PER_MS);
    }
}

/* Let every held tracee go on as it would have. */
static void
wd_release(struct wd *w)
{
    size_t i;

    for (i = 0; i < w->nt; i++) {
        if (w->t[i].hold) {
            w->t[i].hold = false;
            wd_tracee_resume(&w->t[i]);
        }
    }
    w->hold_tgid = 0;
    w->hold_all = false;
}

/*
 * Stop tracing: every tracee is detached at a stop (now if it is stopped,
 * else after PTRACE_INTERRUPT), with the signal it stopped with.  Tracees
 * that do not stop within ms (uninterruptible sleep) are detached by the
 * main loop when they do, or by the kernel when we exit.
 */
static void
wd_detach_all(struct wd *w, int ms)
{
    size_t i;

    if (!w->tracing && w->nt == 0)
        return;
    w->tracing = false;
    w->detaching = true;
    for (i = 0; i < w->nt;) {
        if (w->t[i].stopped)
            wd_tracee_detach(w, &w->t[i]);
        else
            i++;
    }
    if (w->nt == 0)
        return;
    wd_hold(w, 0, ms);          /* each one is detached by wd_trace_event as it stops */
    w->hold_all = false;
    if (w->nt > 0)
        fprintf(stderr, "aiomon-attach: %zu thread(s) did not stop within %d ms; they are "
                "detached when they do\n", w->nt, ms);
}

/* ---------------------------------------------------------------- snapshots */

static void
wd_put(FILE *f, const struct snap_str *s, size_t cap)
{
    if (s->s)
        escape_text(f, s->s, s->len, cap);
    else
        fputs("?", f);
}

static void
wd_put_frame(FILE *f, const struct snap *s, size_t first, size_t count, bool python_only)
{
    size_t i;

    for (i = first; i < first + count && i < s->nframes; i++) {
        const struct snap_frame *fr = &s->frames[i];

        if (python_only && fr->kind != SNAP_FRAME_PYTHON)
            continue;
        wd_put(f, &fr->function, 80);
        fputs(" at ", f);
        wd_put(f, &fr->file, 160);
        fprintf(f, ":%d", fr->line);
        return;
    }
    fputs("(no Python frame)", f);
}

static void
wd_put_task(FILE *f, const struct snap *s, const struct snap_task *t)
{
    fputs("    task \"", f);
    wd_put(f, &t->name, 60);
    fprintf(f, "\" %s%s ", snap_task_state_name(t->state), t->running ? " running" : "");
    wd_put(f, &t->coro, 80);
    fputs(": ", f);
    wd_put_frame(f, s, t->frame_first, t->frame_count, false);
    fputc('\n', f);
}

/* The short summary of one snapshot, written to stderr in one piece. */
static void
wd_summary(const struct wd *w, const struct snap *s, const char *why, const char *files)
{
    char *buf = NULL;
    size_t len = 0, i, shown = 0, pass;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        f = stderr;
    fprintf(f, "aiomon-attach: %s: pid %d \"", why, s->pid);
    wd_put(f, &s->cmdline, 160);
    fprintf(f, "\" Python %s: %zu thread(s), %zu task(s)%s%s -> ",
            s->python_version, s->nthreads, s->ntasks,
            (s->flags & SNAP_F_PARTIAL) ? ", partial" : "",
            (s->flags & SNAP_F_TORN) ? ", torn" : "");
    escape_text(f, files, strlen(files), 2 * PATH_MAX);
    fputc('\n', f);
    (void)w;
    for (i = 0; i < s->nthreads && i < WD_SUMMARY_THREADS; i++) {
        const struct snap_thread *th = &s->threads[i];

        fprintf(f, "    thread %ld \"", th->tid);
        wd_put(f, &th->name, 32);
        fprintf(f, "\"%s: ", th->is_main ? " (main)" : "");
        wd_put_frame(f, s, th->frame_first, th->frame_count, true);
        fputc('\n', f);
    }
    if (s->nthreads > WD_SUMMARY_THREADS)
        fprintf(f, "    ... %zu more thread(s)\n", s->nthreads - WD_SUMMARY_THREADS);
    /* pending tasks first: they are the ones that can be stuck */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < s->ntasks && shown < WD_SUMMARY_TASKS; i++) {
            const struct snap_task *t = &s->tasks[i];

            if ((t->state == SNAP_TASK_PENDING) == (pass == 0)) {
                wd_put_task(f, s, t);
                shown++;
            }
        }
    }
    if (s->ntasks > shown)
        fprintf(f, "    ... %zu more task(s)\n", s->ntasks - shown);
    if (f != stderr) {
        fclose(f);
        fwrite(buf, 1, len, stderr);
        free(buf);
    }
}

static void
wd_note(pid_t pid, const char *what, int rc)
{
    const char *m = err_msg(rc);

    fprintf(stderr, "aiomon-attach: pid %d: %s: ", (int)pid, what);
    escape_text(stderr, m, strlen(m), 300);     /* may quote paths of the target */
    fputc('\n', stderr);
}

/*
 * Write OUTDIR/aiomon-PID.json and .txt (aiomon-PID-N.* for the N-th
 * snapshot of the same process: a SIGUSR1 snapshot is never overwritten by
 * the timeout's), then the summary, which names what was written and what
 * could not be.
 */
static void
wd_write(const struct wd *w, const struct snap *s, const char *why)
{
    static const enum snap_format fmts[] = { SNAP_FMT_JSON, SNAP_FMT_TEXT };
    static const char *const exts[] = { "json", "txt" };
    struct write_opts wo = { .stacks = true };
    char path[PATH_MAX + 8], base[PATH_MAX], written[2 * PATH_MAX + 64] = "";
    struct stat st;
    unsigned n;
    size_t i;

    for (n = 1; n < WD_MAX_SNAPSHOTS_PER_PID; n++) {
        if (n == 1)
            snprintf(base, sizeof(base), "%s/aiomon-%d", w->outdir, s->pid);
        else
            snprintf(base, sizeof(base), "%s/aiomon-%d-%u", w->outdir, s->pid, n);
        snprintf(path, sizeof(path), "%s.json", base);
        if (lstat(path, &st) != 0)
            break;
    }
    for (i = 0; i < 2; i++) {
        int rc;

        if (strlen(base) >= PATH_MAX - 8 ||
            snprintf(path, sizeof(path), "%s.%s", base, exts[i]) >= (int)sizeof(path)) {
            fprintf(stderr, "aiomon-attach: output directory name too long\n");
            return;
        }
        rc = snap_write_path(path, s, fmts[i], &wo);
        if (rc < 0) {
            wd_note(s->pid, "cannot write the snapshot", rc);
            continue;
        }
        snprintf(written + strlen(written), sizeof(written) - strlen(written), "%s%s",
                 written[0] ? ", " : "", path);
    }
    wd_summary(w, s, why, written[0] ? written : "nothing written (see above)");
}

/*
 * Snapshot one process of the tree.  traced: it is one of our tracees (hold
 * its threads and read it as pretraced).  Returns 1 when a snapshot was
 * written, 0 when it is not a Python process (or is gone), -1 on failure
 * (with a note).
 */
static int
wd_snapshot_one(struct wd *w, pid_t pid, bool traced, const char *why)
{
    struct capture_opts co = { .pretraced = traced, .layout = w->o->layout };
    struct capture *cap;
    struct snap *s;
    size_t left = 0;
    int rc;

    err_clear();
    cap = capture_open(pid, &co, &rc);
    if (!cap) {
        if (rc == -AIO_E_NOTPY || rc == -AIO_E_NOPROC)
            return 0;
        wd_note(pid, "no snapshot", rc);
        return -1;
    }
    if (traced)
        left = wd_hold(w, pid, WD_HOLD_MS);
    s = capture_take(cap, &rc);
    if (traced)
        wd_release(w);
    capture_close(cap);
    if (!s) {
        wd_note(pid, "no snapshot", rc);
        return -1;
    }
    if (left > 0)
        s->flags |= SNAP_F_TORN;
    wd_write(w, s, why);
    snap_free(s);
    return 1;
}

static void
wd_snapshot_tree(struct wd *w, const char *why)
{
    pid_t *pids = NULL;
    size_t n = wd_tree(w, &pids), i, done = 0;
    int64_t t0 = wd_now();

    for (i = 0; i < n; i++) {
        bool traced = w->tracing && wd_traces_process(w, pids[i]);

        done += wd_snapshot_one(w, pids[i], traced, why) > 0;
    }
    fprintf(stderr, "aiomon-attach: %s: %zu Python process(es) of %zu snapshotted in %.1f ms\n",
            why, done, n, (double)(wd_now() - t0) / NS_PER_MS);
    free(pids);
}

static bool
wd_fatal_seen(struct wd *w, pid_t tgid)
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
 * Thread tid of the tree is in signal-delivery-stop for a fatal signal.  If
 * its process is Python (and was not snapshotted for a fatal signal yet:
 * faulthandler re-raises), hold its other threads, read it, then let the
 * signal go on unchanged, so the process dies exactly as it would have
 * (same signal, same core dump).
 */
static void
wd_on_fatal(struct wd *w, pid_t tid)
{
    struct wd_tracee *t = wd_tracee_find(w, tid);
    struct capture_opts co = { .pretraced = true, .layout = w->o->layout };
    struct capture *cap = NULL;
    struct snap *s = NULL;
    char why[64];
    pid_t tgid = t->tgid;
    int sig = t->sig, rc;
    size_t left;

    if (wd_fatal_seen(w, tgid))
        goto resume;
    err_clear();
    cap = capture_open(tgid, &co, &rc);
    if (!cap) {
        if (rc != -AIO_E_NOTPY && rc != -AIO_E_NOPROC)
            wd_note(tgid, "no snapshot", rc);
        goto resume;
    }
    t->hold = true;
    left = wd_hold(w, tgid, WD_HOLD_MS);
    s = capture_take(cap, &rc);
    wd_release(w);              /* the faulting thread goes on with its signal: it dies */
    capture_close(cap);
    snprintf(why, sizeof(why), "SIG%s in thread %d",
             sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", (int)tid);
    if (!s) {
        wd_note(tgid, "no snapshot", rc);
        return;
    }
    if (left > 0)
        s->flags |= SNAP_F_TORN;
    wd_write(w, s, why);
    snap_free(s);
    return;
resume:
    t = wd_tracee_find(w, tid);
    if (t)
        wd_tracee_resume(t);
}

/* ---------------------------------------------------------------- timeout */

/* SIGTERM to the tree, SIGKILL after the grace period to what is left. */
static void
wd_terminate(struct wd *w)
{
    pid_t *pids = NULL;
    size_t n = wd_tree(w, &pids), i;
    int64_t end = wd_now() + (int64_t)(w->grace * NS_PER_SEC);
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

        wd_reap(w);
        if (w->exited && wd_tree(w, NULL) == 0)
            return;
        now = wd_now();
        if (now >= end)
            break;
        wd_wait(w, end - now < 50 * NS_PER_MS ? end - now : 50 * NS_PER_MS);
    }
    for (round = 0; round < WD_MAX_KILL_ROUNDS; round++) {
        n = wd_tree(w, &pids);
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
        wd_wait(w, 20 * NS_PER_MS);
        wd_reap(w);
    }
}

static void
wd_timeout(struct wd *w)
{
    fprintf(stderr, "aiomon-attach: timeout: \"");
    escape_text(stderr, w->o->argv[0], strlen(w->o->argv[0]), 100);
    fprintf(stderr, "\" still running after %g s\n", w->o->timeout);
    /* read every process the ordinary way, with nothing of ours attached */
    wd_detach_all(w, WD_DETACH_MS);
    wd_snapshot_tree(w, "timeout");
    if (!w->o->keep_running)
        wd_terminate(w);
}

/* ---------------------------------------------------------------- start */

/* In the child: our signal state undone, wait for the tracer (if any), exec. */
static void
wd_child_exec(struct wd *w, int errfd, int gofd)
{
    size_t i;
    int e;

    for (i = 0; i < WD_NHANDLED; i++)
        sigaction(wd_handled_sig(i), &w->old_sa[i], NULL);
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
wd_start(struct wd *w)
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
        wd_child_exec(w, errp[1], gop[0]);
    }
    e = errno;
    if (pid > 0) {
        w->child = pid;
        wd_cmd_pid = pid;
    }
    sigprocmask(SIG_SETMASK, &w->old_mask, NULL);
    errno = e;
    if (pid < 0)
        goto fail;
    close(errp[1]);
    w->errfd = errp[0];
    if (gop[0] >= 0) {
        long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                    PTRACE_O_TRACEEXEC;

        close(gop[0]);
        if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) == 0) {
            w->tracing = true;
            wd_tracee_add(w, pid, pid);
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
wd_outdir(const char *dir)
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
wd_exit_status(int status)
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
    struct wd w;
    int ret = 2;

    memset(&w, 0, sizeof(w));
    w.o = o;
    w.outdir = o->outdir ? o->outdir : ".";
    w.grace = o->grace > 0 ? (o->grace < WD_MAX_SECONDS ? o->grace : WD_MAX_SECONDS)
                           : WD_DEFAULT_GRACE;
    w.self = getpid();
    w.errfd = -1;
    w.wake[0] = w.wake[1] = -1;
    if (!o->argv || !o->argv[0]) {
        fprintf(stderr, "aiomon-attach: --run needs a command\n");
        return 2;
    }
    if (wd_outdir(w.outdir) < 0)
        return 2;
    if (pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "aiomon-attach: cannot create a pipe: %s\n", strerror(errno));
        return 2;
    }
    sigprocmask(SIG_SETMASK, NULL, &w.old_mask);
    if (prctl(PR_GET_CHILD_SUBREAPER, &w.old_subreaper) < 0)
        w.old_subreaper = 0;
    wd_note_preexisting(&w);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    wd_usr1 = 0;
    wd_wake_fd = w.wake[1];
    wd_signals_install(&w);
    if (wd_start(&w) < 0)
        goto out;
    if (o->timeout > 0)     /* at most WD_MAX_SECONDS: the deadline stays an int64 of ns */
        w.deadline = wd_now() +
                     (int64_t)((o->timeout < WD_MAX_SECONDS ? o->timeout : WD_MAX_SECONDS) *
                               NS_PER_SEC);

    for (;;) {
        int64_t now;

        wd_reap(&w);
        wd_run_deferred(&w);
        if (w.exited)
            break;
        if (!w.tracing && w.nt == 0 && proc_exists(w.child) < 0) {
            int st;

            /* a capture's stop reaped it (it died while being seized): its status is kept */
            if (live_take_reaped(w.child, &st)) {
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
        if (wd_usr1) {
            wd_usr1 = 0;
            wd_snapshot_tree(&w, "SIGUSR1");
            continue;
        }
        now = wd_now();
        if (w.deadline && !w.timed_out && now >= w.deadline) {
            w.timed_out = true;
            wd_timeout(&w);
            continue;
        }
        wd_wait(&w, w.deadline && !w.timed_out ? w.deadline - now : -1);
    }
    if (w.errfd >= 0)
        wd_read_errfd(&w);      /* CMD is gone: no writer is left, this cannot block */
    if (w.start_errno) {
        fprintf(stderr, "aiomon-attach: cannot run \"");
        escape_text(stderr, o->argv[0], strlen(o->argv[0]), 200);
        fprintf(stderr, "\": %s\n", strerror(w.start_errno));
        /* as timeout(1) and shells: 127 not found, 126 found but not runnable */
        ret = w.start_errno == ENOENT || w.start_errno == ENOTDIR ? 127 : 126;
    } else {
        ret = w.status < 0 ? 2 : wd_exit_status(w.status);
    }
out:
    wd_cmd_pid = 0;
    wd_detach_all(&w, WD_DETACH_MS);
    wd_signals_restore(&w);
    wd_wake_fd = -1;
    prctl(PR_SET_CHILD_SUBREAPER, w.old_subreaper);
    if (w.errfd >= 0)
        close(w.errfd);
    close(w.wake[0]);
    close(w.wake[1]);
    free(w.t);
    free(w.fatal_done);
    free(w.preexisting);
    return ret;
}
