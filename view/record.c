#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "write.h"

static uint64_t
record_mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull;
}

static uint64_t
record_str(uint64_t h, struct snap_str s)
{
    size_t i;

    for (i = 0; s.s && i < s.len; i++)
        h = record_mix(h, (unsigned char)s.s[i]);
    return record_mix(h, 0xff);
}

static uint64_t
record_frames(uint64_t h, const struct snap *s, size_t first, size_t count)
{
    size_t i;

    for (i = 0; i < count && first + i < s->nframes; i++) {
        const struct snap_frame *f = &s->frames[first + i];

        h = record_str(h, f->function);
        h = record_str(h, f->file);
        h = record_mix(h, (uint64_t)(unsigned)f->line);
    }
    return h;
}

uint64_t
record_fingerprint(const struct snap *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;

    for (i = 0; i < s->nthreads; i++) {
        h = record_mix(h, (uint64_t)s->threads[i].tid);
        h = record_frames(h, s, s->threads[i].frame_first, s->threads[i].frame_count);
    }
    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];

        h = record_mix(h, t->addr);
        h = record_mix(h, t->coro_addr);
        h = record_mix(h, (uint64_t)t->state * 31 + (uint64_t)t->running);
        h = record_mix(h, (uint64_t)(unsigned)t->cancel_requests);
        h = record_frames(h, s, t->frame_first, t->frame_count);
    }
    for (i = 0; i < s->nedges; i++)
        h = record_mix(h, s->edges[i].waiter * 1000003u + s->edges[i].awaited);
    return h;
}

int
record_append(int fd, const char *path, const struct snap *s)
{
    char *buf = NULL;
    size_t len = 0, i, n = 0, done = 0;
    bool in_str = false, esc = false, skip_ws = false;
    FILE *m = open_memstream(&buf, &len);
    struct stat st;
    int saved;

    if (!m)
        return err_set(AIO_E_IO, "cannot write the record \"%s\": out of memory", path);
    snap_write_json(m, s, NULL);
    fclose(m);
    /* compact in place: drop newlines and indentation outside strings (strings hold no raw newline) */
    for (i = 0; i < len; i++) {
        char ch = buf[i];

        if (in_str) {
            buf[n++] = ch;
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"')
                in_str = false;
            continue;
        }
        if (ch == '\n') {
            skip_ws = true;
            continue;
        }
        if (skip_ws && ch == ' ')
            continue;
        skip_ws = false;
        if (ch == '"')
            in_str = true;
        buf[n++] = ch;
    }
    buf[n++] = '\n';
    /* a whole line or nothing: a failed write is cut back to where the line began */
    if (fstat(fd, &st) < 0) {
        saved = errno;
        free(buf);
        return err_set(AIO_E_IO, "cannot write the record \"%s\": %s", path, strerror(saved));
    }
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            saved = w < 0 ? errno : ENOSPC;
            if (done > 0 && ftruncate(fd, st.st_size) != 0)
                saved = errno;
            free(buf);
            return err_set(AIO_E_IO, "cannot write the record \"%s\": %s (the line was %s)",
                           path, strerror(saved), done ? "removed" : "not begun");
        }
        done += (size_t)w;
    }
    free(buf);
    return 0;
}
