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

/*
 * A list of snapshots (--subprocesses): JSON as one array of snapshot
 * objects, text as one section per process under a ruler.
 */
int
snap_write_list(FILE *f, const struct snap *const *v, size_t n, enum snap_format fmt,
                const struct write_opts *o)
{
    size_t i;

    if (fmt == SNAP_FMT_JSON)
        fputs("[\n", f);
    for (i = 0; i < n; i++) {
        if (fmt == SNAP_FMT_JSON && i > 0)
            fputs(",\n", f);
        else if (fmt != SNAP_FMT_JSON)
            fprintf(f, "%s======== process %d (%zu of %zu) ========\n", i ? "\n" : "",
                    v[i]->pid, i + 1, n);
        view_writer(fmt)->write(f, v[i], o);
    }
    if (fmt == SNAP_FMT_JSON)
        fputs("]\n", f);
    if (fflush(f) != 0 || ferror(f))
        return err_set(AIO_E_IO, "cannot write the snapshots: %s", strerror(errno));
    return 0;
}

struct snap_body {
    const struct snap *const *v;
    size_t n;
    bool list;
    enum snap_format fmt;
    const struct write_opts *o;
};

static int
snap_body(FILE *f, void *arg)
{
    const struct snap_body *b = arg;

    if (b->list)
        return snap_write_list(f, b->v, b->n, b->fmt, b->o);
    return snap_write(f, b->v[0], b->fmt, b->o);
}

int
snap_write_path(const char *path, const struct snap *s, enum snap_format fmt,
                const struct write_opts *o)
{
    struct snap_body b = { &s, 1, false, fmt, o };

    if (strcmp(path, "-") == 0)
        return snap_body(stdout, &b);
    return write_path_atomic(path, snap_body, &b);
}

int
snap_write_list_path(const char *path, const struct snap *const *v, size_t n,
                     enum snap_format fmt, const struct write_opts *o)
{
    struct snap_body b = { v, n, true, fmt, o };

    if (strcmp(path, "-") == 0)
        return snap_body(stdout, &b);
    return write_path_atomic(path, snap_body, &b);
}
