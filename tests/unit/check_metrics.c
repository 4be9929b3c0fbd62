/*
 * check_metrics.c - the Prometheus exposition (view/metrics.c): the exact
 * text of a small case, label values of hostile names escaped and capped,
 * bounded label cardinality (top N + other) over 10,000 distinct
 * coroutines, counters that only grow while the terminated list is bounded,
 * a failed sample (up 0, no stale gauges), outcomes, several processes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/history.h"
#include "view/metrics.h"

Suite *suite_metrics(void);

struct mdef {
    uint64_t id;
    const char *coro;
    const char *file;
    int line;
    enum snap_task_state state;
};

/* A snapshot at t seconds: each task one frame (its user frame) in function "handle". */
static struct snap *
mk(double t, const struct mdef *d, size_t n)
{
    struct snap *s = snap_new(7);
    size_t i;

    s->taken_at_ns = (uint64_t)(t * 1e9);
    s->stopped_ns = 2000000;    /* 2 ms */
    for (i = 0; i < n; i++) {
        struct snap_task *k = snap_task_add(s);
        struct snap_frame *f;

        k->addr = d[i].id;
        k->coro_addr = d[i].id + 1;
        k->name = snap_str_cstr(s, "t");
        k->coro = snap_str_cstr(s, d[i].coro);
        k->state = d[i].state;
        k->frame_first = s->nframes;
        k->frame_count = 1;
        k->user_frame = 0;
        f = snap_frame_add(s);
        f->function = snap_str_cstr(s, "handle");
        f->file = snap_str_cstr(s, d[i].file ? d[i].file : "app.py");
        f->line = d[i].line;
    }
    snap_tasks_sort(s);
    return s;
}

struct mstate {
    struct history h;
    struct metrics_counts c;
    struct snap *last;
};

static void
feed(struct mstate *m, struct snap *s)
{
    if (s)
        history_update(&m->h, s);
    metrics_note(&m->c, s);
    if (s) {
        snap_free(m->last);
        m->last = s;
    }
}

static char *
render(const struct mstate *m, size_t top)
{
    struct metrics_proc p = { 7, &m->c, &m->h, m->last };
    struct metrics_opts o = { top, false };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    metrics_write(f, &p, 1, &o);
    fclose(f);
    return buf;
}

/* The value of the series line starting with `series ` in text; -1 when absent. */
static double
value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    const char *p = text;

    while ((p = strstr(p, series)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p += n;
    }
    return -1;
}

static size_t
count_lines(const char *text, const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    const char *p = text;

    while (p && *p) {
        n += strncmp(p, prefix, pl) == 0;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

static const char small_expected[] =
    "# HELP aiomon_up 1 when the last sample of the process was read.\n"
    "# TYPE aiomon_up gauge\n"
    "aiomon_up{pid=\"7\"} 1\n"
    "# HELP aiomon_samples_total Samples taken, read or failed.\n"
    "# TYPE aiomon_samples_total counter\n"
    "aiomon_samples_total{pid=\"7\"} 2\n"
    "# HELP aiomon_sample_errors_total Samples that failed.\n"
    "# TYPE aiomon_sample_errors_total counter\n"
    "aiomon_sample_errors_total{pid=\"7\"} 0\n"
    "# HELP aiomon_tasks Tasks in the last sample, by state.\n"
    "# TYPE aiomon_tasks gauge\n"
    "aiomon_tasks{pid=\"7\",state=\"pending\"} 3\n"
    "aiomon_tasks{pid=\"7\",state=\"done\"} 1\n"
    "aiomon_tasks{pid=\"7\",state=\"cancelled\"} 0\n"
    "# HELP aiomon_tasks_by_group Pending tasks by coroutine and where they wait (the text "
    "view's groups), the largest by name, the rest as other.\n"
    "# TYPE aiomon_tasks_by_group gauge\n"
    "aiomon_tasks_by_group{pid=\"7\",coroutine=\"worker\",where=\"handle app.py:5\"} 2\n"
    "aiomon_tasks_by_group{pid=\"7\",coroutine=\"other\",where=\"other\"} 1\n"
    "# HELP aiomon_tasks_stuck Pending tasks whose stack and awaited future did not change "
    "for --stuck.\n"
    "# TYPE aiomon_tasks_stuck gauge\n"
    "aiomon_tasks_stuck{pid=\"7\"} 3\n"
    "# HELP aiomon_tasks_swallowing_cancel Tasks still running after a cancellation was "
    "requested.\n"
    "# TYPE aiomon_tasks_swallowing_cancel gauge\n"
    "aiomon_tasks_swallowing_cancel{pid=\"7\"} 0\n"
    "# HELP aiomon_tasks_ended_total Tasks seen to end, by outcome (unknown: gone between two "
    "samples).\n"
    "# TYPE aiomon_tasks_ended_total counter\n"
    "aiomon_tasks_ended_total{pid=\"7\",outcome=\"ok\"} 1\n"
    "aiomon_tasks_ended_total{pid=\"7\",outcome=\"exception\"} 0\n"
    "aiomon_tasks_ended_total{pid=\"7\",outcome=\"cancelled\"} 0\n"
    "aiomon_tasks_ended_total{pid=\"7\",outcome=\"unknown\"} 1\n"
    "# HELP aiomon_await_cycles Await cycles (deadlocks) in the last sample.\n"
    "# TYPE aiomon_await_cycles gauge\n"
    "aiomon_await_cycles{pid=\"7\"} 0\n"
    "# HELP aiomon_target_stop_seconds How long the target was stopped for a sample.\n"
    "# TYPE aiomon_target_stop_seconds histogram\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.001\"} 0\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.0025\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.005\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.01\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.025\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.05\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.1\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.25\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"0.5\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"1\"} 2\n"
    "aiomon_target_stop_seconds_bucket{pid=\"7\",le=\"+Inf\"} 2\n"
    "aiomon_target_stop_seconds_sum{pid=\"7\"} 0.004000000\n"
    "aiomon_target_stop_seconds_count{pid=\"7\"} 2\n";

START_TEST(test_small_exact)
{
    struct mdef a[] = {
        { 0x10, "worker", NULL, 5, SNAP_TASK_PENDING },
        { 0x20, "worker", NULL, 5, SNAP_TASK_PENDING },
        { 0x30, "main", NULL, 9, SNAP_TASK_PENDING },
        { 0x40, "gone", NULL, 1, SNAP_TASK_PENDING },
    };
    struct mdef b[] = {
        { 0x10, "worker", NULL, 5, SNAP_TASK_PENDING },
        { 0x20, "worker", NULL, 5, SNAP_TASK_PENDING },
        { 0x30, "main", NULL, 9, SNAP_TASK_PENDING },
        { 0x50, "quick", NULL, 3, SNAP_TASK_DONE },
    };
    struct mstate m;
    char *text;

    memset(&m, 0, sizeof(m));
    history_init(&m.h, 10, 1000000000);
    feed(&m, mk(1, a, 4));
    feed(&m, mk(3, b, 4));      /* 0x40 vanished (unknown), 0x50 seen done (ok) */
    text = render(&m, 1);       /* top 1: main's group goes into other */
    ck_assert_str_eq(text, small_expected);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
}
END_TEST

START_TEST(test_label_escaping)
{
    char buf[2 * (4 * METRICS_LABEL_BYTES + 4)];
    static const char hostile[] = "a\"b\\c\nd\xff\x1b[31m";
    char longname[1000];
    struct mdef a[] = {
        { 0x10, "q\"uote\\back\nline\xfe", "evil\"\n.py", 5, SNAP_TASK_PENDING },
    };
    struct mstate m;
    char *text, *line, *p;

    metrics_label(buf, sizeof(buf), hostile, sizeof(hostile) - 1);
    /* escape.h: \n and ESC as \xNN, invalid UTF-8 as U+FFFD; then \\ and \" */
    ck_assert_str_eq(buf, "a\\\"b\\\\c\\\\x0ad\xef\xbf\xbd\\\\x1b[31m");
    memset(longname, 'x', sizeof(longname));
    ck_assert_uint_eq(metrics_label(buf, sizeof(buf), longname, sizeof(longname)),
                      METRICS_LABEL_BYTES + 3);     /* cut, "…" */
    ck_assert_uint_eq(metrics_label(buf, 4, hostile, sizeof(hostile) - 1), 3);   /* bounded */

    memset(&m, 0, sizeof(m));
    history_init(&m.h, 10, 0);
    feed(&m, mk(1, a, 1));
    text = render(&m, 0);
    line = strstr(text, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"q");
    ck_assert_ptr_nonnull(line);
    p = strchr(line, '\n');
    *p = '\0';
    ck_assert_str_eq(line, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"q\\\"uote\\\\back\\\\x0aline"
                     "\xef\xbf\xbd\",where=\"handle evil\\\"\\\\x0a.py:5\"} 1");
    *p = '\n';
    /* every line is a comment or a series: no raw newline got into a label */
    for (p = text; *p; p = strchr(p, '\n') + 1)
        ck_assert(strncmp(p, "# ", 2) == 0 || strncmp(p, "aiomon_", 7) == 0);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
}
END_TEST

START_TEST(test_top_other_bounded)
{
    enum { N = 10000 };
    struct mdef *d = calloc(N, sizeof(*d));
    char (*names)[24] = calloc(N, sizeof(*names));
    struct mstate m;
    char *text;
    size_t i;

    for (i = 0; i < N; i++) {
        /* coroutines big-0 .. big-2 have 40, 30 and 20 tasks, then 9,940 of one task each */
        if (i < 90)
            snprintf(names[i], sizeof(names[i]), "big-%d", i < 40 ? 0 : i < 70 ? 1 : 2);
        else
            snprintf(names[i], sizeof(names[i]), "coro-%zu", i);
        d[i].id = 0x1000 + 0x10 * i;
        d[i].coro = names[i];
        d[i].line = 1;
    }
    memset(&m, 0, sizeof(m));
    history_init(&m.h, 10, 0);
    feed(&m, mk(1, d, N));
    text = render(&m, 0);       /* the default: 20 */
    ck_assert_uint_eq(count_lines(text, "aiomon_tasks_by_group{"), METRICS_DEFAULT_TOP + 1);
    ck_assert(value_of(text, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"big-0\","
                       "where=\"handle app.py:1\"}") == 40);
    ck_assert(strstr(text, "coroutine=\"big-0\"") < strstr(text, "coroutine=\"big-1\""));
    ck_assert(strstr(text, "coroutine=\"big-1\"") < strstr(text, "coroutine=\"big-2\""));
    /* 3 big groups + 17 single ones shown: 10,000 - 90 - 17 in other */
    ck_assert(value_of(text, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"other\","
                       "where=\"other\"}") == N - 90 - 17);
    free(text);
    text = render(&m, 2);
    ck_assert_uint_eq(count_lines(text, "aiomon_tasks_by_group{"), 3);
    ck_assert(value_of(text, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"other\","
                       "where=\"other\"}") == N - 70);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
    free(d);
    free(names);
}
END_TEST

START_TEST(test_same_labels_one_series)
{
    char a1[400], a2[400];
    struct mdef d[] = {
        { 0x10, a1, NULL, 5, SNAP_TASK_PENDING },
        { 0x20, a2, NULL, 5, SNAP_TASK_PENDING },
        { 0x30, "other", "other", 0, SNAP_TASK_PENDING },
    };
    struct mstate m;
    struct snap *s;
    char *text;

    /* two coroutines that differ only beyond the label cap: one label, one series */
    memset(a1, 'c', sizeof(a1) - 1);
    a1[sizeof(a1) - 1] = '\0';
    memcpy(a2, a1, sizeof(a2));
    a2[sizeof(a2) - 2] = 'd';
    memset(&m, 0, sizeof(m));
    history_init(&m.h, 10, 0);
    s = mk(1, d, 3);
    /* the target's own coroutine "other" waiting at "other" (no user frame, no line) */
    s->tasks[2].user_frame = SNAP_NO_FRAME;
    feed(&m, s);
    text = render(&m, 0);
    ck_assert_uint_eq(count_lines(text, "aiomon_tasks_by_group{"), 2);
    ck_assert_ptr_nonnull(strstr(text, "\xe2\x80\xa6\",where=\"handle app.py:5\"} 2\n"));
    ck_assert(value_of(text, "aiomon_tasks_by_group{pid=\"7\",coroutine=\"other\","
                       "where=\"other\"}") == 1);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
}
END_TEST

START_TEST(test_counters_monotonic)
{
    struct mdef d[64];
    struct mstate m;
    char *text;
    double prev_unknown = 0, prev_samples = 0, v;
    size_t i, round;

    memset(&m, 0, sizeof(m));
    history_init(&m.h, 2, 0);   /* the terminated list keeps 2 */
    for (round = 0; round < 20; round++) {
        /* each round: 8 new tasks, 8 of the last round gone */
        for (i = 0; i < 8; i++) {
            d[i].id = 0x1000 * (round + 1) + 0x10 * i;
            d[i].coro = "w";
            d[i].file = NULL;
            d[i].line = 1;
            d[i].state = SNAP_TASK_PENDING;
        }
        feed(&m, mk((double)round + 1, d, 8));
        if (round == 10)
            feed(&m, NULL);     /* a failed sample in between */
        text = render(&m, 0);
        v = value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"unknown\"}");
        ck_assert(v >= prev_unknown);
        ck_assert(v == 8.0 * (double)round);
        prev_unknown = v;
        v = value_of(text, "aiomon_samples_total{pid=\"7\"}");
        ck_assert(v > prev_samples);
        prev_samples = v;
        free(text);
    }
    ck_assert_uint_le(m.h.nended, 2);
    ck_assert_uint_eq(m.c.errors, 1);
    ck_assert_uint_eq(m.c.samples, 21);
    feed(&m, NULL);
    text = render(&m, 0);
    /* up 0: no gauges of a stale sample, counters still there */
    ck_assert(value_of(text, "aiomon_up{pid=\"7\"}") == 0);
    ck_assert(value_of(text, "aiomon_sample_errors_total{pid=\"7\"}") == 2);
    ck_assert(value_of(text, "aiomon_tasks{pid=\"7\",state=\"pending\"}") == -1);
    ck_assert_uint_eq(count_lines(text, "aiomon_tasks_by_group{"), 0);
    ck_assert(value_of(text, "aiomon_target_stop_seconds_count{pid=\"7\"}") == 20);
    ck_assert(value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"unknown\"}") ==
              8.0 * 19);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
}
END_TEST

START_TEST(test_outcomes)
{
    struct mdef a[] = {
        { 0x10, "ok", NULL, 1, SNAP_TASK_PENDING },
        { 0x20, "raises", NULL, 2, SNAP_TASK_PENDING },
        { 0x30, "cancelled", NULL, 3, SNAP_TASK_PENDING },
        { 0x40, "vanishes", NULL, 4, SNAP_TASK_PENDING },
    };
    struct mstate m;
    struct snap *s;
    struct snap_exc *e;
    char *text;

    memset(&m, 0, sizeof(m));
    history_init(&m.h, 10, 0);
    feed(&m, mk(1, a, 4));
    /* the next sample: one done, one done with an exception, one cancelled, one gone */
    s = mk(2, a, 3);
    e = arena_alloc(&s->arena, sizeof(*e));
    memset(e, 0, sizeof(*e));
    e->type = snap_str_cstr(s, "ValueError");
    e->module = snap_str_cstr(s, "builtins");
    e->message = snap_str_cstr(s, "bad");
    s->tasks[0].state = SNAP_TASK_DONE;
    s->tasks[1].state = SNAP_TASK_DONE;
    s->tasks[1].exception = e;
    s->tasks[2].state = SNAP_TASK_CANCELLED;
    feed(&m, s);
    feed(&m, mk(3, NULL, 0));   /* all gone now: each counted once already */
    text = render(&m, 0);
    ck_assert(value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"ok\"}") == 1);
    ck_assert(value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"exception\"}") == 1);
    ck_assert(value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"cancelled\"}") == 1);
    ck_assert(value_of(text, "aiomon_tasks_ended_total{pid=\"7\",outcome=\"unknown\"}") == 1);
    free(text);
    snap_free(m.last);
    history_free(&m.h);
}
END_TEST

START_TEST(test_two_processes)
{
    struct mdef a[] = { { 0x10, "w", NULL, 1, SNAP_TASK_PENDING } };
    struct mstate m1, m2;
    struct metrics_proc v[2];
    char *text = NULL, *p1, *p2, *help;
    size_t len = 0;
    FILE *f;

    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    history_init(&m1.h, 10, 0);
    history_init(&m2.h, 10, 0);
    feed(&m1, mk(1, a, 1));
    feed(&m2, mk(1, a, 1));
    v[0] = (struct metrics_proc){ 100, &m1.c, &m1.h, m1.last };
    v[1] = (struct metrics_proc){ 200, &m2.c, &m2.h, m2.last };
    f = open_memstream(&text, &len);
    metrics_write(f, v, 2, NULL);
    fclose(f);
    /* a family's series together, each process labelled: both aiomon_up before the next HELP */
    p1 = strstr(text, "aiomon_up{pid=\"100\"} 1\n");
    p2 = strstr(text, "aiomon_up{pid=\"200\"} 1\n");
    help = strstr(text, "# HELP aiomon_samples_total");
    ck_assert(p1 && p2 && help && p1 < p2 && p2 < help);
    ck_assert_uint_eq(count_lines(text, "# TYPE aiomon_tasks_by_group "), 1);
    ck_assert_uint_eq(count_lines(text, "aiomon_tasks_by_group{pid=\"200\""), 2);
    ck_assert_uint_eq(count_lines(text, "aiomon_target_stop_seconds_count{pid="), 2);
    free(text);
    snap_free(m1.last);
    snap_free(m2.last);
    history_free(&m1.h);
    history_free(&m2.h);
}
END_TEST

Suite *
suite_metrics(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("exposition");

    tcase_add_test(tc, test_small_exact);
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_top_other_bounded);
    tcase_add_test(tc, test_same_labels_one_series);
    tcase_add_test(tc, test_counters_monotonic);
    tcase_add_test(tc, test_outcomes);
    tcase_add_test(tc, test_two_processes);
    suite_add_tcase(s, tc);
    return s;
}
