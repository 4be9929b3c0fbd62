#include "escape.h"

#include <stdbool.h>
#include <string.h>

/*
 * One output sink for both the FILE and the buffer variants.  Output is
 * produced in whole units (one input character or one escape), so a buffer
 * is never cut inside a UTF-8 sequence or an escape.  `mark` is the last
 * unit boundary that still leaves room for "…" before the NUL.
 */
struct esc_out {
    FILE *f;            /* borrowed; NULL for the buffer and sink variants */
    escape_sink sink;   /* the sink variant: where output goes, with sink_arg */
    void *sink_arg;
    char *buf;          /* borrowed */
    size_t size, used, mark;
    bool full;
};

static const char esc_ellipsis[] = "\xe2\x80\xa6";     /* U+2026 */
static const char esc_fffd[] = "\xef\xbf\xbd";         /* U+FFFD */
static const char esc_hex[] = "0123456789abcdef";

static void
esc_put(struct esc_out *o, const char *p, size_t n)
{
    size_t room;

    if (o->sink) {
        o->sink(o->sink_arg, p, n);
        return;
    }
    if (o->f) {
        if (n == 1)
            putc(*p, o->f);
        else
            fwrite(p, 1, n, o->f);
        return;
    }
    if (o->full || o->size == 0)
        return;
    room = o->size - 1;
    if (n > room - o->used) {
        /* Overflow: fall back to the last boundary that fits "…". */
        if (room >= 3) {
            o->used = o->mark;
            memcpy(o->buf + o->used, esc_ellipsis, 3);
            o->used += 3;
        }
        o->full = true;
        return;
    }
    memcpy(o->buf + o->used, p, n);
    o->used += n;
    if (o->used + 3 <= room)
        o->mark = o->used;
}

size_t
escape_utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c, lo = 0x80, hi = 0xbf;
    size_t n, i;

    if (len == 0)
        return 0;
    c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;          /* overlong */
        else if (c == 0xed)
            hi = 0x9f;          /* UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;          /* overlong */
        else if (c == 0xf4)
            hi = 0x8f;          /* above U+10FFFF */
    } else {
        return 0;               /* continuation byte, 0xc0, 0xc1, 0xf5..0xff */
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

/* The code point of a valid sequence of length n (as checked by escape_utf8_seq). */
static unsigned
esc_code_point(const unsigned char *s, size_t n)
{
    switch (n) {
    case 1: return s[0];
    case 2: return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
    case 3: return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
    default:
        return (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 |
               (s[3] & 0x3fu);
    }
}

/* One escape unit: text "\xNN" or JSON "\uNNNN". */
static void
esc_put_code(struct esc_out *o, unsigned cp, bool json)
{
    char e[6];

    if (json || cp > 0xff) {
        e[0] = '\\';
        e[1] = 'u';
        e[2] = esc_hex[(cp >> 12) & 0xf];
        e[3] = esc_hex[(cp >> 8) & 0xf];
        e[4] = esc_hex[(cp >> 4) & 0xf];
        e[5] = esc_hex[cp & 0xf];
        esc_put(o, e, 6);
    } else {
        e[0] = '\\';
        e[1] = 'x';
        e[2] = esc_hex[(cp >> 4) & 0xf];
        e[3] = esc_hex[cp & 0xf];
        esc_put(o, e, 4);
    }
}

/* Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks). */
static bool
esc_is_bidi(unsigned cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* The JSON short escape of an ASCII byte, or 0 when it has none. */
static char
esc_json_short(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

/*
 * The common loop.  cap counts input bytes (0 = none); a character that
 * would cross it is dropped whole and "…" is appended.
 */
static void
esc_run(struct esc_out *o, const char *str, size_t len, size_t cap, bool json)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n;
    unsigned cp;
    char sh[2];

    if (cap == 0 || cap > len)
        cap = len;
    while (i < len) {
        /*
         * Fast path to a FILE or sink: a run of printable ASCII that needs no escape
         * goes out in one piece (a buffer needs the unit-by-unit boundaries).
         */
        n = 0;
        while ((o->f || o->sink) && i + n < cap && s[i + n] >= 0x20 && s[i + n] < 0x7f &&
               !(json && (s[i + n] == '"' || s[i + n] == '\\')))
            n++;
        if (n) {
            esc_put(o, (const char *)s + i, n);
            i += n;
            continue;
        }
        n = escape_utf8_seq(s + i, len - i);
        if (i + (n ? n : 1) > cap)
            break;
        if (n == 0) {
            esc_put(o, esc_fffd, 3);
            i++;
            continue;
        }
        cp = esc_code_point(s + i, n);
        if (json && cp < 0x80 && (sh[1] = esc_json_short((unsigned char)cp)) != 0) {
            sh[0] = '\\';
            esc_put(o, sh, 2);
        } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            esc_put_code(o, cp, json);
        } else if (!json && esc_is_bidi(cp)) {
            /* bidirectional overrides would reorder what the terminal shows ("Trojan Source") */
            esc_put_code(o, cp, false);
        } else if (json && (cp == 0x2028 || cp == 0x2029)) {
            /* Valid JSON, but not valid JavaScript source. */
            esc_put_code(o, cp, true);
        } else {
            esc_put(o, (const char *)s + i, n);
        }
        i += n;
    }
    if (i < len)
        esc_put(o, esc_ellipsis, 3);
}

void
escape_text(FILE *f, const char *s, size_t len, size_t cap)
{
    struct esc_out o = { .f = f };

    esc_run(&o, s, len, cap ? cap : ESCAPE_MAX_TEXT, false);
}

size_t
escape_text_buf(char *dst, size_t size, const char *s, size_t len, size_t cap)
{
    struct esc_out o = { .buf = dst, .size = size };

    if (size == 0)
        return 0;
    esc_run(&o, s, len, cap ? cap : ESCAPE_MAX_TEXT, false);
    dst[o.used] = '\0';
    return o.used;
}

void
escape_json(FILE *f, const char *s, size_t len, size_t cap)
{
    struct esc_out o = { .f = f };

    putc('"', f);
    esc_run(&o, s, len, cap, true);
    putc('"', f);
}

void
escape_json_sink(escape_sink put, void *arg, const char *s, size_t len, size_t cap)
{
    struct esc_out o = { .sink = put, .sink_arg = arg };

    put(arg, "\"", 1);
    esc_run(&o, s, len, cap, true);
    put(arg, "\"", 1);
}
