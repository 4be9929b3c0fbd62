#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/err.h"
#include "../common/xalloc.h"
#include "guard.h"
#include "proc.h"

/* Re-list /proc/PID/task at most this often while threads keep appearing. */
#define LIVE_MAX_RELIST 50

struct live_tid {
    long tid;
    bool was_stopped;           /* it was in a job-control stop before we came */
    int pending_sig;            /* signal we intercepted while waiting; re-inject at detach */
};

struct live {
    char root[32];              /* "/proc/PID/root": the target's view of the file system */
    long *ns_map;               /* pairs (namespace tid, host tid), built on first use */
    size_t ns_n;
    bool ns_done;
    bool nonblocking;
    bool held;                  /* PRETRACED: the caller holds every thread stopped (watchdog) */
    bool maps_fresh;            /* src->maps was read by live_open, not used for a stop yet */
    bool stopped;
    int memfd;                  /* /proc/PID/mem fallback, -1 until needed */
    bool use_memfd;
    struct live_tid *t;
    size_t n, cap;
    uint64_t stop_t0;
};

static int
live_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct live *lv = src->priv;
    struct iovec local = { buf, len };
    struct iovec remote = { (void *)(uintptr_t)addr, len };
    ssize_t n;

    if (!lv->use_memfd) {
        n = process_vm_readv(src->pid, &local, 1, &remote, 1, 0);
        if (n == (ssize_t)len)
            return 0;
        if (n >= 0 || errno == EFAULT || errno == EIO)
            return -AIO_E_FAULT;
        if (errno == ESRCH)
            return -AIO_E_EXITED;
        /* EPERM / ENOSYS (seccomp, old kernels): fall back to /proc/PID/mem */
        lv->use_memfd = true;
    }
    if (lv->memfd < 0) {
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/mem", src->pid);
        lv->memfd = open(path, O_RDONLY | O_CLOEXEC);
        if (lv->memfd < 0)
            return errno == ENOENT ? -AIO_E_EXITED : -AIO_E_PERM;
    }
    n = pread(lv->memfd, buf, len, (off_t)addr);
    return n == (ssize_t)len ? 0 : -AIO_E_FAULT;
}

static long
live_readv(struct source *src, const struct iovec *local, const struct iovec *remote, size_t n)
{
    struct live *lv = src->priv;
    ssize_t got;

    if (lv->use_memfd || n == 0)
        return 0;           /* the caller reads each range on its own */
    got = process_vm_readv(src->pid, local, n, remote, n, 0);
    if (got >= 0)
        return got;
    if (errno == ESRCH)
        return -AIO_E_EXITED;
    return 0;
}

static bool
live_has(const struct live *lv, long tid)
{
    size_t i;

    for (i = 0; i < lv->n; i++) {
        if (lv->t[i].tid == tid)
            return true;
    }
    return false;
}

/* Whether process pid is an aiomon-attach (its comm). */
static bool
live_is_aiomon(int pid)
{
    char comm[64] = "";

    proc_thread_comm(pid, pid, comm, sizeof(comm));
    return strncmp(comm, "aiomon-attach", 13) == 0;
}

/*
 * Another aiomon-attach (a live view refreshing, a --watch) holds a process
 * only for the few milliseconds of its stop: wait for it to let go, at most
 * LIVE_OTHER_WAIT_MS.  Returns the tracer still there, 0 when none.
 */
#define LIVE_OTHER_WAIT_MS 3000

static int
live_wait_other_reader(int pid)
{
    int tracer = proc_tracer_pid(pid), waited = 0;

    while (tracer > 0 && live_is_aiomon(tracer) && waited < LIVE_OTHER_WAIT_MS) {
        usleep(10000);
        waited += 10;
        tracer = proc_tracer_pid(pid);
    }
    return tracer;
}

static int
live_traced_error(int pid, int tracer)
{
    if (live_is_aiomon(tracer))
        return err_set(AIO_E_TRACED, "process %d is being read by another aiomon-attach "
                       "(pid %d), which did not let go within %d s (a --run --on-signal "
                       "watchdog holds its tree); try again, or use --nonblocking", pid, tracer,
                       LIVE_OTHER_WAIT_MS / 1000);
    return err_set(AIO_E_TRACED, "process %d is already traced by process %d (a debugger?); "
                   "detach it first, or use --nonblocking", pid, tracer);
}

/*
 * Exit statuses taken by live_wait_stop's waitpid: when the tool is the
 * target's parent (--run), a process that exits while it is being seized is
 * reaped here, and its parent-side wait would find nothing.  Kept for
 * live_take_reaped; bounded (the oldest are dropped).
 */
#define LIVE_MAX_REAPED 64
static struct {
    pid_t pid;
    int status;
} live_reaped[LIVE_MAX_REAPED];
static size_t live_nreaped;

static void
live_note_reaped(pid_t pid, int status)
{
    if (live_nreaped == LIVE_MAX_REAPED) {
        memmove(&live_reaped[0], &live_reaped[1], sizeof(live_reaped[0]) * (LIVE_MAX_REAPED - 1));
        live_nreaped--;
    }
    live_reaped[live_nreaped].pid = pid;
    live_reaped[live_nreaped].status = status;
    live_nreaped++;
}

bool
live_take_reaped(int pid, int *status)
{
    size_t i;

    for (i = 0; i < live_nreaped; i++) {
        if (live_reaped[i].pid != (pid_t)pid)
            continue;
        *status = live_reaped[i].status;
        memmove(&live_reaped[i], &live_reaped[i + 1],
                sizeof(live_reaped[0]) * (live_nreaped - i - 1));
        live_nreaped--;
        return true;
    }
    return false;
}

/* Give up on a thread that neither stops nor goes away within this long. */
#define LIVE_STOP_TIMEOUT_NS 2000000000ull

/*
 * Wait until tid reports a stop; false if it exited meanwhile (or never
 * stopped).  Not a blocking waitpid: when a process exits (or a non-leader
 * thread execs) while we seize it, a zombie leader is not reported while
 * other traced threads are unreaped, and a blocking wait would hang for ever.
 * So: poll with WNOHANG, and between polls look at the thread's state.
 */
static bool
live_wait_stop(int pid, struct live_tid *t)
{
    uint64_t deadline = clock_now_ns(CLOCK_MONOTONIC) + LIVE_STOP_TIMEOUT_NS;
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
                live_note_reaped(r, status);    /* the process itself: its status is kept */
            return false;
        }
        if (!WIFSTOPPED(status))
            continue;
        if ((status >> 16) == PTRACE_EVENT_STOP)
            return true;    /* our interrupt, or a group-stop */
        /*
         * A signal-delivery-stop came first: the thread is stopped now, which
         * is all we need.  Keep the signal and hand it back at detach, so the
         * target sees exactly what it would have seen without us.
         */
        t->pending_sig = WSTOPSIG(status);
        return true;
    }
}

static void
live_detach_one(struct source *src, struct live_tid *t)
{
    int sig = t->pending_sig;

    if (t->was_stopped && sig == 0)
        sig = SIGSTOP;      /* it was job-control stopped before us: leave it so */
    if (ptrace(PTRACE_DETACH, (pid_t)t->tid, NULL, (void *)(long)sig) < 0 && errno == ESRCH) {
        /*
         * ESRCH: exited, or not in a ptrace-stop (a SIGKILL raced us).  The kernel
         * detaches a dying tracee on its own; nothing else to do.
         */
        (void)src;
    }
    guard_remove(t->tid);
}

static void
live_resume(struct source *src)
{
    struct live *lv = src->priv;
    int saved = errno;
    size_t i;

    if (!lv || lv->n == 0)
        return;
    for (i = 0; i < lv->n; i++)
        live_detach_one(src, &lv->t[i]);
    if (lv->stopped)
        src->stats.stopped_ns += clock_now_ns(CLOCK_MONOTONIC) - lv->stop_t0;
    lv->n = 0;
    lv->stopped = false;
    errno = saved;
}

/*
 * PTRACE_SEIZE failed with EPERM.  That is not always a permission problem:
 * a thread that has begun to exit refuses too, and so do the threads of a
 * process in the middle of an exec.  Give such a thread a few milliseconds,
 * seizing again; returns 0 when it was seized after all, 1 when the thread is
 * gone (skip it), or a negative AIO_E_* code with the message.
 */
static int
live_seize_eperm(struct source *src, long tid)
{
    struct live *lv = src->priv;
    int i;

    /* after an exec the leader's pid names a thread we already hold under its old tid */
    if (tid == src->pid && proc_tracer_pid(src->pid) == getpid())
        return err_set(AIO_E_EXITED, "process %d ran exec while being attached", src->pid);
    for (i = 0; i < 10; i++) {
        char st = proc_thread_state(src->pid, tid);

        if (proc_gone(src->pid))
            return err_set(AIO_E_EXITED, "process %d exited while being attached", src->pid);
        if (st == 0 || st == 'Z' || st == 'X')
            return 1;       /* only this thread is on its way out */
        usleep(2000);
        if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) == 0)
            return 0;
        if (errno == ESRCH)
            return 1;
    }
    if (lv->n > 0)
        /* we may trace this process (we hold some of its threads): it is changing */
        return err_set(AIO_E_EXITED, "process %d exited or ran exec while being attached",
                       src->pid);
    if (proc_tracer_pid(src->pid) > 0)
        return live_traced_error(src->pid, proc_tracer_pid(src->pid));
    return err_set(AIO_E_PERM, "cannot attach to process %d: permission denied; %s",
                   src->pid, proc_perm_hint(src->pid));
}

static int
live_seize(struct source *src, long tid)
{
    struct live *lv = src->priv;
    struct live_tid *t;
    char st = proc_thread_state(src->pid, tid);

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
        rc = live_seize_eperm(src, tid);
        if (rc != 0) {
            guard_remove(tid);
            return rc;
        }
    }
    xgrow((void **)&lv->t, &lv->cap, lv->n + 1, sizeof(*lv->t));
    t = &lv->t[lv->n++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    t->was_stopped = (st == 'T');
    if (ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL) < 0 && errno != ESRCH)
        return err_set(AIO_E_INTERNAL, "cannot interrupt thread %ld: %s", tid, strerror(errno));
    return 0;
}

static int
live_stop(struct source *src)
{
    struct live *lv = src->priv;
    size_t i, waited = 0, keep;
    int round, rc = 0;

    if (lv->stopped)
        return 0;
    if (lv->nonblocking) {
        /* not stopped, but the threads as they are now (readers match tids) */
        long *tids = NULL, n = proc_list_tids(src->pid, &tids);

        if (n > 0) {
            free(src->tids);
            src->tids = tids;
            src->ntids = (size_t)n;
        } else {
            free(tids);
        }
        return 0;
    }
    lv->stop_t0 = clock_now_ns(CLOCK_MONOTONIC);
    lv->stopped = true;
    /* threads may start while we attach: re-list until a round adds nothing */
    for (round = 0; round < LIVE_MAX_RELIST; round++) {
        long *tids = NULL;
        long n = proc_list_tids(src->pid, &tids), j;
        bool added = false;

        if (n < 0) {
            rc = n == -AIO_E_PERM ? err_set(AIO_E_PERM, "cannot list threads of process %d; %s",
                                            src->pid, proc_perm_hint(src->pid))
                                  : err_set(AIO_E_EXITED, "process %d exited", src->pid);
            goto fail;
        }
        if (n == 0) {
            free(tids);
            rc = err_set(AIO_E_EXITED, "process %d exited", src->pid);
            goto fail;
        }
        for (j = 0; j < n; j++) {
            if (live_has(lv, tids[j]))
                continue;
            rc = live_seize(src, tids[j]);
            if (rc < 0) {
                free(tids);
                goto fail;
            }
            added = added || rc == 0;
        }
        free(tids);
        rc = 0;
        /* wait for the stops of the threads seized in this round */
        for (; waited < lv->n; waited++) {
            if (!live_wait_stop(src->pid, &lv->t[waited]))
                lv->t[waited].tid = -lv->t[waited].tid;   /* exited: mark */
        }
        if (!added)
            break;
    }
    /* drop threads that exited while we attached */
    for (i = keep = 0; i < lv->n; i++) {
        if (lv->t[i].tid > 0)
            lv->t[keep++] = lv->t[i];
        else
            guard_remove(-lv->t[i].tid);
    }
    lv->n = keep;
    if (keep == 0) {
        rc = err_set(AIO_E_EXITED, "process %d exited while being attached", src->pid);
        goto fail;
    }
    /* the threads held stopped, main thread first (source.h) */
    src->tids = xreallocarray(src->tids, keep, sizeof(*src->tids));
    src->ntids = 0;
    for (i = 0; i < keep; i++) {
        if (lv->t[i].tid == src->pid)
            src->tids[src->ntids++] = lv->t[i].tid;
    }
    for (i = 0; i < keep; i++) {
        if (lv->t[i].tid != src->pid)
            src->tids[src->ntids++] = lv->t[i].tid;
    }
    return 0;
fail:
    live_resume(src);
    return rc;
}

/*
 * Libraries may have been loaded since the last snapshot: the maps are read
 * again before each stop, not under it (a process with 200,000 mappings
 * takes half a second to list them).
 */
static int
live_refresh_maps(struct source *src)
{
    struct live *lv = src->priv;
    struct maps fresh;
    int rc;

    if (lv->maps_fresh) {
        lv->maps_fresh = false;     /* just read by live_open */
        return 0;
    }
    rc = maps_read_pid(&fresh, src->pid);
    if (rc < 0)
        return rc;
    maps_free(&src->maps);
    src->maps = fresh;
    return 0;
}

static void
live_close(struct source *src)
{
    struct live *lv = src->priv;

    if (!lv)
        return;
    live_resume(src);
    if (lv->memfd >= 0)
        close(lv->memfd);
    free(lv->ns_map);
    free(lv->t);
    free(lv);
    src->priv = NULL;
}

static void
live_thread_name(struct source *src, long tid, char *buf, size_t size)
{
    proc_thread_comm(src->pid, tid, buf, size);
}

static int
live_thread_regs(struct source *src, long tid, void *regs, size_t size)
{
    struct live *lv = src->priv;
    struct user_regs_struct r;

    if (!lv || !lv->stopped || !live_has(lv, tid) || size < sizeof(r))
        return -AIO_E_FAULT;    /* only threads we hold stopped have stable registers */
    if (ptrace(PTRACE_GETREGS, (pid_t)tid, NULL, &r) < 0)
        return errno == ESRCH ? -AIO_E_EXITED : -AIO_E_FAULT;
    memcpy(regs, &r, sizeof(r));
    return 0;
}

/* Containers: the target knows its threads by the tids of its own PID namespace. */
static long
live_host_tid(struct source *src, long ns_tid)
{
    struct live *lv = src->priv;
    size_t i;

    if (!lv->ns_done) {
        long *tids = NULL, n = proc_list_tids(src->pid, &tids), j;

        lv->ns_done = true;
        if (n > 0) {
            lv->ns_map = xcalloc((size_t)n * 2, sizeof(*lv->ns_map));
            for (j = 0; j < n; j++) {
                lv->ns_map[2 * j] = proc_ns_tid(src->pid, tids[j]);
                lv->ns_map[2 * j + 1] = tids[j];
            }
            lv->ns_n = (size_t)n;
        }
        free(tids);
    }
    for (i = 0; i < lv->ns_n; i++) {
        if (lv->ns_map[2 * i] == ns_tid)
            return lv->ns_map[2 * i + 1];
    }
    return ns_tid;
}

static bool
live_is_file(const char *p, const struct map_entry *m)
{
    struct stat st;

    if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
        return false;
    return !m || (st.st_ino == m->inode && st.st_dev == m->dev);
}

/* The candidates of source_host_path for a live process (see source.h). */
static int
live_host_path(struct source *src, const char *path, char *out, size_t size)
{
    struct live *lv = src->priv;
    const struct map_entry *m = NULL;
    size_t i;

    for (i = 0; i < src->maps.n; i++) {
        if (src->maps.v[i].inode && strcmp(src->maps.v[i].path, path) == 0) {
            m = &src->maps.v[i];
            break;
        }
    }
    if ((size_t)snprintf(out, size, "%s%s", lv->root, path) < size && live_is_file(out, m))
        return 0;
    if (path[0] == '/' && live_is_file(path, m)) {
        if ((size_t)snprintf(out, size, "%s", path) < size)
            return 0;
    }
    if (m) {
        char mf[96];

        snprintf(mf, sizeof(mf), "/proc/%d/map_files/%llx-%llx", src->pid,
                 (unsigned long long)m->start, (unsigned long long)m->end);
        if (live_is_file(mf, m) && (size_t)snprintf(out, size, "%s", mf) < size)
            return 0;
    }
    snprintf(out, size, "%s%s", lv->root, path);
    return m ? -AIO_E_IO : 0;
}

static size_t
live_cmdline(struct source *src, char *buf, size_t size)
{
    return proc_cmdline(src->pid, buf, size);
}

static int
live_thread_cpu(struct source *src, long tid, uint64_t *ns)
{
    return proc_thread_cpu_ns(src->pid, tid, ns);
}

static bool
live_alive(struct source *src)
{
    return !proc_gone(src->pid);
}

static enum source_motion
live_motion(struct source *src)
{
    struct live *lv = src->priv;

    return lv->nonblocking && !lv->held ? SOURCE_RUNNING : SOURCE_STOPPED;
}

static const struct source_ops live_ops = {
    .host_tid = live_host_tid,
    .thread_name = live_thread_name,
    .thread_regs = live_thread_regs,
    .read = live_read,
    .readv = live_readv,
    .stop = live_stop,
    .resume = live_resume,
    .close = live_close,
    .refresh_maps = live_refresh_maps,
    .host_path = live_host_path,
    .cmdline = live_cmdline,
    .thread_cpu = live_thread_cpu,
    .alive = live_alive,
    .motion = live_motion,
};

int
live_open(struct source *src, int pid, bool nonblocking)
{
    struct live *lv;
    int rc, tracer;

    source_init(src, &live_ops, pid);
    if (pid <= 0 || proc_exists(pid) < 0)
        return err_set(AIO_E_NOPROC, "no such process: %d", pid);
    if (pid == getpid())
        return err_set(AIO_E_USAGE, "refusing to attach to myself (pid %d)", pid);
    tracer = nonblocking ? 0 : live_wait_other_reader(pid);
    if (tracer > 0)
        return live_traced_error(pid, tracer);
    rc = maps_read_pid(&src->maps, pid);
    if (rc == -AIO_E_PERM)
        return err_set(AIO_E_PERM, "cannot read memory map of process %d: permission denied; %s",
                       pid, proc_perm_hint(pid));
    if (rc < 0)
        return err_set(AIO_E_NOPROC, "no such process: %d", pid);
    lv = xcalloc(1, sizeof(*lv));
    lv->nonblocking = nonblocking;
    lv->maps_fresh = true;
    lv->memfd = -1;
    snprintf(lv->root, sizeof(lv->root), "/proc/%d/root", pid);
    src->priv = lv;
    guard_install();
    return 0;
}

/* PRETRACED (goes away with the watchdog's held threads, issue 14 "one tracer"). */
void
live_hold(struct source *src)
{
    struct live *lv = src->priv;

    if (src->ops == &live_ops && lv)
        lv->held = true;
}
