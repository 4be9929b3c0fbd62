/*
 * repr.c - safe renderings of target objects (--locals, exception messages):
 * what Python's repr() gives for the simple types, computed from memory only.
 * A value is never trusted: lengths are capped before anything is read, and
 * whatever does not look like its type is rendered as "<Type at 0x…>".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "pyint.h"

/* A growing output buffer in the snapshot's arena: small, bounded renderings. */
struct rbuf {
    char s[PY_REPR_MAX_CHARS * 12 + 64];    /* every char escaped as \UXXXXXXXX, plus quotes */
    size_t n;
};

static void
rb_put(struct rbuf *b, const char *p, size_t n)
{
    if (n > sizeof(b->s) - 1 - b->n)
        n = sizeof(b->s) - 1 - b->n;
    memcpy(b->s + b->n, p, n);
    b->n += n;
}

static void
rb_printf(struct rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rb_printf(struct rbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        rb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static struct snap_str
rb_done(struct py_ctx *c, const struct rbuf *b)
{
    return snap_str_from(c->snap, b->s, b->n);
}

/*
 * Code points Python's str.isprintable() rejects, as far as a table this
 * size can tell: controls, format characters, separators other than the
 * space, surrogates and private use.  (Unassigned code points are kept.)
 */
static bool
repr_unprintable(uint32_t cp)
{
    static const uint32_t ranges[][2] = {
        { 0x00, 0x1f }, { 0x7f, 0xa0 }, { 0xad, 0xad }, { 0x600, 0x605 }, { 0x61c, 0x61c },
        { 0x6dd, 0x6dd }, { 0x70f, 0x70f }, { 0x1680, 0x1680 }, { 0x180e, 0x180e },
        { 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x2064 }, { 0x2066, 0x206f },
        { 0x3000, 0x3000 }, { 0xd800, 0xf8ff }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
        { 0x110bd, 0x110bd }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe007f },
        { 0xf0000, 0x10ffff },
    };
    size_t i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    }
    return false;
}

/* One code point from (W)TF-8 at p (n bytes left); *len its length; U+FFFD-like 0xfffd on garbage. */
static uint32_t
repr_decode(const unsigned char *p, size_t n, size_t *len)
{
    uint32_t cp;
    size_t k, need;

    if (p[0] < 0x80) {
        *len = 1;
        return p[0];
    }
    need = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : p[0] >= 0xc0 ? 1 : 0;
    cp = p[0] & (0x3fu >> need);
    if (need == 0 || need >= n) {
        *len = 1;
        return 0xfffd;
    }
    for (k = 1; k <= need; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            *len = 1;
            return 0xfffd;
        }
        cp = cp << 6 | (p[k] & 0x3f);
    }
    *len = need + 1;
    return cp;
}

/* The quote repr() chooses: ' unless the text has ' and no ". */
static char
repr_quote(const char *s, size_t n)
{
    return memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
}

static void
repr_escape_ascii(struct rbuf *b, unsigned ch, char quote)
{
    switch (ch) {
    case '\t': rb_put(b, "\\t", 2); return;
    case '\n': rb_put(b, "\\n", 2); return;
    case '\r': rb_put(b, "\\r", 2); return;
    case '\\': rb_put(b, "\\\\", 2); return;
    }
    if (ch == (unsigned char)quote) {
        rb_put(b, "\\", 1);
        rb_put(b, (const char *)&quote, 1);
    } else if (ch < 0x20 || ch == 0x7f) {
        rb_printf(b, "\\x%02x", ch);
    } else {
        char c1 = (char)ch;

        rb_put(b, &c1, 1);
    }
}

/* repr() of text (UTF-8, surrogates as WTF-8); cut: it was cut, end with "…" and no quote. */
static void
repr_text(struct rbuf *b, const char *s, size_t n, bool cut)
{
    char q = repr_quote(s, n);
    size_t i = 0, len;

    rb_put(b, &q, 1);
    while (i < n) {
        const unsigned char *p = (const unsigned char *)s + i;
        uint32_t cp = repr_decode(p, n - i, &len);

        if (cp < 0x80)
            repr_escape_ascii(b, cp, q);
        else if (!repr_unprintable(cp))
            rb_put(b, (const char *)p, len);
        else if (cp <= 0xff)
            rb_printf(b, "\\x%02x", (unsigned)cp);
        else if (cp <= 0xffff)
            rb_printf(b, "\\u%04x", (unsigned)cp);
        else
            rb_printf(b, "\\U%08x", (unsigned)cp);
        i += len;
    }
    if (cut)
        rb_put(b, "\xe2\x80\xa6", 3);
    else
        rb_put(b, &q, 1);
}

static int
repr_bytes(struct py_ctx *c, uint64_t obj, struct rbuf *b)
{
    unsigned char data[PY_REPR_MAX_CHARS];
    int64_t size;
    size_t n, i;
    char q;

    if (!layout_has(c->L, PYF_BYTES_SVAL) || py_read_int(c, obj, PYF_OB_SIZE, &size) < 0 ||
        size < 0)
        return -AIO_E_CORRUPT;
    n = (uint64_t)size < sizeof(data) ? (size_t)size : sizeof(data);
    if (source_read(c->src, obj + layout_off(c->L, PYF_BYTES_SVAL), data, n) < 0)
        return -AIO_E_FAULT;
    q = repr_quote((const char *)data, n);
    rb_put(b, "b", 1);
    rb_put(b, &q, 1);
    for (i = 0; i < n; i++) {
        if (data[i] >= 0x80)
            rb_printf(b, "\\x%02x", data[i]);
        else
            repr_escape_ascii(b, data[i], q);
    }
    if ((size_t)size > n)
        rb_put(b, "\xe2\x80\xa6", 3);
    else
        rb_put(b, &q, 1);
    return 0;
}

/* An int's decimal digits: the 30-bit digits divided by 10^9 until nothing is left. */
static int
repr_int(struct py_ctx *c, uint64_t obj, struct rbuf *b)
{
    enum { MAXD = 40 };         /* 1200 bits, ~361 decimal digits */
    uint32_t d[MAXD], chunks[MAXD * 2];
    size_t n, nchunks = 0, k, start;
    char dec[MAXD * 2 * 9 + 2];
    size_t dn = 0;
    bool neg;
    int rc = py_long_digits(c, obj, d, MAXD, &n, &neg);

    if (rc == -AIO_E_BOUND) {
        rb_printf(b, "<int of %s%zu bits>", neg ? "-" : "", n * 30);
        return 0;
    }
    if (rc < 0)
        return rc;
    while (n > 0) {
        uint64_t rem = 0;

        for (k = n; k > 0; k--) {
            uint64_t cur = rem << 30 | d[k - 1];

            d[k - 1] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        chunks[nchunks++] = (uint32_t)rem;
        while (n > 0 && d[n - 1] == 0)
            n--;
    }
    if (nchunks == 0)
        chunks[nchunks++] = 0;
    dn = (size_t)snprintf(dec, sizeof(dec), "%s%u", neg ? "-" : "", chunks[nchunks - 1]);
    for (k = nchunks - 1; k > 0; k--)
        dn += (size_t)snprintf(dec + dn, sizeof(dec) - dn, "%09u", chunks[k - 1]);
    start = 0;
    if (dn > PY_REPR_MAX_DIGITS) {
        rb_put(b, dec, PY_REPR_MAX_DIGITS);
        rb_put(b, "\xe2\x80\xa6", 3);
        return 0;
    }
    rb_put(b, dec + start, dn);
    return 0;
}

/* repr(float): the shortest digits that read back the same, placed as Python places them. */
static void
repr_double(struct rbuf *b, double v)
{
    char e[40], digits[24];
    int prec, exp, nd = 0, i;
    const char *p;

    if (isnan(v)) {
        rb_put(b, "nan", 3);
        return;
    }
    if (isinf(v)) {
        rb_put(b, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is "-d.ddde+XX": its digits and exponent */
    p = e;
    if (*p == '-') {
        rb_put(b, "-", 1);
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits) - 1)
            digits[nd++] = *p;
    }
    exp = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (exp < -4 || exp >= 16) {
        rb_put(b, digits, 1);
        if (nd > 1) {
            rb_put(b, ".", 1);
            rb_put(b, digits + 1, (size_t)nd - 1);
        }
        rb_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        rb_put(b, "0.", 2);
        for (i = -1; i > exp; i--)
            rb_put(b, "0", 1);
        rb_put(b, digits, (size_t)nd);
    } else {
        for (i = 0; i <= exp; i++)
            rb_put(b, i < nd ? &digits[i] : "0", 1);
        rb_put(b, ".", 1);
        if (nd > exp + 1)
            rb_put(b, digits + exp + 1, (size_t)(nd - exp - 1));
        else
            rb_put(b, "0", 1);
    }
}

static int
repr_float(struct py_ctx *c, uint64_t obj, struct rbuf *b)
{
    double v;

    if (!layout_has(c->L, PYF_FLOAT_VAL) ||
        source_read(c->src, obj + layout_off(c->L, PYF_FLOAT_VAL), &v, sizeof(v)) < 0)
        return -AIO_E_FAULT;
    repr_double(b, v);
    return 0;
}

/* len() of a container: ob_size for sequences and deques, the used count of dicts and sets. */
static int
repr_container(struct py_ctx *c, uint64_t obj, const char *tn, struct rbuf *b)
{
    enum py_field f = PYF_OB_SIZE;
    int64_t len;

    if (strcmp(tn, "dict") == 0)
        f = PYF_DICT_USED;
    else if (strcmp(tn, "set") == 0 || strcmp(tn, "frozenset") == 0)
        f = PYF_SET_USED;
    if (!layout_has(c->L, f) || py_read_int(c, obj, f, &len) < 0 || len < 0 ||
        len > (int64_t)1 << 40)
        return -AIO_E_CORRUPT;
    rb_printf(b, "<%s len=%lld>", tn, (long long)len);
    return 0;
}

static bool
repr_is_container(const char *tn)
{
    static const char *const names[] = { "list", "tuple", "dict", "set", "frozenset",
                                         "collections.deque" };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(tn, names[i]) == 0)
            return true;
    }
    return false;
}

static int
repr_str(struct py_ctx *c, uint64_t obj, struct rbuf *b, bool quoted)
{
    struct snap_str s;
    bool cut = false;
    int rc = py_read_str(c, obj, PY_REPR_MAX_CHARS, &s, &cut);

    if (rc < 0)
        return rc;
    if (quoted) {
        repr_text(b, s.s, s.len, cut);
    } else {
        rb_put(b, s.s, s.len);
        if (cut)
            rb_put(b, "\xe2\x80\xa6", 3);
    }
    return 0;
}

static int
repr_any(struct py_ctx *c, uint64_t obj, struct snap_str *type, struct snap_str *value,
         bool as_str)
{
    uint64_t tp = obj ? py_type_of(c, obj) : 0;
    const char *tn = tp ? py_type_name(c, tp) : "";
    struct rbuf b;
    int rc = 0;

    b.n = 0;
    if (!tn[0])
        return -AIO_E_CORRUPT;
    if (type)
        *type = snap_str_cstr(c->snap, tn);
    if (strcmp(tn, "NoneType") == 0) {
        rb_put(&b, "None", 4);
    } else if (strcmp(tn, "bool") == 0) {
        int64_t v;

        if (!py_long_value(c, obj, &v))
            rc = -AIO_E_CORRUPT;
        else
            rb_put(&b, v ? "True" : "False", v ? 4 : 5);
    } else if (strcmp(tn, "int") == 0) {
        rc = repr_int(c, obj, &b);
    } else if (strcmp(tn, "float") == 0) {
        rc = repr_float(c, obj, &b);
    } else if (strcmp(tn, "str") == 0) {
        rc = repr_str(c, obj, &b, !as_str);
    } else if (strcmp(tn, "bytes") == 0) {
        rc = repr_bytes(c, obj, &b);
    } else if (repr_is_container(tn)) {
        rc = repr_container(c, obj, strrchr(tn, '.') ? strrchr(tn, '.') + 1 : tn, &b);
    } else {
        rc = -AIO_E_CORRUPT;
    }
    if (rc < 0) {
        /* not what its type says, or any other type: name and address only */
        b.n = 0;
        rb_printf(&b, "<%s at 0x%llx>", tn, (unsigned long long)obj);
    }
    *value = rb_done(c, &b);
    return 0;
}

int
py_repr(struct py_ctx *c, uint64_t obj, struct snap_str *type, struct snap_str *value)
{
    return repr_any(c, obj, type, value, false);
}

int
py_str_of(struct py_ctx *c, uint64_t obj, struct snap_str *value)
{
    return repr_any(c, obj, NULL, value, true);
}
