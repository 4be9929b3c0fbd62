/*
 * check_core_common.c - the fixture of the core-file tests (check_core.c,
 * check_core_files.c): a small helper program (built here, without
 * sanitizers: gcore of an ASan process writes terabytes of reserved shadow)
 * writes known bytes and reports where; gdb's gcore dumps it (ct_setup), or
 * it crashes into a core the kernel writes (ct_ksetup).
 *
 * One helper and one core serve a whole test case (unchecked fixture, run
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
#include "check_core_common.h"

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

pid_t ct_child = -1;                    /* the running helper (gcore case) */
pid_t ct_kpid = -1;                     /* the dumped helper (kernel case) */
struct ct_report ct_rep;
char ct_dir[64];
char ct_exe[128];                       /* the helper binary */
char ct_core[PATH_MAX + 32];
char ct_skip[PATH_MAX + 128];           /* non-empty: why the tests cannot run */

unsigned char
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

bool
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

void
ct_open(struct source *src, const char *path, const char *exe, const char *root)
{
    int rc = core_open(src, path, exe, root);

    ck_assert_msg(rc == 0, "core_open(%s): %s", path, err_msg(rc));
}

const char *
ct_copy(const char *name)
{
    static char path[PATH_MAX + 64];
    char cmd[3 * PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", ct_dir, name);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ct_core, path);
    ck_assert_int_eq(system(cmd), 0);
    return path;
}

uint64_t
ct_file_size(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* A test case whose forked tests share one helper and its core, made by setup. */
static TCase *
ct_tcase(const char *name, void (*setup)(void), int timeout)
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, setup, ct_teardown);
    tcase_set_timeout(tc, timeout);
    return tc;
}

TCase *
ct_tcase_gcore(void)
{
    return ct_tcase("gcore", ct_setup, 300);
}

TCase *
ct_tcase_kernel(void)
{
    return ct_tcase("kernel", ct_ksetup, 120);
}
