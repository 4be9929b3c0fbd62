/*
 * check_unwind_merge.c - native/Python merge on stacks recorded from real
 * targets (function names as unwind_snapshot saw them), and one end-to-end
 * unwind of a forked child whose stack we know.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach/live.h"
#include "common/err.h"
#include "skip.h"
#include "snapshot/snapshot.h"
#include "unwind/merge.h"
#include "unwind/unwind.h"

Suite *suite_unwind(void);

#define EVAL "_PyEval_EvalFrameDefault"

/* "name" is a native frame, "py:name" a Python frame, "py!name" a Python entry frame. */
static void
add_frame(struct snap *s, struct snap_frame *dst, const char *spec)
{
    memset(dst, 0, sizeof(*dst));
    if (strncmp(spec, "py", 2) == 0 && (spec[2] == ':' || spec[2] == '!')) {
        dst->kind = SNAP_FRAME_PYTHON;
        dst->py_entry = spec[2] == '!';
        dst->function = snap_str_cstr(s, spec + 3);
        dst->file = snap_str_cstr(s, "t.py");
        dst->line = 7;
    } else {
        dst->kind = SNAP_FRAME_NATIVE;
        dst->function = snap_str_cstr(s, spec);
        dst->module = snap_str_cstr(s, "/usr/lib/libpython.so");
        dst->pc = 0x1000;
    }
}

/* A thread with these Python frames (innermost first), as pyframes would leave it. */
static size_t
add_thread(struct snap *s, long tid, const char *const *py, size_t npy)
{
    size_t i, first = s->nframes;
    struct snap_thread *t;

    for (i = 0; i < npy; i++)
        add_frame(s, snap_frame_add(s), py[i]);
    t = snap_thread_add(s);
    t->tid = tid;
    t->frame_first = first;
    t->frame_count = npy;
    return s->nthreads - 1;
}

static struct snap_frame *
natives(struct snap *s, const char *const *spec, size_t n)
{
    static struct snap_frame v[64];
    size_t i;

    ck_assert_uint_le(n, 64);
    for (i = 0; i < n; i++)
        add_frame(s, &v[i], spec[i]);
    return v;
}

/* The thread's frames must be exactly want (same notation, entry marks ignored). */
static void
check_frames(const struct snap *s, size_t ti, const char *const *want, size_t n)
{
    const struct snap_thread *t = &s->threads[ti];
    size_t i;

    ck_assert_uint_eq(t->frame_count, n);
    for (i = 0; i < n; i++) {
        const struct snap_frame *f = &s->frames[t->frame_first + i];
        bool py = strncmp(want[i], "py", 2) == 0 && (want[i][2] == ':' || want[i][2] == '!');

        ck_assert_msg(f->kind == (py ? SNAP_FRAME_PYTHON : SNAP_FRAME_NATIVE),
                      "frame %zu: kind %d, want %s", i, f->kind, want[i]);
        ck_assert_str_eq(f->function.s, py ? want[i] + 3 : want[i]);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_is_eval)
{
    ck_assert(merge_is_eval("_PyEval_EvalFrameDefault"));
    ck_assert(merge_is_eval("_PyEval_EvalFrameDefault.cold"));
    ck_assert(merge_is_eval("_PyEval_EvalFrameDefault.constprop.0"));
    ck_assert(!merge_is_eval("_PyEval_EvalFrameDefaultX"));
    ck_assert(!merge_is_eval("_PyEval_EvalFrame"));
    ck_assert(!merge_is_eval("PyEval_EvalFrameEx"));
    ck_assert(!merge_is_eval("_PyEval_EvalCodeWithName"));
    ck_assert(!merge_is_eval("_PyEval_Vector"));
    ck_assert(!merge_is_eval(""));
    ck_assert(!merge_is_eval(NULL));
}
END_TEST

/* 3.12.1, a thread in time.sleep: one eval-loop call runs four Python frames. */
static const char *const py312[] = {
    "py:sleeper", "py:Thread.run", "py:Thread._bootstrap_inner", "py!Thread._bootstrap",
};
static const char *const nat312[] = {
    "clock_nanosleep", "time_sleep", "cfunction_vectorcall_O", "PyObject_Vectorcall",
    EVAL, "method_vectorcall", "thread_run", "pythread_wrapper", "start_thread", "__clone3",
};

START_TEST(test_plain)
{
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py312, N(py312));
    static const char *const want[] = {
        "clock_nanosleep", "time_sleep", "cfunction_vectorcall_O", "PyObject_Vectorcall",
        "py:sleeper", "py:Thread.run", "py:Thread._bootstrap_inner", "py:Thread._bootstrap",
        "method_vectorcall", "thread_run", "pythread_wrapper", "start_thread", "__clone3",
    };
    struct merge_result r;

    merge_thread(s, ti, natives(s, nat312, N(nat312)), N(nat312), UNWIND_MERGE, &r);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(r.eval_frames, 1);
    ck_assert_uint_eq(r.matched, 1);
    ck_assert_uint_eq(r.py_left, 0);
    ck_assert_uint_eq(s->ndiags, 0);
    ck_assert(s->frames[s->threads[ti].frame_first + 7].py_entry);
    snap_free(s);
}
END_TEST

START_TEST(test_all_keeps_eval)
{
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py312, N(py312));
    static const char *const want[] = {
        "clock_nanosleep", "time_sleep", "cfunction_vectorcall_O", "PyObject_Vectorcall",
        EVAL, "py:sleeper", "py:Thread.run", "py:Thread._bootstrap_inner",
        "py:Thread._bootstrap", "method_vectorcall", "thread_run", "pythread_wrapper",
        "start_thread", "__clone3",
    };

    merge_thread(s, ti, natives(s, nat312, N(nat312)), N(nat312), UNWIND_ALL, NULL);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
}
END_TEST

/* 3.8.18, locker thread: every Python frame is its own eval-loop call. */
START_TEST(test_nested_38)
{
    static const char *const py[] = {
        "py!inner", "py!locker", "py!run", "py!_bootstrap_inner", "py!_bootstrap",
    };
    static const char *const nat[] = {
        "__futex_abstimed_wait_common", "PyThread_acquire_lock_timed",
        "lock_PyThread_acquire_lock", "call_function", EVAL, "_PyEval_EvalCodeWithName",
        "_PyFunction_Vectorcall", "call_function", EVAL, "_PyEval_EvalCodeWithName",
        "PyVectorcall_Call", EVAL, "function_code_fastcall", "call_function", EVAL,
        "function_code_fastcall", "call_function", EVAL, "function_code_fastcall",
        "t_bootstrap", "start_thread",
    };
    static const char *const want[] = {
        "__futex_abstimed_wait_common", "PyThread_acquire_lock_timed",
        "lock_PyThread_acquire_lock", "call_function", "py:inner", "_PyEval_EvalCodeWithName",
        "_PyFunction_Vectorcall", "call_function", "py:locker", "_PyEval_EvalCodeWithName",
        "PyVectorcall_Call", "py:run", "function_code_fastcall", "call_function",
        "py:_bootstrap_inner", "function_code_fastcall", "call_function", "py:_bootstrap",
        "function_code_fastcall", "t_bootstrap", "start_thread",
    };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py, N(py));

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, NULL);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
}
END_TEST

/* 3.11.7, gen_driver thread: runs of 1, 1 and 3 frames (next() is a C call between). */
START_TEST(test_nested_311)
{
    static const char *const py[] = {
        "py!gen", "py!gen_driver", "py:Thread.run", "py:Thread._bootstrap_inner",
        "py!Thread._bootstrap",
    };
    static const char *const nat[] = {
        "clock_nanosleep", "time_sleep", "PyObject_Vectorcall", EVAL, "gen_iternext",
        "builtin_next", "PyObject_Vectorcall", EVAL ".cold", "_PyEval_Vector", EVAL,
        "_PyEval_Vector", "thread_run",
    };
    static const char *const want[] = {
        "clock_nanosleep", "time_sleep", "PyObject_Vectorcall", "py:gen", "gen_iternext",
        "builtin_next", "PyObject_Vectorcall", "py:gen_driver", "_PyEval_Vector",
        "py:Thread.run", "py:Thread._bootstrap_inner", "py:Thread._bootstrap",
        "_PyEval_Vector", "thread_run",
    };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py, N(py));
    struct merge_result r;

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, &r);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(r.runs, 3);
    ck_assert_uint_eq(r.matched, 3);
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
}
END_TEST

/* A thread that runs no Python (a C library's worker): kept as it is. */
START_TEST(test_no_python)
{
    static const char *const nat[] = { "epoll_wait", "worker_main", "start_thread", "__clone3" };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, NULL, 0);

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, NULL);
    check_frames(s, ti, nat, N(nat));
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
}
END_TEST

/* More eval-loop frames than runs: the extra (outer) one stays, as a native frame. */
START_TEST(test_more_eval)
{
    static const char *const py[] = { "py!f" };
    static const char *const nat[] = { "time_sleep", EVAL, "PyEval_EvalCode", EVAL, "main" };
    static const char *const want[] = { "time_sleep", "py:f", "PyEval_EvalCode", EVAL, "main" };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py, N(py));
    struct merge_result r;

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, &r);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(r.eval_frames, 2);
    ck_assert_uint_eq(r.matched, 1);
    ck_assert_uint_eq(s->ndiags, 1);
    ck_assert_int_eq(s->diags[0].scope, SNAP_DIAG_THREAD);
    ck_assert_uint_eq(s->diags[0].index, ti);
    ck_assert_int_eq(s->diags[0].code, AIO_E_CORRUPT);
    snap_free(s);
}
END_TEST

/* Fewer eval-loop frames than runs (native walk cut short): no Python frame is lost. */
START_TEST(test_more_python)
{
    static const char *const py[] = { "py!f", "py!g", "py!h" };
    static const char *const nat[] = { "time_sleep", EVAL, "call_function" };
    static const char *const want[] = { "time_sleep", "py:f", "call_function", "py:g", "py:h" };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py, N(py));
    struct merge_result r;

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, &r);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(r.py_left, 2);
    ck_assert_uint_eq(s->ndiags, 1);
    snap_free(s);
}
END_TEST

/* Python frames but no eval-loop frame at all (e.g. the walk failed at once). */
START_TEST(test_no_eval)
{
    static const char *const py[] = { "py:f", "py!g" };
    static const char *const nat[] = { "pause" };
    static const char *const want[] = { "pause", "py:f", "py:g" };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, py, N(py));

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_ALL, NULL);
    check_frames(s, ti, want, N(want));
    ck_assert_uint_eq(s->ndiags, 1);
    snap_free(s);
}
END_TEST

/* An eval-loop frame in a thread that has no Python frames. */
START_TEST(test_eval_without_python)
{
    static const char *const nat[] = { "pause", EVAL, "start_thread" };
    struct snap *s = snap_new(1);
    size_t ti = add_thread(s, 10, NULL, 0);

    merge_thread(s, ti, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, NULL);
    check_frames(s, ti, nat, N(nat));
    ck_assert_uint_eq(s->ndiags, 1);
    snap_free(s);
}
END_TEST

/* The last run has no entry mark: it takes every frame left. Other ranges stay as they were. */
START_TEST(test_ranges)
{
    static const char *const py_a[] = { "py:a1", "py:a2" };
    static const char *const py_b[] = { "py:b1", "py:b2", "py:b3" };
    static const char *const nat[] = { "x", EVAL, "y" };
    static const char *const want[] = { "x", "py:b1", "py:b2", "py:b3", "y" };
    struct snap *s = snap_new(1);
    size_t ta = add_thread(s, 10, py_a, N(py_a));
    size_t tb = add_thread(s, 11, py_b, N(py_b));
    size_t old_b = s->threads[tb].frame_first;

    merge_thread(s, tb, natives(s, nat, N(nat)), N(nat), UNWIND_MERGE, NULL);
    check_frames(s, tb, want, N(want));
    check_frames(s, ta, py_a, N(py_a));
    ck_assert_uint_eq(s->threads[tb].frame_first, 5);
    ck_assert_str_eq(s->frames[old_b].function.s, "b1");   /* old range left in place */
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
}
END_TEST

/* ---- end to end: unwind a forked child parked at a known stack ---- */

/*
 * The child's stack: pause <- uw_park <- uw_leaf <- _PyEval_EvalFrameDefault <- uw_top,
 * or with uw_in_handler: pause <- uw_park <- uw_handler <- (signal frame) <- raise
 * <- uw_leaf <- ...
 * A function of that name here stands for the eval loop (a test-only use of
 * a reserved identifier), so merging can be checked without a Python.
 */
void _PyEval_EvalFrameDefault(int fd);
static volatile int uw_sink;
static int uw_fd = -1;
static bool uw_in_handler;      /* park in a signal handler, not in uw_leaf itself */

static void
uw_park(int fd)
{
    if (write(fd, "r", 1) != 1)
        _exit(3);
    for (;;)
        pause();
}

__attribute__((noinline)) static void
uw_handler(int sig)
{
    (void)sig;
    uw_park(uw_fd);
}

__attribute__((noinline)) static void
uw_leaf(int fd)
{
    uw_sink++;
    if (uw_in_handler) {
        uw_fd = fd;
        signal(SIGUSR1, uw_handler);
        raise(SIGUSR1);
    }
    uw_park(fd);
}

__attribute__((noinline)) void
_PyEval_EvalFrameDefault(int fd)
{
    uw_leaf(fd);
    uw_sink++;      /* no tail call */
}

__attribute__((noinline)) static void
uw_top(int fd)
{
    _PyEval_EvalFrameDefault(fd);
    uw_sink++;
}

static void
uw_live(bool use_ptrace, enum unwind_merge mode, bool in_handler)
{
    int p[2], rc;
    pid_t child;
    char c;
    struct source src;
    struct unwinder *u;
    struct snap *s;
    size_t ti, i, at_leaf = SIZE_MAX, at_py = SIZE_MAX, at_eval = SIZE_MAX, at_top = SIZE_MAX;
    size_t at_handler = SIZE_MAX;
    static const char *const py[] = { "py!f" };

    ck_assert_int_eq(pipe(p), 0);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(p[0]);
        uw_in_handler = in_handler;
        uw_top(p[1]);
        _exit(0);
    }
    close(p[1]);
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    rc = live_open(&src, child, false);
    if (rc == 0)
        rc = source_stop(&src);
    if (rc == -AIO_E_PERM) {
        unit_skip(__func__, "%s", err_msg(rc));
        goto out;
    }
    ck_assert_int_eq(rc, 0);
    source_cache_enable(&src, true);
    u = unwind_new(&src);
    ck_assert_ptr_nonnull(u);
    unwind_set_ptrace(u, use_ptrace);
    s = snap_new(child);
    ti = add_thread(s, child, py, 1);
    rc = unwind_capture(u, s);
    source_cache_enable(&src, false);
    source_resume(&src);
    ck_assert_int_eq(rc, 0);
    unwind_finish(u, s, mode);
    for (i = 0; i < s->threads[ti].frame_count; i++) {
        const struct snap_frame *f = &s->frames[s->threads[ti].frame_first + i];

        if (f->kind == SNAP_FRAME_PYTHON)
            at_py = i;
        else if (f->function.s && strcmp(f->function.s, "uw_leaf") == 0)
            at_leaf = i;
        else if (f->function.s && strcmp(f->function.s, EVAL) == 0)
            at_eval = i;
        else if (f->function.s && strcmp(f->function.s, "uw_top") == 0)
            at_top = i;
        else if (f->function.s && strcmp(f->function.s, "uw_handler") == 0)
            at_handler = i;
    }
    ck_assert_msg(at_leaf != SIZE_MAX && at_py != SIZE_MAX && at_top != SIZE_MAX,
                  "leaf %zu py %zu top %zu of %zu frames", at_leaf, at_py, at_top,
                  s->threads[ti].frame_count);
    if (in_handler)
        ck_assert_uint_lt(at_handler, at_leaf);     /* through the signal frame */
    ck_assert_uint_lt(at_leaf, at_py);
    ck_assert_uint_lt(at_py, at_top);
    if (mode == UNWIND_ALL)
        ck_assert_uint_eq(at_eval, at_py - 1);
    else
        ck_assert_uint_eq(at_eval, SIZE_MAX);
    ck_assert_uint_eq(s->ndiags, 0);
    snap_free(s);
    unwind_free(u);
out:
    source_close(&src);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

START_TEST(test_live_child)
{
    uw_live(false, UNWIND_MERGE, false);
}
END_TEST

START_TEST(test_live_child_all)
{
    uw_live(false, UNWIND_ALL, false);
}
END_TEST

START_TEST(test_live_child_ptrace)
{
    uw_live(true, UNWIND_MERGE, false);
}
END_TEST

START_TEST(test_live_child_signal)
{
    uw_live(false, UNWIND_MERGE, true);
}
END_TEST

Suite *
suite_unwind(void)
{
    Suite *su = suite_create("unwind");
    TCase *tc = tcase_create("merge");
    TCase *live = tcase_create("live");

    tcase_add_test(tc, test_is_eval);
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_all_keeps_eval);
    tcase_add_test(tc, test_nested_38);
    tcase_add_test(tc, test_nested_311);
    tcase_add_test(tc, test_no_python);
    tcase_add_test(tc, test_more_eval);
    tcase_add_test(tc, test_more_python);
    tcase_add_test(tc, test_no_eval);
    tcase_add_test(tc, test_eval_without_python);
    tcase_add_test(tc, test_ranges);
    suite_add_tcase(su, tc);
    tcase_add_test(live, test_live_child);
    tcase_add_test(live, test_live_child_all);
    tcase_add_test(live, test_live_child_ptrace);
    tcase_add_test(live, test_live_child_signal);
    suite_add_tcase(su, live);
    return su;
}
