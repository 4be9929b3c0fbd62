/*
 * tracer.h - the one ptrace engine of aiomon-attach.  Every thread it traces
 * is a thread of some struct tracer, in one of two uses:
 *
 *  - stop a whole process for the few milliseconds of a snapshot (the live
 *    source): tracer_stop_process seizes and interrupts every thread and
 *    waits for each stop; tracer_detach_all lets each go exactly as it was
 *    (a signal that arrived meanwhile handed back, a job-control stop kept).
 *    These threads are in the signal guard (guard.h) while held.
 *
 *  - trace a tree of processes from its first exec on (--run --on-signal):
 *    tracer_trace_tree seizes CMD with fork/vfork/clone/exec options, and
 *    tracer_reap handles every waitpid report: new threads and processes are
 *    followed, exec and exit are reported through the hooks, and every stop
 *    is ended at once with the same signal, except a fatal signal
 *    (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL), which is kept stopped for
 *    the caller (tracer_next_fatal).  A process is held stopped across a
 *    snapshot with tracer_hold / tracer_release.  The kernel detaches these
 *    threads if aiomon-attach dies; they are not in the signal guard, so the
 *    watchdog's forwarding of SIGINT/SIGTERM/SIGHUP does not end the tracing.
 *
 * A live source opened on a process whose threads a tree tracer holds
 * (tracer_holder) takes them as they are: it neither stops nor resumes them.
 *
 * The ptrace rules followed are those of ptrace(2) "Stopped states" and
 * strace's src/strace.c: a PTRACE_EVENT_STOP whose signal is a stop signal is
 * a group-stop (ended with PTRACE_LISTEN, so job control still works); with
 * SIGTRAP it is an interrupt or the first stop of an auto-attached child.
 * A tracer is used by one thread (the ptrace relation is per tracing thread).
 */
#ifndef AIO_ATTACH_TRACER_H
#define AIO_ATTACH_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tracer;

/* What a tree tracer tells its owner; every member may be NULL. */
struct tracer_hooks {
    /* A child or tracee reported its exit: status as from waitpid. */
    void (*exited)(void *arg, int pid, int status);
    /* Process pid ran exec (its other threads are gone). */
    void (*execed)(void *arg, int pid);
    /*
     * Wait at most ns for something to happen (a SIGCHLD): called between
     * polls while tracer_hold waits for stops.  NULL: nanosleep.
     */
    void (*idle)(void *arg, int64_t ns);
    void *arg;                  /* borrowed; passed to every hook */
};

/* A new tracer tracing nothing; hooks (may be NULL) is copied.  Never NULL. */
struct tracer *tracer_new(const struct tracer_hooks *hooks);

/*
 * Detach every thread (tracer_detach_all with TRACER_DETACH_MS, or without a
 * wait when a detach is under way already) and free.  NULL is accepted.
 */
void tracer_free(struct tracer *tr);

#define TRACER_DETACH_MS 5000

/* ---------------------------------------------------------------- one process, briefly */

/*
 * Stop every thread of process pid: PTRACE_SEIZE + PTRACE_INTERRUPT, then
 * wait for each stop; /proc/PID/task is listed again until a round finds no
 * new thread.  Threads that exit meanwhile are dropped.  0, or a negative
 * AIO_E_* code with err_set() context (PERM, TRACED, EXITED, BOUND), and then
 * nothing of pid is left seized.
 */
int tracer_stop_process(struct tracer *tr, int pid);

/*
 * The stopped threads of process tgid, main thread first, into *out
 * (malloc'd, the caller frees it); the count.
 */
size_t tracer_stopped_tids(const struct tracer *tr, int tgid, long **out);

/* Whether tid is a thread of tr in a ptrace-stop (its registers can be read). */
bool tracer_is_stopped(const struct tracer *tr, long tid);

/*
 * The exit status of process pid if a wait of tracer_stop_process reaped it
 * (it exited while being seized, and we are its parent: --run); true once,
 * then forgotten.  The record is process-wide (waitpid is), bounded to the
 * last 64.
 */
bool tracer_take_reaped(int pid, int *status);

/* The error for "process pid is already traced by tracer" (a debugger, another aiomon). */
int tracer_traced_error(int pid, int tracer);

/* ---------------------------------------------------------------- a traced tree */

/*
 * Trace pid (a child that has not run exec yet, waiting for us) and every
 * thread and process it starts.  0, or -1 with errno (EPERM: not allowed).
 */
int tracer_trace_tree(struct tracer *tr, int pid);

/* Whether tr traces a tree or still has threads to detach (tracer_reap must run). */
bool tracer_active(const struct tracer *tr);

/*
 * Handle every waitpid(-1, __WALL) report pending now.  Exits go to the
 * exited hook, also those of children that are not traced.
 */
void tracer_reap(struct tracer *tr);

/*
 * A thread stopped on a fatal signal that the caller has not looked at yet:
 * true with its tid, process and signal; it stays stopped until
 * tracer_release (after a tracer_hold of its process) or tracer_resume.
 */
bool tracer_next_fatal(struct tracer *tr, long *tid, int *tgid, int *sig);

/* Let one stopped thread go on with the signal it stopped with. */
void tracer_resume(struct tracer *tr, long tid);

/* Whether some thread of process pid is traced by tr. */
bool tracer_traces(const struct tracer *tr, int pid);

/*
 * Stop every thread of process tgid (0: of every process) and keep it
 * stopped, handling the other reports meanwhile.  Returns how many did not
 * stop within ms (they are then read while running: a torn snapshot).
 */
size_t tracer_hold(struct tracer *tr, int tgid, int ms);

/* Let every held thread go on as it would have. */
void tracer_release(struct tracer *tr);

/*
 * Stop tracing: every thread is detached at a stop (now if it is stopped,
 * else after PTRACE_INTERRUPT), with the signal it stopped with; a thread
 * that was in a job-control stop stays stopped.  Returns how many did not
 * stop within ms (uninterruptible sleep): tracer_reap detaches them when they
 * do, or the kernel when we exit.
 */
size_t tracer_detach_all(struct tracer *tr, int ms);

/*
 * The tree tracer of this process that traces process pid, or NULL: a
 * process it holds is read as it is, without a stop of the reader's own.
 */
struct tracer *tracer_holder(int pid);

#endif
