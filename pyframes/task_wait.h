/*
 * task_wait.h - what every pending task waits on (task_wait.c): the kind of
 * the innermost awaited object and its facts, read from memory only.
 */
#ifndef AIO_PYFRAMES_TASK_WAIT_H
#define AIO_PYFRAMES_TASK_WAIT_H

#include <stdint.h>

#include "pyint.h"
#include "tasks.h"

/* The asyncio frames a wait is recognised by (task_aux.wait_frame). */
enum tw_wait_frame {
    TWF_NONE = 0,
    TWF_ACQUIRE,                /* locks.py acquire: Lock or (Bounded)Semaphore */
    TWF_WAIT,                   /* locks.py wait: Event or Condition */
    TWF_QUEUE_GET,              /* queues.py get */
    TWF_QUEUE_PUT,              /* queues.py put */
    TWF_SLEEP,                  /* tasks.py sleep */
    TWF_STREAM_READ,            /* streams.py StreamReader._wait_for_data */
    TWF_STREAM_WRITE,           /* streams.py FlowControlMixin._drain_helper (drain) */
    TWF_SUBPROCESS,             /* subprocess.py Process.wait/communicate, base_subprocess.py _wait */
};

/*
 * One frame of a task's coroutine chain, outermost first (tw_coro_stack):
 * the innermost recognised asyncio frame and its `self` go to aux.
 */
void tw_wait_note(struct py_ctx *c, const struct py_code *co, uint64_t frame,
                  struct task_aux *aux);

/*
 * Every pending task's waiting_on, once tasks and edges are known (tw_edges):
 * aux[i] belongs to the snapshot's task i.
 */
void tw_waits(struct py_ctx *c, const struct task_aux *aux);

#endif
