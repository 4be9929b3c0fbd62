/*
 * task_wait_ext.h - waits that lead out of the event loop (task_wait_ext.c):
 * thread-pool jobs and child processes.
 */
#ifndef AIO_PYFRAMES_TASK_WAIT_EXT_H
#define AIO_PYFRAMES_TASK_WAIT_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include "pyint.h"

/* The jobs worker threads run, read once per snapshot on first need. */
struct tw_exec_jobs {
    void *jobs;                 /* owned: struct tx_job[] */
    size_t n, cap;
    bool read;
};

/* The concurrent.futures.Future an asyncio future fut is chained to, or 0. */
uint64_t tw_exec_source(struct py_ctx *c, uint64_t fut);

/* An executor wait on src: queued (thread 0), or the worker thread running it. */
void tw_exec_facts(struct py_ctx *c, uint64_t src, struct tw_exec_jobs *J, struct snap_wait *w);

void tw_exec_jobs_free(struct tw_exec_jobs *J);

/*
 * A socket wait: self is a StreamReader (read) or a stream protocol (drain:
 * write); its transport's fd, and the addresses /proc gives for it.
 */
void tw_socket_facts(struct py_ctx *c, uint64_t self, bool write, struct snap_wait *w);

/* A subprocess wait: self is a Process or its transport; the child's pid, running or not. */
void tw_subprocess_facts(struct py_ctx *c, uint64_t self, struct snap_wait *w);

#endif
