/*
 * check_tracer.c - the one ptrace engine (attach/tracer.c) and the process
 * tree scan (attach/proc.c) on real child processes: a stop of a whole
 * process and its detach (a job-control stop kept), a traced tree that
 * follows a fork and keeps a fatal signal for its owner, and a live source
 * opened on a process the tree tracer holds.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach/live.h"
#include "attach/proc.h"
#include "attach/source.h"
#include "attach/tracer.h"
#include "common/err.h"
#include "suites.h"

Suite *suite_tracer(void);

static void
tr_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Wait (at most 5 s) until the state of thread tid of pid is want; the last state seen. */
static char
tr_wait_state(int pid, long tid, char want)
{
    char st = 0;
    int i;

    for (i = 0; i < 500; i++) {
        st = proc_thread_state(pid, tid);
        if (st == want)
            break;
        tr_sleep_ms(10);
    }
    return st;
}

/* A child that blocks reading fd until its parent closes the other end, then exits. */
static pid_t
tr_child_blocked(int fd_read, int fd_close)
{
    pid_t pid = fork();
    char c;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd_close);
        while (read(fd_read, &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    return pid;
}

static bool
tr_has(const int *v, size_t n, int pid, size_t *at)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] == pid) {
            *at = i;
            return true;
        }
    }
    return false;
}

START_TEST(test_proc_descendants)
{
    int p[2], q[2], *v = NULL, *kids = NULL, x = 0;
    pid_t a, b, z;
    size_t n, at_a = 0, at_b = 0, at;

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(pipe(q), 0);
    /* a, with a child b of its own: b's pid comes back through q */
    a = fork();
    ck_assert_int_ge(a, 0);
    if (a == 0) {
        pid_t c = tr_child_blocked(p[0], p[1]);
        int ci = (int)c;

        close(p[1]);
        if (write(q[1], &ci, sizeof(ci)) != (ssize_t)sizeof(ci))
            _exit(1);
        waitpid(c, NULL, 0);
        _exit(0);
    }
    ck_assert_int_eq(read(q[0], &x, sizeof(x)), (ssize_t)sizeof(x));
    b = x;
    ck_assert_int_gt(b, 0);
    /* z: a zombie (never waited for until the end) */
    z = fork();
    ck_assert_int_ge(z, 0);
    if (z == 0)
        _exit(0);
    ck_assert_int_eq(tr_wait_state(z, z, 'Z'), 'Z');

    n = proc_descendants(getpid(), NULL, 0, &v);
    ck_assert_msg(tr_has(v, n, a, &at_a) && tr_has(v, n, b, &at_b), "a %d b %d not in tree",
                  (int)a, (int)b);
    ck_assert_uint_lt(at_a, at_b);                  /* parents before their children */
    ck_assert(!tr_has(v, n, z, &at));               /* no zombies */
    ck_assert(!tr_has(v, n, getpid(), &at));        /* not the root */
    ck_assert_uint_eq(proc_descendants(getpid(), NULL, 0, NULL), n);
    free(v);

    /* a skipped child takes its descendants with it */
    n = proc_descendants(getpid(), &a, 1, &v);
    ck_assert(!tr_has(v, n, a, &at) && !tr_has(v, n, b, &at));
    free(v);

    /* children: zombies included, grandchildren not */
    n = proc_children(getpid(), &kids);
    ck_assert(tr_has(kids, n, a, &at) && tr_has(kids, n, z, &at) && !tr_has(kids, n, b, &at));
    free(kids);
    ck_assert_int_eq(proc_tgid(a), a);

    close(p[0]);
    close(p[1]);
    waitpid(a, NULL, 0);
    waitpid(z, NULL, 0);
    close(q[0]);
    close(q[1]);
}
END_TEST

/* Skip (with a note) when this system does not let us trace our children. */
static bool
tr_cannot_trace(int rc)
{
    if (rc == -AIO_E_PERM) {
        fprintf(stderr, "tracer test skipped: %s\n", err_msg(rc));
        return true;
    }
    return false;
}

START_TEST(test_tracer_stop_process)
{
    struct tracer *tr = tracer_new(NULL);
    int p[2], rc;
    long *tids = NULL;
    pid_t child;
    size_t n;

    ck_assert_int_eq(pipe(p), 0);
    child = tr_child_blocked(p[0], p[1]);
    ck_assert_int_eq(tr_wait_state(child, child, 'S'), 'S');
    rc = tracer_stop_process(tr, child);
    if (tr_cannot_trace(rc))
        goto out;
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(proc_thread_state(child, child), 't');
    ck_assert(tracer_is_stopped(tr, child));
    ck_assert(tracer_traces(tr, child));
    ck_assert_ptr_null(tracer_holder(child));      /* a brief stop, not a tree */
    n = tracer_stopped_tids(tr, child, &tids);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(tids[0], child);
    free(tids);
    ck_assert_uint_eq(tracer_detach_all(tr, 0), 0);
    ck_assert(!tracer_traces(tr, child));
    ck_assert_int_eq(tr_wait_state(child, child, 'S'), 'S');
    ck_assert_int_eq(proc_tracer_pid(child), 0);
out:
    tracer_free(tr);
    close(p[0]);
    close(p[1]);
    waitpid(child, NULL, 0);
}
END_TEST

/* A process in a job-control stop before we came is left stopped after the detach. */
START_TEST(test_tracer_keeps_job_stop)
{
    struct tracer *tr = tracer_new(NULL);
    int p[2], rc, status;
    pid_t child;

    ck_assert_int_eq(pipe(p), 0);
    child = tr_child_blocked(p[0], p[1]);
    kill(child, SIGSTOP);
    ck_assert_int_eq(waitpid(child, &status, WUNTRACED), child);
    ck_assert(WIFSTOPPED(status));
    rc = tracer_stop_process(tr, child);
    if (tr_cannot_trace(rc))
        goto out;
    ck_assert_int_eq(rc, 0);
    tracer_detach_all(tr, 0);
    tr_sleep_ms(50);
    ck_assert_int_eq(proc_thread_state(child, child), 'T');
    ck_assert_int_eq(proc_tracer_pid(child), 0);
out:
    tracer_free(tr);
    kill(child, SIGCONT);
    close(p[0]);
    close(p[1]);
    waitpid(child, NULL, 0);
}
END_TEST

struct tr_exits {
    int pid[8], status[8];
    int n;
};

static void
tr_on_exit(void *arg, int pid, int status)
{
    struct tr_exits *e = arg;

    if (e->n < 8) {
        e->pid[e->n] = pid;
        e->status[e->n] = status;
        e->n++;
    }
}

static bool
tr_exit_of(const struct tr_exits *e, int pid, int *status)
{
    int i;

    for (i = 0; i < e->n; i++) {
        if (e->pid[i] == pid) {
            *status = e->status[i];
            return true;
        }
    }
    return false;
}

/*
 * A traced tree: the child forks a grandchild that aborts.  The tracer
 * follows the fork, keeps the SIGABRT for us, holds the grandchild while a
 * live source reads it (without a stop of its own), and the release lets it
 * die of exactly that signal.
 */
START_TEST(test_tracer_tree_fatal)
{
    struct tr_exits ex = { .n = 0 };
    struct tracer_hooks hooks = { .exited = tr_on_exit, .arg = &ex };
    struct tracer *tr = tracer_new(&hooks);
    struct source src;
    int go[2], i, status = 0, tgid = 0, sig = 0;
    long tid = 0;
    pid_t child;
    char c = 'g';

    ck_assert_int_eq(pipe(go), 0);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        pid_t gc;
        int st = 0;

        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(100);
        gc = fork();
        if (gc == 0) {
            struct rlimit no_core = { 0, 0 };

            setrlimit(RLIMIT_CORE, &no_core);
            abort();
        }
        waitpid(gc, &st, 0);
        _exit(WIFSIGNALED(st) ? WTERMSIG(st) : 101);
    }
    close(go[0]);
    if (tracer_trace_tree(tr, child) < 0) {
        fprintf(stderr, "tracer tree test skipped: %s\n", strerror(errno));
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        tracer_free(tr);
        return;
    }
    ck_assert(tracer_active(tr));
    ck_assert_ptr_eq(tracer_holder(child), tr);
    ck_assert_int_eq(write(go[1], &c, 1), 1);
    for (i = 0; i < 500 && !tracer_next_fatal(tr, &tid, &tgid, &sig); i++) {
        tracer_reap(tr);
        if (i > 0)
            tr_sleep_ms(10);
    }
    ck_assert_msg(tid > 0, "no fatal signal reported");
    ck_assert_int_eq(sig, SIGABRT);
    ck_assert_int_eq(tgid, tid);
    ck_assert_int_ne(tgid, child);                  /* the grandchild: the fork was followed */
    ck_assert_ptr_eq(tracer_holder(tgid), tr);

    /* the grandchild held: a live source reads it as it is */
    ck_assert_uint_eq(tracer_hold(tr, tgid, 2000), 0);
    ck_assert_int_eq(live_open(&src, tgid, false), 0);
    ck_assert_int_eq(source_motion(&src), SOURCE_HELD);
    ck_assert_int_eq(source_stop(&src), 0);
    ck_assert_uint_ge(src.ntids, 1);
    ck_assert_int_eq(src.tids[0], tgid);
    source_resume(&src);
    source_close(&src);
    ck_assert_int_eq(proc_thread_state(tgid, tgid), 't');  /* still held: the tracer's */
    tracer_release(tr);

    /* released with its signal: it dies of SIGABRT, its parent tells us so */
    for (i = 0; i < 500 && !tr_exit_of(&ex, child, &status); i++) {
        tracer_reap(tr);
        if (!tr_exit_of(&ex, child, &status))
            tr_sleep_ms(10);
    }
    ck_assert_msg(tr_exit_of(&ex, child, &status), "the child did not exit");
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), SIGABRT);
    ck_assert_uint_eq(tracer_detach_all(tr, 100), 0);
    ck_assert(!tracer_active(tr));
    ck_assert_ptr_null(tracer_holder(child));
    tracer_free(tr);
    close(go[1]);
}
END_TEST

/* A live source on an untraced process does its own stop (not held). */
START_TEST(test_live_not_held)
{
    struct source src;
    int p[2], rc;
    pid_t child;

    ck_assert_int_eq(pipe(p), 0);
    child = tr_child_blocked(p[0], p[1]);
    ck_assert_int_eq(live_open(&src, child, false), 0);
    ck_assert_int_eq(source_motion(&src), SOURCE_STOPPED);
    rc = source_stop(&src);
    if (!tr_cannot_trace(rc)) {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(proc_thread_state(child, child), 't');
        source_resume(&src);
        ck_assert_int_eq(tr_wait_state(child, child, 'S'), 'S');
    }
    source_close(&src);
    close(p[0]);
    close(p[1]);
    waitpid(child, NULL, 0);
}
END_TEST

Suite *
suite_tracer(void)
{
    Suite *s = suite_create("tracer");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_proc_descendants);
    tcase_add_test(tc, test_tracer_stop_process);
    tcase_add_test(tc, test_tracer_keeps_job_stop);
    tcase_add_test(tc, test_tracer_tree_fatal);
    tcase_add_test(tc, test_live_not_held);
    suite_add_tcase(s, tc);
    return s;
}
