/*
 * locals.c - --locals: the arguments and local variables of a Python frame,
 * read from its fast-locals slots and rendered safely (repr.c), never running
 * target code.
 *
 * Which names a code object has, and which slot each lives in, differs by
 * version; the ops table names the reader (py_code_locals_311 for 3.11+,
 * py_code_locals_38 before).  The names are read once per code object and
 * snapshot; the values on every frame.
 */
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "pyint.h"

/* co_flags */
#define CO_VARARGS     0x4
#define CO_VARKEYWORDS 0x8

/* co_localspluskinds (3.11+, Include/internal/pycore_code.h) */
#define CO_FAST_HIDDEN 0x10
#define CO_FAST_LOCAL  0x20
#define CO_FAST_CELL   0x40
#define CO_FAST_FREE   0x80

/* How many parameters the code takes: positional (with positional-only), keyword-only, *, **. */
static int
locals_nargs(struct py_ctx *c, uint64_t code, size_t *nargs)
{
    int64_t argc, kwonly, flags;
    int rc;

    if ((rc = py_read_int(c, code, PYF_CO_ARGCOUNT, &argc)) < 0 ||
        (rc = py_read_int(c, code, PYF_CO_KWONLYARGCOUNT, &kwonly)) < 0 ||
        (rc = py_read_int(c, code, PYF_CO_FLAGS, &flags)) < 0)
        return rc;
    if (argc < 0 || kwonly < 0 || argc > 65535 || kwonly > 65535)
        return -AIO_E_CORRUPT;
    *nargs = (size_t)(argc + kwonly) + !!(flags & CO_VARARGS) + !!(flags & CO_VARKEYWORDS);
    return 0;
}

/*
 * The items of the names tuple at the code's field f, at most max of them
 * (*n; *total is the tuple's size).
 */
static int
locals_tuple(struct py_ctx *c, uint64_t code, enum py_field f, uint64_t *items, size_t max,
             size_t *n, size_t *total)
{
    uint64_t tuple;
    int64_t size;
    int rc;

    *n = *total = 0;
    if ((rc = py_read_ptr(c, code, f, &tuple)) < 0)
        return rc;
    if (!tuple)
        return -AIO_E_CORRUPT;
    if ((rc = py_read_int(c, tuple, PYF_OB_SIZE, &size)) < 0)
        return rc;
    if (size < 0 || size > (int64_t)MAX_LIST_ITEMS)
        return -AIO_E_CORRUPT;
    *total = (size_t)size;
    *n = *total < max ? *total : max;
    if (*n == 0)
        return 0;
    return source_read(c->src, tuple + layout_off(c->L, PYF_TUPLE_ITEM), items, *n * 8);
}

static int
locals_name(struct py_ctx *c, uint64_t str, struct snap_str *out)
{
    bool cut = false;

    return py_read_str(c, str, PY_LOCAL_MAX_NAME, out, &cut);
}

static void
locals_put(struct py_code_locals *out, struct snap_str name, size_t slot,
           enum snap_local_kind kind, bool cell)
{
    struct py_local_name *l = &out->v[out->n++];

    l->name = name;
    l->slot = (uint32_t)slot;
    l->kind = (uint8_t)kind;
    l->cell = cell;
}

/*
 * 3.11+: co_localsplusnames and co_localspluskinds, one entry per slot; the
 * parameters are the first names.  A cell slot holds the plain value until
 * MAKE_CELL ran, a free slot NULL until COPY_FREE_VARS ran.  Hidden slots
 * (3.12+: the variables of an inlined comprehension) are not shown.
 */
int
py_code_locals_311(struct py_ctx *c, uint64_t code, struct py_code_locals *out)
{
    uint64_t items[PY_LOCALS_MAX];
    const uint8_t *kinds;
    size_t nargs, n, total, nkinds, i;
    uint64_t kp;
    int rc;

    if ((rc = locals_nargs(c, code, &nargs)) < 0 ||
        (rc = locals_tuple(c, code, PYF_CO_LOCALSPLUSNAMES, items, PY_LOCALS_MAX, &n,
                           &total)) < 0 ||
        (rc = py_read_ptr(c, code, PYF_CO_LOCALSPLUSKINDS, &kp)) < 0 ||
        (rc = py_read_bytes(c, kp, MAX_LIST_ITEMS, &kinds, &nkinds)) < 0)
        return rc;
    if (nkinds != total)
        return -AIO_E_CORRUPT;
    for (i = 0; i < n; i++) {
        struct snap_str name;
        enum snap_local_kind k;

        if (kinds[i] & CO_FAST_HIDDEN)
            continue;
        if ((rc = locals_name(c, items[i], &name)) < 0)
            return rc;
        k = i < nargs ? SNAP_LOCAL_ARG : (kinds[i] & CO_FAST_FREE) ? SNAP_LOCAL_FREE :
            (kinds[i] & CO_FAST_CELL) ? SNAP_LOCAL_CELL : SNAP_LOCAL_LOCAL;
        locals_put(out, name, i, k, kinds[i] & (CO_FAST_CELL | CO_FAST_FREE));
    }
    return 0;
}

/*
 * <= 3.10: the slots are co_varnames (co_nlocals of them), then a cell per
 * co_cellvars, then one per co_freevars.  A parameter an inner function
 * captures has its value moved into its cell (its own slot is cleared): the
 * cell named as it (what co_cell2arg records) is shown as that parameter.
 */
int
py_code_locals_38(struct py_ctx *c, uint64_t code, struct py_code_locals *out)
{
    uint64_t vars[PY_LOCALS_MAX], cells[PY_LOCALS_MAX], frees[PY_LOCALS_MAX];
    struct snap_str cellname[PY_LOCALS_MAX];
    bool cell_is_arg[PY_LOCALS_MAX];
    size_t nargs, nv, nc, nf, tv, tc, tf, i, j;
    int64_t nlocals;
    int rc;

    if ((rc = locals_nargs(c, code, &nargs)) < 0 ||
        (rc = py_read_int(c, code, PYF_CO_NLOCALS, &nlocals)) < 0 ||
        (rc = locals_tuple(c, code, PYF_CO_VARNAMES, vars, PY_LOCALS_MAX, &nv, &tv)) < 0 ||
        (rc = locals_tuple(c, code, PYF_CO_CELLVARS, cells, PY_LOCALS_MAX, &nc, &tc)) < 0 ||
        (rc = locals_tuple(c, code, PYF_CO_FREEVARS, frees, PY_LOCALS_MAX, &nf, &tf)) < 0)
        return rc;
    if (nlocals < 0 || (size_t)nlocals != tv)
        return -AIO_E_CORRUPT;
    for (j = 0; j < nc; j++) {
        if ((rc = locals_name(c, cells[j], &cellname[j])) < 0)
            return rc;
        cell_is_arg[j] = false;
    }
    for (i = 0; i < nv && out->n < PY_LOCALS_MAX; i++) {
        struct snap_str name;
        size_t slot = i;
        bool cell = false;

        if ((rc = locals_name(c, vars[i], &name)) < 0)
            return rc;
        for (j = 0; i < nargs && j < nc; j++) {
            if (cellname[j].len == name.len && memcmp(cellname[j].s, name.s, name.len) == 0) {
                cell_is_arg[j] = true;
                slot = tv + j;
                cell = true;
                break;
            }
        }
        locals_put(out, name, slot, i < nargs ? SNAP_LOCAL_ARG : SNAP_LOCAL_LOCAL, cell);
    }
    for (j = 0; j < nc && out->n < PY_LOCALS_MAX; j++) {
        if (!cell_is_arg[j])
            locals_put(out, cellname[j], tv + j, SNAP_LOCAL_CELL, true);
    }
    for (j = 0; j < nf && out->n < PY_LOCALS_MAX; j++) {
        struct snap_str name;

        if ((rc = locals_name(c, frees[j], &name)) < 0)
            return rc;
        locals_put(out, name, tv + tc + j, SNAP_LOCAL_FREE, true);
    }
    return 0;
}

/* The names of a code object's locals, read once per snapshot; NULL when unreadable. */
static const struct py_code_locals *
locals_of(struct py_ctx *c, const struct py_code *co)
{
    struct py_code *w = (struct py_code *)co;   /* the cache entry is ours to fill */
    struct py_code_locals *l;

    if (w->locals_read)
        return w->locals;
    w->locals_read = true;
    l = arena_alloc(&c->snap->arena, sizeof(*l));
    l->v = arena_alloc(&c->snap->arena, PY_LOCALS_MAX * sizeof(*l->v));
    l->n = 0;
    if (c->ops->code_locals(c, co->addr, l) < 0) {
        snap_diag_add(c->snap, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT,
                      "the local variable names of code object 0x%llx (%s) are unreadable",
                      (unsigned long long)co->addr, co->name.s ? co->name.s : "?");
        return NULL;
    }
    w->locals = l;
    return l;
}

/*
 * The slots of a frame are read in one go when the highest one listed is
 * below this (every version keeps them in one array); else one by one.
 */
#define LOCALS_BATCH 256

/*
 * The object a slot holds (from slots[], the frame's first words, when not
 * NULL): its tag bits off; a cell's content for cell and free variables.
 */
static uint64_t
locals_value(struct py_ctx *c, uint64_t frame, const uint64_t *slots,
             const struct py_local_name *l)
{
    uint64_t v = 0, inner = 0;

    if (slots)
        v = slots[l->slot];
    else if (source_read_ptr(c->src, c->ops->frame_local_addr(c, frame, l->slot), &v) < 0)
        return 0;
    v &= ~c->ops->slot_tag_mask;
    if (v && l->cell && strcmp(py_type_name(c, py_type_of(c, v)), "cell") == 0) {
        if (py_read_ptr(c, v, PYF_CELL_REF, &inner) < 0)
            return v;   /* shown as the cell it is */
        v = inner;
    }
    return v;
}

void
py_frame_locals(struct py_ctx *c, const struct py_code *co, uint64_t frame)
{
    const struct py_code_locals *names;
    size_t fi = c->snap->nframes - 1, first = c->snap->nlocals, i, nslots = 0;
    uint64_t batch[LOCALS_BATCH];
    const uint64_t *slots = NULL;

    if (!c->locals || !c->snap->nframes)
        return;
    names = locals_of(c, co);
    if (!names)
        return;
    for (i = 0; i < names->n; i++) {
        if (names->v[i].slot >= nslots)
            nslots = (size_t)names->v[i].slot + 1;
    }
    if (nslots && nslots <= LOCALS_BATCH &&
        source_read(c->src, c->ops->frame_local_addr(c, frame, 0), batch, nslots * 8) == 0)
        slots = batch;
    for (i = 0; i < names->n; i++) {
        uint64_t v = locals_value(c, frame, slots, &names->v[i]);
        struct snap_local *sl = snap_local_add(c->snap);

        sl->name = names->v[i].name;
        sl->kind = (enum snap_local_kind)names->v[i].kind;
        sl->type.s = sl->value.s = NULL;
        sl->type.len = sl->value.len = 0;
        if (v && py_repr(c, v, &sl->type, &sl->value) < 0) {
            char buf[48];

            snprintf(buf, sizeof(buf), "<unreadable at 0x%llx>", (unsigned long long)v);
            sl->type = snap_str_cstr(c->snap, "?");
            sl->value = snap_str_cstr(c->snap, buf);
        }
    }
    c->snap->frames[fi].local_first = first;
    c->snap->frames[fi].local_count = c->snap->nlocals - first;
}
