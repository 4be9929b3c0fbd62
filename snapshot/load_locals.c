/*
 * load_locals.c - --load of a frame's "locals" (view/json.c writes them with
 * --locals).  The file is hostile: the count is bounded, every entry checked.
 */
#include "load_locals.h"

#include <string.h>

static int
load_sstr(struct jscan *sc, struct snap *s, struct snap_str *out)
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

static int
load_local(struct jscan *sc, struct snap *s, struct snap_local *l)
{
    size_t m = 0;
    bool have_kind = false;
    int r;

    memset(l, 0, sizeof(*l));
    if (jscan_open(sc, '{') < 0)
        return -1;
    while ((r = jscan_next(sc, '}', &m)) > 0) {
        if (jscan_str_is(sc, "name")) {
            r = load_sstr(sc, s, &l->name);
        } else if (jscan_str_is(sc, "type")) {
            r = load_sstr(sc, s, &l->type);
        } else if (jscan_str_is(sc, "value")) {
            r = load_sstr(sc, s, &l->value);
        } else if (jscan_str_is(sc, "kind")) {
            r = jscan_string(sc);
            if (r == 0 && (strlen(sc->str) != sc->str_len ||
                           snap_local_kind_from_name(sc->str, &l->kind) < 0))
                r = jscan_fail(sc, "unknown kind of local");
            have_kind = true;
        } else {
            r = jscan_skip(sc);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!l->name.s || !have_kind)
        return jscan_fail(sc, "a local without \"name\" or \"kind\"");
    return 0;
}

int
load_locals(struct jscan *sc, struct snap *s, size_t *first, size_t *count)
{
    size_t n = 0;
    int r;

    if (jscan_open(sc, '[') < 0)
        return -1;
    *first = s->nlocals;
    *count = 0;
    while ((r = jscan_next(sc, ']', &n)) > 0) {
        struct snap_local l;

        if (s->nlocals >= MAX_LOAD_LOCALS)
            return jscan_fail(sc, "more than %zu locals", MAX_LOAD_LOCALS);
        if (load_local(sc, s, &l) < 0)
            return -1;
        *snap_local_add(s) = l;
        (*count)++;
    }
    return r;
}
