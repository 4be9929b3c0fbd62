/*
 * check_core.c - the core-file source on real cores: a small helper program
 * (built here, without sanitizers: gcore of an ASan process writes terabytes
 * of reserved shadow) writes known bytes, gdb's gcore dumps it, and core_open
 * must give back exactly those bytes, its threads and registers, its text from
 * the mapped file (equal to the live process), and clean errors on truncated
 * or corrupted copies.
 *
 * One helper and one core serve the whole test case (unchecked fixture, run
 * once in the runner before the forked tests).  Without gcore or a C compiler
 * every test says so and passes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach/core.h"
#include "attach/source.h"
#include "common/err.h"
#include "skip.h"

Suite *suite_core(void);

#define CT_BUF_SIZE (3 * 4096 + 123)
#define CT_THREADS 2
#define CT_NAME "aiomon-ct-child"   /* 15 characters: all of it is the comm */

/*
 * The helper: a malloc'd buffer of a known pattern, a static string with its
 * pid, two threads blocked in read(); it prints the addresses and tids, then
 * waits to be killed.
 */
static const char ct_helper_src[] =
    "#include <pthread.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <unistd.h>\n"
    "static char text_static[64] = \"placeholder\";\n"
    "static volatile int tids[2];\n"
    "static int wake[2];\n"
    "__attribute__((noinline)) int marker(int x) { return x * 31 + 7; }\n"
    "static void *thr(void *a)\n"
    "{\n"
    "    char c;\n"
    "    *(volatile int *)a = (int)syscall(SYS_gettid);\n"
    "    while (read(wake[0], &c, 1) < 0)\n"
    "        ;\n"
    "    return NULL;\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    size_t i, n = 3 * 4096 + 123;\n"
    "    unsigned char *buf = malloc(n);\n"
    "    pthread_t th[2];\n"
    "    if (!buf || pipe(wake) < 0)\n"
    "        return 1;\n"
    "    for (i = 0; i < n; i++)\n"
    "        buf[i] = (unsigned char)((i * 7 + 3) ^ (i >> 8));\n"
    "    snprintf(text_static, sizeof(text_static), \"aiomon core test, pid %d\", (int)getpid());\n"
    "    for (i = 0; i < 2; i++)\n"
    "        if (pthread_create(&th[i], NULL, thr, (void *)&tids[i]) != 0)\n"
    "            return 1;\n"
    "    while (!tids[0] || !tids[1])\n"
    "        usleep(1000);\n"
    "    printf(\"%lx %lx %lx %d %d\\n\", (unsigned long)buf, (unsigned long)text_static,\n"
    "           (unsigned long)marker, tids[0], tids[1]);\n"
    "    fflush(stdout);\n"
    "    for (;;)\n"
    "        pause();\n"
    "}\n";

/* What the helper reports once its memory is ready. */
struct ct_report {
    uint64_t buf, stat, marker;
    long tids[CT_THREADS];
};

static pid_t ct_child = -1;             /* the running helper (gcore case) */
static pid_t ct_kpid = -1;              /* the dumped helper (kernel case) */
static struct ct_report ct_rep;
static char ct_dir[64];
static char ct_exe[128];                /* the helper binary */
static char ct_core[PATH_MAX + 32];
static char ct_skip[PATH_MAX + 128];    /* non-empty: why the tests cannot run */

static unsigned char
ct_pattern(size_t i)
{
    return (unsigned char)((i * 7 + 3) ^ (i >> 8));
}

static bool
ct_in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX], full[2 * PATH_MAX];

    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    while (path && *path) {
        size_t n = strcspn(path, ":");

        if (n > 0 && n < sizeof(dir)) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            snprintf(full, sizeof(full), "%s/%s", dir, prog);
            if (access(full, X_OK) == 0)
                return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

/* Run argv with stdin and stderr on /dev/null, stdout to out_fd (or /dev/null); exit status. */
static int
ct_run(char *const argv[], int out_fd)
{
    pid_t p = fork();
    int st;

    if (p < 0)
        return -1;
    if (p == 0) {
        int fd = open("/dev/null", O_RDWR);

        dup2(fd, 0);
        dup2(out_fd >= 0 ? out_fd : fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static bool
ct_build_helper(void)
{
    const char *cc = getenv("CC") && getenv("CC")[0] ? getenv("CC") : "cc";
    char src[128];
    FILE *f;

    snprintf(src, sizeof(src), "%s/child.c", ct_dir);
    snprintf(ct_exe, sizeof(ct_exe), "%s/%s", ct_dir, CT_NAME);
    f = fopen(src, "w");
    if (!f || fputs(ct_helper_src, f) < 0) {
        if (f)
            fclose(f);
        return false;
    }
    fclose(f);
    {
        char *argv[] = { (char *)cc, (char *)"-O1", (char *)"-g", (char *)"-pthread",
                         (char *)"-o", ct_exe, src, NULL };

        return ct_in_path(cc) && ct_run(argv, -1) == 0;
    }
}

/*
 * Start the helper, read its report; false on failure.  With dump, it runs in
 * ct_dir with an unlimited core size, for the kernel to dump it there.
 */
static bool
ct_start_helper(bool dump)
{
    char line[256];
    int fds[2];
    FILE *f;
    bool ok;

    if (pipe(fds) < 0)
        return false;
    ct_child = fork();
    if (ct_child == 0) {
        int fd = open("/dev/null", O_RDWR);
        struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

        dup2(fd, 0);
        dup2(fds[1], 1);
        close(fds[0]);
        if (dump && (chdir(ct_dir) < 0 || setrlimit(RLIMIT_CORE, &rl) < 0))
            _exit(126);
        execl(ct_exe, CT_NAME, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (!f) {
        close(fds[0]);
        return false;
    }
    ok = ct_child > 0 && fgets(line, sizeof(line), f) &&
         sscanf(line, "%lx %lx %lx %ld %ld", (unsigned long *)&ct_rep.buf,
                (unsigned long *)&ct_rep.stat, (unsigned long *)&ct_rep.marker, &ct_rep.tids[0],
                &ct_rep.tids[1]) == 5;
    fclose(f);
    return ok;
}

/* A temporary directory with the helper built in it; false (and ct_skip) on failure. */
static bool
ct_prepare(void)
{
    snprintf(ct_dir, sizeof(ct_dir), "/tmp/aiomon-core-XXXXXX");
    if (!mkdtemp(ct_dir)) {
        ct_dir[0] = '\0';
        snprintf(ct_skip, sizeof(ct_skip), "cannot make a temporary directory");
        return false;
    }
    if (!ct_build_helper()) {
        snprintf(ct_skip, sizeof(ct_skip), "cannot build the helper program with $CC or cc");
        return false;
    }
    return true;
}

/* The gcore case: the helper keeps running, so the core can be compared with it. */
static void
ct_setup(void)
{
    char prefix[128], pidbuf[32];
    struct stat st;

    if (!ct_in_path("gcore")) {
        snprintf(ct_skip, sizeof(ct_skip), "gcore (gdb) not found in PATH");
        return;
    }
    if (!ct_prepare())
        return;
    if (!ct_start_helper(false)) {
        snprintf(ct_skip, sizeof(ct_skip), "the helper program did not start");
        return;
    }
    snprintf(prefix, sizeof(prefix), "%s/core", ct_dir);
    snprintf(pidbuf, sizeof(pidbuf), "%d", (int)ct_child);
    {
        char *argv[] = { (char *)"gcore", (char *)"-o", prefix, pidbuf, NULL };

        if (ct_run(argv, -1) != 0) {
            snprintf(ct_skip, sizeof(ct_skip), "gcore failed on pid %d (ptrace not allowed?)",
                     (int)ct_child);
            return;
        }
    }
    snprintf(ct_core, sizeof(ct_core), "%s.%d", prefix, (int)ct_child);
    if (stat(ct_core, &st) < 0)
        snprintf(ct_skip, sizeof(ct_skip), "gcore wrote no %s", ct_core);
}

/*
 * The kernel case: a SIGSEGV sent to the helper's first extra thread makes the
 * kernel dump it (that thread's note first), when core_pattern names a plain
 * file in the working directory.
 */
static void
ct_ksetup(void)
{
    char pattern[256] = "", uses_pid[16] = "0";
    struct stat st;
    pid_t pid;
    FILE *f;
    int status;

    f = fopen("/proc/sys/kernel/core_pattern", "r");
    if (f) {
        if (!fgets(pattern, sizeof(pattern), f))
            pattern[0] = '\0';
        fclose(f);
    }
    pattern[strcspn(pattern, "\n")] = '\0';
    if (strpbrk(pattern, "|/%") || !pattern[0]) {
        snprintf(ct_skip, sizeof(ct_skip), "kernel.core_pattern is '%s', not a plain file name",
                 pattern);
        return;
    }
    f = fopen("/proc/sys/kernel/core_uses_pid", "r");
    if (f) {
        if (!fgets(uses_pid, sizeof(uses_pid), f))
            uses_pid[0] = '0';
        fclose(f);
    }
    if (!ct_prepare())
        return;
    if (!ct_start_helper(true)) {
        snprintf(ct_skip, sizeof(ct_skip), "the helper program did not start");
        return;
    }
    pid = ct_child;
    ct_child = -1;      /* it dies now */
    if (syscall(SYS_tgkill, pid, (pid_t)ct_rep.tids[0], SIGSEGV) < 0 ||
        waitpid(pid, &status, 0) != pid) {
        snprintf(ct_skip, sizeof(ct_skip), "cannot crash the helper");
        return;
    }
    ct_kpid = pid;
    if (!WIFSIGNALED(status) || !WCOREDUMP(status)) {
        snprintf(ct_skip, sizeof(ct_skip), "the kernel dumped no core (RLIMIT_CORE? "
                 "core_pattern '%s')", pattern);
        return;
    }
    if (uses_pid[0] == '1')
        snprintf(ct_core, sizeof(ct_core), "%s/%s.%d", ct_dir, pattern, (int)pid);
    else
        snprintf(ct_core, sizeof(ct_core), "%s/%s", ct_dir, pattern);
    if (stat(ct_core, &st) < 0)
        snprintf(ct_skip, sizeof(ct_skip), "no core file at %s", ct_core);
}

/* Read the live helper's memory (it has not run since the dump: threads blocked). */
static bool
ct_live_read(uint64_t addr, void *buf, size_t n)
{
    char path[64];
    int fd;
    bool ok;

    snprintf(path, sizeof(path), "/proc/%d/mem", (int)ct_child);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ok = pread(fd, buf, n, (off_t)addr) == (ssize_t)n;
    close(fd);
    return ok;
}

static int
ct_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void
ct_teardown(void)
{
    if (ct_child > 0) {
        kill(ct_child, SIGKILL);
        waitpid(ct_child, NULL, 0);
        ct_child = -1;
    }
    if (ct_dir[0] && strncmp(ct_dir, "/tmp/aiomon-core-", 17) == 0 &&
        nftw(ct_dir, ct_remove, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "check_core: could not remove %s\n", ct_dir);
    ct_dir[0] = ct_skip[0] = ct_core[0] = '\0';
    ct_kpid = -1;
}

#define CT_SKIP_IF_NEEDED() \
    do { \
        if (ct_skip[0]) { \
            unit_skip(__func__, "%s", ct_skip); \
            return; \
        } \
    } while (0)

static void
ct_open(struct source *src, const char *path, const char *exe, const char *root)
{
    int rc = core_open(src, path, exe, root);

    ck_assert_msg(rc == 0, "core_open(%s): %s", path, err_msg(rc));
}

/* A scratch copy of the core; returns its path (static buffer). */
static const char *
ct_copy(const char *name)
{
    static char path[PATH_MAX + 64];
    char cmd[3 * PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", ct_dir, name);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ct_core, path);
    ck_assert_int_eq(system(cmd), 0);
    return path;
}

static uint64_t
ct_file_size(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* ---- the bytes ---- */

START_TEST(test_core_heap_and_static)
{
    struct source src;
    unsigned char *got;
    char str[64], want[64];
    size_t i;

    CT_SKIP_IF_NEEDED();
    got = malloc(CT_BUF_SIZE);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(src.pid, ct_child);
    /* one large read (past the page cache) and page-sized reads through the cache */
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, CT_BUF_SIZE), 0);
    for (i = 0; i < CT_BUF_SIZE; i++)
        ck_assert_uint_eq(got[i], ct_pattern(i));
    source_cache_enable(&src, true);
    memset(got, 0, CT_BUF_SIZE);
    for (i = 0; i < CT_BUF_SIZE; i += 1000) {
        size_t n = CT_BUF_SIZE - i < 1000 ? CT_BUF_SIZE - i : 1000, j;

        ck_assert_int_eq(source_read(&src, ct_rep.buf + i, got + i, n), 0);
        for (j = i; j < i + n; j++)
            ck_assert_uint_eq(got[j], ct_pattern(j));
    }
    source_cache_enable(&src, false);
    snprintf(want, sizeof(want), "aiomon core test, pid %d", (int)ct_child);
    ck_assert_int_eq(source_read_cstr(&src, ct_rep.stat, str, sizeof(str)), 0);
    ck_assert_str_eq(str, want);
    ck_assert_int_eq(core_addr_origin(&src, ct_rep.buf, NULL, 0), CORE_FROM_DUMP);
    source_close(&src);
    free(got);
}
END_TEST

START_TEST(test_core_text_from_file)
{
    struct source src;
    uint64_t fn = ct_rep.marker;
    unsigned char got[256], want[256];
    char host[PATH_MAX];
    const struct map_entry *me;
    int fd;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    me = maps_find(&src.maps, fn);
    ck_assert_ptr_nonnull(me);
    ck_assert_str_eq(me->path, ct_exe);
    ck_assert_msg(me->perms[0] == 'r' && me->perms[2] == 'x', "perms %s", me->perms);
    /* gcore leaves clean text out: it comes from the file, at the mapping's offset */
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, ct_exe);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    fd = open(ct_exe, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, want, sizeof(want), (off_t)(me->offset + fn - me->start)),
                     (ssize_t)sizeof(want));
    close(fd);
    ck_assert(memcmp(got, want, sizeof(got)) == 0);
    ck_assert(ct_live_read(fn, want, sizeof(want)));
    ck_assert(memcmp(got, want, sizeof(got)) == 0);
    /* no sysroot: the target's files are this side's; a core holds still, never goes */
    ck_assert_int_eq(source_host_path(&src, "/usr/lib/debug", host, sizeof(host)), 0);
    ck_assert_str_eq(host, "/usr/lib/debug");
    ck_assert_int_eq(source_motion(&src), SOURCE_STATIC);
    ck_assert(source_alive(&src));
    source_close(&src);
}
END_TEST

START_TEST(test_core_unmapped)
{
    struct source src;
    unsigned char b[64];
    size_t i;
    int checked = 0;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(source_read(&src, 0x1000, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, 0, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, UINT64_MAX - 3, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(core_addr_origin(&src, 0x1000, NULL, 0), -AIO_E_FAULT);
    /* holes between mappings, and reads running from a mapping into a hole */
    for (i = 0; i + 1 < src.maps.n && checked < 20; i++) {
        const struct map_entry *a = &src.maps.v[i], *nx = &src.maps.v[i + 1];

        if (nx->start - a->end < 4096 || a->perms[0] != 'r' || nx->perms[0] != 'r')
            continue;
        checked++;
        ck_assert_int_eq(source_read(&src, a->end, b, 8), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start - 8, b, 8), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start - 8, b, 16), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start, b, 8), 0);
        ck_assert_int_eq(source_read(&src, a->end - 8, b, 16), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, a->end - 16, b, 16), 0);
    }
    ck_assert_int_gt(checked, 0);
    source_close(&src);
}
END_TEST

/*
 * Every file mapping reads in full and equals the live helper's memory (it has
 * not run since); writable ones may legitimately differ in a few words.
 */
START_TEST(test_core_every_mapping)
{
    struct source src;
    unsigned char *b, *live;
    size_t i, files = 0;

    CT_SKIP_IF_NEEDED();
    b = malloc(1 << 16);
    live = malloc(1 << 16);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_uint_gt(src.maps.n, 5);
    for (i = 0; i < src.maps.n; i++) {
        const struct map_entry *me = &src.maps.v[i];
        uint64_t a;

        ck_assert_uint_lt(me->start, me->end);
        if (i > 0)
            ck_assert_uint_le(src.maps.v[i - 1].end, me->start);
        if (me->path[0] != '/')
            continue;
        files++;
        for (a = me->start; a < me->end; a += 1 << 16) {
            size_t n = me->end - a < (1 << 16) ? (size_t)(me->end - a) : (1 << 16);
            int rc = source_read(&src, a, b, n);

            ck_assert_msg(rc == 0, "%s at 0x%llx (%s): %d", me->path, (unsigned long long)a,
                          me->perms, rc);
            if (me->perms[1] == 'w')
                continue;
            ck_assert(ct_live_read(a, live, n));
            ck_assert_msg(memcmp(b, live, n) == 0, "%s at 0x%llx differs from the live process",
                          me->path, (unsigned long long)a);
        }
    }
    ck_assert_uint_gt(files, 3);
    source_close(&src);
    free(b);
    free(live);
}
END_TEST

/* ---- threads ---- */

START_TEST(test_core_threads)
{
    struct source src;
    struct user_regs_struct r;
    struct core_info info;
    unsigned char code[16], live[16];
    char name[64];
    size_t i, k;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_uint_eq(src.ntids, 1 + CT_THREADS);
    ck_assert_int_eq(src.tids[0], ct_child);
    for (k = 0; k < CT_THREADS; k++) {
        bool found = false;

        for (i = 1; i < src.ntids; i++)
            found = found || src.tids[i] == ct_rep.tids[k];
        ck_assert_msg(found, "thread %ld missing", ct_rep.tids[k]);
    }
    /* registers: the stack pointer is in a mapping, the code at rip is ours too */
    for (i = 0; i < src.ntids; i++) {
        ck_assert_int_eq(core_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_ptr_nonnull(maps_find(&src.maps, r.rsp));
        ck_assert_int_eq(source_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_int_eq(source_read(&src, r.rip, code, sizeof(code)), 0);
        ck_assert(ct_live_read(r.rip, live, sizeof(live)));
        ck_assert(memcmp(code, live, sizeof(code)) == 0);
    }
    ck_assert_int_eq(core_thread_regs(&src, 999999999, &r, sizeof(r)), -AIO_E_FAULT);
    ck_assert_int_eq(core_thread_regs(&src, ct_child, &r, sizeof(r) - 1), -AIO_E_FAULT);
    /* names: comm of the main thread, nothing for the others */
    source_thread_name(&src, ct_child, name, sizeof(name));
    ck_assert_str_eq(name, CT_NAME);
    source_thread_name(&src, ct_rep.tids[0], name, sizeof(name));
    ck_assert_str_eq(name, "");
    ck_assert_int_eq(core_get_info(&src, &info), 0);
    ck_assert_str_eq(info.fname, CT_NAME);
    ck_assert_str_eq(info.psargs, CT_NAME);
    {
        /* the command line a snapshot shows: PRPSINFO's psargs */
        char cmd[128];
        size_t n = source_cmdline(&src, cmd, sizeof(cmd));

        ck_assert_uint_eq(n, strlen(CT_NAME));
        ck_assert(memcmp(cmd, CT_NAME, n) == 0);
        ck_assert_uint_eq(source_cmdline(&src, cmd, 2), 2);
    }
    ck_assert_int_eq(info.first_tid, ct_child);
    ck_assert_int_eq(info.signo, 0);
    ck_assert(info.has_nt_file);
    ck_assert_uint_gt(info.nfiles, 1);
    ck_assert_int_eq(source_stop(&src), 0);
    source_resume(&src);
    source_close(&src);
    /* not a core source */
    memset(&src, 0, sizeof(src));
    ck_assert_int_eq(core_get_info(&src, &info), -AIO_E_USAGE);
    ck_assert_int_eq(core_thread_regs(&src, 1, &r, sizeof(r)), -AIO_E_USAGE);
}
END_TEST

/* ---- executable and sysroot ---- */

/* Start of libc's text mapping, 0 if none. */
static uint64_t
ct_libc_text(const struct source *src)
{
    size_t i;

    for (i = 0; i < src->maps.n; i++) {
        const struct map_entry *me = &src->maps.v[i];

        if (strstr(me->path, "/libc.so") && me->perms[2] == 'x')
            return me->start;
    }
    return 0;
}

START_TEST(test_core_sysroot)
{
    struct source src;
    uint64_t fn = ct_rep.marker;
    char root[128], dst[2 * PATH_MAX], cmd[5 * PATH_MAX], host[PATH_MAX * 2];
    unsigned char got[64], live[64];
    const struct map_entry *me;
    uint64_t libc;

    CT_SKIP_IF_NEEDED();
    /* the executable exists only under the sysroot (a symlink to the real one) */
    snprintf(root, sizeof(root), "%s/root", ct_dir);
    ct_open(&src, ct_core, NULL, NULL);
    me = maps_find(&src.maps, fn);
    ck_assert_ptr_nonnull(me);
    snprintf(dst, sizeof(dst), "%s%s", root, me->path);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && ln -sf '%s' '%s'", dst, me->path,
             dst);
    ck_assert_int_eq(system(cmd), 0);
    libc = ct_libc_text(&src);
    ck_assert_uint_ne(libc, 0);
    source_close(&src);

    ct_open(&src, ct_core, NULL, root);
    /* every target path is opened under the sysroot (source_host_path) */
    ck_assert_int_eq(source_host_path(&src, maps_find(&src.maps, fn)->path, host,
                                      sizeof(host)), 0);
    ck_assert_str_eq(host, dst);
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, dst);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(ct_live_read(fn, live, sizeof(live)));
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    /* libc is not under this sysroot: its text is unreadable, dumped bytes still are */
    ck_assert_int_eq(source_read(&src, libc, got, 8), -AIO_E_FAULT);
    ck_assert_int_eq(core_addr_origin(&src, libc, NULL, 0), -AIO_E_IO);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, 8), 0);
    source_close(&src);
}
END_TEST

/*
 * Offsets of the note segment, of the NT_FILE note's type field and
 * description in a core, and the end of the last segment's bytes.
 */
static void
ct_layout(const char *path, uint64_t *note_off, uint64_t *note_size, uint64_t *nt_file_type,
          uint64_t *nt_file_desc, uint64_t *data_end)
{
    int fd = open(path, O_RDONLY);
    Elf *elf;
    size_t phnum, i;

    *nt_file_type = *nt_file_desc = 0;
    ck_assert_int_ge(fd, 0);
    elf_version(EV_CURRENT);
    elf = elf_begin(fd, ELF_C_READ, NULL);
    ck_assert_ptr_nonnull(elf);
    ck_assert_int_eq(elf_getphdrnum(elf, &phnum), 0);
    for (i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        Elf_Data *d;
        GElf_Nhdr nh;
        size_t pos = 0, next, name_off, desc_off;

        ck_assert_ptr_nonnull(gelf_getphdr(elf, (int)i, &ph));
        if (data_end && ph.p_offset + ph.p_filesz > *data_end)
            *data_end = ph.p_offset + ph.p_filesz;
        if (ph.p_type != PT_NOTE)
            continue;
        *note_off = ph.p_offset;
        *note_size = ph.p_filesz;
        d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        ck_assert_ptr_nonnull(d);
        while ((next = gelf_getnote(d, pos, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type == NT_FILE) {
                *nt_file_type = ph.p_offset + pos + 8;
                *nt_file_desc = ph.p_offset + desc_off;
            }
            pos = next;
        }
    }
    elf_end(elf);
    close(fd);
}

static void
ct_note_layout(const char *path, uint64_t *note_off, uint64_t *note_size, uint64_t *nt_file_type,
               uint64_t *nt_file_desc)
{
    ct_layout(path, note_off, note_size, nt_file_type, nt_file_desc, NULL);
}


static void
ct_poke(const char *path, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

START_TEST(test_core_exe)
{
    struct source src;
    uint64_t fn = ct_rep.marker, note_off, note_size, type_off, desc_off;
    char exe[128], host[PATH_MAX], cmd[512];
    unsigned char got[64], live[64];
    const char *copy;
    uint32_t bogus = 0x12345678;
    int rc;

    CT_SKIP_IF_NEEDED();
    ck_assert(ct_live_read(fn, live, sizeof(live)));
    /* exe: a copy of the helper elsewhere; reads of its mappings come from it */
    snprintf(exe, sizeof(exe), "%s/exe-copy", ct_dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ct_exe, exe);
    ck_assert_int_eq(system(cmd), 0);
    ct_open(&src, ct_core, exe, "/nonexistent-sysroot");
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, exe);
    ck_assert_str_eq(maps_find(&src.maps, fn)->path, ct_exe);    /* the target's path stays */
    ck_assert_int_eq(core_host_file(&src, ct_exe, host, sizeof(host)), 0);
    ck_assert_str_eq(host, exe);
    /* the same through the source: what the runtime, symbolizer and view ask */
    ck_assert_int_eq(source_host_path(&src, ct_exe, host, sizeof(host)), 0);
    ck_assert_str_eq(host, exe);
    ck_assert_int_eq(core_host_file(&src, "/usr/lib/debug/x", host, sizeof(host)), 0);
    ck_assert_str_eq(host, "/nonexistent-sysroot/usr/lib/debug/x");
    ck_assert_int_eq(core_host_file(&src, "relative", host, sizeof(host)), -AIO_E_IO);
    ck_assert_int_eq(core_host_file(&src, ct_exe, host, 4), -AIO_E_IO);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    source_close(&src);
    /* another program: refused, its first page differs from the dumped one */
    rc = core_open(&src, ct_core, "/bin/sh", NULL);
    ck_assert_int_eq(rc, -AIO_E_BADFILE);
    ck_assert_ptr_nonnull(strstr(err_msg(rc), "differs"));
    source_close(&src);
    rc = core_open(&src, ct_core, "/nonexistent/exe", NULL);
    ck_assert_int_eq(rc, -AIO_E_IO);
    source_close(&src);

    /* a core without NT_FILE: no text at all, unless exe places it */
    copy = ct_copy("nofile.core");
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    ck_assert_uint_gt(type_off, 0);
    ct_poke(copy, type_off, &bogus, sizeof(bogus));
    ct_open(&src, copy, NULL, NULL);
    ck_assert_int_eq(source_read(&src, fn, got, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, 8), 0);
    source_close(&src);
    ct_open(&src, copy, exe, NULL);
    ck_assert_int_eq(core_addr_origin(&src, fn, NULL, 0), CORE_FROM_FILE);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    ck_assert_ptr_nonnull(maps_find(&src.maps, fn));
    ck_assert_int_eq(maps_find(&src.maps, fn)->perms[2], 'x');
    source_close(&src);
    rc = core_open(&src, copy, "/bin/sh", NULL);
    ck_assert_int_eq(rc, -AIO_E_BADFILE);
    source_close(&src);
}
END_TEST

/* ---- hostile copies ---- */

static void
ct_expect_error(const char *path, const char *what)
{
    struct source src;
    int rc = core_open(&src, path, NULL, NULL);

    ck_assert_msg(rc == -AIO_E_BADFILE || rc == -AIO_E_IO, "%s: core_open gave %d", what, rc);
    ck_assert_ptr_null(src.priv);
    ck_assert_uint_eq(src.maps.n, 0);
    ck_assert_ptr_null(src.tids);
    source_close(&src);
}

START_TEST(test_core_truncated)
{
    uint64_t size, note_off, note_size, type_off, desc_off, data_end = 0, cuts[16];
    struct source src;
    const char *copy;
    size_t i, ncuts = 0;
    char what[64];

    CT_SKIP_IF_NEEDED();
    size = ct_file_size(ct_core);
    copy = ct_copy("cut.core");
    ct_layout(copy, &note_off, &note_size, &type_off, &desc_off, &data_end);
    ck_assert_uint_le(data_end, size);
    /* what lies after the last segment (gdb's section headers) is not needed */
    ck_assert_int_eq(truncate(copy, (off_t)data_end), 0);
    ct_open(&src, copy, NULL, NULL);
    source_close(&src);
    cuts[ncuts++] = data_end - 1;
    cuts[ncuts++] = data_end / 2;
    cuts[ncuts++] = note_off + note_size - 1;
    cuts[ncuts++] = note_off + note_size / 2;
    cuts[ncuts++] = note_off + 10;
    cuts[ncuts++] = note_off;
    cuts[ncuts++] = 64 + 56 * 3 + 20;   /* inside the program headers */
    cuts[ncuts++] = 64;
    cuts[ncuts++] = 63;
    cuts[ncuts++] = 16;
    cuts[ncuts++] = 1;
    cuts[ncuts++] = 0;
    for (i = 0; i < ncuts; i++) {
        if (cuts[i] >= size)
            continue;
        ck_assert_int_eq(truncate(copy, (off_t)cuts[i]), 0);
        snprintf(what, sizeof(what), "cut at %llu of %llu", (unsigned long long)cuts[i],
                 (unsigned long long)size);
        ct_expect_error(copy, what);
    }
    ct_expect_error("/nonexistent/core", "missing file");
    ct_expect_error("/proc/self/exe", "not a core");
    ct_expect_error(ct_dir, "a directory");
}
END_TEST

static uint64_t ct_rng = 0x9e3779b97f4a7c15ull;

static uint64_t
ct_rand(void)
{
    ct_rng ^= ct_rng << 13;
    ct_rng ^= ct_rng >> 7;
    ct_rng ^= ct_rng << 17;
    return ct_rng;
}

/* Use whatever core_open accepted, every way a reader would. */
static void
ct_exercise(struct source *src)
{
    unsigned char b[256];
    struct user_regs_struct r;
    char name[32];
    size_t i;

    for (i = 0; i < src->maps.n && i < 64; i++) {
        const struct map_entry *me = &src->maps.v[i];

        (void)source_read(src, me->start, b, sizeof(b));
        (void)source_read(src, me->end - 8, b, 16);
        (void)core_addr_origin(src, me->start, (char *)b, sizeof(b));
    }
    for (i = 0; i < 32; i++)
        (void)source_read(src, ct_rand(), b, 1 + ct_rand() % sizeof(b));
    for (i = 0; i < src->ntids; i++) {
        (void)core_thread_regs(src, src->tids[i], &r, sizeof(r));
        source_thread_name(src, src->tids[i], name, sizeof(name));
    }
}

START_TEST(test_core_corrupted)
{
    uint64_t note_off, note_size, type_off, desc_off, size, regions[3][2];
    unsigned char save[16];
    const char *copy;
    int iter, fd, ok = 0, bad = 0;

    CT_SKIP_IF_NEEDED();
    copy = ct_copy("flip.core");
    size = ct_file_size(copy);
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    regions[0][0] = 0;                  /* ELF header and program headers */
    regions[0][1] = 64 + 56 * 64;
    regions[1][0] = note_off;           /* every note */
    regions[1][1] = note_size;
    regions[2][0] = desc_off;           /* the NT_FILE table */
    regions[2][1] = 512;
    fd = open(copy, O_RDWR);
    ck_assert_int_ge(fd, 0);
    for (iter = 0; iter < 600; iter++) {
        int r = (int)(ct_rand() % 3), k, nflip = 1 + (int)(ct_rand() % 4);
        uint64_t at = regions[r][0] + ct_rand() % regions[r][1];
        struct source src;
        int rc;

        if (at + sizeof(save) > size)
            continue;
        ck_assert_int_eq(pread(fd, save, sizeof(save), (off_t)at), (ssize_t)sizeof(save));
        for (k = 0; k < nflip; k++) {
            unsigned char v = (unsigned char)ct_rand();
            size_t pos = ct_rand() % sizeof(save);

            /* sometimes a plausible big value: all ones or a large count */
            if (ct_rand() % 4 == 0)
                v = (ct_rand() & 1) ? 0xff : 0x7f;
            ck_assert_int_eq(pwrite(fd, &v, 1, (off_t)(at + pos)), 1);
        }
        rc = core_open(&src, copy, NULL, NULL);
        if (rc == 0) {
            ok++;
            ct_exercise(&src);
        } else {
            bad++;
            ck_assert_msg(rc == -AIO_E_BADFILE || rc == -AIO_E_IO, "core_open gave %d: %s", rc,
                          err_msg(rc));
            ck_assert_ptr_null(src.priv);
        }
        source_close(&src);
        ck_assert_int_eq(pwrite(fd, save, sizeof(save), (off_t)at), (ssize_t)sizeof(save));
    }
    close(fd);
    ck_assert_int_gt(bad, 0);
    ck_assert_int_gt(ok, 0);
}
END_TEST

/* Targeted lies in the NT_FILE note and the ELF header. */
START_TEST(test_core_lies)
{
    uint64_t note_off, note_size, type_off, desc_off, v;
    const char *copy;
    uint16_t h;

    CT_SKIP_IF_NEEDED();
    copy = ct_copy("lie.core");
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    ck_assert_uint_gt(desc_off, 0);
    v = UINT64_MAX;                     /* count */
    ct_poke(copy, desc_off, &v, 8);
    ct_expect_error(copy, "NT_FILE count");
    v = 1u << 20;
    ct_poke(copy, desc_off, &v, 8);
    ct_expect_error(copy, "NT_FILE count 1M");
    copy = ct_copy("lie.core");
    v = 0;                              /* page size */
    ct_poke(copy, desc_off + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE page size");
    copy = ct_copy("lie.core");
    v = 0;                              /* end of first mapping before its start */
    ct_poke(copy, desc_off + 16 + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE end");
    copy = ct_copy("lie.core");
    v = 3;                              /* page size not a power of two */
    ct_poke(copy, desc_off + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE page size 3");
    copy = ct_copy("lie.core");
    v = 4096;                           /* (gdb writes 1 and byte offsets) */
    ct_poke(copy, desc_off + 8, &v, 8);
    v = UINT64_MAX / 2;                 /* page offset overflowing */
    ct_poke(copy, desc_off + 16 + 16, &v, 8);
    ct_expect_error(copy, "NT_FILE offset");
    copy = ct_copy("lie.core");
    v = 1ull << 40;                     /* e_phoff past the end */
    ct_poke(copy, 32, &v, 8);
    ct_expect_error(copy, "e_phoff");
    copy = ct_copy("lie.core");
    h = 0xffff;                         /* e_phnum: PN_XNUM without section 0 */
    ct_poke(copy, 56, &h, 2);
    ct_expect_error(copy, "e_phnum");
    copy = ct_copy("lie.core");
    h = ET_EXEC;
    ct_poke(copy, 16, &h, 2);
    ct_expect_error(copy, "e_type");
    copy = ct_copy("lie.core");
    h = EM_AARCH64;
    ct_poke(copy, 18, &h, 2);
    ct_expect_error(copy, "e_machine");
}
END_TEST

/* ---- a core the kernel wrote ---- */

START_TEST(test_kcore_threads)
{
    struct source src;
    struct user_regs_struct r;
    struct core_info info;
    unsigned char code[16];
    char name[32];
    size_t i;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(src.pid, ct_kpid);
    ck_assert_uint_eq(src.ntids, 1 + CT_THREADS);
    ck_assert_int_eq(src.tids[0], ct_kpid);     /* main first, though it did not crash */
    ck_assert_int_eq(core_get_info(&src, &info), 0);
    ck_assert_int_eq(info.first_tid, ct_rep.tids[0]);
    ck_assert_int_eq(info.signo, SIGSEGV);
    ck_assert_str_eq(info.fname, CT_NAME);
    for (i = 0; i < src.ntids; i++) {
        ck_assert_int_eq(core_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_ptr_nonnull(maps_find(&src.maps, r.rsp));
        ck_assert_int_eq(source_read(&src, r.rip, code, sizeof(code)), 0);
    }
    source_thread_name(&src, ct_kpid, name, sizeof(name));
    ck_assert_str_eq(name, CT_NAME);
    source_close(&src);
}
END_TEST

START_TEST(test_kcore_bytes)
{
    struct source src;
    unsigned char *got, want[256];
    char str[64], expect[64];
    const struct map_entry *me;
    size_t i, guards = 0;
    int fd;

    CT_SKIP_IF_NEEDED();
    got = malloc(CT_BUF_SIZE);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, CT_BUF_SIZE), 0);
    for (i = 0; i < CT_BUF_SIZE; i++)
        ck_assert_uint_eq(got[i], ct_pattern(i));
    snprintf(expect, sizeof(expect), "aiomon core test, pid %d", (int)ct_kpid);
    ck_assert_int_eq(source_read_cstr(&src, ct_rep.stat, str, sizeof(str)), 0);
    ck_assert_str_eq(str, expect);
    /* the kernel writes text with p_filesz 0: it comes from the file */
    me = maps_find(&src.maps, ct_rep.marker);
    ck_assert_ptr_nonnull(me);
    ck_assert_str_eq(me->path, ct_exe);
    ck_assert_str_eq(me->perms, "r-xp");
    ck_assert_int_eq(core_addr_origin(&src, ct_rep.marker, NULL, 0), CORE_FROM_FILE);
    ck_assert_int_eq(source_read(&src, ct_rep.marker, got, sizeof(want)), 0);
    fd = open(ct_exe, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, want, sizeof(want), (off_t)(me->offset + ct_rep.marker - me->start)),
                     (ssize_t)sizeof(want));
    close(fd);
    ck_assert(memcmp(got, want, sizeof(want)) == 0);
    /* thread stack guards: mapped, not readable, not dumped */
    for (i = 0; i < src.maps.n; i++) {
        if (strcmp(src.maps.v[i].perms, "---p") != 0)
            continue;
        guards++;
        ck_assert_int_eq(source_read(&src, src.maps.v[i].start, got, 8), -AIO_E_FAULT);
    }
    ck_assert_uint_ge(guards, CT_THREADS);
    source_close(&src);
    free(got);
}
END_TEST

Suite *
suite_core(void)
{
    Suite *su = suite_create("core");
    TCase *tc = tcase_create("gcore");
    TCase *tk = tcase_create("kernel");

    tcase_add_unchecked_fixture(tc, ct_setup, ct_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_core_heap_and_static);
    tcase_add_test(tc, test_core_text_from_file);
    tcase_add_test(tc, test_core_unmapped);
    tcase_add_test(tc, test_core_every_mapping);
    tcase_add_test(tc, test_core_threads);
    tcase_add_test(tc, test_core_sysroot);
    tcase_add_test(tc, test_core_exe);
    tcase_add_test(tc, test_core_truncated);
    tcase_add_test(tc, test_core_corrupted);
    tcase_add_test(tc, test_core_lies);
    suite_add_tcase(su, tc);
    tcase_add_unchecked_fixture(tk, ct_ksetup, ct_teardown);
    tcase_set_timeout(tk, 120);
    tcase_add_test(tk, test_kcore_threads);
    tcase_add_test(tk, test_kcore_bytes);
    suite_add_tcase(su, tk);
    return su;
}
