/*
 * main.c - aiomon-attach: parse the command line, take snapshots through
 * attach -> pyframes -> snapshot, hand them to a view, map results to exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach/live.h"
#include "attach/proc.h"
#include "common/err.h"
#include "options.h"
#include "pyframes/pyframes.h"
#include "snapshot/snapshot.h"
#include "snapshot/write.h"

int main(int argc, char **argv);

static uint64_t
main_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
main_fail(int rc)
{
    fprintf(stderr, "aiomon-attach: %s\n", err_msg(rc));
    return err_exit_code(rc);
}

/*
 * Take one snapshot of an open process: stop, read, resume.  Returns the
 * snapshot (never NULL when *rc >= 0).
 */
static struct snap *
main_take(struct source *src, const struct py_runtime *rt, const struct options *o, int *rc)
{
    struct snap *s = snap_new(src->pid);
    char cmd[4096];
    size_t n = proc_cmdline(src->pid, cmd, sizeof(cmd));
    uint64_t t0, stop0;

    s->cmdline = snap_str_from(s, cmd, n);
    source_cache_prepare(src);
    t0 = main_now_ns();
    stop0 = src->stats.stopped_ns;
    *rc = source_stop(src);
    if (*rc < 0) {
        snap_free(s);
        return NULL;
    }
    source_cache_enable(src, true);
    *rc = py_snapshot_read(src, rt, s);
    source_cache_enable(src, false);
    source_resume(src);
    s->stopped_ns = src->stats.stopped_ns - stop0;
    s->read_ns = main_now_ns() - t0;
    s->bytes_read = src->stats.bytes_read;
    s->read_calls = src->stats.read_calls;
    if (o->nonblocking)
        s->flags |= SNAP_F_TORN;
    if (*rc < 0 && proc_exists(src->pid) < 0)
        *rc = err_set(AIO_E_EXITED, "process %d exited during the read", src->pid);
    if (*rc < 0) {
        snap_free(s);
        return NULL;
    }
    return s;
}

static int
main_output(const struct options *o, const struct snap *s)
{
    struct write_opts wo = { .stacks = o->stacks };
    enum snap_format fmt = o->json ? SNAP_FMT_JSON : SNAP_FMT_TEXT;
    int rc;

    rc = snap_write_path(o->output ? o->output : "-", s, fmt, &wo);
    if (rc < 0)
        return main_fail(rc);
    return (s->flags & SNAP_F_PARTIAL) ? 1 : 0;
}

static int
main_dump_pid(const struct options *o)
{
    struct source src;
    struct py_runtime *rt;
    struct snap *s;
    int rc, status;

    rc = live_open(&src, o->pid, o->nonblocking);
    if (rc < 0) {
        source_close(&src);
        return main_fail(rc);
    }
    rt = calloc(1, sizeof(*rt));
    if (!rt) {
        source_close(&src);
        return main_fail(-AIO_E_NOMEM);
    }
    rc = py_runtime_open(&src, o->layout, rt);
    if (rc < 0) {
        if (rc != -AIO_E_VERSION && rc != -AIO_E_LAYOUT && proc_exists(o->pid) < 0)
            rc = err_set(AIO_E_EXITED, "process %d exited during the read", o->pid);
        free(rt);
        source_close(&src);
        return main_fail(rc);
    }
    if (o->verbose)
        fprintf(stderr, "aiomon-attach: Python %s, _PyRuntime at 0x%llx in %s, layout %s\n",
                rt->version, (unsigned long long)rt->runtime_addr, rt->core_path,
                rt->layout_source);
    s = main_take(&src, rt, o, &rc);
    source_close(&src);
    free(rt);
    if (!s)
        return main_fail(rc);
    status = main_output(o, s);
    snap_free(s);
    return status;
}

static int
main_load(const struct options *o)
{
    struct snap *s;
    int rc, status;

    s = snap_read_json(o->load_path, &rc);
    if (!s)
        return main_fail(rc);
    status = main_output(o, s);
    snap_free(s);
    return status;
}

int
main(int argc, char **argv)
{
    struct options o;
    int rc = options_parse(&o, argc, argv);

    if (rc > 0)
        return 0;
    if (rc < 0)
        return err_exit_code(rc);
    if (o.mode == OPT_MODE_LOAD || (o.mode == OPT_MODE_DUMP && o.load_path))
        return main_load(&o);
    /* the TUI is not built yet: a snapshot on stdout is the honest fallback */
    return main_dump_pid(&o);
}
