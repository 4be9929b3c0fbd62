/*
 * capture.h - take snapshots of a process: the one place where attach,
 * pyframes (and unwind) are put together.  Used by --dump, the live view,
 * the watchdog and the sampler, so what they show can never disagree.
 */
#ifndef AIO_CAPTURE_H
#define AIO_CAPTURE_H

#include <stdbool.h>

#include "attach/source.h"
#include "pyframes/pyframes.h"
#include "snapshot/snapshot.h"

struct capture_opts {
    bool nonblocking;           /* never stop the process */
    enum py_layout_choice layout;
    bool verbose;
    bool native;                /* native stacks merged with the Python frames */
    bool native_all;            /* ... keeping every native frame */
    bool locals;                /* --locals: every Python frame's arguments and locals */
    const char *const *lib_paths;   /* --lib-path prefixes (borrowed): not user code */
    size_t nlib_paths;
};

struct capture;

/*
 * Open pid for repeated snapshots: attach the source (without stopping),
 * find the runtime and its layout once.  NULL and *err (negative AIO_E_*,
 * with err_set() context) on failure.
 */
struct capture *capture_open(int pid, const struct capture_opts *o, int *err);

/*
 * The same for a core dump (exe and sysroot may be NULL): its snapshots are
 * flagged SNAP_F_CORE.
 */
struct capture *capture_open_core(const char *core, const char *exe, const char *sysroot,
                                  const struct capture_opts *o, int *err);

/*
 * One snapshot: stop, read, resume.  Returns a new snapshot (the caller
 * frees it with snap_free) or NULL and *err.  A partial read is a snapshot
 * with diagnostics, not an error.
 */
struct snap *capture_take(struct capture *cap, int *err);

/* The runtime found at open (version, paths, layout source). */
const struct py_runtime *capture_runtime(const struct capture *cap);

/*
 * The capture's source (borrowed, valid until capture_close): for --track,
 * which writes a request into the process it reads.
 */
struct source *capture_source(struct capture *cap);

/*
 * Where this side opens the target's file path (source_host_path of the
 * capture's source); cap is a struct capture.  For the live view's source lines.
 */
int capture_host_path(void *cap, const char *path, char *out, size_t size);

/* Detach (if still attached) and free; NULL is accepted. */
void capture_close(struct capture *cap);

#endif
