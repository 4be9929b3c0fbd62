#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "snapshot/snapshot.h"
#include "snapshot/load.h"
#include "view/write.h"

Suite *suite_writers(void);

/* ---- a hand-built snapshot: two threads, four tasks, three kinds of edges ---- */

static void
wt_frame(struct snap *s, const char *fn, const char *qual, const char *file, int line)
{
    struct snap_frame *fr = snap_frame_add(s);

    fr->function = snap_str_cstr(s, fn);
    if (qual)
        fr->qualname = snap_str_cstr(s, qual);
    fr->file = snap_str_cstr(s, file);
    fr->line = line;
}

static struct snap_task *
wt_task(struct snap *s, uint64_t addr, const char *name, const char *coro)
{
    struct snap_task *t = snap_task_add(s);

    t->addr = addr;
    t->name = snap_str_cstr(s, name);
    t->coro = snap_str_cstr(s, coro);
    t->frame_first = s->nframes;
    t->loop = 0x7f00000a0000;
    t->thread_tid = 4242;
    return t;
}

static struct snap *
wt_sample(void)
{
    struct snap *s = snap_new(4242);
    struct snap_thread *th;
    struct snap_frame *fr;
    struct snap_task *t;

    strcpy(s->python_version, "3.12.1");
    s->py_version_hex = 0x30c01f0;
    s->layout_source = "dwarf";
    s->cmdline = snap_str_cstr(s, "python3 app.py --name \x1b[31mX");
    s->taken_at_ns = 1700000000000000000ull;
    s->stopped_ns = 1234567;
    s->read_ns = 2345678;
    s->bytes_read = 40960;
    s->read_calls = 57;

    th = snap_thread_add(s);
    th->tid = 4242;
    th->thread_id = 140000000000001ull;
    th->name = snap_str_cstr(s, "MainThread");
    th->holds_gil = true;
    th->is_main = true;
    th->cpu_known = true;
    th->cpu_ns = 1250000000;
    th->frame_first = s->nframes;
    fr = snap_frame_add(s);
    fr->kind = SNAP_FRAME_NATIVE;
    fr->function = snap_str_cstr(s, "epoll_wait");
    fr->module = snap_str_cstr(s, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    fr->pc = 0x7f1234567890;
    fr->offset = 0x1e;
    wt_frame(s, "select", "EpollSelector.select", "/usr/lib/python3.12/selectors.py", 468);
    wt_frame(s, "run_forever", "BaseEventLoop.run_forever",
             "/usr/lib/python3.12/asyncio/base_events.py", 639);
    wt_frame(s, "<module>", NULL, "app.py", 50);
    s->threads[0].frame_count = s->nframes - s->threads[0].frame_first;

    th = snap_thread_add(s);
    th->tid = 4243;
    th->thread_id = 140000000000002ull;
    th->name = snap_str_from(s, "evil\x1b]0;pwned\x07\xff", 15);
    th->truncated = true;
    th->frame_first = s->nframes;
    wt_frame(s, "worker", "Pool.worker", "/srv/pool.py", 7);
    s->threads[1].frame_count = 1;

    t = wt_task(s, 0x7f3a2c1b0e50, "Task-1", "main");
    t->running = true;
    t->coro_addr = 0x7f3a2c000001;
    wt_frame(s, "main", "main", "app.py", 40);
    s->tasks[0].frame_count = 1;

    t = wt_task(s, 0x7f3a2c1b1000, "Task-2", "worker");
    t->coro_addr = 0x7f3a2c000002;
    t->group = 0x7f3a2c100000;
    wt_frame(s, "sleep", "sleep", "/usr/lib/python3.12/asyncio/tasks.py", 665);
    wt_frame(s, "worker", "worker", "app.py", 12);
    s->tasks[1].frame_count = 2;
    s->tasks[1].user_frame = 1;
    {
        struct snap_wait *w = snap_wait_new(s);

        w->kind = SNAP_WAIT_SLEEP;
        w->object = 0x7f3a2c300010;
        w->known = SNAP_WK_SECONDS_LEFT;
        w->seconds_left = 30;
        s->tasks[1].waiting_on = w;
    }

    t = wt_task(s, 0x7f3a2c1b2000, "Task-3", "worker");
    t->cancel_requests = 2;
    t->must_cancel = true;
    t->stack_truncated = true;
    wt_frame(s, "sleep", "sleep", "/usr/lib/python3.12/asyncio/tasks.py", 665);
    wt_frame(s, "worker", "worker", "app.py", 12);
    s->tasks[2].frame_count = 2;
    s->tasks[2].user_frame = 1;
    {
        struct snap_wait *w = snap_wait_new(s);

        w->kind = SNAP_WAIT_SLEEP;
        w->object = 0x7f3a2c300000;
        w->known = SNAP_WK_SECONDS_LEFT | SNAP_WK_TIMEOUT_IN;
        w->seconds_left = 12.5;
        w->timeout_in = 3.25;
        s->tasks[2].waiting_on = w;
    }

    t = wt_task(s, 0x7f3a2c1a0000, "done \xe2\x9c\x93", "finished");
    t->state = SNAP_TASK_DONE;
    t->thread_tid = 0;
    t->loop = 0;

    snap_tasks_sort(s);
    /* sorted: done(0), Task-1(1), Task-2(2), Task-3(3) */
    snap_edge_add(s, 1, 2, SNAP_EDGE_TASKGROUP);
    snap_edge_add(s, 1, 3, SNAP_EDGE_GATHER);
    snap_edge_add(s, 2, 3, SNAP_EDGE_AWAIT);
    snap_edges_finish(s);
    return s;
}

static const char wt_text_expected[] =
    "Process 4242: python3 app.py --name \\x1b[31mX\n"
    "Python 3.12.1 (layout: dwarf)\n"
    "Stopped for 1.235 ms, read in 2.346 ms (40960 bytes in 57 reads)\n"
    "\n"
    "Thread 4242 \"MainThread\" (holds GIL)\n"
    "    epoll_wait+0x1e (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
    "    EpollSelector.select (/usr/lib/python3.12/selectors.py:468)\n"
    "    BaseEventLoop.run_forever (/usr/lib/python3.12/asyncio/base_events.py:639)\n"
    "    <module> (app.py:50)\n"
    "\n"
    "Thread 4243 \"evil\\x1b]0;pwned\\x07\xef\xbf\xbd\"\n"
    "    Pool.worker (/srv/pool.py:7)\n"
    "    ... (more frames not read)\n"
    "\n"
    "Tasks: 4 (3 pending, 1 done, 0 cancelled)\n"
    "      2  worker  worker app.py:12 \xe2\x86\x92 sleep\n"
    "      1  finished  -\n"
    "      1  main  app.py:40\n"
    "\n"
    "done \xe2\x9c\x93  done  finished  -\n"
    "Task-1  pending  main  app.py:40  *running*\n"
    "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 Task-2  pending  worker  worker app.py:12  "
        "\xe2\x86\x92 sleep (30 s left)\n"
    "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 Task-3  pending  worker  worker app.py:12  "
        "cancelling(2)  (also awaited by 1 other)  \xe2\x86\x92 sleep (12 s left) "
        "[timeout in 3.2 s]\n";

static const char wt_json_expected[] =
    "{\n"
    "  \"format\": \"aiomon-snapshot\",\n"
    "  \"format_version\": 1,\n"
    "  \"pid\": 4242,\n"
    "  \"python_version\": \"3.12.1\",\n"
    "  \"py_version_hex\": 51118576,\n"
    "  \"layout_source\": \"dwarf\",\n"
    "  \"cmdline\": \"python3 app.py --name \\u001b[31mX\",\n"
    "  \"flags\": {\"partial\": false, \"torn\": false, \"loaded\": false, \"core\": false, \"n"
        "o_tasks\": false},\n"
    "  \"taken_at_ns\": 1700000000000000000,\n"
    "  \"stopped_us\": 1234,\n"
    "  \"read_us\": 2345,\n"
    "  \"bytes_read\": 40960,\n"
    "  \"read_calls\": 57,\n"
    "  \"diagnostics\": [],\n"
    "  \"threads\": [\n"
    "    {\n"
    "      \"tid\": 4242,\n"
    "      \"thread_id\": 140000000000001,\n"
    "      \"name\": \"MainThread\",\n"
    "      \"comm\": \"MainThread\",\n"
    "      \"holds_gil\": true,\n"
    "      \"is_main\": true,\n"
    "      \"python\": true,\n"
    "      \"truncated\": false,\n"
    "      \"cpu_ns\": 1250000000,\n"
    "      \"frames\": [\n"
    "        {\"function\": \"epoll_wait\", \"qualname\": null, \"file\": null, \"line\": 0, \""
        "kind\": \"native\", \"symbol\": \"epoll_wait\", \"module\": \"/usr/lib/x86_64-linux-gn"
        "u/libc.so.6\", \"offset\": 30, \"pc\": \"0x7f1234567890\"},\n"
    "        {\"function\": \"select\", \"qualname\": \"EpollSelector.select\", \"file\": \"/us"
        "r/lib/python3.12/selectors.py\", \"line\": 468},\n"
    "        {\"function\": \"run_forever\", \"qualname\": \"BaseEventLoop.run_forever\", \"fil"
        "e\": \"/usr/lib/python3.12/asyncio/base_events.py\", \"line\": 639},\n"
    "        {\"function\": \"<module>\", \"qualname\": null, \"file\": \"app.py\", \"line\": 5"
        "0}\n"
    "      ]\n"
    "    },\n"
    "    {\n"
    "      \"tid\": 4243,\n"
    "      \"thread_id\": 140000000000002,\n"
    "      \"name\": \"evil\\u001b]0;pwned\\u0007\xef\xbf\xbd\",\n"
    "      \"comm\": \"evil\\u001b]0;pwned\\u0007\xef\xbf\xbd\",\n"
    "      \"holds_gil\": false,\n"
    "      \"is_main\": false,\n"
    "      \"python\": true,\n"
    "      \"truncated\": true,\n"
    "      \"cpu_ns\": null,\n"
    "      \"frames\": [\n"
    "        {\"function\": \"worker\", \"qualname\": \"Pool.worker\", \"file\": \"/srv/pool.py"
        "\", \"line\": 7}\n"
    "      ]\n"
    "    }\n"
    "  ],\n"
    "  \"tasks\": [\n"
    "    {\n"
    "      \"id\": \"0x7f3a2c1a0000\",\n"
    "      \"name\": \"done \xe2\x9c\x93\",\n"
    "      \"state\": \"done\",\n"
    "      \"coroutine\": \"finished\",\n"
    "      \"coroutine_id\": null,\n"
    "      \"running\": false,\n"
    "      \"cancel_requests\": 0,\n"
    "      \"must_cancel\": false,\n"
    "      \"thread\": null,\n"
    "      \"loop\": null,\n"
    "      \"group\": null,\n"
    "      \"stack_truncated\": false,\n"
    "      \"thread_frames\": 0,\n"
    "      \"user_frame\": null,\n"
    "      \"stack\": [],\n"
    "      \"awaiting\": [],\n"
    "      \"awaited_by\": [],\n"
    "      \"waiting_on\": null,\n"
    "      \"exception\": null,\n"
    "      \"cancelled\": null,\n"
    "      \"created_at\": null,\n"
    "      \"created_by\": null,\n"
    "      \"creation_stack\": null,\n"
    "      \"cancelled_by\": null,\n"
    "      \"serial\": null,\n"
    "      \"created_by_serial\": null\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"0x7f3a2c1b0e50\",\n"
    "      \"name\": \"Task-1\",\n"
    "      \"state\": \"pending\",\n"
    "      \"coroutine\": \"main\",\n"
    "      \"coroutine_id\": \"0x7f3a2c000001\",\n"
    "      \"running\": true,\n"
    "      \"cancel_requests\": 0,\n"
    "      \"must_cancel\": false,\n"
    "      \"thread\": 4242,\n"
    "      \"loop\": \"0x7f00000a0000\",\n"
    "      \"group\": null,\n"
    "      \"stack_truncated\": false,\n"
    "      \"thread_frames\": 0,\n"
    "      \"user_frame\": null,\n"
    "      \"stack\": [\n"
    "        {\"function\": \"main\", \"qualname\": \"main\", \"file\": \"app.py\", \"line\": 4"
        "0}\n"
    "      ],\n"
    "      \"awaiting\": [\"0x7f3a2c1b1000\", \"0x7f3a2c1b2000\"],\n"
    "      \"awaited_by\": [],\n"
    "      \"waiting_on\": null,\n"
    "      \"exception\": null,\n"
    "      \"cancelled\": null,\n"
    "      \"created_at\": null,\n"
    "      \"created_by\": null,\n"
    "      \"creation_stack\": null,\n"
    "      \"cancelled_by\": null,\n"
    "      \"serial\": null,\n"
    "      \"created_by_serial\": null\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"0x7f3a2c1b1000\",\n"
    "      \"name\": \"Task-2\",\n"
    "      \"state\": \"pending\",\n"
    "      \"coroutine\": \"worker\",\n"
    "      \"coroutine_id\": \"0x7f3a2c000002\",\n"
    "      \"running\": false,\n"
    "      \"cancel_requests\": 0,\n"
    "      \"must_cancel\": false,\n"
    "      \"thread\": 4242,\n"
    "      \"loop\": \"0x7f00000a0000\",\n"
    "      \"group\": \"0x7f3a2c100000\",\n"
    "      \"stack_truncated\": false,\n"
    "      \"thread_frames\": 0,\n"
    "      \"user_frame\": 1,\n"
    "      \"stack\": [\n"
    "        {\"function\": \"sleep\", \"qualname\": \"sleep\", \"file\": \"/usr/lib/python3.12"
        "/asyncio/tasks.py\", \"line\": 665},\n"
    "        {\"function\": \"worker\", \"qualname\": \"worker\", \"file\": \"app.py\", \"line"
        "\": 12}\n"
    "      ],\n"
    "      \"awaiting\": [\"0x7f3a2c1b2000\"],\n"
    "      \"awaited_by\": [\"0x7f3a2c1b0e50\"],\n"
    "      \"waiting_on\": {\"kind\": \"sleep\", \"object\": \"0x7f3a2c300010\", "
        "\"detail\": null, \"seconds_left\": 30.000000},\n"
    "      \"exception\": null,\n"
    "      \"cancelled\": null,\n"
    "      \"created_at\": null,\n"
    "      \"created_by\": null,\n"
    "      \"creation_stack\": null,\n"
    "      \"cancelled_by\": null,\n"
    "      \"serial\": null,\n"
    "      \"created_by_serial\": null\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"0x7f3a2c1b2000\",\n"
    "      \"name\": \"Task-3\",\n"
    "      \"state\": \"pending\",\n"
    "      \"coroutine\": \"worker\",\n"
    "      \"coroutine_id\": null,\n"
    "      \"running\": false,\n"
    "      \"cancel_requests\": 2,\n"
    "      \"must_cancel\": true,\n"
    "      \"thread\": 4242,\n"
    "      \"loop\": \"0x7f00000a0000\",\n"
    "      \"group\": null,\n"
    "      \"stack_truncated\": true,\n"
    "      \"thread_frames\": 0,\n"
    "      \"user_frame\": 1,\n"
    "      \"stack\": [\n"
    "        {\"function\": \"sleep\", \"qualname\": \"sleep\", \"file\": \"/usr/lib/python3.12"
        "/asyncio/tasks.py\", \"line\": 665},\n"
    "        {\"function\": \"worker\", \"qualname\": \"worker\", \"file\": \"app.py\", \"line"
        "\": 12}\n"
    "      ],\n"
    "      \"awaiting\": [],\n"
    "      \"awaited_by\": [\"0x7f3a2c1b0e50\", \"0x7f3a2c1b1000\"],\n"
    "      \"waiting_on\": {\"kind\": \"sleep\", \"object\": \"0x7f3a2c300000\", "
        "\"detail\": null, \"seconds_left\": 12.500000, \"timeout_in\": 3.250000},\n"
    "      \"exception\": null,\n"
    "      \"cancelled\": null,\n"
    "      \"created_at\": null,\n"
    "      \"created_by\": null,\n"
    "      \"creation_stack\": null,\n"
    "      \"cancelled_by\": null,\n"
    "      \"serial\": null,\n"
    "      \"created_by_serial\": null\n"
    "    }\n"
    "  ],\n"
    "  \"edges\": [\n"
    "    {\"waiter\": \"0x7f3a2c1b0e50\", \"awaited\": \"0x7f3a2c1b1000\", \"kind\": \"taskgrou"
        "p\"},\n"
    "    {\"waiter\": \"0x7f3a2c1b0e50\", \"awaited\": \"0x7f3a2c1b2000\", \"kind\": \"gather\""
        "},\n"
    "    {\"waiter\": \"0x7f3a2c1b1000\", \"awaited\": \"0x7f3a2c1b2000\", \"kind\": \"await\"}"
        "\n"
    "  ],\n"
    "  \"cycles\": [],\n"
    "  \"terminated\": [],\n"
    "  \"tracker\": null\n"
    "}\n";

/* ---- helpers ---- */

static char *
wt_capture(const struct snap *s, enum snap_format fmt, const struct write_opts *o)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(snap_write(f, s, fmt, o), 0);
    fclose(f);
    return buf;
}

static char wt_dir[64];

static void
wt_setup(void)
{
    strcpy(wt_dir, "/tmp/aiomon-check-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(wt_dir));
}

static void
wt_teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", wt_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *
wt_path(const char *name)
{
    static char buf[4][128];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", wt_dir, name);
    return buf[k];
}

static char *
wt_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
wt_spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* ---- text ---- */

START_TEST(test_text_exact)
{
    struct snap *s = wt_sample();
    char *out = wt_capture(s, SNAP_FMT_TEXT, NULL);

    ck_assert_str_eq(out, wt_text_expected);
    free(out);
    snap_free(s);
}
END_TEST

START_TEST(test_text_stacks_group)
{
    struct snap *s = wt_sample();
    struct write_opts o = { .stacks = true };
    char *out = wt_capture(s, SNAP_FMT_TEXT, &o);
    const char *tree;

    tree = strstr(out, "\ndone \xe2\x9c\x93");
    ck_assert_ptr_nonnull(tree);
    ck_assert_str_eq(tree + 1,
        "done \xe2\x9c\x93  done  finished  -\n"
        "Task-1  pending  main  app.py:40  *running*\n"
        "\xe2\x94\x82        main (app.py:40)\n"
        "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 Task-2  pending  worker  "
            "worker app.py:12  \xe2\x86\x92 sleep (30 s left)\n"
        "\xe2\x94\x82            sleep (/usr/lib/python3.12/asyncio/tasks.py:665)\n"
        "\xe2\x94\x82          > worker (app.py:12)\n"
        "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 Task-3  pending  worker  "
            "worker app.py:12  cancelling(2)  "
            "(also awaited by 1 other)  \xe2\x86\x92 sleep (12 s left) [timeout in 3.2 s]\n"
        "             sleep (/usr/lib/python3.12/asyncio/tasks.py:665)\n"
        "           > worker (app.py:12)\n"
        "          ...\n");
    free(out);
    o.stacks = false;
    o.group = true;
    out = wt_capture(s, SNAP_FMT_TEXT, &o);
    ck_assert_ptr_nonnull(strstr(out, "\n\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 Task-2  pending  "
                                      "worker  worker app.py:12  "
                                      "(2 similar)  \xe2\x86\x92 sleep (30 s left)\n"));
    ck_assert_ptr_null(strstr(out, "Task-3"));
    free(out);
    snap_free(s);
}
END_TEST

START_TEST(test_text_warnings)
{
    struct snap *s = wt_sample();
    char *out;

    s->flags |= SNAP_F_TORN;
    s->stopped_ns = 0;
    snap_diag_add(s, SNAP_DIAG_PROCESS, 0, -AIO_E_FAULT, "cannot read the thread list");
    snap_diag_add(s, SNAP_DIAG_THREAD, 1, AIO_E_BOUND, "frame chain longer than %d", 1024);
    snap_diag_add(s, SNAP_DIAG_TASK, 2, AIO_E_CORRUPT, "bad task name \x1b[2J");
    out = wt_capture(s, SNAP_FMT_TEXT, NULL);
    ck_assert_ptr_nonnull(strstr(out,
        "Read in 2.346 ms without stopping (40960 bytes in 57 reads)\n"
        "WARNING: read without stopping the process: results may be torn\n"
        "WARNING: partial snapshot, 3 problems:\n"
        "    process: cannot read the thread list (unreadable address in target)\n"
        "    thread 4243: frame chain longer than 1024 "
            "(bound exceeded while walking target data)\n"
        "    task 0x7f3a2c1b1000: bad task name \\x1b[2J (inconsistent data in target)\n"
        "\nThread 4242"));
    free(out);
    snap_free(s);

    /* no tasks: said, not left out (asyncio not imported, or no task at all) */
    s = snap_new(7);
    out = wt_capture(s, SNAP_FMT_TEXT, NULL);
    ck_assert_str_eq(out, "Process 7\nPython unknown (layout: unknown)\n"
                          "Stopped for 0.000 ms, read in 0.000 ms (0 bytes in 0 reads)\n"
                          "\nTasks: 0 (no tasks)\n");
    free(out);
    s->flags |= SNAP_F_NO_TASKS;
    out = wt_capture(s, SNAP_FMT_TEXT, NULL);
    ck_assert_ptr_nonnull(strstr(out, "\nno asyncio tasks (asyncio is not imported)\n"));
    free(out);
    snap_free(s);
}
END_TEST

/* ---- JSON ---- */

START_TEST(test_json_exact)
{
    struct snap *s = wt_sample();
    char *out = wt_capture(s, SNAP_FMT_JSON, NULL);

    ck_assert_str_eq(out, wt_json_expected);
    free(out);
    snap_free(s);
}
END_TEST

/* write -> read -> write: identical except "loaded"; and a fixed point after that. */
START_TEST(test_json_roundtrip)
{
    struct snap *s = wt_sample(), *r, *r2;
    char *a, *b, *c, *p;
    int err = 1;

    snap_diag_add(s, SNAP_DIAG_TASK, 3, AIO_E_BOUND, "stack cut");
    snap_diag_add(s, SNAP_DIAG_THREAD, 0, AIO_E_FAULT, "x");
    /* hostile bytes: NUL, invalid UTF-8, a C1 control, an astral character */
    s->tasks[1].name = snap_str_from(s, "a\0b\xff\xc2\x9b\xf0\x9f\x98\x80\\\"", 12);
    s->flags |= SNAP_F_TORN | SNAP_F_CORE;
    s->threads[1].native_only = true;
    ck_assert_int_eq(snap_write_path(wt_path("a.json"), s, SNAP_FMT_JSON, NULL), 0);
    r = snap_read_json(wt_path("a.json"), &err);
    ck_assert_msg(r != NULL, "%s", err_msg(err));
    ck_assert_int_eq(err, 0);
    ck_assert(r->flags & SNAP_F_LOADED);
    ck_assert_uint_eq(r->nedges, 3);
    ck_assert_int_eq(r->edges[0].kind, SNAP_EDGE_TASKGROUP);
    ck_assert_int_eq(r->edges[1].kind, SNAP_EDGE_GATHER);
    ck_assert_uint_eq(r->tasks[1].name.len, 14);     /* 0xff became U+FFFD */
    ck_assert(memcmp(r->tasks[1].name.s, "a\0b\xef\xbf\xbd", 6) == 0);
    ck_assert_uint_eq(r->frames[r->threads[0].frame_first].pc, 0x7f1234567890);
    ck_assert_int_eq(r->frames[r->threads[0].frame_first].kind, SNAP_FRAME_NATIVE);
    ck_assert_int_eq(r->diags[0].code, AIO_E_BOUND);
    ck_assert_int_eq(r->stopped_ns, 1234000);
    ck_assert(r->threads[0].cpu_known);
    ck_assert_uint_eq(r->threads[0].cpu_ns, 1250000000);
    ck_assert(!r->threads[1].cpu_known);
    ck_assert(!r->threads[0].native_only);
    ck_assert(r->threads[1].native_only);
    ck_assert_int_eq(snap_write_path(wt_path("b.json"), r, SNAP_FMT_JSON, NULL), 0);
    r2 = snap_read_json(wt_path("b.json"), &err);
    ck_assert_ptr_nonnull(r2);
    ck_assert_int_eq(snap_write_path(wt_path("c.json"), r2, SNAP_FMT_JSON, NULL), 0);

    a = wt_slurp(wt_path("a.json"));
    b = wt_slurp(wt_path("b.json"));
    c = wt_slurp(wt_path("c.json"));
    ck_assert_str_eq(b, c);
    ck_assert_ptr_nonnull(strstr(b, "\"loaded\": true, \"core\": true"));
    /* a with "loaded": false turned into true must equal b */
    p = strstr(a, "\"loaded\": false");
    ck_assert_ptr_nonnull(p);
    memmove(p + 14, p + 15, strlen(p + 15) + 1);
    memcpy(p + 10, "true", 4);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(c);
    snap_free(r2);
    snap_free(r);
    snap_free(s);
}
END_TEST

START_TEST(test_json_read_truncated)
{
    struct snap *s = wt_sample(), *r;
    char *full = wt_capture(s, SNAP_FMT_JSON, NULL);
    size_t len = strlen(full), cut;
    int err;

    for (cut = 0; cut + 2 < len; cut += 7) {
        wt_spit(wt_path("cut.json"), full, cut);
        r = snap_read_json(wt_path("cut.json"), &err);
        ck_assert_msg(r == NULL, "accepted a prefix of %zu bytes", cut);
        ck_assert_int_eq(err, -AIO_E_BADFILE);
    }
    free(full);
    snap_free(s);
}
END_TEST

START_TEST(test_write_path_atomic)
{
    struct snap *s = wt_sample();
    const char *victim = wt_path("victim"), *out = wt_path("out.json");
    struct stat st;
    char *data, cmd[256];
    FILE *f;

    /* a symlink planted at the output path is replaced, its target untouched */
    wt_spit(victim, "precious", 8);
    ck_assert_int_eq(symlink(victim, out), 0);
    ck_assert_int_eq(snap_write_path(out, s, SNAP_FMT_JSON, NULL), 0);
    ck_assert_int_eq(lstat(out, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    data = wt_slurp(victim);
    ck_assert_str_eq(data, "precious");
    free(data);
    data = wt_slurp(out);
    ck_assert_str_eq(data, wt_json_expected);
    free(data);
    /* overwrite with text; no temporary file is left behind */
    ck_assert_int_eq(snap_write_path(out, s, SNAP_FMT_TEXT, NULL), 0);
    data = wt_slurp(out);
    ck_assert_str_eq(data, wt_text_expected);
    free(data);
    snprintf(cmd, sizeof(cmd), "ls -A '%s'", wt_dir);
    f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fread(cmd, 1, sizeof(cmd) - 1, f), strlen("out.json\nvictim\n"));
    pclose(f);
    /* failures */
    ck_assert_int_eq(snap_write_path(wt_path("no/such/dir/x.json"), s, SNAP_FMT_JSON, NULL),
                     -AIO_E_IO);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_IO), "no/such/dir/x.json"));
    ck_assert_int_eq(snap_write_path(wt_path(""), s, SNAP_FMT_JSON, NULL), -AIO_E_IO);
    ck_assert_int_eq(snap_write_path(wt_dir, s, SNAP_FMT_JSON, NULL), -AIO_E_IO);
    snap_free(s);
}
END_TEST

/* A device or pipe at the output path is written in place, never replaced by a rename. */
START_TEST(test_write_path_special)
{
    struct snap *s = wt_sample();
    const char *fifo = wt_path("pipe");
    char buf[65536];
    struct stat st;
    ssize_t n;
    int fd;

    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    fd = open(fifo, O_RDWR | O_NONBLOCK);   /* our own reader: the write does not block */
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(snap_write_path(fifo, s, SNAP_FMT_JSON, NULL), 0);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_eq(n, (ssize_t)strlen(wt_json_expected));
    buf[n] = '\0';
    ck_assert_str_eq(buf, wt_json_expected);
    close(fd);
    unlink(fifo);
    snap_free(s);
}
END_TEST

/* The writer table: every row is named, findable by its name and reached by snap_write. */
START_TEST(test_writer_table)
{
    struct snap *s = wt_sample();
    char names[64], *viaw, *direct;
    size_t n;
    FILE *f;
    int i;

    ck_assert_int_eq(view_format_find("text"), SNAP_FMT_TEXT);
    ck_assert_int_eq(view_format_find("json"), SNAP_FMT_JSON);
    ck_assert_int_eq(view_format_find("xml"), -1);
    ck_assert_int_eq(view_format_find(""), -1);
    ck_assert_int_eq(view_format_find("JSON"), -1);
    ck_assert_int_eq(view_format_find("jsonx"), -1);
    view_format_names(names, sizeof(names));
    ck_assert_str_eq(names, "text, json");
    view_format_names(names, 6);            /* cut, still terminated */
    ck_assert_str_eq(names, "text,");
    for (i = 0; i < SNAP_FMT__COUNT; i++) {
        const struct view_writer *w = view_writer((enum snap_format)i);

        ck_assert_ptr_nonnull(w->name);
        ck_assert_ptr_nonnull(w->write);
        ck_assert_int_eq(view_format_find(w->name), i);
        viaw = wt_capture(s, (enum snap_format)i, NULL);
        direct = NULL;
        f = open_memstream(&direct, &n);
        ck_assert_ptr_nonnull(f);
        w->write(f, s, NULL);
        fclose(f);
        ck_assert_str_eq(viaw, direct);
        free(viaw);
        free(direct);
    }
    /* each row is its own writer */
    viaw = wt_capture(s, SNAP_FMT_JSON, NULL);
    ck_assert_str_eq(viaw, wt_json_expected);
    free(viaw);
    viaw = wt_capture(s, SNAP_FMT_TEXT, NULL);
    ck_assert(strncmp(viaw, "Process 4242: ", 14) == 0);
    free(viaw);
    snap_free(s);
}
END_TEST

Suite *
suite_writers(void)
{
    Suite *su = suite_create("writers");
    TCase *tc = tcase_create("writers");

    tcase_add_checked_fixture(tc, wt_setup, wt_teardown);
    tcase_add_test(tc, test_text_exact);
    tcase_add_test(tc, test_text_stacks_group);
    tcase_add_test(tc, test_text_warnings);
    tcase_add_test(tc, test_json_exact);
    tcase_add_test(tc, test_json_roundtrip);
    tcase_add_test(tc, test_json_read_truncated);
    tcase_add_test(tc, test_write_path_atomic);
    tcase_add_test(tc, test_write_path_special);
    tcase_add_test(tc, test_writer_table);
    suite_add_tcase(su, tc);
    return su;
}
