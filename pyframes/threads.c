/*
 * threads.c - interpreters -> thread states -> snapshot threads with stacks.
 */
#include <string.h>

#include "../common/err.h"
#include "pyint.h"

static uint64_t
threads_gil_holder(struct py_ctx *c, uint64_t interp)
{
    uint64_t gil = c->ops->gil_addr(c, interp), holder = 0;
    int64_t locked = 0;

    if (!gil || py_read_int(c, gil, PYF_GIL_LOCKED, &locked) < 0 || !locked)
        return 0;
    if (py_read_ptr(c, gil, PYF_GIL_HOLDER, &holder) < 0)
        return 0;
    return holder;
}

/*
 * The event loop a thread is running, whatever its implementation (asyncio's,
 * uvloop's: any loop that calls asyncio's _set_running_loop), so that its
 * tasks belong to the thread even without a BaseEventLoop.run_forever frame.
 * The interpreter keeps it in the thread state (3.13+: asyncio_running_loop)
 * or in the thread state's dict under "__asyncio_running_event_loop__",
 * either the loop or a _RunningLoopHolder whose rl_loop it is (up to 3.11).
 */
#define RUNNING_LOOP_KEY "__asyncio_running_event_loop__"

static void
threads_note_running_loop(struct py_ctx *c, uint64_t tstate, long tid)
{
    uint64_t loop = 0, dict = 0;

    if (tid <= 0)
        return;
    if (layout_has(c->L, PYF_TS_ASYNCIO_RUNNING_LOOP)) {
        py_read_ptr(c, tstate, PYF_TS_ASYNCIO_RUNNING_LOOP, &loop);
    } else if (layout_has(c->L, PYF_TS_DICT) && layout_has(c->L, PYF_DK_INDICES) &&
               py_read_ptr(c, tstate, PYF_TS_DICT, &dict) == 0 && dict &&
               py_dict_get_str(c, dict, RUNNING_LOOP_KEY, &loop) == 0 && loop &&
               strcmp(py_type_name(c, py_type_of(c, loop)), "_RunningLoopHolder") == 0) {
        uint64_t holder = loop;

        loop = 0;
        if (layout_has(c->L, PYF_RL_LOOP))
            py_read_ptr(c, holder, PYF_RL_LOOP, &loop);
    }
    if (loop && strcmp(py_type_name(c, py_type_of(c, loop)), "NoneType") != 0)
        py_note_loop_thread(c, loop, tid);
}

static void
threads_add(struct py_ctx *c, uint64_t tstate, uint64_t gil_holder)
{
    struct snap *s = c->snap;
    struct snap_thread *t;
    uint64_t thread_id = 0, frame = 0;
    size_t idx, first;
    bool truncated = false;
    char name[64];
    long tid;
    int rc;

    py_read_ptr(c, tstate, PYF_TS_THREAD_ID, &thread_id);
    tid = source_host_tid(c->src, c->ops->thread_native_id(c, tstate, thread_id));
    t = snap_thread_add(s);
    idx = s->nthreads - 1;
    t->tid = tid;
    t->thread_id = thread_id;
    t->holds_gil = gil_holder && gil_holder == tstate;
    t->is_main = tid != 0 && tid == s->pid;
    source_thread_name(c->src, tid, name, sizeof(name));
    t->comm = snap_str_cstr(s, name);
    t->name = t->comm;
    threads_note_running_loop(c, tstate, tid);
    rc = c->ops->thread_top_frame(c, tstate, &frame);
    if (rc < 0) {
        snap_diag_add(s, SNAP_DIAG_THREAD, idx, rc, "cannot read the current frame of thread %ld",
                      tid);
        return;
    }
    first = s->nframes;
    s->threads[idx].frame_first = first;
    c->cur_tid = tid;
    s->threads[idx].frame_count = py_frames_walk(c, frame, &truncated);
    c->cur_tid = 0;
    s->threads[idx].truncated = truncated;
    if (c->frames_looped)
        snap_diag_add(s, SNAP_DIAG_THREAD, idx, AIO_E_CORRUPT,
                      "the frame chain of thread %ld loops: cut after %zu frames", tid,
                      s->threads[idx].frame_count);
    if (truncated)
        snap_diag_add(s, SNAP_DIAG_THREAD, idx, AIO_E_BOUND,
                      "stack of thread %ld cut at %d frames", tid, MAX_FRAMES);
}

/*
 * The first thread state proves the layout (a table may not fit a patch
 * release): it must point back to its interpreter.  Read while the target
 * runs (--nonblocking), the head may be a thread state being freed: the head
 * is read again a few times before the layout is blamed.
 */
static int
threads_first_checked(struct py_ctx *c, uint64_t interp, uint64_t *head)
{
    uint64_t owner = 0;
    int tries;

    for (tries = 0; *head; tries++) {
        if (py_read_ptr(c, *head, PYF_TS_INTERP, &owner) == 0 && owner == interp)
            return 0;
        if (tries == 8)
            return err_set(AIO_E_LAYOUT, "the layout does not fit this interpreter: thread "
                           "state 0x%llx does not point back to its interpreter (wrong layout "
                           "table for this patch release?)", (unsigned long long)*head);
        if (py_read_ptr(c, interp, PYF_IS_TSTATE_HEAD, head) < 0)
            return err_set(AIO_E_FAULT, "cannot read the thread list of the interpreter");
    }
    return 0;
}

/*
 * Python's names of the threads: threading._active maps each thread's ident
 * (its thread state's thread_id) to its Thread object, whose _name is what
 * threading.current_thread().name says ("MainThread",
 * "ThreadPoolExecutor-0_1").  Read from the main interpreter's
 * sys.modules['threading'] when it is imported; a thread it does not know
 * keeps its comm.  Never a diagnostic: the names are a nicety.
 */
static int
threads_name_cb(struct py_ctx *c, uint64_t key, uint64_t thread, void *arg)
{
    size_t *left = arg, i;
    int64_t ident;
    uint64_t name = 0;
    struct snap_str str = { NULL, 0 };

    if (!py_long_value(c, key, &ident) || *left == 0)
        return *left == 0;
    for (i = 0; i < c->snap->nthreads; i++) {
        struct snap_thread *t = &c->snap->threads[i];

        if (t->thread_id != (uint64_t)ident || t->native_only)
            continue;
        if (py_attr_get(c, thread, "_name", &name) == 0 && name &&
            py_read_str(c, name, MAX_THREAD_NAME, &str, NULL) == 0 && str.s) {
            t->name = str;
            (*left)--;
        }
        break;
    }
    return 0;
}

static void
threads_python_names(struct py_ctx *c)
{
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0, active = 0;
    size_t left = c->snap->nthreads;

    if (!layout_has(c->L, PYF_MOD_DICT) || !layout_has(c->L, PYF_DK_INDICES) ||
        py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp) < 0 || !interp ||
        py_read_ptr(c, interp, PYF_IS_MODULES, &modules) < 0 || !modules ||
        py_dict_get_str(c, modules, "threading", &mod) < 0 || !mod ||
        py_read_ptr(c, mod, PYF_MOD_DICT, &mdict) < 0 || !mdict ||
        py_dict_get_str(c, mdict, "_active", &active) < 0 || !active)
        return;
    py_dict_items(c, active, threads_name_cb, &left);
}

int
py_threads_walk(struct py_ctx *c)
{
    uint64_t interp = 0;
    int ni, rc;

    rc = py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp);
    if (rc < 0)
        return err_set(AIO_E_NOTPY, "cannot read the interpreter list of _PyRuntime");
    if (interp == 0)
        return err_set(AIO_E_NOTPY, "the Python runtime has no interpreter (starting or "
                       "finalizing?)");
    for (ni = 0; interp && ni < MAX_INTERPRETERS; ni++) {
        uint64_t head = 0, ts, next_interp = 0, holder;
        size_t nt;

        holder = threads_gil_holder(c, interp);
        if (py_read_ptr(c, interp, PYF_IS_TSTATE_HEAD, &head) < 0) {
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_FAULT,
                          "cannot read the thread list of interpreter %d", ni);
            break;
        }
        if (ni == 0 && (rc = threads_first_checked(c, interp, &head)) < 0)
            return rc;
        for (ts = head, nt = 0; ts && nt < MAX_THREADS; nt++) {
            uint64_t next = 0, owner = 0;

            /*
             * Sanity check of the layout (a table may not fit a patch release):
             * every thread state points back to its interpreter.
             */
            if (py_read_ptr(c, ts, PYF_TS_INTERP, &owner) < 0 || owner != interp) {
                /* past the first (checked above): a thread that ended under a torn read */
                snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                              "thread list changed while read: stopped at thread state 0x%llx",
                              (unsigned long long)ts);
                break;
            }

            threads_add(c, ts, holder);
            if (py_read_ptr(c, ts, PYF_TS_NEXT, &next) < 0 || next == head || next == ts)
                break;
            ts = next;
        }
        if (nt >= MAX_THREADS)
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND,
                          "thread list cut at %d threads", MAX_THREADS);
        if (py_read_ptr(c, interp, PYF_IS_NEXT, &next_interp) < 0 || next_interp == interp)
            break;
        interp = next_interp;
    }
    threads_python_names(c);
    return 0;
}
