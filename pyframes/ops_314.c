/*
 * ops_314.c - behaviour of CPython 3.14, read through _Py_DebugOffsets and
 * the _asyncio module's AsyncioDebug section alone:
 *   - frames hold their code object as a _PyStackRef (tag bits to clear), and
 *     C-level frames are owned by the interpreter (3) or the C stack (4);
 *   - a generator suspended in `await` / `yield from` has the awaited object
 *     on top of its stack, *(stackpointer - 1), itself a _PyStackRef;
 *   - tasks live in circular lists headed in each thread state (and, for
 *     tasks of threads that are gone, in the interpreter state), linked
 *     through TaskObj.task_node; each thread state names its running task
 *     (their walk is task discovery's: py_tasks_from_lists, task_find.c).
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

#define MAX_FRAME_SLOTS (1u << 20)

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
    .tasks_discover = py_tasks_from_lists,
    .code_locals = py_code_locals_311,
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
    .tasks_discover = py_tasks_from_lists,
    .code_locals = py_code_locals_311,
    .slot_tag_mask = STACKREF_TAGS,
    .yf_under_null = true,
};
