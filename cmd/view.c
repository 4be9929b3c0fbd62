/*
 * view.c - the view mode: the live view of a pid (a fresh snapshot at every
 * refresh, through the same capture as --dump), or the read-only view of a
 * core's one snapshot; load.c shows a loaded file through view_snapshot.
 */
#include "mode.h"

#include <stdio.h>
#include <unistd.h>

#include "capture.h"
#include "common/err.h"
#include "ui/ui.h"

bool
view_wanted(const struct options *o)
{
    return !o->dump && !o->output && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

struct view_once {
    struct snap *s;             /* handed out once */
};

static struct snap *
view_take_once(void *arg, int *err)
{
    struct view_once *v = arg;
    struct snap *s = v->s;

    v->s = NULL;
    *err = s ? 0 : -AIO_E_EXITED;
    return s;
}

int
view_snapshot(struct snap *s, const char *desc, struct capture *cap,
              const struct history *replayed, bool where_innermost)
{
    struct ui_opts uo = { .readonly = true, .source_desc = desc, .replayed = replayed,
                          .where_innermost = where_innermost };
    struct view_once v = { s };
    int status;

    if (cap) {
        uo.host_path = capture_host_path;
        uo.host_arg = cap;
    }

    status = ui_run(&uo, view_take_once, &v);
    snap_free(v.s);             /* not taken when the view could not start */
    return status;
}

struct view_live {
    const struct options *o;
    struct capture *cap;
    bool probed;                /* the Python children were counted (once) */
    size_t py;                  /* how many */
};

static struct snap *
view_take(void *arg, int *err)
{
    struct view_live *v = arg;
    struct snap *s = capture_take(v->cap, err);

    /* a supervisor without tasks (uvicorn --workers, gunicorn): its workers are the point */
    if (s && s->ntasks == 0 && !v->probed) {
        v->probed = true;
        v->py = dump_python_children(v->o);
    }
    return s;
}

/* Once, after the first snapshot without tasks: the hint the text dump gives too. */
static bool
view_take_note(void *arg, char *msg, size_t size)
{
    struct view_live *v = arg;

    if (!v->py)
        return false;
    snprintf(msg, size, "%zu Python child process%s: use --subprocesses", v->py,
             v->py == 1 ? "" : "es");
    v->py = 0;
    return true;
}

/* The live view of a pid, with the history options as --watch takes them. */
static int
view_pid(const struct options *o, struct capture *cap)
{
    struct ui_opts uo = { .interval = o->interval, .history = o->history, .stuck = o->stuck,
                          .critical = o->critical, .ncritical = o->ncritical,
                          .where_innermost = o->where_innermost, .take_note = view_take_note };
    struct view_live v = { o, cap, false, 0 };
    char desc[32];

    snprintf(desc, sizeof(desc), "pid %d", o->pid);
    uo.source_desc = desc;
    /* the target's source files as it sees them: its own root (a container) */
    uo.host_path = capture_host_path;
    uo.host_arg = cap;
    uo.proc_arg = &v;
    return ui_run(&uo, view_take, &v);
}

int
view_main(const struct options *o)
{
    struct capture *cap;
    struct snap *s;
    int rc, status;

    if (o->subprocesses && !o->core_path)
        return view_tree_main(o);
    cap = dump_open(o, &rc);
    if (!cap)
        return err_report_nothing(rc);
    if (!o->core_path) {
        status = view_pid(o, cap);
        capture_close(cap);
        return status;
    }
    s = capture_take(cap, &rc);
    if (!s) {
        capture_close(cap);
        return err_report_nothing(rc);
    }
    /* a core's source files: as its libraries (its files, --exe, the sysroot) */
    status = view_snapshot(s, o->core_path, cap, NULL, o->where_innermost);
    capture_close(cap);
    return status;
}
