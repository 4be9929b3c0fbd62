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

#include "capture.h"
#include "common/err.h"
#include "snapshot/history.h"
#include "view/events.h"
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
    const struct history *h;
    const struct snap *last;
};

static int
watch_report_body(FILE *f, void *arg)
{
    const struct report_body *b = arg;
    struct write_opts wo = { .stacks = b->o->stacks, .group = true };

    /* JSON: one object; any other format: the last snapshot in it, then the history as text */
    if (b->o->format == SNAP_FMT_JSON) {
        fputs("{\"history\": ", f);
        history_write_json(f, b->h);
        fputs(", \"last\": ", f);
        if (b->last)
            snap_write_json(f, b->last, &wo);
        else
            fputs("null", f);
        fputs("}\n", f);
    } else {
        if (b->last)
            view_writer(b->o->format)->write(f, b->last, &wo);
        fputc('\n', f);
        history_write_text(f, b->h);
    }
    return 0;
}

/* The report, to stdout or -o FILE through the one atomic, 0600, no-follow writer. */
int
watch_report(const struct options *o, const struct history *h, const struct snap *last)
{
    struct report_body b = { o, h, last };
    int rc;

    if (!o->output || strcmp(o->output, "-") == 0) {
        watch_report_body(stdout, &b);
        return fflush(stdout) != 0 ? 2 : 0;
    }
    rc = write_path_atomic(o->output, watch_report_body, &b);
    if (rc < 0) {
        err_report(rc);
        return 2;
    }
    return 0;
}

int
watch_main(const struct options *o)
{
    struct capture_opts co;
    double interval = o->interval > 0 ? o->interval : 1.0;
    struct sigaction sa;
    struct capture *cap;
    struct history h;
    struct snap *last = NULL;
    int rec = -1;
    uint64_t last_fp = 0;
    long n = 0;
    int rc, i, status = 0;
    bool stream;

    options_capture(o, &co);
    cap = capture_open(o->pid, &co, &rc);
    if (!cap)
        return err_report(rc);
    if (o->record_path && (rec = watch_open_record(o->record_path)) < 0) {
        err_report(rec);
        capture_close(cap);
        return 2;
    }
    history_init(&h, (size_t)o->history, (uint64_t)(o->stuck * 1e9));
    for (i = 0; i < o->ncritical; i++)
        history_add_critical(&h, o->critical[i]);
    /* events stream on stdout unless stdout is for the one JSON report */
    stream = o->format != SNAP_FMT_JSON || (o->output && strcmp(o->output, "-") != 0);
    if (stream) {
        history_events_enable(&h);
        printf("Watching process %d every %.3g s: events as they happen (^C: stop and "
               "summarize)\n", o->pid, interval);
        fflush(stdout);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = watch_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!watch_stop && (o->samples == 0 || n < o->samples)) {
        struct snap *s = capture_take(cap, &rc);

        if (!s) {
            err_report(rc);
            if (rc != -AIO_E_EXITED)
                status = err_exit_code(rc);
            break;
        }
        history_update(&h, s);
        if (stream) {
            struct hist_event *ev;
            size_t nev, dropped;

            history_events_take(&h, &ev, &nev, &dropped);
            events_write_text(stdout, ev, nev, dropped);
            history_events_free(ev, nev);
            fflush(stdout);
        }
        if (rec >= 0 && (n == 0 || record_fingerprint(s) != last_fp)) {
            last_fp = record_fingerprint(s);
            if ((rc = record_append(rec, o->record_path, s)) < 0) {
                err_report(rc);
                status = 2;
                snap_free(s);
                break;
            }
        }
        snap_free(last);
        last = s;
        n++;
        if (o->samples == 0 || n < o->samples)
            watch_sleep(interval);
    }
    capture_close(cap);
    if (rec >= 0)
        close(rec);
    if (watch_report(o, &h, last) != 0)
        status = 2;
    if (!status && last && (last->flags & SNAP_F_PARTIAL))
        status = 1;
    snap_free(last);
    history_free(&h);
    return status;
}
