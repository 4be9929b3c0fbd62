/*
 * view_tree.c - the live view with --subprocesses: the Python processes of
 * the tree below the pid (uvicorn --workers, gunicorn, multiprocessing), one
 * shown at a time, < and > switch.  Only the shown process is sampled: the
 * others are attached (never stopped) so that a switch is immediate.  A
 * child that appeared joins at the next refresh; one that is gone is dropped
 * with a note in the status line; the target itself gone is the view's
 * "target gone", as without --subprocesses.
 */
#include "mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/proc.h"
#include "capture.h"
#include "common/err.h"
#include "common/xalloc.h"
#include "ui/ui.h"

#define VIEW_TREE_MAX_PROCS 256         /* processes of a tree shown, as --dump and --watch */
#define VIEW_TREE_MAX_SKIP (VIEW_TREE_MAX_PROCS * 4)    /* descendants remembered not Python */

struct view_proc {
    int pid;
    struct capture *cap;
    long ntasks;                /* at its last snapshot; -1: not shown yet */
};

struct view_tree {
    const struct options *o;
    struct capture_opts co;
    struct view_proc *v;        /* v[0]: the target itself, then its Python descendants */
    size_t n, cur;              /* cur: the one shown */
    int *skip;                  /* descendants found not Python (not probed again) */
    size_t nskip;
    char desc[64];              /* the header's "pid 1234 (2/5)" */
    char note[256];             /* the status line's next message */
};

static bool
view_tree_has(const int *v, size_t n, int pid)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] == pid)
            return true;
    }
    return false;
}

static bool
view_tree_known(const struct view_tree *t, int pid)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        if (t->v[i].pid == pid)
            return true;
    }
    return view_tree_has(t->skip, t->nskip, pid);
}

/* Add to the pending note: "process 12 exited; process 13 exited". */
static void
view_tree_note_exit(struct view_tree *t, int pid)
{
    size_t len = strlen(t->note);

    if (len && len + 2 < sizeof(t->note))
        len += (size_t)snprintf(t->note + len, sizeof(t->note) - len, "; ");
    if (len < sizeof(t->note))
        snprintf(t->note + len, sizeof(t->note) - len, "process %d exited", pid);
}

/* Drop child k (never the target): the target is shown if k was. */
static void
view_tree_drop(struct view_tree *t, size_t k)
{
    view_tree_note_exit(t, t->v[k].pid);
    capture_close(t->v[k].cap);
    memmove(&t->v[k], &t->v[k + 1], (t->n - k - 1) * sizeof(*t->v));
    t->n--;
    if (t->cur == k)
        t->cur = 0;
    else if (t->cur > k)
        t->cur--;
}

/* The children no longer below the target are dropped (and forgotten if not Python). */
static void
view_tree_prune(struct view_tree *t, const int *kids, size_t nk)
{
    size_t i, j;

    for (i = t->n; i-- > 1;) {
        if (!view_tree_has(kids, nk, t->v[i].pid))
            view_tree_drop(t, i);
    }
    /* a pid gone may come back as another process: probed again then */
    for (i = j = 0; i < t->nskip; i++) {
        if (view_tree_has(kids, nk, t->skip[i]))
            t->skip[j++] = t->skip[i];
    }
    t->nskip = j;
}

/* The Python processes below the target now: the new ones attached, the gone ones dropped. */
static void
view_tree_scan(struct view_tree *t)
{
    int *kids = NULL, rc;
    size_t nk = proc_descendants(t->o->pid, NULL, 0, &kids), i;

    view_tree_prune(t, kids, nk);
    for (i = 0; i < nk && t->n < VIEW_TREE_MAX_PROCS; i++) {
        struct capture *cap;

        if (view_tree_known(t, kids[i]))
            continue;
        cap = capture_open(kids[i], &t->co, &rc);
        if (cap) {
            t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
            t->v[t->n].pid = kids[i];
            t->v[t->n].ntasks = -1;
            t->v[t->n++].cap = cap;
        } else if (rc == -AIO_E_NOTPY && t->nskip < VIEW_TREE_MAX_SKIP) {
            t->skip = xreallocarray(t->skip, t->nskip + 1, sizeof(*t->skip));
            t->skip[t->nskip++] = kids[i];
        }
    }
    free(kids);
}

static void
view_tree_desc(struct view_tree *t)
{
    snprintf(t->desc, sizeof(t->desc), "pid %d (%zu/%zu)", t->v[t->cur].pid, t->cur + 1, t->n);
}

/* The take of the view: a snapshot of the process shown (the target if that one is gone). */
static struct snap *
view_tree_take(void *arg, int *err)
{
    struct view_tree *t = arg;
    struct snap *s;

    view_tree_scan(t);
    for (;;) {
        view_tree_desc(t);
        s = capture_take(t->v[t->cur].cap, err);
        if (s)
            t->v[t->cur].ntasks = (long)s->ntasks;
        if (s || t->cur == 0 || (*err != -AIO_E_EXITED && *err != -AIO_E_NOPROC))
            return s;
        view_tree_drop(t, t->cur);
    }
}

/* Process pid if > 0 (from the processes view), else the previous or next one. */
static bool
view_tree_switch(void *arg, int step, int pid, char *msg, size_t size)
{
    struct view_tree *t = arg;
    size_t i;

    view_tree_scan(t);
    if (pid > 0) {
        for (i = 0; i < t->n && t->v[i].pid != pid; i++)
            ;
        if (i == t->n) {
            snprintf(msg, size, "process %d is gone", pid);
            return false;
        }
        t->cur = i;
    } else if (t->n < 2) {
        snprintf(msg, size, "no Python process below pid %d (yet)", t->o->pid);
        return false;
    } else {
        t->cur = (t->cur + t->n + (size_t)(step < 0 ? -1 : 1)) % t->n;
    }
    view_tree_desc(t);
    return true;
}

/* The processes view: the ones known at the last refresh, the command lines read now. */
static size_t
view_tree_list(void *arg, struct ui_proc *out, size_t max)
{
    struct view_tree *t = arg;
    size_t i;

    for (i = 0; i < t->n && i < max; i++) {
        out[i].pid = t->v[i].pid;
        out[i].ntasks = t->v[i].ntasks;
        out[i].shown = i == t->cur;
        if (proc_cmdline(t->v[i].pid, out[i].cmd, sizeof(out[i].cmd)) == 0)
            snprintf(out[i].cmd, sizeof(out[i].cmd), "?");
    }
    return i;
}

static bool
view_tree_take_note(void *arg, char *msg, size_t size)
{
    struct view_tree *t = arg;

    if (!t->note[0])
        return false;
    snprintf(msg, size, "%s", t->note);
    t->note[0] = '\0';
    return true;
}

/* Where the shown process's source files are (its own root: a container). */
static int
view_tree_host_path(void *arg, const char *path, char *out, size_t size)
{
    struct view_tree *t = arg;

    return capture_host_path(t->v[t->cur].cap, path, out, size);
}

int
view_tree_main(const struct options *o)
{
    struct ui_opts uo = { .interval = o->interval, .history = o->history, .stuck = o->stuck,
                          .critical = o->critical, .ncritical = o->ncritical,
                          .where_innermost = o->where_innermost,
                          .host_path = view_tree_host_path, .switch_proc = view_tree_switch,
                          .list_procs = view_tree_list, .take_note = view_tree_take_note };
    struct view_tree t = { .o = o };
    struct capture *cap;
    int rc, status;
    size_t i;

    cap = dump_open(o, &rc);
    if (!cap)
        return err_report_nothing(rc);
    options_capture(o, &t.co);
    t.co.verbose = false;       /* the children's attach says nothing over the screen */
    t.v = xcalloc(1, sizeof(*t.v));
    t.v[0].pid = o->pid;
    t.v[0].cap = cap;
    t.v[0].ntasks = -1;
    t.n = 1;
    view_tree_desc(&t);
    uo.source_desc = t.desc;
    uo.host_arg = uo.proc_arg = &t;
    status = ui_run(&uo, view_tree_take, &t);
    for (i = 0; i < t.n; i++)
        capture_close(t.v[i].cap);
    free(t.v);
    free(t.skip);
    return status;
}
