/*
 * script.h - the tracker (track/aiomon_tracker.py) and how it gets into a
 * Python process and out again:
 *
 *   --run --track -- CMD   a private directory on CMD's PYTHONPATH holding the
 *                          tracker and a sitecustomize that installs it at start
 *                          (every version), chaining to the sitecustomize it hides
 *   --track PID            the tracker sent to a running 3.14+ process through
 *                          PEP 768 (sys.remote_exec's protocol): a script file in
 *                          the target's /tmp, its path in a thread state's
 *                          remote-debugger support, the eval breaker's stop bit
 *   --untrack PID          the same protocol, a script calling untrack()
 *
 * Nothing here reads what the tracker records: pyframes reads that.
 */
#ifndef AIO_TRACK_SCRIPT_H
#define AIO_TRACK_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The tracker's source, generated at build time from track/aiomon_tracker.py. */
extern const char track_tracker_py[];       /* NUL-terminated */
extern const size_t track_tracker_py_len;   /* without the NUL */

/* The module name the tracker lives under in sys.modules. */
#define TRACK_MODULE "_aiomon_tracker"

#define TRACK_DEFAULT_KEEP 1000
#define TRACK_MAX_KEEP 10000000

/* What the tracker is asked for: install(keep=..., critical=[...]). */
struct track_args {
    long keep;                      /* ring of ended tasks kept */
    const char *const *critical;    /* borrowed: --critical patterns (fnmatch) */
    size_t ncritical;
};

/* ---------------------------------------------------------------- script.c */

/*
 * The Python text of the script sent by --track: makes the module from the
 * embedded source (or, when it is loaded already, only calls its install()
 * again with the new arguments).  It never raises.  malloc'd, NUL-terminated.
 */
char *track_script_install(const struct track_args *a);

/* The script sent by --untrack: untrack() of the loaded tracker, if any.  malloc'd. */
char *track_script_untrack(void);

/*
 * The sitecustomize.py of --run --track: installs the tracker at start
 * (install_at_start, inside try/except), then runs the sitecustomize found
 * on sys.path without its own directory, as module "sitecustomize".
 * malloc'd.
 */
char *track_sitecustomize(const struct track_args *a);

#endif
