/*
 * json_base.h - the JSON writer's buffer and its pieces (strings, ids,
 * frames, exceptions), shared by the snapshot's sections (json.c) and the
 * tracker's (json_track.c).  Internal to view/.
 */
#ifndef AIO_VIEW_JSON_BASE_H
#define AIO_VIEW_JSON_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../snapshot/snapshot.h"

/*
 * The writer's own output buffer: a 10,000-task snapshot is some 400,000
 * small pieces, and stdio's per-call cost was most of the time spent here.
 */
struct jw {
    FILE *f;                    /* borrowed */
    size_t n;
    char buf[1 << 16];
};

void jw_flush(struct jw *w);
void jw_write(struct jw *w, const char *p, size_t n);
void jw_puts(struct jw *w, const char *s);
void jw_putc(struct jw *w, char c);
void jw_printf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jw_sink(void *arg, const char *p, size_t n);
void jw_escape(struct jw *w, const char *s, size_t len, size_t cap);
void json_str(struct jw *f, struct snap_str v);
void json_cstr(struct jw *f, const char *c);
void json_hex(struct jw *f, uint64_t v, bool zero_is_null);
void json_int(struct jw *f, int64_t v);
const char *json_bool(bool b);
void json_locals(struct jw *f, const struct snap *s, const struct snap_frame *fr);
void json_frame(struct jw *f, const struct snap *s, const struct snap_frame *fr);
void json_frames(struct jw *f, const struct snap *s, size_t first, size_t count,
                 const char *indent);
void json_ids(struct jw *f, const struct snap *s, const size_t *list, size_t first, size_t end,
              bool awaited_end);
void json_exc(struct jw *f, const struct snap *s, const struct snap_exc *e, int depth);

#endif
