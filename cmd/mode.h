/*
 * mode.h - the modes of aiomon-attach, one file each.  Every mode takes the
 * parsed options (options.h) and returns the process exit status; main.c
 * picks one from its table.  Below the entry points: what the modes share.
 */
#ifndef AIO_CMD_MODE_H
#define AIO_CMD_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"
#include "snapshot/snapshot.h"

struct capture;
struct history;

int dump_main(const struct options *o);     /* dump.c: --dump of a pid or a core */
int view_main(const struct options *o);     /* view.c: the live view of a pid, a core's view */
int load_main(const struct options *o);     /* load.c: --load of a snapshot or a record */
int watch_main(const struct options *o);    /* watch.c: --watch */

/*
 * track.c: --track PID (install the tracker through PEP 768, then go on with
 * the mode `then`: the live view, --dump, --watch) and --untrack PID.
 */
int track_main(const struct options *o, int (*then)(const struct options *o));
int untrack_main(const struct options *o);

/*
 * track_run.c: --run --track.  Before the command starts: a private
 * directory with the tracker and its sitecustomize, first on PYTHONPATH of
 * the environment the command inherits (and named by AIOMON_TRACK_DIR);
 * 0, or -1 after a one-line error.  After it ended: the directory removed.
 */
int track_run_begin(const struct options *o, char *dir, size_t size);
void track_run_end(const char *dir);

/*
 * dump.c: open the capture of o's target (the pid, or --core with --exe and
 * --sysroot) with options_capture(); NULL and *err (reported by the caller)
 * on failure.
 */
struct capture *dump_open(const struct options *o, int *err);

/*
 * dump.c: write s in o's format to -o FILE (the one atomic writer) or
 * stdout; the exit status: 0, 1 for a partial snapshot, else the error's
 * after err_report().
 */
int dump_write(const struct options *o, const struct snap *s);

/*
 * dump.c: how many Python processes are below o's pid (at most 256 probed,
 * none stopped): the hint that a supervisor wants --subprocesses.
 */
size_t dump_python_children(const struct options *o);

/* view_tree.c: the live view of the Python processes of the tree below o's pid. */
int view_tree_main(const struct options *o);

/* view.c: whether to open the view: no output asked for, a terminal on stdin and stdout. */
bool view_wanted(const struct options *o);

/*
 * view.c: the read-only view of one snapshot (taken over: freed here), titled
 * desc; its source files opened through cap's source (capture_host_path), or
 * as named when cap is NULL; replayed: a record's history (or NULL);
 * where_innermost: --where=innermost.  Returns the exit status.
 */
int view_snapshot(struct snap *s, const char *desc, struct capture *cap,
                  const struct history *replayed, bool where_innermost);

/*
 * watch.c: the history report and the last snapshot (o's format) to -o or
 * stdout; 0, or 2 when it could not be written (said on stderr).
 */
int watch_report(const struct options *o, const struct history *h, const struct snap *last);

#endif
