/*
 * textbuf.h - a line of display text built into a caller's buffer, always
 * NUL-terminated and cut when full; target strings escaped on the way in
 * (common/escape.h).  For reason.c and track.c.
 */
#ifndef AIO_SNAPSHOT_TEXTBUF_H
#define AIO_SNAPSHOT_TEXTBUF_H

#include <stddef.h>

#include "snapshot.h"

struct textbuf {
    char *buf;
    size_t size, n;
};

/* Our own text, as it is. */
void textbuf_raw(struct textbuf *b, const char *s);

/* A target string, escaped and cut after cap characters (0: no cap); "?" when null. */
void textbuf_str(struct textbuf *b, struct snap_str v, size_t cap);

#endif
