/*
 * objects.c - bounded readers of Python objects in the target: str, bytes,
 * and typed field access through the layout.  Every reader rejects an
 * inconsistent object instead of following it.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"

/* PyASCIIObject.state bit positions (stable 3.8 .. 3.14 on little-endian ABIs). */
#define STR_KIND_SHIFT 2
#define STR_KIND_MASK 0x7u
#define STR_COMPACT_BIT 5
#define STR_ASCII_BIT 6

void
py_ctx_init(struct py_ctx *c, struct source *src, const struct layout *L,
            const struct py_ops *ops, struct snap *snap)
{
    memset(c, 0, sizeof(*c));
    c->src = src;
    c->L = L;
    c->ops = ops;
    c->snap = snap;
    c->pthread_tid_off = -1;
}

void
py_ctx_done(struct py_ctx *c)
{
    free(c->codes);
    free(c->types);
    free(c->lines);
    free(c->loop_tids);
    source_tp_memo_free(&c->tps);
    c->codes = NULL;
    c->types = NULL;
    c->lines = NULL;
    c->loop_tids = NULL;
    c->ncodes = c->cap_codes = 0;
    c->nloops = c->cap_loops = 0;
}

static int
py_field_check(const struct py_ctx *c, enum py_field f)
{
    if (!layout_has(c->L, f))
        return err_set(AIO_E_LAYOUT, "layout field %s is missing", layout_descs[f].name);
    return 0;
}

int
py_read_ptr(struct py_ctx *c, uint64_t base, enum py_field f, uint64_t *out)
{
    int rc = py_field_check(c, f);

    if (rc < 0)
        return rc;
    return source_read_ptr(c->src, base + layout_off(c->L, f), out);
}

static int64_t
py_int_from(const unsigned char *p, uint32_t size, const struct layout_field *lf)
{
    int64_t v = 0;

    switch (size) {
    case 1: { int8_t x; memcpy(&x, p, 1); v = x; break; }
    case 2: { int16_t x; memcpy(&x, p, 2); v = x; break; }
    case 4: { int32_t x; memcpy(&x, p, 4); v = x; break; }
    default: memcpy(&v, p, 8); break;
    }
    if (lf->bit_size) {
        uint64_t u = (uint64_t)v >> lf->bit_off;

        if (lf->bit_size < 64)
            u &= ((uint64_t)1 << lf->bit_size) - 1;
        v = (int64_t)u;
    }
    return v;
}

int
py_read_int(struct py_ctx *c, uint64_t base, enum py_field f, int64_t *out)
{
    const struct layout_field *lf = &c->L->f[f];
    unsigned char buf[8];
    uint32_t size = lf->size && lf->size <= 8 ? lf->size : 8;
    int rc = py_field_check(c, f);

    if (rc < 0)
        return rc;
    rc = source_read(c->src, base + lf->off, buf, size);
    if (rc < 0)
        return rc;
    *out = py_int_from(buf, size, lf);
    return 0;
}

uint64_t
py_buf_ptr(const struct py_ctx *c, const void *buf, size_t buflen, enum py_field f)
{
    uint64_t v = 0;
    uint64_t off = layout_off(c->L, f);

    if (!layout_has(c->L, f) || off + 8 > buflen)
        return 0;
    memcpy(&v, (const unsigned char *)buf + off, 8);
    return v;
}

int64_t
py_buf_int(const struct py_ctx *c, const void *buf, size_t buflen, enum py_field f)
{
    const struct layout_field *lf = &c->L->f[f];
    uint32_t size = lf->size && lf->size <= 8 ? lf->size : 8;

    if (!lf->present || lf->off + size > buflen)
        return 0;
    return py_int_from((const unsigned char *)buf + lf->off, size, lf);
}

/* Append code point cp as (WTF-)UTF-8. */
static size_t
py_utf8_put(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xc0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xe0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp > 0x10ffff)
        cp = 0xfffd;
    if (cp < 0x10000)
        return py_utf8_put(dst, cp);
    dst[0] = (char)(0xf0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    dst[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int
py_read_str(struct py_ctx *c, uint64_t obj, size_t max_chars, struct snap_str *out,
            bool *truncated)
{
    const struct layout *L = c->L;
    unsigned char hdr[128];
    uint64_t hlen = layout_off(L, PYF_COMPACT);
    int64_t length;
    uint32_t state, kind;
    uint64_t data;
    size_t n, i, o = 0, nbytes;
    unsigned char *raw;
    char *utf8;
    int rc;

    if (truncated)
        *truncated = false;
    out->s = NULL;
    out->len = 0;
    if (!layout_has(L, PYF_ASCII) || !layout_has(L, PYF_COMPACT) || hlen > sizeof(hdr) ||
        !layout_has(L, PYF_STR_LENGTH) || !layout_has(L, PYF_STR_STATE) ||
        layout_off(L, PYF_ASCII) > sizeof(hdr) ||
        layout_off(L, PYF_STR_STATE) + 4 > layout_off(L, PYF_ASCII))
        return err_set(AIO_E_LAYOUT, "layout of str objects is missing");
    if (obj == 0)
        return -AIO_E_FAULT;
    rc = source_read(c->src, obj, hdr, layout_off(L, PYF_ASCII));
    if (rc < 0)
        return rc;
    length = py_buf_int(c, hdr, sizeof(hdr), PYF_STR_LENGTH);
    memcpy(&state, hdr + layout_off(L, PYF_STR_STATE), 4);
    kind = (state >> STR_KIND_SHIFT) & STR_KIND_MASK;
    if (length < 0 || !(state & (1u << STR_COMPACT_BIT)) ||
        (kind != 1 && kind != 2 && kind != 4))
        return -AIO_E_CORRUPT;
    if (state & (1u << STR_ASCII_BIT)) {
        if (kind != 1)
            return -AIO_E_CORRUPT;
        data = obj + layout_off(L, PYF_ASCII);
    } else {
        data = obj + layout_off(L, PYF_COMPACT);
    }
    n = (size_t)length;
    if (n > max_chars) {
        n = max_chars;
        if (truncated)
            *truncated = true;
    }
    if (n > MAX_STR_BYTES)
        n = MAX_STR_BYTES;
    nbytes = n * kind;
    raw = xmalloc(nbytes + 1);
    rc = source_read(c->src, data, raw, nbytes);
    if (rc < 0) {
        free(raw);
        return rc;
    }
    if (kind == 1 && (state & (1u << STR_ASCII_BIT))) {
        *out = snap_str_from(c->snap, (const char *)raw, n);
        free(raw);
        return 0;
    }
    utf8 = xmalloc(n * 4 + 1);
    for (i = 0; i < n; i++) {
        uint32_t cp;

        if (kind == 1) {
            cp = raw[i];
        } else if (kind == 2) {
            uint16_t v;

            memcpy(&v, raw + 2 * i, 2);
            cp = v;
        } else {
            memcpy(&cp, raw + 4 * i, 4);
        }
        o += py_utf8_put(utf8 + o, cp);
    }
    *out = snap_str_from(c->snap, utf8, o);
    free(utf8);
    free(raw);
    return 0;
}

int
py_read_bytes(struct py_ctx *c, uint64_t obj, size_t max, const uint8_t **data, size_t *len)
{
    int64_t size;
    char *buf;
    int rc;

    *data = NULL;
    *len = 0;
    if (!layout_has(c->L, PYF_BYTES_SVAL) || !layout_has(c->L, PYF_OB_SIZE))
        return err_set(AIO_E_LAYOUT, "layout of bytes objects is missing");
    rc = py_read_int(c, obj, PYF_OB_SIZE, &size);
    if (rc < 0)
        return rc;
    if (size < 0 || (uint64_t)size > max)
        return -AIO_E_CORRUPT;
    buf = arena_alloc(&c->snap->arena, (size_t)size + 1);
    rc = source_read(c->src, obj + layout_off(c->L, PYF_BYTES_SVAL), buf, (size_t)size);
    if (rc < 0)
        return rc;
    *data = (const uint8_t *)buf;
    *len = (size_t)size;
    return 0;
}
