/*
 * json_base.c - the JSON writer's buffer and its pieces (json_base.h).
 */
#include "json_base.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../snapshot/tree.h"


void
jw_flush(struct jw *w)
{
    if (w->n)
        fwrite(w->buf, 1, w->n, w->f);
    w->n = 0;
}

void
jw_write(struct jw *w, const char *p, size_t n)
{
    if (n > sizeof(w->buf) - w->n) {
        jw_flush(w);
        if (n > sizeof(w->buf)) {
            fwrite(p, 1, n, w->f);
            return;
        }
    }
    memcpy(w->buf + w->n, p, n);
    w->n += n;
}

void
jw_puts(struct jw *w, const char *s)
{
    jw_write(w, s, strlen(s));
}

void
jw_putc(struct jw *w, char c)
{
    if (w->n == sizeof(w->buf))
        jw_flush(w);
    w->buf[w->n++] = c;
}

void
jw_printf(struct jw *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        jw_write(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void
jw_sink(void *arg, const char *p, size_t n)
{
    jw_write(arg, p, n);
}

void
jw_escape(struct jw *w, const char *s, size_t len, size_t cap)
{
    escape_json_sink(jw_sink, w, s, len, cap);
}

void
json_str(struct jw *f, struct snap_str v)
{
    if (v.s)
        jw_escape(f, v.s, v.len, 0);
    else
        jw_puts(f, "null");
}

void
json_cstr(struct jw *f, const char *c)
{
    if (c)
        jw_escape(f, c, strlen(c), 0);
    else
        jw_puts(f, "null");
}

/*
 * Numbers are formatted here rather than by fprintf: a 10,000-task snapshot
 * writes some 100,000 of them, and printf's parser was a third of the time.
 */
void
json_hex(struct jw *f, uint64_t v, bool zero_is_null)
{
    char b[24], *p = b + sizeof(b);

    if (zero_is_null && v == 0) {
        jw_puts(f, "null");
        return;
    }
    *--p = '"';
    do {
        *--p = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    jw_write(f, p, (size_t)(b + sizeof(b) - p));
}

void
json_int(struct jw *f, int64_t v)
{
    char b[24], *p = b + sizeof(b);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    jw_write(f, p, (size_t)(b + sizeof(b) - p));
}

const char *
json_bool(bool b)
{
    return b ? "true" : "false";
}

/* --locals: a Python frame's arguments and locals. */
void
json_locals(struct jw *f, const struct snap *s, const struct snap_frame *fr)
{
    size_t i;

    jw_puts(f, ", \"locals\": [");
    for (i = 0; i < fr->local_count && fr->local_first + i < s->nlocals; i++) {
        const struct snap_local *l = &s->locals[fr->local_first + i];

        jw_puts(f, i ? ", {\"name\": " : "{\"name\": ");
        json_str(f, l->name);
        jw_puts(f, ", \"kind\": ");
        json_cstr(f, snap_local_kind_name(l->kind));
        jw_puts(f, ", \"type\": ");
        json_str(f, l->type);
        jw_puts(f, ", \"value\": ");
        json_str(f, l->value);
        jw_putc(f, '}');
    }
    jw_putc(f, ']');
}

void
json_frame(struct jw *f, const struct snap *s, const struct snap_frame *fr)
{
    jw_puts(f, "{\"function\": ");
    json_str(f, fr->function);
    jw_puts(f, ", \"qualname\": ");
    json_str(f, fr->qualname);
    jw_puts(f, ", \"file\": ");
    json_str(f, fr->file);
    jw_puts(f, ", \"line\": ");
    json_int(f, fr->line);
    if (fr->kind == SNAP_FRAME_NATIVE) {
        jw_puts(f, ", \"kind\": \"native\", \"symbol\": ");
        json_str(f, fr->function);
        jw_puts(f, ", \"module\": ");
        json_str(f, fr->module);
        jw_printf(f, ", \"offset\": %" PRIu64 ", \"pc\": ", fr->offset);
        json_hex(f, fr->pc, false);
    } else if (s->flags & SNAP_F_LOCALS) {
        json_locals(f, s, fr);
    }
    jw_putc(f, '}');
}

/* A stack, innermost first. */
void
json_frames(struct jw *f, const struct snap *s, size_t first, size_t count, const char *indent)
{
    const struct snap_frame *fr = tree_frames(s, first, count, &count);
    size_t i;

    if (count == 0) {
        jw_puts(f, "[]");
        return;
    }
    jw_puts(f, "[\n");
    for (i = 0; i < count; i++) {
        jw_puts(f, indent);
        jw_puts(f, "  ");
        json_frame(f, s, &fr[i]);
        jw_puts(f, i + 1 < count ? ",\n" : "\n");
    }
    jw_printf(f, "%s]", indent);
}

/* The ids at the far end of edge list list[first..end) of the graph. */
void
json_ids(struct jw *f, const struct snap *s, const size_t *list, size_t first, size_t end,
         bool awaited_end)
{
    size_t i;

    jw_putc(f, '[');
    for (i = first; i < end; i++) {
        const struct snap_edge *e = &s->edges[list[i]];

        if (i > first)
            jw_puts(f, ", ");
        json_hex(f, s->tasks[awaited_end ? e->awaited : e->waiter].addr, false);
    }
    jw_putc(f, ']');
}

/* A done task's exception (and its __cause__ chain), or null. */
void
json_exc(struct jw *f, const struct snap *s, const struct snap_exc *e, int depth)
{
    if (!e || depth > SNAP_MAX_CAUSES) {
        jw_puts(f, "null");
        return;
    }
    jw_puts(f, "{\"type\": ");
    json_str(f, e->type);
    jw_puts(f, ", \"module\": ");
    json_str(f, e->module);
    jw_puts(f, ", \"message\": ");
    json_str(f, e->message);
    jw_puts(f, ", \"traceback\": ");
    json_frames(f, s, e->traceback.first, e->traceback.count, "      ");
    jw_puts(f, ", \"retrieved\": ");
    jw_puts(f, json_bool(e->retrieved));
    jw_puts(f, ", \"cause\": ");
    json_exc(f, s, e->cause, depth + 1);
    jw_putc(f, '}');
}

