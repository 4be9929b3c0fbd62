/*
 * reason.c - why a task ended, in one line of display text (reason.h).
 */
#include "reason.h"

#include <stdio.h>
#include <string.h>

#include "textbuf.h"

static bool
rb_is(struct snap_str v, const char *s)
{
    return v.s && v.len == strlen(s) && memcmp(v.s, s, v.len) == 0;
}

/* " at file.py:41" from the innermost frame of a traceback; nothing without one. */
static void
rb_where(struct textbuf *b, const struct snap *s, struct snap_frames fs)
{
    const struct snap_frame *fr;
    struct snap_str base;
    const char *slash;
    char line[24];

    if (!fs.count || fs.first >= s->nframes)
        return;
    fr = &s->frames[fs.first];
    base = fr->file;
    if (base.s && (slash = memrchr(base.s, '/', base.len)) != NULL) {
        base.len -= (size_t)(slash + 1 - base.s);
        base.s = slash + 1;
    }
    textbuf_raw(b, " at ");
    textbuf_str(b, base, 0);
    if (fr->line > 0) {
        snprintf(line, sizeof(line), ":%d", fr->line);
        textbuf_raw(b, line);
    }
}

size_t
snap_exc_type_text(const struct snap_exc *e, char *buf, size_t size)
{
    struct textbuf b = { buf, size, 0 };

    if (size)
        buf[0] = '\0';
    if (e->module.s && !rb_is(e->module, "builtins") && !rb_is(e->module, "__main__")) {
        textbuf_str(&b, e->module, 0);
        textbuf_raw(&b, ".");
    }
    textbuf_str(&b, e->type, 0);
    return b.n;
}

size_t
snap_task_reason(const struct snap *s, const struct snap_task *t, char *buf, size_t size)
{
    struct textbuf b = { buf, size, 0 };

    if (size)
        buf[0] = '\0';
    if (t->exception) {
        const struct snap_exc *e = t->exception;

        b.n = snap_exc_type_text(e, buf, size);
        if (e->message.s && e->message.len) {
            textbuf_raw(&b, ": ");
            textbuf_str(&b, e->message, REASON_MAX_MESSAGE);
        }
        rb_where(&b, s, e->traceback);
        if (!e->retrieved)
            textbuf_raw(&b, " (never retrieved)");
    } else if (t->cancelled) {
        textbuf_raw(&b, "cancelled");
        if (t->cancelled->message.s) {
            textbuf_raw(&b, " (\"");
            textbuf_str(&b, t->cancelled->message, REASON_MAX_MESSAGE);
            textbuf_raw(&b, "\")");
        }
        rb_where(&b, s, t->cancelled->traceback);
    }
    return b.n;
}
