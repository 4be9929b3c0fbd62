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

static int
ops311_thread_top_frame(struct py_ctx *c, uint64_t tstate, uint64_t *frame)
{
    uint64_t cframe;
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
    return py_read_ptr(c, cframe, PYF_CF_CURRENT_FRAME, frame);
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
    out->skip = py_buf_int(c, buf, size, PYF_IF_OWNER) == OWNED_BY_CSTACK || out->code == 0;
    /* _PyInterpreterFrame_LASTI: instruction pointer minus the start of the code units */
    out->lasti_bytes = -1;
    if (instr && out->code) {
        uint64_t start = out->code + layout_off(c->L, PYF_CO_CODE_ADAPTIVE);

        out->lasti_bytes = (int64_t)(instr - start);
    }
    return 0;
}

static int
ops311_code_line(const struct py_code *co, int64_t lasti_bytes)
{
    int line;

    if (lasti_bytes < 0 || !co->linetable)
        return co->firstlineno;
    line = linetable_311_line(co->linetable, co->linetable_len, co->firstlineno,
                              (int)lasti_bytes);
    return line > 0 ? line : 0;
}

static uint64_t
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

static long
ops311_thread_native_id(struct py_ctx *c, uint64_t tstate, uint64_t thread_id)
{
    int64_t v;

    (void)thread_id;
    if (py_read_int(c, tstate, PYF_TS_NATIVE_TID, &v) < 0)
        return 0;
    return (long)v;
}

const struct py_ops py_ops_311 = {
    .family = "3.11+",
    .thread_top_frame = ops311_thread_top_frame,
    .frame_read = ops311_frame_read,
    .code_line = ops311_code_line,
    .gil_addr = ops311_gil_addr,
    .thread_native_id = ops311_thread_native_id,
};
