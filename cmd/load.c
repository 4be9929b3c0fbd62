/*
 * load.c - --load: one snapshot, or a record of several (--watch --record)
 * replayed through the history.  On a terminal the view shows the last
 * snapshot with that history (its terminated view); else a dump, or the
 * history report.
 */
#include "mode.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "snapshot/history.h"
#include "snapshot/load.h"

struct load_replay {
    struct history h;
    struct snap *last;          /* owned */
    size_t n;
};

static int
load_one(struct snap *s, void *arg)
{
    struct load_replay *r = arg;

    history_update(&r->h, s);
    snap_free(r->last);
    r->last = s;
    r->n++;
    return 0;
}

int
load_main(const struct options *o)
{
    struct load_replay r;
    struct snap_load_info info;
    int rc, status, i;

    memset(&r, 0, sizeof(r));
    history_init(&r.h, (size_t)o->history, (uint64_t)(o->stuck * 1e9));
    for (i = 0; i < o->ncritical; i++)
        history_add_critical(&r.h, o->critical[i]);
    rc = snap_read_json_each(o->load_path, load_one, &r, &info);
    if (rc < 0) {
        snap_free(r.last);
        history_free(&r.h);
        return err_report(rc);
    }
    if (info.cut && r.last) {
        /* partial: the output says so, and the exit status is 1 */
        fprintf(stderr, "aiomon-attach: warning: line %zu of the record is cut (the writer was "
                "killed?); the %d complete snapshots before it were loaded\n", info.cut_line, rc);
        snap_diag_add(r.last, SNAP_DIAG_PROCESS, 0, AIO_E_BADFILE, "record line %zu is cut: "
                      "%d complete snapshots loaded", info.cut_line, rc);
    }
    if (view_wanted(o) && r.last) {
        status = view_snapshot(r.last, o->load_path, NULL, &r.h, o->where_innermost);
        r.last = NULL;
    } else if (info.record) {
        status = watch_report(o, &r.h, r.last);
    } else {
        status = dump_write(o, r.last);
    }
    snap_free(r.last);
    history_free(&r.h);
    /* a cut record is a partial result */
    return info.cut && status == 0 ? 1 : status;
}
