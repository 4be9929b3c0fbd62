/*
 * track.c - the tracker's records as the views show them (track.h).
 */
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"
#include "../common/xalloc.h"

#define TRACK_NAME_CAP 60       /* characters of a task name in a chain */

static const struct snap *track_sort_snap;

static int
track_addr_cmp(const void *a, const void *b)
{
    uint64_t x = track_sort_snap->ended[*(const size_t *)a].addr;
    uint64_t y = track_sort_snap->ended[*(const size_t *)b].addr;

    return x < y ? -1 : x > y;
}

void
track_index_build(struct track_index *ix, const struct snap *s)
{
    size_t i;

    memset(ix, 0, sizeof(*ix));
    if (!s->nended)
        return;
    ix->n = s->nended;
    ix->ended = xcalloc(ix->n, sizeof(*ix->ended));
    ix->addr = xcalloc(ix->n, sizeof(*ix->addr));
    for (i = 0; i < ix->n; i++)
        ix->ended[i] = i;
    track_sort_snap = s;
    qsort(ix->ended, ix->n, sizeof(*ix->ended), track_addr_cmp);
    for (i = 0; i < ix->n; i++)
        ix->addr[i] = s->ended[ix->ended[i]].addr;
}

void
track_index_free(struct track_index *ix)
{
    free(ix->addr);
    free(ix->ended);
    memset(ix, 0, sizeof(*ix));
}

/* Whether a record's serial says it is not the task a reference (by serial) means. */
static bool
track_other(const struct snap_track *r, int64_t want)
{
    return want && r && r->serial && r->serial != want;
}

/* The task or ended record at addr whose serial is want (0: any). */
static struct track_who
track_find(const struct snap *s, const struct track_index *ix, uint64_t addr, int64_t want)
{
    struct track_who w = { TRACK_WHO_ID, 0, addr };
    size_t i = snap_task_find(s, addr), lo = 0, hi = ix ? ix->n : 0;

    if (!addr) {
        w.kind = TRACK_WHO_NONE;
        return w;
    }
    if (i != (size_t)-1 && !track_other(s->tasks[i].track, want)) {
        w.kind = TRACK_WHO_TASK;
        w.index = i;
        return w;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ix->addr[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the same address may have ended more than once: the one with the serial */
    for (; lo < ix->n && ix->addr[lo] == addr; lo++) {
        if (!track_other(s->ended[ix->ended[lo]].track, want)) {
            w.kind = TRACK_WHO_ENDED;
            w.index = ix->ended[lo];
            return w;
        }
    }
    return w;
}

struct track_who
track_creator(const struct snap *s, const struct track_index *ix, const struct snap_track *r)
{
    struct track_who none = { TRACK_WHO_NONE, 0, 0 };

    return r ? track_find(s, ix, r->created_by, r->creator_serial) : none;
}

const struct snap_track *
track_who_record(const struct snap *s, const struct track_who *w)
{
    if (w->kind == TRACK_WHO_TASK)
        return s->tasks[w->index].track;
    if (w->kind == TRACK_WHO_ENDED)
        return s->ended[w->index].track;
    return NULL;
}

/* A task's name, or its id when it has none we know. */
static void
tb_who(struct textbuf *b, const struct snap *s, const struct track_who *w)
{
    struct snap_str name = { NULL, 0 };
    char id[32];

    if (w->kind == TRACK_WHO_TASK)
        name = s->tasks[w->index].name;
    else if (w->kind == TRACK_WHO_ENDED)
        name = s->ended[w->index].name;
    if (name.s && name.len) {
        textbuf_str(b, name, TRACK_NAME_CAP);
        if (w->kind == TRACK_WHO_ENDED)
            textbuf_raw(b, " (ended)");
    } else {
        snprintf(id, sizeof(id), "0x%llx", (unsigned long long)w->addr);
        textbuf_raw(b, id);
        if (w->kind == TRACK_WHO_ID)
            textbuf_raw(b, " (gone)");
    }
}

size_t
track_chain_text(const struct snap *s, const struct track_index *ix, const struct snap_track *r,
                 char *buf, size_t size)
{
    struct textbuf b = { buf, size, 0 };
    size_t depth;

    if (!size)
        return 0;
    buf[0] = '\0';
    for (depth = 0; r && depth < TRACK_MAX_CHAIN; depth++) {
        struct track_who w = track_creator(s, ix, r);

        if (w.kind == TRACK_WHO_NONE)
            break;
        if (depth)
            textbuf_raw(&b, " \xe2\x86\x90 ");
        tb_who(&b, s, &w);
        r = track_who_record(s, &w);
    }
    if (r && depth == TRACK_MAX_CHAIN && track_creator(s, ix, r).kind != TRACK_WHO_NONE)
        textbuf_raw(&b, " \xe2\x86\x90 \xe2\x80\xa6");
    return b.n;
}

/* " at app.py:88": the innermost frame outside asyncio's own files, else the innermost. */
static void
tb_where(struct textbuf *b, const struct snap *s, struct snap_frames fs)
{
    const struct snap_frame *fr = NULL;
    const char *slash;
    struct snap_str base;
    char line[24];
    size_t i;

    if (!fs.count || fs.first + fs.count > s->nframes)
        return;
    for (i = 0; i < fs.count && !fr; i++) {
        const struct snap_frame *f = &s->frames[fs.first + i];

        if (!f->file.s || !strstr(f->file.s, "/asyncio/"))
            fr = f;
    }
    if (!fr)
        fr = &s->frames[fs.first];
    base = fr->file;
    if (base.s && (slash = memrchr(base.s, '/', base.len)) != NULL) {
        base.len -= (size_t)(slash + 1 - base.s);
        base.s = slash + 1;
    }
    textbuf_raw(b, " at ");
    textbuf_str(b, base, TRACK_NAME_CAP);
    snprintf(line, sizeof(line), ":%d", fr->line);
    textbuf_raw(b, line);
}

size_t
track_cancel_text(const struct snap *s, const struct track_index *ix,
                  const struct snap_cancel_by *k, char *buf, size_t size)
{
    struct textbuf b = { buf, size, 0 };

    if (!size)
        return 0;
    buf[0] = '\0';
    if (!k)
        return 0;
    if (k->task) {
        struct track_who w = track_find(s, ix, k->task, 0);

        tb_who(&b, s, &w);
    } else {
        textbuf_raw(&b, "code outside any task");
    }
    tb_where(&b, s, k->stack);
    if (k->message.s) {
        textbuf_raw(&b, " (\"");
        textbuf_str(&b, k->message, 100);
        textbuf_raw(&b, "\")");
    }
    return b.n;
}
