/*
 * dump.c - --dump: one snapshot of a pid or a core, printed in the format
 * --format names (the writer table, view/write.h), to stdout or -o FILE.
 */
#include "mode.h"

#include <stdio.h>

#include "capture.h"
#include "common/clock.h"
#include "common/err.h"
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
    struct write_opts wo = { .stacks = o->stacks, .group = true };
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

int
dump_main(const struct options *o)
{
    struct capture *cap;
    struct snap *s;
    int rc, status;

    cap = dump_open(o, &rc);
    if (!cap)
        return err_report(rc);
    s = capture_take(cap, &rc);
    capture_close(cap);
    if (!s)
        return err_report(rc);
    status = dump_write(o, s);
    snap_free(s);
    return status;
}
