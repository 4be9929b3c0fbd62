#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "common/err.h"
#include "snapshot/history.h"
#include "snapshot/record.h"
#include "snapshot/write.h"

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

static FILE *
watch_open_record(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f;

    if (fd < 0) {
        err_set(AIO_E_IO, "cannot open record file '%s': %s", path, strerror(errno));
        return NULL;
    }
    f = fdopen(fd, "a");
    if (!f)
        close(fd);
    return f;
}

int
watch_report(const struct options *o, const struct history *h, const struct snap *last)
{
    struct write_opts wo = { .stacks = o->stacks, .group = true };
    FILE *f = stdout;
    int rc = 0;

    if (o->output) {
        f = fopen(o->output, "we");
        if (!f) {
            fprintf(stderr, "aiomon-attach: cannot write '%s': %s\n", o->output, strerror(errno));
            return 2;
        }
    }
    if (o->json) {
        fputs("{\"history\": ", f);
        history_write_json(f, h);
        fputs(", \"last\": ", f);
        if (last)
            snap_write_json(f, last);
        else
            fputs("null", f);
        fputs("}\n", f);
    } else {
        if (last)
            snap_write_text(f, last, &wo);
        fputc('\n', f);
        history_write_text(f, h);
    }
    if (fflush(f) != 0)
        rc = 2;
    if (f != stdout)
        fclose(f);
    return rc;
}

int
watch_run(const struct options *o)
{
    struct capture_opts co = { .nonblocking = o->nonblocking, .layout = o->layout,
                               .verbose = o->verbose, .native = o->native,
                               .native_all = o->native_all };
    double interval = o->interval > 0 ? o->interval : 1.0;
    struct sigaction sa;
    struct capture *cap;
    struct history h;
    struct snap *last = NULL;
    FILE *rec = NULL;
    uint64_t last_fp = 0;
    long n = 0;
    int rc, i, status = 0;

    cap = capture_open(o->pid, &co, &rc);
    if (!cap) {
        fprintf(stderr, "aiomon-attach: %s\n", err_msg(rc));
        return err_exit_code(rc);
    }
    if (o->record_path && !(rec = watch_open_record(o->record_path))) {
        fprintf(stderr, "aiomon-attach: %s\n", err_msg(-AIO_E_IO));
        capture_close(cap);
        return 2;
    }
    history_init(&h, (size_t)o->history, (uint64_t)(o->stuck * 1e9));
    for (i = 0; i < o->ncritical; i++)
        history_add_critical(&h, o->critical[i]);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = watch_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!watch_stop && (o->samples == 0 || n < o->samples)) {
        struct snap *s = capture_take(cap, &rc);

        if (!s) {
            fprintf(stderr, "aiomon-attach: %s\n", err_msg(rc));
            if (rc != -AIO_E_EXITED)
                status = err_exit_code(rc);
            break;
        }
        history_update(&h, s);
        if (rec && (n == 0 || record_fingerprint(s) != last_fp)) {
            last_fp = record_fingerprint(s);
            if (record_append(rec, s) < 0) {
                fprintf(stderr, "aiomon-attach: %s\n", err_msg(-AIO_E_IO));
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
    if (rec)
        fclose(rec);
    if (watch_report(o, &h, last) != 0)
        status = 2;
    if (!status && last && (last->flags & SNAP_F_PARTIAL))
        status = 1;
    snap_free(last);
    history_free(&h);
    return status;
}
