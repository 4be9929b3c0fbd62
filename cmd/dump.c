/*
 * dump.c - --dump: one snapshot of a pid or a core, printed in the format
 * --format names (the writer table, view/write.h), to stdout or -o FILE.
 */
#include "mode.h"

#include <stdio.h>
#include <stdlib.h>

#include "attach/proc.h"
#include "capture.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "view/write.h"

struct capture *
dump_open(const struct options *o, int *err)
{
    struct capture_opts co;
    struct capture *cap;
    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

    options_capture(o, &co);
    if (o->core_path)
        cap = capture_open_core(o->core_path, o->exe_path, o->sysroot, &co, err);
    else
        cap = capture_open(o->pid, &co, err);
    if (cap && o->verbose)
        fprintf(stderr, "aiomon-attach: attached and runtime found in %.1f ms\n",
                (double)(clock_now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    return cap;
}

int
dump_write(const struct options *o, const struct snap *s)
{
    struct write_opts wo = { .stacks = o->stacks, .group = !o->no_group,
                             .where_innermost = o->where_innermost };
    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);
    int rc;

    rc = snap_write_path(o->output ? o->output : "-", s, o->format, &wo);
    if (rc < 0)
        return err_report(rc);
    if (o->verbose)
        fprintf(stderr, "aiomon-attach: output written in %.1f ms\n",
                (double)(clock_now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    return (s->flags & SNAP_F_PARTIAL) ? 1 : 0;
}

/* At most this many processes of a tree are read (--subprocesses) or probed (the hint). */
#define DUMP_MAX_PROCS 256

/* Whether pid runs a Python we can read: the capture's own test, without stopping it. */
static bool
dump_is_python(const struct options *o, int pid)
{
    struct capture_opts co;
    struct capture *cap;
    int rc;

    options_capture(o, &co);
    co.nonblocking = true;
    co.verbose = false;
    cap = capture_open(pid, &co, &rc);
    capture_close(cap);
    return cap != NULL;
}

/*
 * A process without tasks may be a supervisor (uvicorn --workers, gunicorn,
 * multiprocessing): say how many Python processes are below it.
 */
size_t
dump_python_children(const struct options *o)
{
    int *kids = NULL;
    size_t n = proc_descendants(o->pid, NULL, 0, &kids), i, py = 0;

    for (i = 0; i < n && i < DUMP_MAX_PROCS; i++)
        py += dump_is_python(o, kids[i]);
    free(kids);
    return py;
}

static void
dump_hint_children(const struct options *o, const struct snap *s)
{
    size_t py = dump_python_children(o);

    if (py)
        fprintf(stderr, "aiomon-attach: %s in process %d; %zu Python child process%s: "
                "use --subprocesses\n", s->flags & SNAP_F_NO_TASKS ? "asyncio is not imported" :
                "no asyncio tasks", o->pid, py, py == 1 ? "" : "es");
}

/*
 * --subprocesses: the process and every Python process below it, each its
 * own snapshot; a descendant that is not Python or is gone by now is left
 * out.  Exit status: the worst of them.
 */
static int
dump_tree(const struct options *o)
{
    struct write_opts wo = { .stacks = o->stacks, .group = !o->no_group,
                             .where_innermost = o->where_innermost };
    struct snap **v = NULL;
    int *kids = NULL, rc, status = 0;
    size_t nk = proc_descendants(o->pid, NULL, 0, &kids), n = 0, i;
    struct capture *cap;

    v = xcalloc(nk + 1, sizeof(*v));
    for (i = 0; i <= nk && i < DUMP_MAX_PROCS; i++) {
        struct options one = *o;

        one.pid = i == 0 ? o->pid : kids[i - 1];
        cap = dump_open(&one, &rc);
        if (!cap && i > 0 && (rc == -AIO_E_NOTPY || rc == -AIO_E_NOPROC))
            continue;
        if (!cap) {
            status = err_report_nothing(rc);
            if (i == 0)
                goto out;
            continue;
        }
        v[n] = capture_take(cap, &rc);
        capture_close(cap);
        if (!v[n]) {
            status = err_report_nothing(rc);
            if (i == 0)
                goto out;
            continue;
        }
        if ((v[n]->flags & SNAP_F_PARTIAL) && status == 0)
            status = 1;
        n++;
    }
    if (nk + 1 > DUMP_MAX_PROCS)
        fprintf(stderr, "aiomon-attach: only the first %d processes of the tree are read\n",
                DUMP_MAX_PROCS);
    rc = snap_write_list_path(o->output ? o->output : "-", (const struct snap *const *)v, n,
                              o->format, &wo);
    if (rc < 0)
        status = err_report(rc);
out:
    for (i = 0; i < n; i++)
        snap_free(v[i]);
    free(v);
    free(kids);
    return status;
}

int
dump_main(const struct options *o)
{
    struct capture *cap;
    struct snap *s;
    int rc, status;

    if (o->subprocesses && !o->core_path)
        return dump_tree(o);
    cap = dump_open(o, &rc);
    if (!cap)
        return err_report_nothing(rc);
    s = capture_take(cap, &rc);
    capture_close(cap);
    if (!s)
        return err_report_nothing(rc);
    status = dump_write(o, s);
    if (!o->core_path && s->ntasks == 0)
        dump_hint_children(o, s);
    snap_free(s);
    return status;
}
