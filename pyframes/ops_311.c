/*
 * ops_311.c - behaviour of CPython 3.11, 3.12 and 3.13: _PyInterpreterFrame
 * chains (reached through tstate->cframe in 3.11/3.12, tstate->current_frame
 * in 3.13), the 3.11+ location table, the per-interpreter GIL of 3.12+.
 */
#include <string.h>

#include "../common/err.h"
#include "linetable.h"
#include "pyint.h"

/*
 * _PyInterpreterFrame.owner values (Include/internal/pycore_frame.h): 0 thread,
 * 1 generator, 2 frame object, 3 C stack (3.12+ shim/entry frames, never shown).
 */
#define OWNED_BY_CSTACK 3

/* A frame that runs a code object, or a C-stack shim frame (3.12) in front of one. */
static bool
ops311_frame_plausible(struct py_ctx *c, uint64_t frame)
{
    uint64_t code = 0;

    if (!frame || py_read_ptr(c, frame, PYF_IF_CODE, &code) < 0 || !code)
        return false;
    return py_is_code(c, code);
}

static int
ops311_thread_top_frame(struct py_ctx *c, uint64_t tstate, uint64_t *frame)
{
    uint64_t cframe, prev = 0, alt = 0;
    int rc;

    if (layout_has(c->L, PYF_TS_CURRENT_FRAME))
        return py_read_ptr(c, tstate, PYF_TS_CURRENT_FRAME, frame);
    rc = py_read_ptr(c, tstate, PYF_TS_CFRAME, &cframe);
    if (rc < 0)
        return rc;
    if (cframe == 0) {
        *frame = 0;
        return 0;
    }
    rc = py_read_ptr(c, cframe, PYF_CF_CURRENT_FRAME, frame);
    /*
     * 3.11/3.12 enter the eval loop by pointing tstate->cframe at a new
     * _PyCFrame (on the C stack) a few instructions before setting its
     * current_frame: a thread stopped in between shows whatever the stack held
     * there.  When that is not a frame running a code object, the thread's
     * stack is its caller's: the previous cframe's.
     */
    if (rc == 0 && !ops311_frame_plausible(c, *frame) && layout_has(c->L, PYF_CF_PREVIOUS) &&
        py_read_ptr(c, cframe, PYF_CF_PREVIOUS, &prev) == 0 && prev && prev != cframe &&
        py_read_ptr(c, prev, PYF_CF_CURRENT_FRAME, &alt) == 0 && ops311_frame_plausible(c, alt))
        *frame = alt;
    return rc;
}

static int
ops311_frame_read(struct py_ctx *c, uint64_t addr, struct py_frame *out)
{
    unsigned char buf[256];
    uint32_t size = layout_off(c->L, PYF_IFRAME);
    uint64_t instr;
    int rc;

    memset(out, 0, sizeof(*out));
    if (size == 0 || size > sizeof(buf))
        return err_set(AIO_E_LAYOUT, "layout of _PyInterpreterFrame is missing");
    rc = source_read(c->src, addr, buf, size);
    if (rc < 0)
        return rc;
    out->code = py_buf_ptr(c, buf, size, PYF_IF_CODE);
    out->previous = py_buf_ptr(c, buf, size, PYF_IF_PREVIOUS);
    instr = py_buf_ptr(c, buf, size, PYF_IF_INSTR);
    out->boundary = py_buf_int(c, buf, size, PYF_IF_OWNER) == OWNED_BY_CSTACK;
    out->skip = out->boundary || out->code == 0;
    out->entry = py_buf_int(c, buf, size, PYF_IF_IS_ENTRY) != 0;     /* 3.11 only */
    /* _PyInterpreterFrame_LASTI: instruction pointer minus the start of the code units */
    out->lasti_bytes = -1;
    if (instr && out->code) {
        uint64_t start = out->code + layout_off(c->L, PYF_CO_CODE_ADAPTIVE);

        out->lasti_bytes = (int64_t)(instr - start);
    }
    return 0;
}

int
ops311_code_line(const struct py_code *co, int64_t lasti_bytes)
{
    int line;

    if (lasti_bytes < 0 || !co->linetable)
        return co->firstlineno;
    line = linetable_311_line(co->linetable, co->linetable_len, co->firstlineno,
                              (int)lasti_bytes);
    return line > 0 ? line : 0;
}

uint64_t
ops311_gil_addr(struct py_ctx *c, uint64_t interp)
{
    uint64_t gil = 0;

    if (layout_has(c->L, PYF_IS_GIL_PTR)) {
        if (py_read_ptr(c, interp, PYF_IS_GIL_PTR, &gil) < 0)
            return 0;
        return gil;
    }
    if (layout_has(c->L, PYF_RT_GIL))
        return c->runtime + layout_off(c->L, PYF_RT_GIL);
    return 0;
}

long
ops311_thread_native_id(struct py_ctx *c, uint64_t tstate, uint64_t thread_id)
{
    int64_t v;

    (void)thread_id;
    if (py_read_int(c, tstate, PYF_TS_NATIVE_TID, &v) < 0)
        return 0;
    return (long)v;
}

int
ops311_gen_frame(struct py_ctx *c, uint64_t gen, uint64_t *frame, bool *live)
{
    int64_t state;
    int rc;

    *frame = gen + layout_off(c->L, PYF_GEN_IFRAME);
    *live = false;
    if (!layout_has(c->L, PYF_GEN_IFRAME))
        return err_set(AIO_E_LAYOUT, "layout of generator frames is missing");
    rc = py_read_int(c, gen, PYF_GEN_FRAME_STATE, &state);
    if (rc < 0)
        return rc;
    *live = state < c->ops->fs_cleared;
    return 0;
}

/* The object on top of a frame's value stack (what `await` / `yield from` sends to). */
static int
ops311_stack_top(struct py_ctx *c, uint64_t frame, uint64_t *top)
{
    int64_t stacktop;
    int rc = py_read_int(c, frame, PYF_IF_STACKTOP, &stacktop);

    *top = 0;
    if (rc < 0)
        return rc;
    if (stacktop < 1 || stacktop > (1 << 20))
        return -AIO_E_CORRUPT;
    return source_read_ptr(c->src, frame + layout_off(c->L, PYF_IF_LOCALSPLUS) +
                           (uint64_t)(stacktop - 1) * 8, top);
}

/*
 * 3.11/3.12 (_PyGen_yf): a suspended generator is in `yield from`/`await`
 * when the instruction after the one it stopped at is RESUME with oparg >= 2.
 */
static int
ops311_gen_awaiting(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf)
{
    int64_t state;
    uint64_t instr;
    uint8_t next[2];
    int rc;

    *yf = 0;
    rc = py_read_int(c, gen, PYF_GEN_FRAME_STATE, &state);
    if (rc < 0 || state >= c->ops->fs_cleared || state == c->ops->fs_created)
        return rc;
    rc = py_read_ptr(c, frame, PYF_IF_INSTR, &instr);
    if (rc < 0 || !instr)
        return rc;
    rc = source_read(c->src, instr + 2, next, 2);
    if (rc < 0)
        return rc;
    if ((next[0] != c->ops->resume_ops[0] && next[0] != c->ops->resume_ops[1]) || next[1] < 2)
        return 0;
    return ops311_stack_top(c, frame, yf);
}

/* 3.13: the frame state says it directly (FRAME_SUSPENDED_YIELD_FROM). */
static int
ops313_gen_awaiting(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf)
{
    int64_t state;
    int rc;

    *yf = 0;
    rc = py_read_int(c, gen, PYF_GEN_FRAME_STATE, &state);
    if (rc < 0 || state != c->ops->fs_suspended_yf)
        return rc;
    return ops311_stack_top(c, frame, yf);
}

static uint64_t
ops311_frame_local_addr(struct py_ctx *c, uint64_t frame, unsigned i)
{
    return frame + layout_off(c->L, PYF_IF_LOCALSPLUS) + (uint64_t)i * 8;
}

/* 3.11: managed dict pointer at obj - 3 words, values pointer at obj - 4 words. */
static int
ops311_instance_dict(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
                     uint64_t *values)
{
    uint64_t flags;
    int rc;

    *dict = *values = 0;
    if (!py_type_managed_dict(c, type, &flags))
        return py_instance_dict_offset(c, obj, type, dict);
    rc = source_read_ptr(c->src, obj - 24, dict);
    if (rc < 0 || *dict)
        return rc;
    return source_read_ptr(c->src, obj - 32, values);
}

/* 3.12: one word at obj - 3 words: values pointer - 1 (odd), or a dict (even). */
static int
ops312_instance_dict(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
                     uint64_t *values)
{
    uint64_t flags, w;
    int rc;

    *dict = *values = 0;
    if (!py_type_managed_dict(c, type, &flags))
        return py_instance_dict_offset(c, obj, type, dict);
    rc = source_read_ptr(c->src, obj - 24, &w);
    if (rc < 0)
        return rc;
    if (w & 1)
        *values = w + 1 + layout_off(c->L, PYF_DV_VALUES);
    else
        *dict = w;
    return 0;
}

/*
 * 3.13: managed dict pointer at obj - 3 words; when it is NULL and the type
 * has Py_TPFLAGS_INLINE_VALUES, the values live inline after the object.
 */
#define TPFLAGS_INLINE_VALUES (1ul << 2)

static int
ops313_instance_dict(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
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
    if (basic <= 0 || basic > 65536)
        return -AIO_E_CORRUPT;
    *values = obj + (uint64_t)basic + layout_off(c->L, PYF_DV_VALUES);
    return 0;
}

#define OPS311_COMMON                                   \
    .thread_top_frame = ops311_thread_top_frame,        \
    .frame_read = ops311_frame_read,                    \
    .code_line = ops311_code_line,                      \
    .gil_addr = ops311_gil_addr,                        \
    .thread_native_id = ops311_thread_native_id,        \
    .gen_frame = ops311_gen_frame,                      \
    .frame_local_addr = ops311_frame_local_addr,        \
    .tasks_discover = py_tasks_from_registries,         \
    .code_locals = py_code_locals_311

/* Frame states and opcodes: Include/internal/pycore_frame.h and opcode.h of each version. */
const struct py_ops py_ops_311 = {
    .family = "3.11",
    OPS311_COMMON,
    .gen_awaiting = ops311_gen_awaiting,
    .instance_dict = ops311_instance_dict,
    .fs_created = -2, .fs_suspended_yf = -100, .fs_cleared = 4,
    .resume_ops = { 151, 150 },         /* RESUME, RESUME_QUICK */
};

const struct py_ops py_ops_312 = {
    .family = "3.12",
    OPS311_COMMON,
    .gen_awaiting = ops311_gen_awaiting,
    .instance_dict = ops312_instance_dict,
    .fs_created = -2, .fs_suspended_yf = -100, .fs_cleared = 4,
    .resume_ops = { 151, 240 },         /* RESUME, INSTRUMENTED_RESUME */
};

const struct py_ops py_ops_313 = {
    .family = "3.13",
    OPS311_COMMON,
    .gen_awaiting = ops313_gen_awaiting,
    .instance_dict = ops313_instance_dict,
    .fs_created = -3, .fs_suspended_yf = -1, .fs_cleared = 4,
    .resume_ops = { 149, 236 },         /* RESUME, INSTRUMENTED_RESUME (unused) */
};
