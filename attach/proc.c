#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define PROC_MAX_TIDS 100000
/* Processes read from /proc for one walk of the tree. */
#define PROC_MAX_PROCS 65536

int
proc_exists(int pid)
{
    char path[64];
    struct stat st;

    if (pid <= 0)
        return -AIO_E_NOPROC;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    return stat(path, &st) == 0 ? 0 : -AIO_E_NOPROC;
}

bool
proc_gone(int pid)
{
    char st = proc_thread_state(pid, pid);

    return proc_exists(pid) < 0 || st == 0 || st == 'Z' || st == 'X';
}

static ssize_t
proc_read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n, got = 0;

    if (fd < 0)
        return -1;
    while ((size_t)got + 1 < size) {
        n = read(fd, buf + got, size - 1 - (size_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

int
proc_tracer_pid(int pid)
{
    char path[64], buf[4096], *p;

    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if (proc_read_file(path, buf, sizeof(buf)) < 0)
        return -1;
    p = strstr(buf, "\nTracerPid:");
    if (!p)
        return -1;
    return atoi(p + strlen("\nTracerPid:"));
}

/*
 * State letter and parent of a stat file ("pid (comm) S ppid ..."); false if
 * it is gone or unreadable.  comm may contain spaces and parentheses: the
 * state follows the LAST ')'.
 */
static bool
proc_read_stat(const char *path, char *state, int *ppid)
{
    char buf[1024], *p;
    int pp;
    char st;

    if (proc_read_file(path, buf, sizeof(buf)) <= 0)
        return false;
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || sscanf(p + 2, "%c %d", &st, &pp) != 2)
        return false;
    *state = st;
    *ppid = pp;
    return true;
}

char
proc_thread_state(int pid, long tid)
{
    char path[96], st;
    int ppid;

    snprintf(path, sizeof(path), "/proc/%d/task/%ld/stat", pid, tid);
    return proc_read_stat(path, &st, &ppid) ? st : 0;
}

int
proc_tgid(long tid)
{
    char path[64], buf[4096], *p;

    snprintf(path, sizeof(path), "/proc/%ld/status", tid);
    if (proc_read_file(path, buf, sizeof(buf)) < 0)
        return (int)tid;
    p = strstr(buf, "\nTgid:");
    return p ? atoi(p + strlen("\nTgid:")) : (int)tid;
}

int
proc_thread_cpu_ns(int pid, long tid, uint64_t *ns)
{
    static long hz;
    char path[96], buf[1024], *p, *end;
    unsigned long long utime, stime;
    int field;

    if (hz <= 0)
        hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        return -AIO_E_NOPROC;
    snprintf(path, sizeof(path), "/proc/%d/task/%ld/stat", pid, tid);
    if (proc_read_file(path, buf, sizeof(buf)) <= 0)
        return -AIO_E_NOPROC;
    /* fields after comm (which may hold spaces and ')'): state is field 3, utime 14, stime 15 */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -AIO_E_NOPROC;
    p += 2;
    for (field = 3; field < 14 && *p; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -AIO_E_NOPROC;
        p++;
    }
    utime = strtoull(p, &end, 10);
    if (end == p || *end != ' ')
        return -AIO_E_NOPROC;
    p = end + 1;
    stime = strtoull(p, &end, 10);
    if (end == p)
        return -AIO_E_NOPROC;
    *ns = (uint64_t)(utime + stime) * (1000000000ull / (unsigned long long)hz);
    return 0;
}

void
proc_thread_comm(int pid, long tid, char *buf, size_t size)
{
    char path[96];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/task/%ld/comm", pid, tid);
    n = proc_read_file(path, buf, size);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    if (buf[n - 1] == '\n')
        buf[n - 1] = '\0';
}

size_t
proc_cmdline(int pid, char *buf, size_t size)
{
    char path[64];
    ssize_t n, i;

    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    n = proc_read_file(path, buf, size);
    if (n <= 0) {
        buf[0] = '\0';
        return 0;
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (i = 0; i < n; i++) {
        if (buf[i] == '\0')
            buf[i] = ' ';
    }
    buf[n] = '\0';
    return (size_t)n;
}

static int
proc_tid_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return x < y ? -1 : x > y;
}

long
proc_list_tids(int pid, long **out)
{
    char path[64];
    DIR *d;
    struct dirent *de;
    long *v = NULL;
    size_t n = 0, cap = 0, i;

    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    d = opendir(path);
    if (!d)
        return errno == EACCES ? -AIO_E_PERM : -AIO_E_NOPROC;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long tid = strtol(de->d_name, &end, 10);

        if (*end != '\0' || tid <= 0)
            continue;
        if (n >= PROC_MAX_TIDS)
            break;
        xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n++] = tid;
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof(*v), proc_tid_cmp);
    /* main thread (tid == pid) first */
    for (i = 0; i < n; i++) {
        if (v[i] == pid && i != 0) {
            memmove(v + 1, v, i * sizeof(*v));
            v[0] = pid;
            break;
        }
    }
    *out = v;
    return (long)n;
}

long
proc_ns_tid(int pid, long tid)
{
    char path[96], buf[4096], *p, *end;
    long v = 0;

    snprintf(path, sizeof(path), "/proc/%d/task/%ld/status", pid, tid);
    if (proc_read_file(path, buf, sizeof(buf)) <= 0)
        return 0;
    p = strstr(buf, "\nNSpid:");
    if (!p)
        return tid;     /* kernels before 4.1: no namespaces to translate */
    p += strlen("\nNSpid:");
    end = strchr(p, '\n');
    if (end)
        *end = '\0';
    for (;;) {
        char *q;
        long x = strtol(p, &q, 10);

        if (q == p)
            break;
        v = x;
        p = q;
    }
    return v;
}

const char *
proc_perm_hint(int pid)
{
    static char hint[256];
    char buf[64];
    int scope = -1;

    if (proc_read_file("/proc/sys/kernel/yama/ptrace_scope", buf, sizeof(buf)) > 0)
        scope = atoi(buf);
    /*
     * One's own process that made itself non-dumpable (prctl PR_SET_DUMPABLE
     * 0, or a setuid/setgid exec, or a changed identity): its /proc files are
     * root's; only CAP_SYS_PTRACE reads it.
     */
    {
        struct stat st;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d", pid);
        if (getuid() != 0 && stat(path, &st) == 0) {
            char status[4096], *uid;

            snprintf(path, sizeof(path), "/proc/%d/status", pid);
            if (proc_read_file(path, status, sizeof(status)) > 0 &&
                (uid = strstr(status, "\nUid:")) != NULL &&
                (uid_t)strtoul(uid + 5, NULL, 10) == getuid() && st.st_uid == 0) {
                snprintf(hint, sizeof(hint),
                         "process %d is yours but not dumpable (prctl PR_SET_DUMPABLE 0, or a "
                         "setuid/setgid program): run as root or with CAP_SYS_PTRACE", pid);
                return hint;
            }
        }
    }
    if (scope >= 1) {
        snprintf(hint, sizeof(hint),
                 "run as root or with CAP_SYS_PTRACE (kernel.yama.ptrace_scope=%d; "
                 "'sysctl kernel.yama.ptrace_scope=0' allows same-user attach)", scope);
    } else {
        snprintf(hint, sizeof(hint),
                 "run as the user that owns process %d, or as root / with CAP_SYS_PTRACE", pid);
    }
    return hint;
}

/* ---------------------------------------------------------------- the process tree */

struct proc_entry {
    int pid, ppid;
    char state;
};

static int
proc_entry_cmp(const void *a, const void *b)
{
    const struct proc_entry *x = a, *y = b;

    if (x->ppid != y->ppid)
        return x->ppid < y->ppid ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process of the system (at most PROC_MAX_PROCS), sorted by parent; the count. */
static size_t
proc_list_all(struct proc_entry **out)
{
    struct proc_entry *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d = opendir("/proc");

    *out = NULL;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL && n < PROC_MAX_PROCS) {
        char *end, path[64];
        long pid = strtol(de->d_name, &end, 10);
        struct proc_entry pe;

        if (*end != '\0' || pid <= 0 || pid > INT_MAX)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        if (!proc_read_stat(path, &pe.state, &pe.ppid))
            continue;
        pe.pid = (int)pid;
        xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n++] = pe;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(*v), proc_entry_cmp);
    *out = v;
    return n;
}

/* Index of the first entry whose parent is ppid (n when none). */
static size_t
proc_first_child(const struct proc_entry *v, size_t n, int ppid)
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
proc_in(const int *v, size_t n, int pid)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] == pid)
            return true;
    }
    return false;
}

size_t
proc_descendants(int root, const int *skip, size_t nskip, int **out)
{
    struct proc_entry *v;
    size_t n = proc_list_all(&v), nq = 0, head, nlive = 0, i;
    int *queue = xreallocarray(NULL, n + 1, sizeof(*queue));
    int *live = out ? xreallocarray(NULL, n + 1, sizeof(*live)) : NULL;

    queue[nq++] = root;
    for (head = 0; head < nq; head++) {
        int parent = queue[head];

        for (i = proc_first_child(v, n, parent); i < n && v[i].ppid == parent; i++) {
            if (v[i].pid == root || nq > n)
                continue;       /* cannot happen in a tree; /proc may race: stay bounded */
            if (parent == root && proc_in(skip, nskip, v[i].pid))
                continue;
            queue[nq++] = v[i].pid;
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

size_t
proc_children(int pid, int **out)
{
    struct proc_entry *v;
    size_t n = proc_list_all(&v), nc = 0, i;
    int *c = xreallocarray(NULL, n + 1, sizeof(*c));

    for (i = proc_first_child(v, n, pid); i < n && v[i].ppid == pid; i++)
        c[nc++] = v[i].pid;
    free(v);
    *out = c;
    return nc;
}
