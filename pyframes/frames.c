/*
 * frames.c - version-neutral frame walking through py_ops, and the per-snapshot
 * code-object cache.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"

static size_t
py_code_hash(uint64_t addr, size_t cap)
{
    return (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ull) & (cap - 1);
}

static void
py_code_cache_put(struct py_ctx *c, struct py_code *co)
{
    size_t i;

    if ((c->ncodes + 1) * 2 > c->cap_codes) {
        struct py_code_slot *old = c->codes;
        size_t oldcap = c->cap_codes, j;

        c->cap_codes = oldcap ? oldcap * 2 : 256;
        c->codes = xcalloc(c->cap_codes, sizeof(*c->codes));
        c->ncodes = 0;
        for (j = 0; j < oldcap; j++) {
            if (old[j].co)
                py_code_cache_put(c, old[j].co);
        }
        free(old);
    }
    for (i = py_code_hash(co->addr, c->cap_codes); c->codes[i].co;
         i = (i + 1) & (c->cap_codes - 1))
        ;
    c->codes[i].addr = co->addr;
    c->codes[i].co = co;
    c->ncodes++;
}

static struct py_code *
py_code_cache_get(struct py_ctx *c, uint64_t addr)
{
    size_t i;

    if (!c->cap_codes)
        return NULL;
    for (i = py_code_hash(addr, c->cap_codes); c->codes[i].co; i = (i + 1) & (c->cap_codes - 1)) {
        if (c->codes[i].addr == addr)
            return c->codes[i].co;
    }
    return NULL;
}

/* Whether the object at addr is a code object, by its type's name. */
bool
py_is_code(struct py_ctx *c, uint64_t addr)
{
    uint64_t type, name;
    char buf[8];

    if (py_read_ptr(c, addr, PYF_OB_TYPE, &type) < 0 ||
        py_read_ptr(c, type, PYF_TP_NAME, &name) < 0 ||
        source_read_cstr(c->src, name, buf, sizeof(buf)) < 0)
        return false;
    return strcmp(buf, "code") == 0;
}

const struct py_code *
py_code_get(struct py_ctx *c, uint64_t addr)
{
    struct py_code *co = py_code_cache_get(c, addr);
    unsigned char buf[512];
    uint32_t size = layout_off(c->L, PYF_CODE);
    uint64_t p;

    if (co)
        return co->ok ? co : NULL;
    co = arena_alloc(&c->snap->arena, sizeof(*co));
    co->addr = addr;
    if (c->ncodes < MAX_CODE_CACHE)
        py_code_cache_put(c, co);
    if (!layout_has(c->L, PYF_CODE) || size > sizeof(buf) || size < 64)
        return NULL;
    if (source_read(c->src, addr, buf, size) < 0 || !py_is_code(c, addr))
        return NULL;
    p = py_buf_ptr(c, buf, size, PYF_CO_NAME);
    if (py_read_str(c, p, MAX_NAME_BYTES, &co->name, NULL) < 0)
        return NULL;
    p = py_buf_ptr(c, buf, size, PYF_CO_FILENAME);
    if (py_read_str(c, p, MAX_NAME_BYTES, &co->filename, NULL) < 0)
        return NULL;
    if (layout_has(c->L, PYF_CO_QUALNAME)) {
        p = py_buf_ptr(c, buf, size, PYF_CO_QUALNAME);
        if (py_read_str(c, p, MAX_NAME_BYTES, &co->qualname, NULL) < 0)
            co->qualname.s = NULL;
    }
    co->firstlineno = (int)py_buf_int(c, buf, size, PYF_CO_FIRSTLINENO);
    p = py_buf_ptr(c, buf, size, PYF_CO_LINETABLE);
    if (p && py_read_bytes(c, p, MAX_LINETABLE, &co->linetable, &co->linetable_len) < 0) {
        co->linetable = NULL;
        co->linetable_len = 0;
    }
    co->ok = true;
    return co;
}

bool
py_code_is(const struct py_code *co, const char *name, const char *file_suffix)
{
    size_t n = strlen(file_suffix);

    return co->name.s && strcmp(co->name.s, name) == 0 && co->filename.s &&
           co->filename.len >= n && memcmp(co->filename.s + co->filename.len - n, file_suffix,
                                           n) == 0;
}

/*
 * Lines by (code object, offset), remembered: a flood of tasks suspended at
 * the same few places would otherwise decode the same line tables again and
 * again while the target is stopped.
 */
#define LINE_MEMO 4096

struct py_line_memo {
    const struct py_code *co;
    int64_t lasti;
    int line;
};

static int
py_code_line(struct py_ctx *c, const struct py_code *co, int64_t lasti_bytes)
{
    uint64_t h = (co->addr >> 4) ^ ((uint64_t)lasti_bytes * 0x9e3779b97f4a7c15ull);
    struct py_line_memo *m;

    if (!c->lines)
        c->lines = xcalloc(LINE_MEMO, sizeof(*c->lines));
    m = &c->lines[(h ^ (h >> 29)) % LINE_MEMO];
    if (m->co != co || m->lasti != lasti_bytes) {
        m->co = co;
        m->lasti = lasti_bytes;
        m->line = c->ops->code_line(co, lasti_bytes);
    }
    return m->line;
}

void
py_frame_emit(struct py_ctx *c, const struct py_code *co, int64_t lasti_bytes)
{
    struct snap_frame *f = snap_frame_add(c->snap);

    f->kind = SNAP_FRAME_PYTHON;
    f->function = co->name;
    f->qualname = co->qualname;
    f->file = co->filename;
    f->line = py_code_line(c, co, lasti_bytes);
}

/*
 * A thread running an event loop has BaseEventLoop.run_forever on its stack;
 * its `self` tells which loop (and so which tasks) belong to that thread.
 */
static void
py_frames_note_loop(struct py_ctx *c, const struct py_code *co, uint64_t frame)
{
    uint64_t loop = 0;

    if (!c->cur_tid || !py_code_is(co, "run_forever", "asyncio/base_events.py"))
        return;
    if (source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, 0), &loop) < 0 || !loop)
        return;
    py_note_loop_thread(c, loop & ~c->ops->slot_tag_mask, c->cur_tid);
}

void
py_note_loop_thread(struct py_ctx *c, uint64_t loop, long tid)
{
    size_t i;

    if (!loop || tid <= 0)
        return;
    for (i = 0; i < c->nloops; i++)
        if (c->loop_tids[2 * i] == loop)
            return;
    if (c->nloops >= MAX_LOOPS)
        return;
    xgrow((void **)&c->loop_tids, &c->cap_loops, 2 * (c->nloops + 1), sizeof(*c->loop_tids));
    c->loop_tids[2 * c->nloops] = loop;
    c->loop_tids[2 * c->nloops + 1] = (uint64_t)tid;
    c->nloops++;
}

size_t
py_frames_walk(struct py_ctx *c, uint64_t frame, bool *truncated)
{
    size_t n = 0, steps = 0, first = c->snap->nframes, power = 1, lam = 0;
    uint64_t tortoise = 0;

    *truncated = false;
    c->frames_looped = false;
    while (frame) {
        struct py_frame pf;
        const struct py_code *co;

        if (steps++ >= MAX_FRAMES) {
            *truncated = true;
            break;
        }
        /* Brent: a chain that comes back to a frame it passed loops, however long the loop */
        if (frame == tortoise) {
            c->frames_looped = true;
            break;
        }
        if (++lam == power) {
            tortoise = frame;
            power *= 2;
            lam = 0;
        }
        if (c->ops->frame_read(c, frame, &pf) < 0)
            break;
        if (pf.boundary && n)
            c->snap->frames[first + n - 1].py_entry = true;
        if (!pf.skip) {
            co = py_code_get(c, pf.code);
            if (co) {
                py_frame_emit(c, co, pf.lasti_bytes);
                py_frame_locals(c, co, frame);
                c->snap->frames[first + n].py_entry = pf.entry;
                n++;
                py_frames_note_loop(c, co, frame);
            }
        }
        frame = pf.previous;
    }
    /* the outermost Python frame was always entered from C */
    if (n)
        c->snap->frames[first + n - 1].py_entry = true;
    return n;
}
