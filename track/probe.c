/*
 * probe.c - the interim probe of probe.h: sys.modules is looked up the way
 * pyframes/task_find.c finds asyncio.tasks, with the readers' own helpers.
 */
#include "probe.h"

#include <string.h>

#include "common/err.h"
#include "pyframes/pyint.h"
#include "track.h"

#define PROBE_MAX_ERROR_CHARS 200

/* A str value of a dict, as UTF-8 into out ("" when absent or not a str). */
static void
probe_str(struct py_ctx *c, uint64_t obj, char *out, size_t size)
{
    struct snap_str s;
    bool cut = false;
    size_t n;

    out[0] = '\0';
    if (!obj || strcmp(py_type_name(c, py_type_of(c, obj)), "str") != 0)
        return;
    memset(&s, 0, sizeof(s));
    if (py_read_str(c, obj, PROBE_MAX_ERROR_CHARS, &s, &cut) < 0 || !s.s)
        return;
    n = s.len < size - 1 ? s.len : size - 1;
    memcpy(out, s.s, n);
    out[n] = '\0';
}

int
track_probe(struct source *src, const struct py_runtime *rt, struct track_state *out)
{
    struct snap *snap = snap_new(src->pid);     /* holds the strings py_read_str copies */
    struct py_ctx c;
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0, state = 0, v = 0;
    int64_t en = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    py_ctx_init(&c, src, &rt->L, rt->ops, snap);
    c.runtime = rt->runtime_addr;
    if ((rc = py_read_ptr(&c, c.runtime, PYF_RT_INTERP_HEAD, &interp)) < 0 ||
        (rc = py_read_ptr(&c, interp, PYF_IS_MODULES, &modules)) < 0 ||
        (rc = py_dict_get_str(&c, modules, TRACK_MODULE, &mod)) < 0)
        goto out;
    rc = 0;
    if (!mod)
        goto out;
    out->present = true;
    if ((rc = py_read_ptr(&c, mod, PYF_MOD_DICT, &mdict)) < 0 || !mdict ||
        (rc = py_dict_get_str(&c, mdict, "STATE", &state)) < 0 || !state ||
        (rc = py_dict_get_str(&c, state, "enabled", &v)) < 0) {
        /* a module whose STATE is not there yet: still being made */
        rc = rc < 0 ? rc : 0;
        goto out;
    }
    out->enabled = v && strcmp(py_type_name(&c, py_type_of(&c, v)), "bool") == 0 &&
                   py_long_value(&c, v, &en) && en == 1;
    if (py_dict_get_str(&c, state, "error", &v) == 0)
        probe_str(&c, v, out->error, sizeof(out->error));
out:
    py_ctx_done(&c);
    snap_free(snap);
    return rc;
}
