/*
 * ops_38.c - behaviour of CPython 3.8, 3.9 and 3.10: PyFrameObject chains,
 * co_lnotab (3.8/3.9) and the PEP 626 line table (3.10), f_stacktop (3.8/3.9)
 * or f_stackdepth (3.10) for what a generator awaits, instance dicts through
 * tp_dictoffset, and native thread ids through glibc's struct pthread.
 */
#include <string.h>

#include "../common/err.h"
#include "linetable.h"
#include "pyint.h"

#define YIELD_FROM 72           /* Include/opcode.h, 3.8 .. 3.10 */
#define MAX_FRAMEOBJ 1024

static int
ops38_thread_top_frame(struct py_ctx *c, uint64_t tstate, uint64_t *frame)
{
    return py_read_ptr(c, tstate, PYF_TS_FRAME, frame);
}

/* f_lasti counts bytes in 3.8/3.9 and code units (2 bytes) in 3.10. */
static int
ops38_frame_read_scaled(struct py_ctx *c, uint64_t addr, struct py_frame *out, int scale)
{
    unsigned char buf[MAX_FRAMEOBJ];
    uint32_t size = layout_off(c->L, PYF_FRAMEOBJ);
    int64_t lasti;
    int rc;

    memset(out, 0, sizeof(*out));
    if (size == 0 || size > sizeof(buf))
        return err_set(AIO_E_LAYOUT, "layout of frame objects is missing");
    rc = source_read(c->src, addr, buf, size);
    if (rc < 0)
        return rc;
    out->code = py_buf_ptr(c, buf, size, PYF_FO_CODE);
    out->previous = py_buf_ptr(c, buf, size, PYF_FO_BACK);
    lasti = py_buf_int(c, buf, size, PYF_FO_LASTI);
    out->lasti_bytes = lasti < 0 ? -1 : lasti * scale;
    out->skip = out->code == 0;
    out->entry = true;  /* every frame object is evaluated by its own C call */
    return 0;
}

static int
ops38_frame_read(struct py_ctx *c, uint64_t addr, struct py_frame *out)
{
    return ops38_frame_read_scaled(c, addr, out, 1);
}

static int
ops310_frame_read(struct py_ctx *c, uint64_t addr, struct py_frame *out)
{
    return ops38_frame_read_scaled(c, addr, out, 2);
}

static int
ops38_code_line(const struct py_code *co, int64_t lasti_bytes)
{
    int line;

    if (lasti_bytes < 0 || !co->linetable)
        return co->firstlineno;
    line = linetable_lnotab_line(co->linetable, co->linetable_len, co->firstlineno,
                                 (int)lasti_bytes);
    return line > 0 ? line : 0;
}

static int
ops310_code_line(const struct py_code *co, int64_t lasti_bytes)
{
    int line;

    if (lasti_bytes < 0 || !co->linetable)
        return co->firstlineno;
    line = linetable_310_line(co->linetable, co->linetable_len, co->firstlineno,
                              (int)lasti_bytes);
    return line > 0 ? line : 0;
}

static uint64_t
ops38_gil_addr(struct py_ctx *c, uint64_t interp)
{
    (void)interp;
    if (!layout_has(c->L, PYF_RT_GIL))
        return 0;
    return c->runtime + layout_off(c->L, PYF_RT_GIL);
}

/*
 * Before 3.11 a thread state knows only its pthread_t, which is the address
 * of glibc's struct pthread; the kernel tid sits in it at the offset glibc
 * publishes for libthread_db (_thread_db_pthread_tid).  Where that symbol is
 * not to be found (glibc before 2.34 keeps it in libpthread's .symtab, which
 * distributions strip: Debian 11), the thread whose thread pointer register
 * (fs_base) is that pthread_t is the one.
 */
static bool
ops38_is_tid(const struct source *src, int32_t v)
{
    size_t i;

    for (i = 0; v > 0 && i < src->ntids; i++)
        if (src->tids[i] == v)
            return true;
    return false;
}

/*
 * Without registers either (--nonblocking): the tid field of struct pthread,
 * which every glibc for x86_64 since 2.17 keeps at 0x2d0; any other offset
 * only when exactly one int in the struct's first 2 KiB is a thread of the
 * process.
 */
#define PTHREAD_TID_GUESS 0x2d0
#define PTHREAD_SCAN_BYTES 2048

static long
ops38_tid_in_pthread(struct py_ctx *c, uint64_t pthread)
{
    int32_t buf[PTHREAD_SCAN_BYTES / 4], hit = 0;
    size_t i, nhits = 0;

    if (source_read(c->src, pthread, buf, sizeof(buf)) < 0)
        return 0;
    if (ops38_is_tid(c->src, buf[PTHREAD_TID_GUESS / 4]))
        return buf[PTHREAD_TID_GUESS / 4];
    for (i = 0; i < PTHREAD_SCAN_BYTES / 4; i++)
        if (ops38_is_tid(c->src, buf[i])) {
            hit = buf[i];
            nhits++;
        }
    return nhits == 1 ? hit : 0;
}

static long
ops38_thread_native_id(struct py_ctx *c, uint64_t tstate, uint64_t thread_id)
{
    int32_t tid;

    (void)tstate;
    long found;

    if (!thread_id)
        return 0;
    if (c->pthread_tid_off >= 0)
        return source_read_i32(c->src, thread_id + (uint64_t)c->pthread_tid_off, &tid) == 0 &&
               tid > 0 ? tid : 0;
    found = source_tid_by_thread_pointer(c->src, thread_id, &c->tps);
    return found ? found : ops38_tid_in_pthread(c, thread_id);
}

static int
ops38_gen_frame(struct py_ctx *c, uint64_t gen, uint64_t *frame, bool *live)
{
    int rc = py_read_ptr(c, gen, PYF_GEN_FRAME, frame);

    *live = rc == 0 && *frame != 0;
    return rc;
}

/* The instruction after f_lasti is YIELD_FROM: the generator is in `await`/`yield from`. */
static bool
ops38_at_yield_from(struct py_ctx *c, uint64_t code, int64_t next_off)
{
    uint64_t bytes = 0;
    uint8_t op;

    if (py_read_ptr(c, code, PYF_CO_CODE, &bytes) < 0 || !bytes ||
        source_read(c->src, bytes + layout_off(c->L, PYF_BYTES_SVAL) + (uint64_t)next_off, &op,
                    1) < 0)
        return false;
    return op == YIELD_FROM;
}

/* 3.8/3.9 (_PyGen_yf): code[f_lasti + 2] == YIELD_FROM, then f_stacktop[-1]. */
static int
ops38_gen_awaiting(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf)
{
    uint64_t stacktop = 0, code = 0;
    int64_t lasti = -1;
    int rc;

    (void)gen;
    *yf = 0;
    if ((rc = py_read_ptr(c, frame, PYF_FO_STACKTOP, &stacktop)) < 0 || !stacktop ||
        (rc = py_read_int(c, frame, PYF_FO_LASTI, &lasti)) < 0 || lasti < 0 ||
        (rc = py_read_ptr(c, frame, PYF_FO_CODE, &code)) < 0)
        return rc;
    if (!ops38_at_yield_from(c, code, lasti + 2))
        return 0;
    return source_read_ptr(c->src, stacktop - 8, yf);
}

/* 3.10: code[(f_lasti + 1) * 2] == YIELD_FROM, then f_valuestack[f_stackdepth - 1]. */
static int
ops310_gen_awaiting(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf)
{
    uint64_t stack = 0, code = 0;
    int64_t lasti = -1, depth = 0;
    int rc;

    (void)gen;
    *yf = 0;
    if ((rc = py_read_int(c, frame, PYF_FO_LASTI, &lasti)) < 0 || lasti < 0 ||
        (rc = py_read_ptr(c, frame, PYF_FO_CODE, &code)) < 0 ||
        (rc = py_read_ptr(c, frame, PYF_FO_VALUESTACK, &stack)) < 0 || !stack ||
        (rc = py_read_int(c, frame, PYF_FO_STACKDEPTH, &depth)) < 0)
        return rc;
    if (depth < 1 || depth > (1 << 20) || !ops38_at_yield_from(c, code, (lasti + 1) * 2))
        return 0;
    return source_read_ptr(c->src, stack + (uint64_t)(depth - 1) * 8, yf);
}

static uint64_t
ops38_frame_local_addr(struct py_ctx *c, uint64_t frame, unsigned i)
{
    return frame + layout_off(c->L, PYF_FO_LOCALSPLUS) + (uint64_t)i * 8;
}

static int
ops38_instance_dict(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
                    uint64_t *values)
{
    *values = 0;
    return py_instance_dict_offset(c, obj, type, dict);
}

#define OPS38_COMMON                                    \
    .thread_top_frame = ops38_thread_top_frame,         \
    .gil_addr = ops38_gil_addr,                         \
    .thread_native_id = ops38_thread_native_id,         \
    .gen_frame = ops38_gen_frame,                       \
    .frame_local_addr = ops38_frame_local_addr,         \
    .instance_dict = ops38_instance_dict,               \
    .tasks_discover = py_tasks_from_registries,         \
    .code_locals = py_code_locals_38

const struct py_ops py_ops_38 = {
    .family = "3.8",
    OPS38_COMMON,
    .frame_read = ops38_frame_read,
    .code_line = ops38_code_line,
    .gen_awaiting = ops38_gen_awaiting,
};

const struct py_ops py_ops_310 = {
    .family = "3.10",
    OPS38_COMMON,
    .frame_read = ops310_frame_read,
    .code_line = ops310_code_line,
    .gen_awaiting = ops310_gen_awaiting,
};
