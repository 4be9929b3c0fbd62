/*
 * proc.h - small readers of /proc/PID/... used by the live source, the tracer,
 * the --run watchdog and main.
 */
#ifndef AIO_ATTACH_PROC_H
#define AIO_ATTACH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0 if pid exists, -AIO_E_NOPROC otherwise. */
int proc_exists(int pid);

/* The process is gone, or only its zombie leader is left (it is exiting). */
bool proc_gone(int pid);

/* TracerPid of pid, 0 if none, -1 if unreadable. */
int proc_tracer_pid(int pid);

/* State letter of a thread from /proc/PID/task/TID/stat ('R', 'S', 't', 'T', ...), or 0. */
char proc_thread_state(int pid, long tid);

/*
 * CPU time of a thread so far (utime + stime of /proc/PID/task/TID/stat) in
 * ns, at the kernel's clock-tick resolution.  0, or -AIO_E_NOPROC when
 * unreadable (the thread exited).
 */
int proc_thread_cpu_ns(int pid, long tid, uint64_t *ns);

/* The process (thread group) of thread tid ("Tgid:" of its status); tid itself when unreadable. */
int proc_tgid(long tid);

/* Thread name (comm) into buf, NUL-terminated; "" when unreadable. */
void proc_thread_comm(int pid, long tid, char *buf, size_t size);

/* /proc/PID/cmdline with NULs as spaces into buf; returns its length. */
size_t proc_cmdline(int pid, char *buf, size_t size);

/*
 * List thread ids of pid into *out (owned by the caller, free()), main thread
 * first.  Returns the count, or a negative AIO_E_* code.
 */
long proc_list_tids(int pid, long **out);

/*
 * The innermost PID-namespace tid of a thread (last field of NSpid in
 * /proc/PID/task/TID/status); tid itself when not in a nested namespace,
 * 0 when unreadable.
 */
long proc_ns_tid(int pid, long tid);

/*
 * The process tree below root, breadth-first (parents before their children),
 * without root, without the children of root listed in skip (nskip of them)
 * and their descendants, and without zombies.  When out is not NULL, *out is
 * malloc'd (the caller frees it) and holds the pids.  Returns the count.
 * At most 65536 processes of the system are read.
 */
size_t proc_descendants(int root, const int *skip, size_t nskip, int **out);

/* The children of pid, zombies included, into *out (malloc'd); the count. */
size_t proc_children(int pid, int **out);

/*
 * A one-line hint on how to get permission to trace pid ("run as root or ...").
 * Never NULL; points to static storage.
 */
const char *proc_perm_hint(int pid);

#endif
