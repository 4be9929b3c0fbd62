/*
 * task_wait_ext.c - the waits that lead out of the event loop: a job of a
 * thread pool (run_in_executor, to_thread) and a child process.
 *
 * Executor: the task awaits an asyncio future that _chain_future() tied to a
 * concurrent.futures.Future; the future's first done callback is
 * `_chain_future.<locals>._call_check_cancel`, whose closure holds that
 * source future.  A job that runs is in a worker thread's
 * `_WorkItem.run(self)` frame with self.future the source; a job whose state
 * is still PENDING is queued.  The worker threads' frames are walked once
 * per snapshot, and only when some task waits on an executor.
 *
 * Socket: StreamReader._wait_for_data (read) or the stream protocol's
 * _drain_helper (write); the transport's _sock_fd, then /proc for the
 * addresses (attach/netsock.c).  Under uvloop the transport is uvloop's own:
 * no fd, no addresses.
 *
 * Subprocess: `_wait` of asyncio's base_subprocess.py (self: the transport)
 * or Process.wait/communicate (self: the Process, its _transport): the
 * child's pid and whether it still runs (_returncode is None).
 */
#include "task_wait_ext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../attach/netsock.h"
#include "../common/xalloc.h"

#define MAX_WORKER_FRAMES 256   /* frames looked at per thread for _WorkItem.run */

static bool
tx_type_is(struct py_ctx *c, uint64_t obj, const char *name)
{
    return obj && strcmp(py_type_name(c, py_type_of(c, obj)), name) == 0;
}

static int
tx_first(struct py_ctx *c, uint64_t item, void *arg)
{
    (void)c;
    *(uint64_t *)arg = item;
    return 1;
}

/* The first done callback of an asyncio future (C or pure-Python), 0 none. */
static uint64_t
tx_callback0(struct py_ctx *c, uint64_t fut)
{
    uint64_t cb = 0, list = 0, pair = 0;

    if (tx_type_is(c, fut, "_asyncio.Future")) {
        if (!layout_has(c->L, PYF_FUT_CALLBACK0) ||
            py_read_ptr(c, fut, PYF_FUT_CALLBACK0, &cb) < 0)
            return 0;
        return cb;
    }
    if (py_attr_get(c, fut, "_callbacks", &list) == 0 && list && tx_type_is(c, list, "list") &&
        py_seq_items(c, list, tx_first, &pair) == 0 && pair && tx_type_is(c, pair, "tuple"))
        py_seq_items(c, pair, tx_first, &cb);
    return cb;
}

static int
tx_cell_future(struct py_ctx *c, uint64_t cell, void *arg)
{
    uint64_t ref = 0, cond = 0;

    if (tx_type_is(c, cell, "cell") && py_read_ptr(c, cell, PYF_CELL_REF, &ref) == 0 &&
        tx_type_is(c, ref, "Future") && py_attr_get(c, ref, "_condition", &cond) == 0 && cond) {
        *(uint64_t *)arg = ref;     /* a concurrent.futures.Future: it has a _condition */
        return 1;
    }
    return 0;
}

uint64_t
tw_exec_source(struct py_ctx *c, uint64_t fut)
{
    uint64_t cb, q = 0, closure = 0, src = 0;

    if (!fut || !layout_has(c->L, PYF_FUNC_CLOSURE) || !layout_has(c->L, PYF_FUNC_QUALNAME) ||
        !layout_has(c->L, PYF_CELL_REF))
        return 0;
    cb = tx_callback0(c, fut);
    if (!tx_type_is(c, cb, "function") || py_read_ptr(c, cb, PYF_FUNC_QUALNAME, &q) < 0 || !q ||
        !py_str_eq(c, q, "_chain_future.<locals>._call_check_cancel"))
        return 0;
    if (py_read_ptr(c, cb, PYF_FUNC_CLOSURE, &closure) < 0 || !closure)
        return 0;
    py_seq_items(c, closure, tx_cell_future, &src);
    return src;
}

/* ---- the jobs the worker threads run ---- */

struct tx_job {
    uint64_t future;            /* the _WorkItem's future */
    long tid;
};

static void
tx_thread_jobs(struct py_ctx *c, uint64_t tstate, struct tw_exec_jobs *J)
{
    uint64_t thread_id = 0, frame = 0;
    long tid;
    unsigned n;

    py_read_ptr(c, tstate, PYF_TS_THREAD_ID, &thread_id);
    tid = source_host_tid(c->src, c->ops->thread_native_id(c, tstate, thread_id));
    if (c->ops->thread_top_frame(c, tstate, &frame) < 0)
        return;
    for (n = 0; frame && n < MAX_WORKER_FRAMES; n++) {
        struct py_frame pf;
        const struct py_code *co;
        uint64_t self = 0, fut = 0;

        if (c->ops->frame_read(c, frame, &pf) < 0)
            return;
        if (!pf.skip && (co = py_code_get(c, pf.code)) &&
            py_code_is(co, "run", "concurrent/futures/thread.py") &&
            source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0), &self) == 0 &&
            (self &= ~c->ops->slot_tag_mask) &&
            py_attr_get(c, self, "future", &fut) == 0 && fut) {
            struct tx_job *j;

            xgrow((void **)&J->jobs, &J->cap, J->n + 1, sizeof(struct tx_job));
            j = (struct tx_job *)J->jobs + J->n++;
            j->future = fut;
            j->tid = tid;
            return;
        }
        if (pf.previous == frame)
            return;
        frame = pf.previous;
    }
}

static void
tx_jobs_read(struct py_ctx *c, struct tw_exec_jobs *J)
{
    uint64_t interp = 0;
    int ni;

    J->read = true;
    if (py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp) < 0)
        return;
    for (ni = 0; interp && ni < MAX_INTERPRETERS; ni++) {
        uint64_t head = 0, ts, next_interp = 0;
        size_t nt;

        if (py_read_ptr(c, interp, PYF_IS_TSTATE_HEAD, &head) < 0)
            return;
        for (ts = head, nt = 0; ts && nt < MAX_THREADS; nt++) {
            uint64_t next = 0, owner = 0;

            if (py_read_ptr(c, ts, PYF_TS_INTERP, &owner) < 0 || owner != interp)
                break;
            tx_thread_jobs(c, ts, J);
            if (py_read_ptr(c, ts, PYF_TS_NEXT, &next) < 0 || next == head || next == ts)
                break;
            ts = next;
        }
        if (py_read_ptr(c, interp, PYF_IS_NEXT, &next_interp) < 0 || next_interp == interp)
            break;
        interp = next_interp;
    }
}

void
tw_exec_facts(struct py_ctx *c, uint64_t src, struct tw_exec_jobs *J, struct snap_wait *w)
{
    uint64_t state = 0;
    size_t i;

    w->kind = SNAP_WAIT_EXECUTOR;
    w->object = src;
    if (py_attr_get(c, src, "_state", &state) < 0 || !state)
        return;
    if (py_str_eq(c, state, "PENDING")) {
        w->detail = snap_str_cstr(c->snap, "queued");
        w->known |= SNAP_WK_THREAD;
        w->thread = 0;
        return;
    }
    if (!py_str_eq(c, state, "RUNNING"))
        return;
    w->detail = snap_str_cstr(c->snap, "running");
    if (!J->read)
        tx_jobs_read(c, J);
    for (i = 0; i < J->n; i++) {
        const struct tx_job *j = (const struct tx_job *)J->jobs + i;

        if (j->future == src && j->tid) {
            w->known |= SNAP_WK_THREAD;
            w->thread = j->tid;
            return;
        }
    }
}

void
tw_exec_jobs_free(struct tw_exec_jobs *J)
{
    free(J->jobs);
    memset(J, 0, sizeof(*J));
}

/* ---- socket ---- */

void
tw_socket_facts(struct py_ctx *c, uint64_t self, bool write, struct snap_wait *w)
{
    uint64_t transport = 0, fdobj = 0;
    struct netsock ns;
    const char *tn, *dot;
    int64_t fd;

    w->kind = SNAP_WAIT_SOCKET;
    w->direction = write ? SNAP_WAIT_WRITE : SNAP_WAIT_READ;
    w->known |= SNAP_WK_DIRECTION;
    if (py_attr_get(c, self, "_transport", &transport) < 0 || !transport ||
        tx_type_is(c, transport, "NoneType"))
        return;
    w->object = transport;
    tn = py_type_name(c, py_type_of(c, transport));
    dot = strrchr(tn, '.');
    w->detail = snap_str_cstr(c->snap, dot ? dot + 1 : tn);
    if (py_attr_get(c, transport, "_sock_fd", &fdobj) < 0 || !fdobj ||
        !py_long_value(c, fdobj, &fd) || fd < 0 || fd > 0x7fffffff)
        return;
    w->fd = (int)fd;
    w->known |= SNAP_WK_FD;
    if (netsock_lookup(c->src, w->fd, &ns) < 0)
        return;
    w->local = snap_str_cstr(c->snap, ns.local);
    w->known |= SNAP_WK_LOCAL;
    if (ns.have_peer) {
        w->peer = snap_str_cstr(c->snap, ns.peer);
        w->known |= SNAP_WK_PEER;
    }
}

/* ---- subprocess ---- */

void
tw_subprocess_facts(struct py_ctx *c, uint64_t self, struct snap_wait *w)
{
    uint64_t transport = self, pid = 0, rc = 0;
    int64_t v;
    char buf[48];

    w->kind = SNAP_WAIT_SUBPROCESS;
    if (py_attr_get(c, self, "_transport", &transport) < 0 || !transport)
        transport = self;       /* _wait's self is the transport itself */
    w->object = transport;
    if (py_attr_get(c, transport, "_pid", &pid) == 0 && pid && py_long_value(c, pid, &v) &&
        v > 0 && v <= 0x7fffffff) {
        w->pid = (int)v;
        w->known |= SNAP_WK_PID;
    }
    if (py_attr_get(c, transport, "_returncode", &rc) < 0 || !rc)
        return;
    if (tx_type_is(c, rc, "NoneType")) {
        w->detail = snap_str_cstr(c->snap, "running");
    } else if (py_long_value(c, rc, &v)) {
        snprintf(buf, sizeof(buf), "exited %lld", (long long)v);
        w->detail = snap_str_cstr(c->snap, buf);
    }
}
