/*
 * run_report.c - what `aiomon-attach --run` leaves of a snapshot: the files
 * OUTDIR/aiomon-PID.json and .txt (aiomon-PID-N.* for the N-th of the same
 * process) and a short summary on stderr.
 */
#include "run_report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/escape.h"
#include "view/write.h"

#define RUN_MAX_SNAPSHOTS_PER_PID 1000  /* aiomon-PID-N.*: N below this */
/* Lines of the stderr summary of one process. */
#define RUN_SUMMARY_THREADS 16
#define RUN_SUMMARY_TASKS 10

static void
run_report_put(FILE *f, const struct snap_str *s, size_t cap)
{
    if (s->s)
        escape_text(f, s->s, s->len, cap);
    else
        fputs("?", f);
}

static void
run_report_put_frame(FILE *f, const struct snap *s, size_t first, size_t count, bool python_only)
{
    size_t i;

    for (i = first; i < first + count && i < s->nframes; i++) {
        const struct snap_frame *fr = &s->frames[i];

        if (python_only && fr->kind != SNAP_FRAME_PYTHON)
            continue;
        run_report_put(f, &fr->function, 80);
        fputs(" at ", f);
        run_report_put(f, &fr->file, 160);
        fprintf(f, ":%d", fr->line);
        return;
    }
    fputs("(no Python frame)", f);
}

/* A task's user frame with the awaited primitive, "handle_request at app.py:39 → Lock.acquire". */
static void
run_report_put_where(FILE *f, const struct snap *s, const struct snap_task *t)
{
    const struct snap_frame *top;

    if (t->user_frame == SNAP_NO_FRAME || t->user_frame >= t->frame_count ||
        t->frame_first + t->frame_count > s->nframes) {
        run_report_put_frame(f, s, t->frame_first, t->frame_count, false);
        return;
    }
    run_report_put_frame(f, s, t->frame_first + t->user_frame, 1, false);
    if (t->user_frame > 0) {
        top = &s->frames[t->frame_first];
        fputs(" \xe2\x86\x92 ", f);
        run_report_put(f, top->qualname.s ? &top->qualname : &top->function, 80);
    }
}

static void
run_report_put_task(FILE *f, const struct snap *s, const struct snap_task *t)
{
    fputs("    task \"", f);
    run_report_put(f, &t->name, 60);
    fprintf(f, "\" %s%s ", snap_task_state_name(t->state), t->running ? " running" : "");
    run_report_put(f, &t->coro, 80);
    fputs(": ", f);
    run_report_put_where(f, s, t);
    fputc('\n', f);
}

/* The short summary of one snapshot, written to stderr in one piece. */
static void
run_report_summary(const struct snap *s, const char *why, const char *files)
{
    char *buf = NULL;
    size_t len = 0, i, shown = 0, pass;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        f = stderr;
    fprintf(f, "aiomon-attach: %s: pid %d \"", why, s->pid);
    run_report_put(f, &s->cmdline, 160);
    fprintf(f, "\" Python %s: %zu thread(s), %zu task(s)%s%s -> ",
            s->python_version, s->nthreads, s->ntasks,
            (s->flags & SNAP_F_PARTIAL) ? ", partial" : "",
            (s->flags & SNAP_F_TORN) ? ", torn" : "");
    escape_text(f, files, strlen(files), 2 * PATH_MAX);
    fputc('\n', f);
    for (i = 0; i < s->nthreads && i < RUN_SUMMARY_THREADS; i++) {
        const struct snap_thread *th = &s->threads[i];

        fprintf(f, "    thread %ld \"", th->tid);
        run_report_put(f, &th->name, 32);
        fprintf(f, "\"%s: ", th->is_main ? " (main)" : "");
        run_report_put_frame(f, s, th->frame_first, th->frame_count, true);
        fputc('\n', f);
    }
    if (s->nthreads > RUN_SUMMARY_THREADS)
        fprintf(f, "    ... %zu more thread(s)\n", s->nthreads - RUN_SUMMARY_THREADS);
    /* pending tasks first: they are the ones that can be stuck */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < s->ntasks && shown < RUN_SUMMARY_TASKS; i++) {
            const struct snap_task *t = &s->tasks[i];

            if ((t->state == SNAP_TASK_PENDING) == (pass == 0)) {
                run_report_put_task(f, s, t);
                shown++;
            }
        }
    }
    if (s->ntasks > shown)
        fprintf(f, "    ... %zu more task(s)\n", s->ntasks - shown);
    if (f != stderr) {
        fclose(f);
        fwrite(buf, 1, len, stderr);
        free(buf);
    }
}

void
run_report_note(int pid, const char *what, int rc)
{
    const char *m = err_msg(rc);

    fprintf(stderr, "aiomon-attach: pid %d: %s: ", (int)pid, what);
    escape_text(stderr, m, strlen(m), 300);     /* may quote paths of the target */
    fputc('\n', stderr);
}

/*
 * Write OUTDIR/aiomon-PID.json and .txt (aiomon-PID-N.* for the N-th
 * snapshot of the same process: a SIGUSR1 snapshot is never overwritten by
 * the timeout's), then the summary, which names what was written and what
 * could not be.
 */
void
run_report_write(const char *outdir, const struct snap *s, const char *why)
{
    static const enum snap_format fmts[] = { SNAP_FMT_JSON, SNAP_FMT_TEXT };
    static const char *const exts[] = { "json", "txt" };
    struct write_opts wo = { .stacks = true };
    char path[PATH_MAX + 8], base[PATH_MAX], written[2 * PATH_MAX + 64] = "";
    struct stat st;
    unsigned n;
    size_t i;

    for (n = 1; n < RUN_MAX_SNAPSHOTS_PER_PID; n++) {
        if (n == 1)
            snprintf(base, sizeof(base), "%s/aiomon-%d", outdir, s->pid);
        else
            snprintf(base, sizeof(base), "%s/aiomon-%d-%u", outdir, s->pid, n);
        snprintf(path, sizeof(path), "%s.json", base);
        if (lstat(path, &st) != 0)
            break;
    }
    for (i = 0; i < 2; i++) {
        int rc;

        if (strlen(base) >= PATH_MAX - 8 ||
            snprintf(path, sizeof(path), "%s.%s", base, exts[i]) >= (int)sizeof(path)) {
            fprintf(stderr, "aiomon-attach: output directory name too long\n");
            return;
        }
        rc = snap_write_path(path, s, fmts[i], &wo);
        if (rc < 0) {
            run_report_note(s->pid, "cannot write the snapshot", rc);
            continue;
        }
        snprintf(written + strlen(written), sizeof(written) - strlen(written), "%s%s",
                 written[0] ? ", " : "", path);
    }
    run_report_summary(s, why, written[0] ? written : "nothing written (see above)");
}
