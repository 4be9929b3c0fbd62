/*
 * main.c - aiomon-attach: parse the command line, take snapshots through
 * attach -> pyframes -> snapshot, hand them to a view, map results to exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "common/clock.h"
#include "common/err.h"
#include "options.h"
#include "watch.h"
#include "run.h"
#include "pyframes/pyframes.h"
#include "snapshot/history.h"
#include "snapshot/snapshot.h"
#include "snapshot/load.h"
#include "view/write.h"
#include "ui/ui.h"

int main(int argc, char **argv);

static int
main_fail(int rc)
{
    return err_report(rc);
}

static int
main_output(const struct options *o, const struct snap *s)
{
    struct write_opts wo = { .stacks = o->stacks, .group = true };
    enum snap_format fmt = o->json ? SNAP_FMT_JSON : SNAP_FMT_TEXT;
    int rc;

    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

    rc = snap_write_path(o->output ? o->output : "-", s, fmt, &wo);
    if (rc < 0)
        return main_fail(rc);
    if (o->verbose)
        fprintf(stderr, "aiomon-attach: output written in %.1f ms\n",
                (double)(clock_now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    return (s->flags & SNAP_F_PARTIAL) ? 1 : 0;
}

static int main_one(const struct options *o, struct capture *cap, const char *view_desc);

static int
main_dump_pid(const struct options *o)
{
    struct capture_opts co = { .nonblocking = o->nonblocking, .layout = o->layout,
                               .verbose = o->verbose, .native = o->native,
                               .native_all = o->native_all };
    struct capture *cap;
    int rc;

    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

    cap = capture_open(o->pid, &co, &rc);
    if (!cap)
        return main_fail(rc);
    if (o->verbose)
        fprintf(stderr, "aiomon-attach: attached and runtime found in %.1f ms\n",
                (double)(clock_now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    return main_one(o, cap, NULL);
}

/* The history options, as --watch takes them, for the view's own history. */
static void
main_ui_history(const struct options *o, struct ui_opts *uo)
{
    uo->history = o->history;
    uo->stuck = o->stuck;
    uo->critical = o->critical;
    uo->ncritical = o->ncritical;
}

static struct snap *
main_ui_take(void *arg, int *err)
{
    return capture_take(arg, err);
}

/* The live view: a fresh snapshot at every refresh, through the same capture as --dump. */
static int
main_ui_pid(const struct options *o)
{
    struct capture_opts co = { .nonblocking = o->nonblocking, .layout = o->layout,
                               .verbose = o->verbose, .native = o->native,
                               .native_all = o->native_all };
    struct ui_opts uo = { .interval = o->interval };
    struct capture *cap;
    char desc[32];
    int rc, status;

    cap = capture_open(o->pid, &co, &rc);
    if (!cap)
        return main_fail(rc);
    snprintf(desc, sizeof(desc), "pid %d", o->pid);
    uo.source_desc = desc;
    /* the target's source files as it sees them: its own root (a container) */
    uo.host_path = capture_host_path;
    uo.host_arg = cap;
    main_ui_history(o, &uo);
    status = ui_run(&uo, main_ui_take, cap);
    capture_close(cap);
    return status;
}

struct main_loaded {
    struct snap *s;             /* handed out once */
};

static struct snap *
main_ui_loaded(void *arg, int *err)
{
    struct main_loaded *ml = arg;
    struct snap *s = ml->s;

    ml->s = NULL;
    *err = s ? 0 : -AIO_E_EXITED;
    return s;
}

/* Whether a saved snapshot should open in the view: on a terminal, when no output was asked for. */
static bool
main_wants_view(const struct options *o)
{
    return !o->dump && !o->json && !o->output && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/*
 * One snapshot of an opened capture (closed here), then the read-only view
 * when view_desc is given and wanted, else the output.
 */
static int
main_one(const struct options *o, struct capture *cap, const char *view_desc)
{
    struct snap *s;
    int rc, status;

    s = capture_take(cap, &rc);
    if (!s) {
        capture_close(cap);
        return main_fail(rc);
    }
    if (view_desc && main_wants_view(o)) {
        /* a core's source files: under its sysroot, as its libraries */
        struct ui_opts uo = { .readonly = true, .source_desc = view_desc,
                              .host_path = capture_host_path, .host_arg = cap };
        struct main_loaded ml = { s };

        status = ui_run(&uo, main_ui_loaded, &ml);
        capture_close(cap);
        return status;
    }
    capture_close(cap);
    status = main_output(o, s);
    snap_free(s);
    return status;
}

/* A core file: the same snapshot as a live process, from the core's memory. */
static int
main_core(const struct options *o)
{
    struct capture_opts co = { .layout = o->layout, .verbose = o->verbose,
                               .native = o->native, .native_all = o->native_all };
    struct capture *cap;
    int rc;

    cap = capture_open_core(o->core_path, o->exe_path, o->sysroot, &co, &rc);
    if (!cap)
        return main_fail(rc);
    return main_one(o, cap, o->core_path);
}

struct main_replay {
    struct history h;
    struct snap *last;          /* owned */
    size_t n;
};

static int
main_replay_one(struct snap *s, void *arg)
{
    struct main_replay *r = arg;

    history_update(&r->h, s);
    snap_free(r->last);
    r->last = s;
    r->n++;
    return 0;
}

/*
 * --load: one snapshot, or a record of several (--watch --record) replayed
 * through the history.  On a terminal the view shows the last snapshot with
 * that history (its terminated view); else a dump, or the history report.
 */
static int
main_load(const struct options *o)
{
    struct main_replay r;
    struct snap_load_info info;
    int rc, status, i;

    memset(&r, 0, sizeof(r));
    history_init(&r.h, (size_t)o->history, (uint64_t)(o->stuck * 1e9));
    for (i = 0; i < o->ncritical; i++)
        history_add_critical(&r.h, o->critical[i]);
    rc = snap_read_json_each(o->load_path, main_replay_one, &r, &info);
    if (rc < 0) {
        snap_free(r.last);
        history_free(&r.h);
        return main_fail(rc);
    }
    if (info.cut && r.last) {
        /* partial: the output says so, and the exit status is 1 */
        fprintf(stderr, "aiomon-attach: warning: line %zu of the record is cut (the writer was "
                "killed?); the %d complete snapshots before it were loaded\n", info.cut_line, rc);
        snap_diag_add(r.last, SNAP_DIAG_PROCESS, 0, AIO_E_BADFILE, "record line %zu is cut: "
                      "%d complete snapshots loaded", info.cut_line, rc);
    }
    if (main_wants_view(o) && r.last) {
        struct ui_opts uo = { .readonly = true, .source_desc = o->load_path,
                              .replayed = &r.h };
        struct main_loaded ml = { r.last };

        r.last = NULL;
        status = ui_run(&uo, main_ui_loaded, &ml);
    } else if (info.record) {
        status = watch_report(o, &r.h, r.last);
    } else {
        status = main_output(o, r.last);
    }
    snap_free(r.last);
    history_free(&r.h);
    /* a cut record is a partial result */
    return info.cut && status == 0 ? 1 : status;
}

int
main(int argc, char **argv)
{
    struct options o;
    int rc;

    /*
     * Never setuid or setgid: it would let any user read another's memory,
     * and files as root (--load of /etc/shadow).  Use CAP_SYS_PTRACE instead.
     */
    if (getuid() != geteuid() || getgid() != getegid()) {
        fputs("aiomon-attach: refusing to run setuid or setgid (grant CAP_SYS_PTRACE to the "
              "users who need it, or run it as root)\n", stderr);
        return 2;
    }
    /* a 10,000-task JSON is ~9 MB: written in 4 KiB pieces, the syscalls alone took 20 ms */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    rc = options_parse(&o, argc, argv);

    if (rc > 0)
        return 0;
    if (rc < 0)
        return err_exit_code(rc);
    switch (o.mode) {
    case OPT_MODE_LOAD:
        return main_load(&o);
    case OPT_MODE_WATCH:
        return watch_run(&o);
    case OPT_MODE_CORE:
        return main_core(&o);
    case OPT_MODE_RUN: {
        struct run_opts wo = { .argv = o.run_argv, .timeout = o.timeout,
                               .on_signal = o.on_signal, .keep_running = o.keep_running,
                               .outdir = o.output, .layout = o.layout };

        return run_command(&wo);
    }
    case OPT_MODE_TUI:
        if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
            return main_ui_pid(&o);
        break;      /* not on a terminal: a dump is what a script wants */
    case OPT_MODE_DUMP:
        break;
    }
    return main_dump_pid(&o);
}
