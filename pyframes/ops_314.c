/*
 * ops_314.c - behaviour of CPython 3.14, read through _Py_DebugOffsets and
 * the _asyncio module's AsyncioDebug section alone:
 *   - frames hold their code object as a _PyStackRef (tag bits to clear), and
 *     C-level frames are owned by the interpreter (3) or the C stack (4);
 *   - a generator suspended in `await` / `yield from` has the awaited object
 *     on top of its stack, *(stackpointer - 1), itself a _PyStackRef;
 *   - tasks live in circular lists headed in each thread state (and, for
 *     tasks of threads that are gone, in the interpreter state), linked
 *     through TaskObj.task_node; each thread state names its running task.
 * Sources: the 3.14 branch's pycore_interpframe_structs.h, pycore_frame.h,
 * pycore_stackref.h, pycore_object.h, Modules/_asynciomodule.c and
 * InternalDocs/asyncio.md.
 */
#include <string.h>

#include "../common/err.h"
#include "pyint.h"

/* _PyInterpreterFrame.owner values of 3.14 (pycore_interpframe_structs.h). */
#define OWNED_BY_INTERPRETER 3  /* base / entry frames: not Python code */
#define OWNED_BY_CSTACK 4

/*
 * _PyStackRef of a GIL build (pycore_stackref.h): bit 0 marks a reference
 * that does not own a count (immortal or borrowed); both low bits set mark a
 * tagged int, which is no object.  Objects are at least 8-byte aligned.
 */
#define STACKREF_TAGS 3u
#define STACKREF_INT 3u

#define MAX_TASK_LIST MAX_TASKS /* tasks in one list: no cap below a million (CPython's own tool stops at 65,536) */
#define MAX_FRAME_SLOTS (1u << 20)

typedef int (*task_found_fn)(struct py_ctx *, uint64_t, long, bool, void *);

static uint64_t
ops314_ref(uint64_t bits)
{
    if ((bits & STACKREF_INT) == STACKREF_INT)
        return 0;
    return bits & ~(uint64_t)STACKREF_TAGS;
}

static int
ops314_thread_top_frame(struct py_ctx *c, uint64_t tstate, uint64_t *frame)
{
    return py_read_ptr(c, tstate, PYF_TS_CURRENT_FRAME, frame);
}

static int
ops314_frame_read(struct py_ctx *c, uint64_t addr, struct py_frame *out)
{
    unsigned char buf[256];
    uint32_t size = layout_off(c->L, PYF_IFRAME);
    int64_t owner;
    uint64_t instr;
    int rc;

    memset(out, 0, sizeof(*out));
    if (size == 0 || size > sizeof(buf))
        return err_set(AIO_E_LAYOUT, "layout of _PyInterpreterFrame is missing");
    rc = source_read(c->src, addr, buf, size);
    if (rc < 0)
        return rc;
    out->code = ops314_ref(py_buf_ptr(c, buf, size, PYF_IF_CODE));
    out->previous = py_buf_ptr(c, buf, size, PYF_IF_PREVIOUS);
    instr = py_buf_ptr(c, buf, size, PYF_IF_INSTR);
    owner = py_buf_int(c, buf, size, PYF_IF_OWNER);
    out->boundary = owner == OWNED_BY_INTERPRETER || owner == OWNED_BY_CSTACK;
    out->skip = out->boundary || out->code == 0;
    out->lasti_bytes = -1;
    if (instr && out->code)
        out->lasti_bytes = (int64_t)(instr - (out->code + layout_off(c->L, PYF_CO_CODE_ADAPTIVE)));
    return 0;
}

/*
 * FRAME_SUSPENDED_YIELD_FROM: the awaited object is the top of the frame's
 * stack, the slot below stackpointer.
 */
static int
ops314_gen_awaiting(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf)
{
    uint64_t sp = 0, base, bits = 0;
    int64_t state;
    int rc;

    *yf = 0;
    rc = py_read_int(c, gen, PYF_GEN_FRAME_STATE, &state);
    if (rc < 0 || state != c->ops->fs_suspended_yf)
        return rc;
    rc = py_read_ptr(c, frame, PYF_IF_STACKPOINTER, &sp);
    if (rc < 0 || sp == 0)
        return rc;
    base = frame + layout_off(c->L, PYF_IF_LOCALSPLUS);
    if ((sp & 7) != 0 || sp <= base || (sp - base) / 8 > MAX_FRAME_SLOTS)
        return -AIO_E_CORRUPT;
    rc = source_read_ptr(c->src, sp - 8, &bits);
    if (rc < 0)
        return rc;
    /* 3.15 (3.15.2): a NULL stack reference on top, the awaited object below it */
    if (c->ops->yf_under_null && ops314_ref(bits) == 0 && sp - 16 >= base) {
        rc = source_read_ptr(c->src, sp - 16, &bits);
        if (rc < 0)
            return rc;
    }
    *yf = ops314_ref(bits);
    return 0;
}

static uint64_t
ops314_frame_local_addr(struct py_ctx *c, uint64_t frame, unsigned i)
{
    return frame + layout_off(c->L, PYF_IF_LOCALSPLUS) + (uint64_t)i * 8;
}

/*
 * As 3.13 (pycore_object.h): the managed dict pointer at obj - 3 words; when
 * it is NULL and the type has Py_TPFLAGS_INLINE_VALUES, the values live
 * inline after the object (tp_basicsize, which _Py_DebugOffsets of 3.14 does
 * not give: then only materialized dicts can be read).
 */
#define TPFLAGS_INLINE_VALUES (1ul << 2)

static int
ops314_instance_dict(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
                     uint64_t *values)
{
    uint64_t flags;
    int64_t basic;
    int rc;

    *dict = *values = 0;
    if (!py_type_managed_dict(c, type, &flags))
        return py_instance_dict_offset(c, obj, type, dict);
    rc = source_read_ptr(c->src, obj - 24, dict);
    if (rc < 0 || *dict || !(flags & TPFLAGS_INLINE_VALUES))
        return rc;
    rc = py_read_int(c, type, PYF_TP_BASICSIZE, &basic);
    if (rc < 0)
        return rc;
    if (basic <= 0 || basic > 65536 || !layout_has(c->L, PYF_DV_VALUES))
        return -AIO_E_CORRUPT;
    *values = obj + (uint64_t)basic + layout_off(c->L, PYF_DV_VALUES);
    return 0;
}

/*
 * One circular list: from head->next until head again.  A NULL link, a loop
 * that does not come back to the head (Brent's cycle check) or more than
 * MAX_TASK_LIST tasks end the walk with a diagnostic.  Returns 1 when found()
 * asked to stop, else 0.
 */
static int
ops314_walk_list(struct py_ctx *c, uint64_t head, long tid, uint64_t running,
                 task_found_fn found, void *arg)
{
    uint64_t next_off = layout_off(c->L, PYF_LLIST_NEXT);
    uint64_t node_off = layout_off(c->L, PYF_TASK_NODE);
    uint64_t node = 0, tortoise = head;
    size_t steps = 0, power = 1, lam = 0;
    int rc = source_read_ptr(c->src, head + next_off, &node);

    while (rc == 0 && node != head) {
        if (node == 0 || node == tortoise || node < node_off) {
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                          "task list at 0x%llx is corrupt (%s)", (unsigned long long)head,
                          node == 0 ? "NULL link" : "loops without reaching its head");
            return 0;
        }
        if (steps++ >= MAX_TASK_LIST) {
            snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_BOUND,
                          "task list at 0x%llx cut at %u tasks", (unsigned long long)head,
                          MAX_TASK_LIST);
            return 0;
        }
        if (found(c, node - node_off, tid, node - node_off == running, arg))
            return 1;
        if (++lam == power) {
            tortoise = node;
            power *= 2;
            lam = 0;
        }
        rc = source_read_ptr(c->src, node + next_off, &node);
    }
    if (rc < 0)
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, -rc, "cannot read the task list at 0x%llx",
                      (unsigned long long)head);
    return 0;
}

/* The running task of a thread state: only while its event loop runs. */
static uint64_t
ops314_running_task(struct py_ctx *c, uint64_t tstate)
{
    uint64_t loop = 0, task = 0;

    if (!layout_has(c->L, PYF_TS_ASYNCIO_RUNNING_TASK) ||
        (layout_has(c->L, PYF_TS_ASYNCIO_RUNNING_LOOP) &&
         (py_read_ptr(c, tstate, PYF_TS_ASYNCIO_RUNNING_LOOP, &loop) < 0 || !loop)) ||
        py_read_ptr(c, tstate, PYF_TS_ASYNCIO_RUNNING_TASK, &task) < 0)
        return 0;
    return task;
}

/* Every thread state's list, then the interpreter's (tasks of threads gone), per interpreter. */
static int
ops314_tasks_find(struct py_ctx *c, task_found_fn found, void *arg)
{
    static const enum py_field need[] = {
        PYF_TS_ASYNCIO_TASKS_HEAD, PYF_IS_ASYNCIO_TASKS_HEAD, PYF_LLIST_NEXT, PYF_TASK_NODE,
    };
    uint64_t interp = 0;
    size_t i;
    int ni, rc;

    for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!layout_has(c->L, need[i]))
            return err_set(AIO_E_LAYOUT, "no offsets for asyncio's task lists (%s): the "
                           "AsyncioDebug section of _asyncio was not found",
                           layout_descs[need[i]].name);
    }
    rc = py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp);
    if (rc < 0)
        return rc;
    for (ni = 0; interp && ni < MAX_INTERPRETERS; ni++) {
        uint64_t head = 0, ts, next_interp = 0;
        size_t nt;

        if (py_read_ptr(c, interp, PYF_IS_TSTATE_HEAD, &head) < 0)
            break;
        for (ts = head, nt = 0; ts && nt < MAX_THREADS; nt++) {
            uint64_t next = 0;
            long tid = source_host_tid(c->src, c->ops->thread_native_id(c, ts, 0));

            if (ops314_walk_list(c, ts + layout_off(c->L, PYF_TS_ASYNCIO_TASKS_HEAD), tid,
                                 ops314_running_task(c, ts), found, arg))
                return 0;
            if (py_read_ptr(c, ts, PYF_TS_NEXT, &next) < 0 || next == head || next == ts)
                break;
            ts = next;
        }
        if (ops314_walk_list(c, interp + layout_off(c->L, PYF_IS_ASYNCIO_TASKS_HEAD), 0, 0,
                             found, arg))
            return 0;
        if (py_read_ptr(c, interp, PYF_IS_NEXT, &next_interp) < 0 || next_interp == interp)
            break;
        interp = next_interp;
    }
    return 0;
}

/* Frame states: the 3.14 branch's Include/internal/pycore_frame.h (as 3.13). */
const struct py_ops py_ops_314 = {
    .family = "3.14",
    .thread_top_frame = ops314_thread_top_frame,
    .frame_read = ops314_frame_read,
    .code_line = ops311_code_line,
    .gil_addr = ops311_gil_addr,
    .thread_native_id = ops311_thread_native_id,
    .gen_frame = ops311_gen_frame,
    .gen_awaiting = ops314_gen_awaiting,
    .frame_local_addr = ops314_frame_local_addr,
    .instance_dict = ops314_instance_dict,
    .fs_created = -3, .fs_suspended_yf = -1, .fs_cleared = 4,
    .resume_ops = { 0, 0 },
    .tasks_find = ops314_tasks_find,
    .slot_tag_mask = STACKREF_TAGS,
};

/*
 * 3.15: the same walk; only the frame states moved (enum _framestate from the
 * DWARF of Debian's python3.15-dbg: CREATED 0, SUSPENDED 1,
 * SUSPENDED_YIELD_FROM 2, SUSPENDED_YIELD_FROM_LOCKED 3 (another thread is
 * resuming it), EXECUTING 4, CLEARED 5), and a coroutine in SEND keeps a NULL
 * on top of its stack, the awaited object below it.  Also the choice for a later minor
 * version whose _Py_DebugOffsets pass validation.
 */
const struct py_ops py_ops_315 = {
    .family = "3.15",
    .thread_top_frame = ops314_thread_top_frame,
    .frame_read = ops314_frame_read,
    .code_line = ops311_code_line,
    .gil_addr = ops311_gil_addr,
    .thread_native_id = ops311_thread_native_id,
    .gen_frame = ops311_gen_frame,
    .gen_awaiting = ops314_gen_awaiting,
    .frame_local_addr = ops314_frame_local_addr,
    .instance_dict = ops314_instance_dict,
    .fs_created = 0, .fs_suspended_yf = 2, .fs_cleared = 5,
    .resume_ops = { 0, 0 },
    .tasks_find = ops314_tasks_find,
    .slot_tag_mask = STACKREF_TAGS,
    .yf_under_null = true,
};
