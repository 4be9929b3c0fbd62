/*
 * ui.h - the full-screen live view (ncursesw): an htop-like, navigable
 * asyncio task tree with a detail pane, a threads view, search and filter.
 *
 * The UI never reads the target itself: it gets snapshots from a callback
 * and only reads them (const).  It may include common, snapshot and view
 * only (scripts/check-layering.sh).
 */
#ifndef AIO_UI_UI_H
#define AIO_UI_UI_H

#include <stdbool.h>

#include "../snapshot/snapshot.h"

/*
 * A fresh snapshot (the caller of ui_run owns nothing of it: the UI frees it
 * with snap_free), or NULL and *err (a negative AIO_E_* code; err_msg(*err)
 * gives the text) e.g. when the process exited.
 */
typedef struct snap *(*ui_snap_fn)(void *arg, int *err);

struct history;

/* One process of the tree, for the processes view (P, --subprocesses). */
struct ui_proc {
    int pid;
    long ntasks;                /* tasks at its last snapshot; -1: not shown yet */
    bool shown;                 /* the one the view shows */
    char cmd[160];              /* its command line (NULs as spaces; target bytes) */
};

struct ui_opts {
    double interval;            /* seconds between refreshes, default 2 (<= 0: default) */
    bool readonly;              /* --load: one snapshot, no refresh */
    const char *source_desc;    /* borrowed; e.g. "pid 4242" or "snap.json" for the header;
                                 * NULL: "pid N" from the snapshot */
    /*
     * Where the target's source files are opened from here (source_host_path
     * of the capture: a container's own files, a core's sysroot); NULL: the
     * paths as named.  host_arg is borrowed.
     */
    int (*host_path)(void *arg, const char *path, char *out, size_t size);
    void *host_arg;
    /* the history every refresh is folded into, as --watch does it */
    long history;               /* --history: terminated tasks kept (<= 0: the default) */
    double stuck;               /* --stuck: seconds without a stack change (<= 0: never) */
    const char *const *critical;    /* borrowed; --critical fnmatch patterns */
    int ncritical;
    const struct history *replayed; /* borrowed; --load of a record: the history replayed
                                     * from it, shown as it is (nothing is folded in) */
    bool where_innermost;       /* --where=innermost: WHERE is the innermost frame, not the
                                 * task's user frame */
    /*
     * --subprocesses: show another process of the tree: process pid if > 0,
     * else `step` on (+1 the next, -1 the previous); the next take reads
     * that one.  False, with why in msg, when there is no other (or pid is
     * gone).  NULL: one process only.
     */
    bool (*switch_proc)(void *arg, int step, int pid, char *msg, size_t size);
    /* --subprocesses: the processes of the tree into out (at most max); their count. */
    size_t (*list_procs)(void *arg, struct ui_proc *out, size_t max);
    /*
     * After every take: a one-line message for the status line (a child
     * process exited; a supervisor's Python children) written into msg,
     * true when there is one.  NULL: none.
     */
    bool (*take_note)(void *arg, char *msg, size_t size);
    void *proc_arg;             /* borrowed; passed to switch_proc and take_note */
};

/*
 * Run the full-screen view until the user quits; returns the exit status: 0,
 * or 2 after a one-line message on stderr when stdin/stdout is no terminal.
 * Takes the first snapshot itself (take may fail: the view then says why and
 * keeps running until q).  A snapshot of another pid than the one shown
 * (switch_proc) starts the history, ages and selection afresh.  Needs a terminal on stdin/stdout; sets LC_CTYPE
 * from the environment for the duration and restores it.  Registers the
 * terminal restore with crashhook_set() while the screen is up.
 */
int ui_run(const struct ui_opts *o, ui_snap_fn take, void *arg);

#endif
