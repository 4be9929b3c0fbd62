/*
 * write.c - the writer table (write.h) and the format-independent entry
 * points: snap_write dispatches through it, snap_write_path adds the one
 * atomic file writer.
 */
#include "write.h"

#include <errno.h>
#include <string.h>

#include "../common/err.h"

static const struct view_writer view_writers[SNAP_FMT__COUNT] = {
#define VIEW_X_ROW(ENUM, name) [SNAP_FMT_##ENUM] = { #name, snap_write_##name },
    VIEW_FORMATS(VIEW_X_ROW)
#undef VIEW_X_ROW
};

const struct view_writer *
view_writer(enum snap_format fmt)
{
    if ((unsigned)fmt >= SNAP_FMT__COUNT)
        fmt = SNAP_FMT_TEXT;
    return &view_writers[fmt];
}

int
view_format_find(const char *name)
{
    int i;

    for (i = 0; i < SNAP_FMT__COUNT; i++) {
        if (strcmp(view_writers[i].name, name) == 0)
            return i;
    }
    return -1;
}

void
view_format_names(char *buf, size_t size)
{
    size_t n = 0;
    int i, w;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (i = 0; i < SNAP_FMT__COUNT && n < size; i++) {
        w = snprintf(buf + n, size - n, "%s%s", i ? ", " : "", view_writers[i].name);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

int
snap_write(FILE *f, const struct snap *s, enum snap_format fmt, const struct write_opts *o)
{
    view_writer(fmt)->write(f, s, o);
    if (fflush(f) != 0 || ferror(f))
        return err_set(AIO_E_IO, "cannot write the snapshot: %s", strerror(errno));
    return 0;
}

struct snap_body {
    const struct snap *s;
    enum snap_format fmt;
    const struct write_opts *o;
};

static int
snap_body(FILE *f, void *arg)
{
    const struct snap_body *b = arg;

    return snap_write(f, b->s, b->fmt, b->o);
}

int
snap_write_path(const char *path, const struct snap *s, enum snap_format fmt,
                const struct write_opts *o)
{
    struct snap_body b = { s, fmt, o };

    if (strcmp(path, "-") == 0)
        return snap_write(stdout, s, fmt, o);
    return write_path_atomic(path, snap_body, &b);
}
