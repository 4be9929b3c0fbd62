/*
 * watch.c - --watch: sample a process repeatedly; print each event as it
 * happens (a task ended, was cancelled, swallowed a cancellation, became
 * stuck; a flood grew) on stdout, then report what happened over time
 * (terminated, stuck, cancelled-but-running tasks, floods) to stdout or -o
 * FILE; --record appends each changed snapshot as a JSON line.
 */
#include "mode.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>

#include "attach/proc.h"
#include "capture.h"
#include "common/err.h"
#include "common/wfile.h"
#include "common/xalloc.h"
#include "metrics_http.h"
#include "snapshot/history.h"
#include "view/events.h"
#include "view/metrics.h"
#include "view/record.h"
#include "view/write.h"

static volatile sig_atomic_t watch_stop;

static void
watch_on_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

/* Sleep for secs unless a stop was requested meanwhile. */
static void
watch_sleep(double secs)
{
    struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

    while (!watch_stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/*
 * The record: appended to (never replaced, a record grows), so created 0600
 * with O_NOFOLLOW, and refused unless a regular file with one name (a hard
 * link planted at the path would be written through).
 */
static int
watch_open_record(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                  0600);
    struct stat st;

    if (fd < 0)
        return err_set(AIO_E_IO, "cannot open the record \"%s\": %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
        close(fd);
        return err_set(AIO_E_IO, "cannot open the record \"%s\": not a regular file with one "
                       "name (a link?)", path);
    }
    return fd;
}

struct report_body {
    const struct options *o;
    const struct history *const *h;
    const struct snap *const *last;
    const int *pids;
    size_t n;
    bool list;                  /* --subprocesses: one report per process */
};

static void
watch_report_one(FILE *f, const struct options *o, const struct history *h,
                 const struct snap *last)
{
    struct write_opts wo = { .stacks = o->stacks, .group = !o->no_group,
                             .where_innermost = o->where_innermost };

    /* JSON: one object; any other format: the last snapshot in it, then the history as text */
    if (o->format == SNAP_FMT_JSON) {
        fputs("{\"history\": ", f);
        history_write_json(f, h);
        fputs(", \"last\": ", f);
        if (last)
            snap_write_json(f, last, &wo);
        else
            fputs("null", f);
        fputs("}\n", f);
    } else {
        if (last)
            view_writer(o->format)->write(f, last, &wo);
        fputc('\n', f);
        history_write_text(f, h);
    }
}

static int
watch_report_body(FILE *f, void *arg)
{
    const struct report_body *b = arg;
    bool json = b->o->format == SNAP_FMT_JSON;
    size_t i;

    if (!b->list) {
        watch_report_one(f, b->o, b->h[0], b->last[0]);
        return 0;
    }
    if (json)
        fputs("[\n", f);
    for (i = 0; i < b->n; i++) {
        if (json && i)
            fputs(",\n", f);
        else if (!json)
            fprintf(f, "%s======== process %d (%zu of %zu) ========\n", i ? "\n" : "",
                    b->pids[i], i + 1, b->n);
        watch_report_one(f, b->o, b->h[i], b->last[i]);
    }
    if (json)
        fputs("]\n", f);
    return 0;
}

static int
watch_report_write(struct report_body *b)
{
    int rc;

    if (!b->o->output || strcmp(b->o->output, "-") == 0) {
        watch_report_body(stdout, b);
        return fflush(stdout) != 0 ? 2 : 0;
    }
    rc = write_path_atomic(b->o->output, watch_report_body, b);
    if (rc < 0) {
        err_report(rc);
        return 2;
    }
    return 0;
}

/* The report, to stdout or -o FILE through the one atomic, 0600, no-follow writer. */
int
watch_report(const struct options *o, const struct history *h, const struct snap *last)
{
    struct report_body b = { o, &h, &last, &o->pid, 1, false };

    return watch_report_write(&b);
}

/* One process watched: its capture, history and last snapshot. */
struct watch_proc {
    int pid;
    struct capture *cap;        /* NULL once it is gone */
    struct history h;
    struct snap *last;
    struct metrics_counts mc;   /* --metrics, --metrics-file */
};

#define WATCH_MAX_PROCS 256     /* processes of a tree watched (--subprocesses) */

struct watch {
    const struct options *o;
    struct watch_proc *v;
    size_t n;
    int *skip;                  /* descendants found not Python (not probed again) */
    size_t nskip;
    bool stream;
    struct metrics_http *srv;   /* --metrics, else NULL */
    bool metrics_file_failed;   /* said once, until a write succeeds again */
};

static struct watch_proc *
watch_add(struct watch *w, int pid, struct capture *cap)
{
    struct watch_proc *p;
    int i;

    w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
    p = &w->v[w->n++];
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->cap = cap;
    history_init(&p->h, (size_t)w->o->history, (uint64_t)(w->o->stuck * 1e9));
    for (i = 0; i < w->o->ncritical; i++)
        history_add_critical(&p->h, w->o->critical[i]);
    if (w->stream)
        history_events_enable(&p->h);
    return p;
}

static bool
watch_known(const struct watch *w, int pid)
{
    size_t i;

    for (i = 0; i < w->n; i++) {
        if (w->v[i].pid == pid)
            return true;
    }
    for (i = 0; i < w->nskip; i++) {
        if (w->skip[i] == pid)
            return true;
    }
    return false;
}

/* --subprocesses: start watching the Python processes that appeared below the target. */
static void
watch_scan_tree(struct watch *w)
{
    struct capture_opts co;
    int *kids = NULL, rc;
    size_t nk = proc_descendants(w->o->pid, NULL, 0, &kids), i;

    options_capture(w->o, &co);
    for (i = 0; i < nk && w->n < WATCH_MAX_PROCS; i++) {
        struct capture *cap;

        if (watch_known(w, kids[i]))
            continue;
        cap = capture_open(kids[i], &co, &rc);
        if (cap) {
            watch_add(w, kids[i], cap);
            if (w->stream)
                printf("process %d: watching it too (a Python child of %d)\n", kids[i],
                       w->o->pid);
        } else if (rc == -AIO_E_NOTPY && w->nskip < WATCH_MAX_PROCS * 4) {
            w->skip = xreallocarray(w->skip, w->nskip + 1, sizeof(*w->skip));
            w->skip[w->nskip++] = kids[i];
        }
    }
    free(kids);
}

static void
watch_print_events(struct watch *w, struct watch_proc *p)
{
    struct hist_event *ev;
    size_t nev, dropped;

    history_events_take(&p->h, &ev, &nev, &dropped);
    if (nev && w->o->subprocesses)
        printf("process %d:\n", p->pid);
    events_write_text(stdout, ev, nev, dropped);
    history_events_free(ev, nev);
}

/* One sample of p; -1 when the whole watch must stop (status set), else 0. */
static int
watch_sample(struct watch *w, struct watch_proc *p, int rec, uint64_t *last_fp, long n,
             int *status)
{
    int rc;
    struct snap *s = capture_take(p->cap, &rc);

    if (!s) {
        if (rc == -AIO_E_EXITED && w->o->subprocesses && p != &w->v[0]) {
            if (w->stream)
                printf("process %d: exited\n", p->pid);
            capture_close(p->cap);
            p->cap = NULL;
            return 0;
        }
        err_report(rc);
        metrics_note(&p->mc, NULL);
        /* an exporter keeps going through a sample that failed half-way (exit status 1) */
        if ((w->srv || w->o->metrics_file) && err_exit_code(rc) == 1)
            return 0;
        if (rc != -AIO_E_EXITED)
            *status = err_exit_code(rc);
        return -1;
    }
    history_update(&p->h, s);
    metrics_note(&p->mc, s);
    if (w->stream)
        watch_print_events(w, p);
    if (rec >= 0 && (n == 0 || record_fingerprint(s) != *last_fp)) {
        *last_fp = record_fingerprint(s);
        if ((rc = record_append(rec, w->o->record_path, s)) < 0) {
            err_report(rc);
            *status = 2;
            snap_free(s);
            return -1;
        }
    }
    snap_free(p->last);
    p->last = s;
    return 0;
}

struct metrics_text {
    const char *p;
    size_t n;
};

static int
watch_metrics_body(FILE *f, void *arg)
{
    const struct metrics_text *t = arg;

    fwrite(t->p, 1, t->n, f);
    return 0;
}

/* --metrics, --metrics-file: every watched process's series, served and written. */
static void
watch_metrics_publish(struct watch *w)
{
    struct metrics_opts mo = { (size_t)w->o->metrics_top, w->o->where_innermost };
    struct metrics_proc *v;
    struct metrics_text t = { NULL, 0 };
    char *text = NULL;
    size_t len = 0, i, n = 0;
    FILE *f;
    int rc;

    if (!w->srv && !w->o->metrics_file)
        return;
    v = xcalloc(w->n ? w->n : 1, sizeof(*v));
    for (i = 0; i < w->n; i++) {
        if (i && !w->v[i].cap)
            continue;           /* a child that exited: its series end */
        v[n].pid = w->v[i].pid;
        v[n].counts = &w->v[i].mc;
        v[n].h = &w->v[i].h;
        v[n++].last = w->v[i].last;
    }
    f = open_memstream(&text, &len);
    if (!f) {
        free(v);
        return;                 /* no memory now: the last text stays */
    }
    metrics_write(f, v, n, &mo);
    fclose(f);
    if (w->srv)
        metrics_http_publish(w->srv, text, len);
    if (w->o->metrics_file) {
        t.p = text;
        t.n = len;
        rc = write_path_atomic(w->o->metrics_file, watch_metrics_body, &t);
        if (rc < 0 && !w->metrics_file_failed)
            err_report(rc);
        w->metrics_file_failed = rc < 0;
    }
    free(text);
    free(v);
}

int
watch_main(const struct options *o)
{
    struct capture_opts co;
    double interval = o->interval > 0 ? o->interval : 1.0;
    struct watch w = { o, NULL, 0, NULL, 0, false, NULL, false };
    struct sigaction sa;
    struct capture *cap;
    int rec = -1;
    uint64_t last_fp = 0;
    long n = 0;
    int rc, status = 0;
    size_t i;

    options_capture(o, &co);
    /* listening first: a port in use is said before the target is touched */
    if (o->metrics_addr && !(w.srv = metrics_http_open(o->metrics_addr, &rc)))
        return err_report(rc);
    cap = capture_open(o->pid, &co, &rc);
    if (!cap) {
        metrics_http_close(w.srv);
        return err_report_nothing(rc);
    }
    if (o->record_path && (rec = watch_open_record(o->record_path)) < 0) {
        err_report(rec);
        capture_close(cap);
        metrics_http_close(w.srv);
        return 2;
    }
    /* events stream on stdout unless stdout is for the one JSON report */
    w.stream = o->format != SNAP_FMT_JSON || (o->output && strcmp(o->output, "-") != 0);
    watch_add(&w, o->pid, cap);
    if (w.stream) {
        printf("Watching process %d%s every %.3g s: events as they happen (^C: stop and "
               "summarize)\n", o->pid, o->subprocesses ? " and its Python children" : "",
               interval);
        if (w.srv)
            printf("Metrics for Prometheus on http://%s/metrics (port %u)\n", o->metrics_addr,
                   metrics_http_port(w.srv));
        fflush(stdout);
    }
    watch_metrics_publish(&w);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = watch_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!watch_stop && (o->samples == 0 || n < o->samples)) {
        if (o->subprocesses)
            watch_scan_tree(&w);
        for (i = 0; i < w.n; i++) {
            if (w.v[i].cap && watch_sample(&w, &w.v[i], rec, &last_fp, n, &status) < 0)
                break;
        }
        watch_metrics_publish(&w);
        if (i < w.n)
            break;
        fflush(stdout);
        n++;
        if (o->samples == 0 || n < o->samples)
            watch_sleep(interval);
    }
    if (rec >= 0)
        close(rec);
    {
        const struct history **hv = xcalloc(w.n, sizeof(*hv));
        const struct snap **lv = xcalloc(w.n, sizeof(*lv));
        int *pids = xcalloc(w.n, sizeof(*pids));
        struct report_body b = { o, hv, lv, pids, w.n, o->subprocesses };

        for (i = 0; i < w.n; i++) {
            hv[i] = &w.v[i].h;
            lv[i] = w.v[i].last;
            pids[i] = w.v[i].pid;
        }
        if (watch_report_write(&b) != 0)
            status = 2;
        free(hv);
        free(lv);
        free(pids);
    }
    for (i = 0; i < w.n; i++) {
        if (!status && w.v[i].last && (w.v[i].last->flags & SNAP_F_PARTIAL))
            status = 1;
        capture_close(w.v[i].cap);
        snap_free(w.v[i].last);
        history_free(&w.v[i].h);
    }
    metrics_http_close(w.srv);
    free(w.v);
    free(w.skip);
    return status;
}
