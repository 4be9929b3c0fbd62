/*
 * load_wait.c - --load: a task's "waiting_on" (docs/snapshot-format.md)
 * read back from hostile input: every number is bounded, every string goes
 * through the scanner's bounds, an unknown kind is an error.
 */
#include "load_wait.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NUMBER_CHARS 40

/* A JSON number (integer or not), finite. */
static int
lw_number(struct jscan *sc, double *out)
{
    char buf[MAX_NUMBER_CHARS + 1], *end;
    size_t n = 0;

    if (jscan_peek(sc) < 0)
        return jscan_fail(sc, "a number expected");
    while (sc->p + n < sc->end && n < MAX_NUMBER_CHARS &&
           strchr("-+.eE0123456789", sc->p[n]) && sc->p[n])
        n++;
    if (n == 0 || n == MAX_NUMBER_CHARS)
        return jscan_fail(sc, "a number expected");
    memcpy(buf, sc->p, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    if (end != buf + n || !isfinite(*out))
        return jscan_fail(sc, "not a number: %s", buf);
    sc->p += n;
    return 0;
}

/* An integer in [lo, hi]. */
static int
lw_int(struct jscan *sc, double lo, double hi, int64_t *out)
{
    double d;

    if (lw_number(sc, &d) < 0)
        return -1;
    if (d != floor(d) || d < lo || d > hi)
        return jscan_fail(sc, "integer out of range");
    *out = (int64_t)d;
    return 0;
}

static int
lw_str(struct jscan *sc, struct snap *s, struct snap_str *out)
{
    if (jscan_lit(sc, "null")) {
        out->s = NULL;
        out->len = 0;
        return 0;
    }
    if (jscan_string(sc) < 0)
        return -1;
    *out = snap_str_from(s, sc->str, sc->str_len);
    return 0;
}

/* One key of the object; *known gets its bit. */
static int
lw_key(struct jscan *sc, struct snap *s, struct snap_wait *w, bool *have_kind)
{
    const double big = 9007199254740992.0;     /* 2^53: exact in a double */
    int64_t v;
    int r;

    if (jscan_str_is(sc, "kind")) {
        if (jscan_string(sc) < 0)
            return -1;
        if (snap_wait_kind_from_name(sc->str, &w->kind) < 0)
            return jscan_fail(sc, "unknown wait kind");
        *have_kind = true;
        return 0;
    }
    if (jscan_str_is(sc, "object"))
        return jscan_hex(sc, true, &w->object);
    if (jscan_str_is(sc, "detail"))
        return lw_str(sc, s, &w->detail);
    if (jscan_str_is(sc, "locked")) {
        w->known |= SNAP_WK_LOCKED;
        return jscan_bool(sc, &w->locked);
    }
    if (jscan_str_is(sc, "is_set")) {
        w->known |= SNAP_WK_IS_SET;
        return jscan_bool(sc, &w->is_set);
    }
    if (jscan_str_is(sc, "waiters")) {
        w->known |= SNAP_WK_WAITERS;
        return lw_int(sc, 0, big, &w->waiters);
    }
    if (jscan_str_is(sc, "value")) {
        w->known |= SNAP_WK_VALUE;
        return lw_int(sc, -big, big, &w->value);
    }
    if (jscan_str_is(sc, "qsize")) {
        w->known |= SNAP_WK_QSIZE;
        return lw_int(sc, 0, big, &w->qsize);
    }
    if (jscan_str_is(sc, "maxsize")) {
        w->known |= SNAP_WK_MAXSIZE;
        return lw_int(sc, -big, big, &w->maxsize);
    }
    if (jscan_str_is(sc, "seconds_left")) {
        w->known |= SNAP_WK_SECONDS_LEFT;
        return lw_number(sc, &w->seconds_left);
    }
    if (jscan_str_is(sc, "timeout_in")) {
        w->known |= SNAP_WK_TIMEOUT_IN;
        return lw_number(sc, &w->timeout_in);
    }
    if (jscan_str_is(sc, "thread")) {
        w->known |= SNAP_WK_THREAD;
        v = 0;
        r = jscan_lit(sc, "null") ? 0 : lw_int(sc, 1, big, &v);   /* big (2^53) < LONG_MAX */
        w->thread = (long)v;
        return r;
    }
    if (jscan_str_is(sc, "fd")) {
        w->known |= SNAP_WK_FD;
        r = lw_int(sc, 0, INT_MAX, &v);
        w->fd = (int)v;
        return r;
    }
    if (jscan_str_is(sc, "pid")) {
        w->known |= SNAP_WK_PID;
        r = lw_int(sc, 1, INT_MAX, &v);
        w->pid = (int)v;
        return r;
    }
    if (jscan_str_is(sc, "local")) {
        w->known |= SNAP_WK_LOCAL;
        return lw_str(sc, s, &w->local);
    }
    if (jscan_str_is(sc, "peer")) {
        w->known |= SNAP_WK_PEER;
        return lw_str(sc, s, &w->peer);
    }
    if (jscan_str_is(sc, "direction")) {
        w->known |= SNAP_WK_DIRECTION;
        if (jscan_string(sc) < 0)
            return -1;
        if (jscan_str_is(sc, "write"))
            w->direction = SNAP_WAIT_WRITE;
        else if (jscan_str_is(sc, "read"))
            w->direction = SNAP_WAIT_READ;
        else
            return jscan_fail(sc, "unknown wait direction");
        return 0;
    }
    return jscan_skip(sc);
}

int
jr_wait(struct jscan *sc, struct snap *s, const struct snap_wait **out)
{
    struct snap_wait *w;
    bool have_kind = false;
    size_t m = 0;
    int r;

    *out = NULL;
    if (jscan_lit(sc, "null"))
        return 0;
    if (jscan_open(sc, '{') < 0)
        return -1;
    w = snap_wait_new(s);
    while ((r = jscan_next(sc, '}', &m)) > 0) {
        if (lw_key(sc, s, w, &have_kind) < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!have_kind)
        return jscan_fail(sc, "\"waiting_on\" without \"kind\"");
    *out = w;
    return 0;
}
