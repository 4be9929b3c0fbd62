/*
 * load_track.c - --load: the tracker's records read back (load_track.h).
 * Unknown keys are skipped; what is absent stays unknown.
 */
#include "load_track.h"

#include <limits.h>
#include <string.h>

#define MAX_LOAD_ENDED ((size_t)1 << 21)

static int
lt_sstr(const struct load_track *lt, struct snap_str *out)
{
    if (jscan_lit(lt->sc, "null")) {
        out->s = NULL;
        out->len = 0;
        return 0;
    }
    if (jscan_string(lt->sc) < 0)
        return -1;
    *out = snap_str_from(lt->s, lt->sc->str, lt->sc->str_len);
    return 0;
}

/* An int or null (0). */
static int
lt_int(const struct load_track *lt, int64_t *out)
{
    uint64_t v = 0;

    *out = 0;
    if (jscan_lit(lt->sc, "null"))
        return 0;
    if (jscan_uint(lt->sc, INT64_MAX, &v) < 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int
lt_stack(const struct load_track *lt, struct snap_frames *out)
{
    out->first = lt->s->nframes;
    out->count = 0;
    if (jscan_lit(lt->sc, "null"))
        return 0;
    return lt->frames(lt->arg, &out->first, &out->count);
}

static int
lt_cancel_by(const struct load_track *lt, const struct snap_cancel_by **out)
{
    struct snap_cancel_by *k;
    size_t m = 0;
    int64_t at = 0;
    int r;

    *out = NULL;
    if (jscan_lit(lt->sc, "null"))
        return 0;
    k = arena_alloc(&lt->s->arena, sizeof(*k));
    k->stack.first = lt->s->nframes;
    if (jscan_open(lt->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(lt->sc, '}', &m)) > 0) {
        if (jscan_str_is(lt->sc, "task")) {
            r = jscan_hex(lt->sc, true, &k->task);
        } else if (jscan_str_is(lt->sc, "stack")) {
            r = lt_stack(lt, &k->stack);
        } else if (jscan_str_is(lt->sc, "message")) {
            r = lt_sstr(lt, &k->message);
        } else if (jscan_str_is(lt->sc, "at_ns")) {
            r = lt_int(lt, &at);
            k->at_ns = (uint64_t)at;
        } else {
            r = jscan_skip(lt->sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    *out = k;
    return 0;
}

bool
load_track_is_key(const struct jscan *sc)
{
    return jscan_str_is(sc, "created_by") || jscan_str_is(sc, "creation_stack") ||
           jscan_str_is(sc, "cancelled_by") || jscan_str_is(sc, "serial") ||
           jscan_str_is(sc, "created_by_serial");
}

int
load_track_value(const struct load_track *lt, struct load_track_acc *acc)
{
    struct snap_track *r = &acc->r;
    bool null = jscan_peek(lt->sc) == 'n';
    int rc;

    if (jscan_str_is(lt->sc, "created_by")) {
        rc = jscan_hex(lt->sc, true, &r->created_by);
    } else if (jscan_str_is(lt->sc, "creation_stack")) {
        rc = lt_stack(lt, &r->creation_stack);
    } else if (jscan_str_is(lt->sc, "cancelled_by")) {
        rc = lt_cancel_by(lt, &r->cancelled_by);
    } else if (jscan_str_is(lt->sc, "serial")) {
        rc = lt_int(lt, &r->serial);
    } else {
        rc = lt_int(lt, &r->creator_serial);
    }
    if (!null)
        acc->any = true;
    return rc;
}

const struct snap_track *
load_track_done(const struct load_track *lt, const struct load_track_acc *acc)
{
    struct snap_track *r;

    if (!acc->any)
        return NULL;
    r = arena_alloc(&lt->s->arena, sizeof(*r));
    *r = acc->r;
    return r;
}

int
load_track_ended(const struct load_track *lt)
{
    struct snap_ended e;
    struct load_track_acc acc;
    size_t m = 0;
    int64_t at = 0;
    int r;

    memset(&e, 0, sizeof(e));
    memset(&acc, 0, sizeof(acc));
    acc.r.creation_stack.first = lt->s->nframes;
    e.state = SNAP_TASK_DONE;
    if (lt->s->nended >= MAX_LOAD_ENDED)
        return jscan_fail(lt->sc, "more than %zu ended tasks", MAX_LOAD_ENDED);
    if (jscan_open(lt->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(lt->sc, '}', &m)) > 0) {
        if (jscan_str_is(lt->sc, "id")) {
            r = jscan_hex(lt->sc, false, &e.addr);
        } else if (jscan_str_is(lt->sc, "name")) {
            r = lt_sstr(lt, &e.name);
        } else if (jscan_str_is(lt->sc, "coroutine")) {
            r = lt_sstr(lt, &e.coro);
        } else if (jscan_str_is(lt->sc, "state")) {
            r = jscan_string(lt->sc);
            if (r == 0 && jscan_str_is(lt->sc, "cancelled"))
                e.state = SNAP_TASK_CANCELLED;
            else if (r == 0 && !jscan_str_is(lt->sc, "done"))
                r = jscan_fail(lt->sc, "an ended task's state is done or cancelled");
        } else if (jscan_str_is(lt->sc, "ended_at_ns")) {
            r = lt_int(lt, &at);
            e.ended_at_ns = (uint64_t)at;
        } else if (jscan_str_is(lt->sc, "exception")) {
            r = lt->exc(lt->arg, &e.exception);
        } else if (jscan_str_is(lt->sc, "critical")) {
            r = jscan_bool(lt->sc, &e.critical);
        } else if (load_track_is_key(lt->sc)) {
            r = load_track_value(lt, &acc);
        } else {
            r = jscan_skip(lt->sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    e.track = load_track_done(lt, &acc);
    *snap_ended_add(lt->s) = e;
    return 0;
}

int
load_track_tracker(const struct load_track *lt)
{
    struct snap_tracker *tr = &lt->s->tracker;
    size_t m = 0;
    int64_t v;
    int r;

    memset(tr, 0, sizeof(*tr));
    if (jscan_lit(lt->sc, "null"))
        return 0;
    tr->present = true;
    if (jscan_open(lt->sc, '{') < 0)
        return -1;
    while ((r = jscan_next(lt->sc, '}', &m)) > 0) {
        if (jscan_str_is(lt->sc, "enabled")) {
            r = jscan_bool(lt->sc, &tr->enabled);
        } else if (jscan_str_is(lt->sc, "error")) {
            r = lt_sstr(lt, &tr->error);
        } else if (jscan_str_is(lt->sc, "keep")) {
            r = lt_int(lt, &tr->keep);
        } else if (jscan_str_is(lt->sc, "created")) {
            r = lt_int(lt, &tr->created);
        } else if (jscan_str_is(lt->sc, "ended")) {
            r = lt_int(lt, &tr->ended);
        } else if (jscan_str_is(lt->sc, "installed_at_ns")) {
            r = lt_int(lt, &v);
            tr->installed_ns = (uint64_t)v;
        } else {
            r = jscan_skip(lt->sc);
        }
        if (r < 0)
            return -1;
    }
    return r < 0 ? -1 : 0;
}
