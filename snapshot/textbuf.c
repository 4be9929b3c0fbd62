/*
 * textbuf.c - a line of display text in a caller's buffer (textbuf.h).
 */
#include "textbuf.h"

#include <string.h>

#include "../common/escape.h"

void
textbuf_raw(struct textbuf *b, const char *s)
{
    size_t l = strlen(s);

    if (b->n + 1 >= b->size)
        return;
    if (l > b->size - 1 - b->n)
        l = b->size - 1 - b->n;
    memcpy(b->buf + b->n, s, l);
    b->n += l;
    b->buf[b->n] = '\0';
}

void
textbuf_str(struct textbuf *b, struct snap_str v, size_t cap)
{
    if (!v.s) {
        textbuf_raw(b, "?");
        return;
    }
    if (b->n + 1 >= b->size)
        return;
    b->n += escape_text_buf(b->buf + b->n, b->size - b->n, v.s, v.len, cap);
}
