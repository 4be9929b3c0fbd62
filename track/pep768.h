/*
 * pep768.h - send a script to a running CPython 3.14+ process the way
 * sys.remote_exec does (PEP 768; CPython's Doc/howto/remote_debugging.rst):
 *
 *   1. the _Py_DebugOffsets at the start of _PyRuntime say where, in an
 *      interpreter and in a thread state, the debugger support is;
 *   2. remote debugging must be enabled in the interpreter (not
 *      -X disable_remote_debug, not PYTHON_DISABLE_REMOTE_DEBUG);
 *   3. in one thread state: the script's path into debugger_script_path,
 *      1 into debugger_pending_call, and the stop bit ORed into eval_breaker;
 *   4. that thread runs the file at its next safe point (its eval loop
 *      checks the breaker), in a fresh namespace, after reading it whole.
 *
 * The file is created in the target's own /tmp (through /proc/PID/root, so
 * in its container or chroot) and must stay until the target has read it:
 * track_file_consumed tells when (inotify: the target closed it).
 */
#ifndef AIO_TRACK_PEP768_H
#define AIO_TRACK_PEP768_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach/source.h"
#include "pyframes/pyframes.h"

/* A request written (or to write) into one thread state of the target. */
struct track_request {
    int pid;
    uint64_t tstate;            /* the thread state asked to run the script */
    long tid;                   /* its native thread id (host), 0 unknown */
    bool loop_thread;           /* it runs an asyncio event loop */
    bool main_thread;           /* it is the interpreter's main thread */
    uint64_t pending_addr;      /* int32 debugger_pending_call */
    uint64_t path_addr;         /* char debugger_script_path[path_size] */
    uint64_t breaker_addr;      /* uintptr_t eval_breaker */
    size_t path_size;
};

/* The eval breaker bit that makes a thread look at its pending call (pycore_ceval.h). */
#define TRACK_EVAL_PLEASE_STOP_BIT (1u << 5)

/*
 * Whether rt's version has PEP 768 with a debugger-support layout this build
 * knows (3.14 from 3.14.0b2, 3.15).  0, or -AIO_E_VERSION with a one-line
 * message naming the version and what to use instead.
 */
int track_pep768_supported(const struct py_runtime *rt);

/*
 * Read the debugger-support offsets, check that remote debugging is
 * enabled, and choose the thread: the first one running an asyncio loop (the
 * main thread if it does), else the main thread.  Reads only; call with the
 * target stopped.  0, or a negative AIO_E_* with err_set() context.
 */
int track_pep768_prepare(struct source *src, const struct py_runtime *rt,
                         struct track_request *req);

/*
 * Write the request: path (absolute, as the target sees it), pending call,
 * stop bit.  The target must be stopped (the breaker is read, ORed, written).
 * 0 or a negative AIO_E_*.
 */
int track_pep768_send(struct source *src, const struct track_request *req, const char *path);

/* The pending-call flag now: 1 not taken yet, 0 taken (or never set). */
int track_pep768_pending(struct source *src, const struct track_request *req, int *pending);

/*
 * Withdraw a request not taken: 0 into the pending call, so that the thread
 * never opens the file (to be removed).  Call with the target stopped.
 */
int track_pep768_cancel(const struct track_request *req);


/* ---------------------------------------------------------------- tmpfile.c */

struct track_file {
    int dirfd;                  /* the target's /tmp, opened through /proc/PID/root; -1 */
    int inotify;                /* watching the file for the target's close; -1 */
    bool created;
    bool consumed;              /* the target has read it whole and closed it */
    char name[64];              /* "aiomon-track-<random>.py" */
    char path[96];              /* "/tmp/<name>" (or /dev/shm, /var/tmp): the path in the target */
};

/*
 * Create the file with text in the target's /tmp: O_CREAT|O_EXCL|O_NOFOLLOW,
 * mode 0644, a random name; "tmp" itself must be a directory, not a link.
 * 0 or a negative AIO_E_* with err_set() context.
 */
int track_file_create(struct track_file *f, int pid, const char *text, size_t len);

/*
 * Whether the target has read the file: 1 yes (it opened and closed it),
 * 0 not yet, -1 unknown (no inotify here: judge by the pending call).
 */
int track_file_consumed(struct track_file *f);

/* Remove the file and close everything; safe to call twice. */
void track_file_remove(struct track_file *f);

#endif
