/*
 * tracker.c - the tracker's records (track/aiomon_tracker.py), read out of
 * the target's memory: sys.modules["_aiomon_tracker"].STATE and, for each
 * task, its record (the TrackedTask's _aiomon slot, or STATE["foreign"]).
 *
 * The layout read here is the one the tracker's header comment gives:
 *   REC    = [serial, creator_id | None, creator_serial, stack, CANCEL | None]
 *   stack  = (code, lasti, code, lasti, ...), innermost first
 *   CANCEL = (canceller_id | None, canceller_serial, stack, message, at_ns)
 *   END    = (task_id, name, coro_code | None, "done" | "cancelled", ended_ns,
 *             exception | None, REC | None, critical)
 * Everything is hostile input: a record of the wrong shape is skipped.
 */
#include "tracker.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "task_end.h"

#define TK_FORMAT        1
#define TK_MAX_STACK     64         /* (code, lasti) pairs read per stack */
#define TK_MAX_RING      (1u << 20) /* ended records read (ring + critical) */
#define TK_MAX_FOREIGN   (1u << 20)

/* The type of a task, and where its _aiomon slot is (0: none). */
struct tk_slot {
    uint64_t type;
    int64_t off;
};

/* An id of STATE["foreign"] and its record. */
struct tk_foreign {
    uint64_t id, rec;
};

struct tk {
    struct py_ctx *c;
    uint64_t none;              /* the None object, once seen */
    struct tk_slot slots[8];    /* the last task types seen */
    size_t nslots;
    struct tk_foreign *foreign;
    size_t nforeign, cap_foreign;
};

static bool
tk_is_none(struct tk *t, uint64_t obj)
{
    if (!obj)
        return true;
    if (t->none)
        return obj == t->none;
    if (strcmp(py_type_name(t->c, py_type_of(t->c, obj)), "NoneType") == 0) {
        t->none = obj;
        return true;
    }
    return false;
}

static int64_t
tk_int(struct tk *t, uint64_t obj, int64_t dflt)
{
    int64_t v;

    return !tk_is_none(t, obj) && py_long_value(t->c, obj, &v) ? v : dflt;
}

/* A (code, lasti, ...) tuple as frames appended to the snapshot. */
static struct snap_frames
tk_stack(struct tk *t, uint64_t tuple)
{
    struct snap_frames out = { t->c->snap->nframes, 0 };
    uint64_t v[2 * TK_MAX_STACK];
    size_t n = 0, i;

    if (tk_is_none(t, tuple) || py_seq_read(t->c, tuple, v, 2 * TK_MAX_STACK, &n) < 0)
        return out;
    for (i = 0; i + 1 < n; i += 2) {
        const struct py_code *co = py_is_code(t->c, v[i]) ? py_code_get(t->c, v[i]) : NULL;
        int64_t lasti = tk_int(t, v[i + 1], -1);

        if (!co)
            break;
        py_frame_emit(t->c, co, lasti);
        out.count++;
    }
    return out;
}

static const struct snap_cancel_by *
tk_cancel(struct tk *t, uint64_t tuple)
{
    struct snap_cancel_by *k;
    uint64_t v[5];
    size_t n = 0;

    if (tk_is_none(t, tuple) || py_seq_read(t->c, tuple, v, 5, &n) < 0 || n < 5)
        return NULL;
    k = arena_alloc(&t->c->snap->arena, sizeof(*k));
    k->task = (uint64_t)tk_int(t, v[0], 0);
    k->stack = tk_stack(t, v[2]);
    if (!tk_is_none(t, v[3]))
        py_str_of(t->c, v[3], &k->message);
    k->at_ns = (uint64_t)tk_int(t, v[4], 0);
    return k;
}

/* A REC list into a snap_track (arena); NULL when it is not one. */
static const struct snap_track *
tk_rec(struct tk *t, uint64_t rec, int64_t *serial)
{
    struct snap_track *r;
    uint64_t v[5];
    size_t n = 0;

    if (tk_is_none(t, rec) || py_seq_read(t->c, rec, v, 5, &n) < 0 || n < 5)
        return NULL;
    r = arena_alloc(&t->c->snap->arena, sizeof(*r));
    r->serial = tk_int(t, v[0], 0);
    r->created_by = (uint64_t)tk_int(t, v[1], 0);
    r->creator_serial = tk_int(t, v[2], 0);
    r->creation_stack = tk_stack(t, v[3]);
    r->cancelled_by = tk_cancel(t, v[4]);
    if (serial)
        *serial = r->serial;
    return r;
}

/* Offset of the _aiomon slot of instances of type (cached), 0 when it has none. */
static int64_t
tk_slot_off(struct tk *t, uint64_t type)
{
    uint64_t dict = 0, descr = 0, def = 0;
    int64_t off = 0;
    size_t i;

    for (i = 0; i < t->nslots; i++) {
        if (t->slots[i].type == type)
            return t->slots[i].off;
    }
    if (type && py_read_ptr(t->c, type, PYF_TP_DICT, &dict) == 0 && dict &&
        py_dict_get_str(t->c, dict, "_aiomon", &descr) == 0 && descr &&
        strcmp(py_type_name(t->c, py_type_of(t->c, descr)), "member_descriptor") == 0 &&
        py_read_ptr(t->c, descr, PYF_MEMBER_DESCR_DEF, &def) == 0 && def &&
        py_read_int(t->c, def, PYF_MEMBER_DEF_OFFSET, &off) == 0 && off > 0 && off <= 4096) {
        /* found */
    } else {
        off = 0;
    }
    i = t->nslots < sizeof(t->slots) / sizeof(t->slots[0]) ? t->nslots++ :
        (size_t)(type % (sizeof(t->slots) / sizeof(t->slots[0])));
    t->slots[i].type = type;
    t->slots[i].off = off;
    return off;
}

static int
tk_foreign_pair(struct py_ctx *c, uint64_t key, uint64_t value, void *arg)
{
    struct tk *t = arg;
    int64_t id;

    if (t->nforeign >= TK_MAX_FOREIGN)
        return 1;
    if (!py_long_value(c, key, &id))
        return 0;
    if (t->nforeign == t->cap_foreign) {
        t->cap_foreign = t->cap_foreign ? 2 * t->cap_foreign : 64;
        t->foreign = xreallocarray(t->foreign, t->cap_foreign, sizeof(*t->foreign));
    }
    t->foreign[t->nforeign].id = (uint64_t)id;
    t->foreign[t->nforeign++].rec = value;
    return 0;
}

static int
tk_foreign_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct tk_foreign *)a)->id, y = ((const struct tk_foreign *)b)->id;

    return x < y ? -1 : x > y;
}

static uint64_t
tk_foreign_find(const struct tk *t, uint64_t id)
{
    size_t lo = 0, hi = t->nforeign;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (t->foreign[mid].id == id)
            return t->foreign[mid].rec;
        if (t->foreign[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Each task's record: its own slot, else STATE["foreign"]. */
static void
tk_tasks(struct tk *t, uint64_t foreign)
{
    struct snap *s = t->c->snap;
    size_t i;

    if (foreign && py_dict_items(t->c, foreign, tk_foreign_pair, t) == 0 && t->nforeign > 1)
        qsort(t->foreign, t->nforeign, sizeof(*t->foreign), tk_foreign_cmp);
    for (i = 0; i < s->ntasks; i++) {
        uint64_t addr = s->tasks[i].addr, rec = 0;
        int64_t off = tk_slot_off(t, py_type_of(t->c, addr));

        if (off > 0)
            source_read_ptr(t->c->src, addr + (uint64_t)off, &rec);
        if (!rec && t->nforeign)
            rec = tk_foreign_find(t, addr);
        if (rec)
            s->tasks[i].track = tk_rec(t, rec, NULL);
    }
}

/* One END tuple into snap.ended; false when it is not one. */
static bool
tk_end(struct tk *t, uint64_t tuple)
{
    struct snap_ended *e;
    struct snap_ended tmp;
    uint64_t v[8];
    size_t n = 0;
    const struct py_code *co;

    if (tk_is_none(t, tuple) || py_seq_read(t->c, tuple, v, 8, &n) < 0 || n < 8)
        return false;
    memset(&tmp, 0, sizeof(tmp));
    tmp.addr = (uint64_t)tk_int(t, v[0], 0);
    tmp.ended_at_ns = (uint64_t)tk_int(t, v[4], 0);
    if (!tmp.addr)
        return false;
    tmp.state = py_str_eq(t->c, v[3], "cancelled") ? SNAP_TASK_CANCELLED : SNAP_TASK_DONE;
    if (!tk_is_none(t, v[1]))
        py_str_of(t->c, v[1], &tmp.name);
    co = !tk_is_none(t, v[2]) && py_is_code(t->c, v[2]) ? py_code_get(t->c, v[2]) : NULL;
    if (co)
        tmp.coro = co->qualname.s ? co->qualname : co->name;
    if (tmp.state == SNAP_TASK_DONE && !tk_is_none(t, v[5]))
        tmp.exception = te_exception_read(t->c, v[5]);
    tmp.track = tk_rec(t, v[6], NULL);
    tmp.critical = tk_int(t, v[7], 0) != 0;
    e = snap_ended_add(t->c->snap);
    *e = tmp;
    return true;
}

static int
tk_end_item(struct py_ctx *c, uint64_t item, void *arg)
{
    struct tk *t = arg;

    (void)c;
    if (t->c->snap->nended >= TK_MAX_RING)
        return 1;
    tk_end(t, item);
    return 0;
}

/* Newest first; the same end twice (ring and critical) once. */
static int
tk_ended_cmp(const void *a, const void *b)
{
    const struct snap_ended *x = a, *y = b;

    if (x->ended_at_ns != y->ended_at_ns)
        return x->ended_at_ns > y->ended_at_ns ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void
tk_ended(struct tk *t, uint64_t ring, uint64_t critical)
{
    struct snap *s = t->c->snap;
    size_t i, k;

    if (ring && py_seq_items(t->c, ring, tk_end_item, t) < 0)
        snap_diag_add(s, SNAP_DIAG_PROCESS, 0, AIO_E_CORRUPT, "tracker: its ring of ended tasks "
                      "is unreadable");
    if (critical)
        py_seq_items(t->c, critical, tk_end_item, t);
    if (s->nended > 1)
        qsort(s->ended, s->nended, sizeof(*s->ended), tk_ended_cmp);
    for (i = k = 0; i < s->nended; i++) {
        if (k && s->ended[k - 1].addr == s->ended[i].addr &&
            s->ended[k - 1].ended_at_ns == s->ended[i].ended_at_ns) {
            s->ended[k - 1].critical |= s->ended[i].critical;
            continue;
        }
        s->ended[k++] = s->ended[i];
    }
    s->nended = k;
}

/* STATE, or 0 when the tracker is not loaded. */
static uint64_t
tk_state(struct tk *t)
{
    uint64_t interp = 0, modules = 0, mod = 0, mdict = 0, state = 0;

    if (py_read_ptr(t->c, t->c->runtime, PYF_RT_INTERP_HEAD, &interp) < 0 || !interp ||
        py_read_ptr(t->c, interp, PYF_IS_MODULES, &modules) < 0 || !modules ||
        py_dict_get_str(t->c, modules, "_aiomon_tracker", &mod) < 0 || !mod ||
        py_read_ptr(t->c, mod, PYF_MOD_DICT, &mdict) < 0 || !mdict ||
        py_dict_get_str(t->c, mdict, "STATE", &state) < 0)
        return 0;
    return state;
}

static const char *const tk_keys[] = {
    "format", "enabled", "error", "keep", "installed_ns", "created", "ended",
    "ring", "critical", "foreign",
};
enum { TK_FORMAT_K, TK_ENABLED, TK_ERROR, TK_KEEP, TK_INSTALLED, TK_CREATED, TK_ENDED,
       TK_RING, TK_CRITICAL, TK_FOREIGN, TK_NKEYS };

/* STATE's values (0 absent); false when the tracker is not loaded or not ours. */
static bool
tk_read_state(struct tk *t, uint64_t *v)
{
    struct snap *s = t->c->snap;
    struct snap_tracker *tr = &s->tracker;
    uint64_t state = tk_state(t);
    size_t i;

    memset(v, 0, TK_NKEYS * sizeof(*v));
    if (!state)
        return false;
    for (i = 0; i < TK_NKEYS; i++)
        py_dict_get_str(t->c, state, tk_keys[i], &v[i]);
    if (tk_int(t, v[TK_FORMAT_K], 0) != TK_FORMAT) {
        snap_diag_add(s, SNAP_DIAG_PROCESS, 0, AIO_E_VERSION, "tracker: its records are of "
                      "another format than this build reads (%lld)",
                      (long long)tk_int(t, v[TK_FORMAT_K], 0));
        return false;
    }
    tr->present = true;
    tr->enabled = tk_int(t, v[TK_ENABLED], 0) != 0;
    if (!tk_is_none(t, v[TK_ERROR]))
        py_str_of(t->c, v[TK_ERROR], &tr->error);
    tr->keep = tk_int(t, v[TK_KEEP], 0);
    tr->created = tk_int(t, v[TK_CREATED], 0);
    tr->ended = tk_int(t, v[TK_ENDED], 0);
    tr->installed_ns = (uint64_t)tk_int(t, v[TK_INSTALLED], 0);
    return true;
}

void
py_tracker_read_state(struct py_ctx *c)
{
    struct tk t;
    uint64_t v[TK_NKEYS];

    memset(&t, 0, sizeof(t));
    t.c = c;
    tk_read_state(&t, v);
}

void
py_tracker_read(struct py_ctx *c)
{
    struct tk t;
    uint64_t v[TK_NKEYS];

    memset(&t, 0, sizeof(t));
    t.c = c;
    if (!tk_read_state(&t, v))
        return;
    tk_tasks(&t, tk_is_none(&t, v[TK_FOREIGN]) ? 0 : v[TK_FOREIGN]);
    tk_ended(&t, tk_is_none(&t, v[TK_RING]) ? 0 : v[TK_RING],
             tk_is_none(&t, v[TK_CRITICAL]) ? 0 : v[TK_CRITICAL]);
    free(t.foreign);
}
