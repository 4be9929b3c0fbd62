/*
 * proc.h - small readers of /proc/PID/... used by the live source and main.
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
 * A one-line hint on how to get permission to trace pid ("run as root or ...").
 * Never NULL; points to static storage.
 */
const char *proc_perm_hint(int pid);

#endif
