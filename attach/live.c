#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/user.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/err.h"
#include "../common/xalloc.h"
#include "guard.h"
#include "proc.h"
#include "tracer.h"

struct live {
    char root[32];              /* "/proc/PID/root": the target's view of the file system */
    long *ns_map;               /* pairs (namespace tid, host tid), built on first use */
    size_t ns_n;
    bool ns_done;
    bool nonblocking;
    bool maps_fresh;            /* src->maps was read by live_open, not used for a stop yet */
    bool stopped;
    int memfd;                  /* /proc/PID/mem fallback, -1 until needed */
    bool use_memfd;
    struct tracer *tracer;      /* owned: stops the process for a snapshot */
    struct tracer *held;        /* borrowed: the tree tracer that holds the process (--run) */
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
    char comm[64] = "";

    while (tracer > 0 && waited < LIVE_OTHER_WAIT_MS) {
        proc_thread_comm(tracer, tracer, comm, sizeof(comm));
        if (strncmp(comm, "aiomon-attach", 13) != 0)
            break;
        usleep(10000);
        waited += 10;
        tracer = proc_tracer_pid(pid);
    }
    return tracer;
}

static void
live_resume(struct source *src)
{
    struct live *lv = src->priv;

    if (!lv || !lv->stopped)
        return;
    lv->stopped = false;
    /* a process held by a tree tracer is its owner's to let go (and to time) */
    if (!lv->tracer)
        return;
    tracer_detach_all(lv->tracer, 0);
    src->stats.stopped_ns += clock_now_ns(CLOCK_MONOTONIC) - lv->stop_t0;
}

/* The threads as they are now (readers match tids), without stopping them. */
static void
live_list_tids(struct source *src)
{
    long *tids = NULL, n = proc_list_tids(src->pid, &tids);

    if (n > 0) {
        free(src->tids);
        src->tids = tids;
        src->ntids = (size_t)n;
    } else {
        free(tids);
    }
}

static int
live_stop(struct source *src)
{
    struct live *lv = src->priv;
    int rc;

    if (lv->stopped)
        return 0;
    if (lv->nonblocking) {
        live_list_tids(src);
        return 0;
    }
    lv->stop_t0 = clock_now_ns(CLOCK_MONOTONIC);
    if (lv->held) {
        /* the tree tracer holds what it could stop; the threads as /proc lists them */
        lv->stopped = true;
        live_list_tids(src);
        return 0;
    }
    rc = tracer_stop_process(lv->tracer, src->pid);
    if (rc < 0)
        return rc;
    lv->stopped = true;
    free(src->tids);
    /* the threads held stopped, main thread first (source.h) */
    src->ntids = tracer_stopped_tids(lv->tracer, src->pid, &src->tids);
    return 0;
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
    tracer_free(lv->tracer);
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

    /* only threads held stopped have stable registers */
    if (!lv || !lv->stopped || size < sizeof(r) ||
        !tracer_is_stopped(lv->held ? lv->held : lv->tracer, tid))
        return -AIO_E_FAULT;
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

    if (lv->held)
        return SOURCE_HELD;
    return lv->nonblocking ? SOURCE_RUNNING : SOURCE_STOPPED;
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
    struct tracer *held;
    struct live *lv;
    int rc, tracer;

    source_init(src, &live_ops, pid);
    if (pid <= 0 || proc_exists(pid) < 0)
        return err_set(AIO_E_NOPROC, "no such process: %d", pid);
    if (pid == getpid())
        return err_set(AIO_E_USAGE, "refusing to attach to myself (pid %d)", pid);
    held = nonblocking ? NULL : tracer_holder(pid);
    tracer = nonblocking || held ? 0 : live_wait_other_reader(pid);
    if (tracer > 0)
        return tracer_traced_error(pid, tracer);
    rc = maps_read_pid(&src->maps, pid);
    if (rc == -AIO_E_PERM)
        return err_set(AIO_E_PERM, "cannot read memory map of process %d: permission denied; %s",
                       pid, proc_perm_hint(pid));
    if (rc < 0)
        return err_set(AIO_E_NOPROC, "no such process: %d", pid);
    lv = xcalloc(1, sizeof(*lv));
    lv->nonblocking = nonblocking;
    lv->held = held;
    if (!nonblocking && !held)
        lv->tracer = tracer_new(NULL);
    lv->maps_fresh = true;
    lv->memfd = -1;
    snprintf(lv->root, sizeof(lv->root), "/proc/%d/root", pid);
    src->priv = lv;
    guard_install();
    return 0;
}
