/*
 * task_end.c - why a task ended and where it was created, read from outside:
 * the exception a done task raised (type, message, traceback, whether it was
 * retrieved, its __cause__ chain), how a cancelled task was cancelled (the
 * cancel message, the CancelledError's traceback where CPython keeps it), and
 * the creation stack asyncio's debug mode records (_source_traceback).
 *
 * A C task keeps these in FutureObj (fut_exception, fut_log_tb,
 * fut_cancel_msg, fut_cancelled_exc, fut_source_tb); a pure-Python one in its
 * instance attributes (_exception, _log_traceback, _cancel_message,
 * _cancelled_exc, _source_traceback).  Nothing here runs target code: the
 * message is built from the exception's args with safe renderings.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"
#include "task_end.h"
#include "tasks.h"

#define TPFLAGS_HEAPTYPE (1ul << 9)

#define MAX_TB_FRAMES    1024   /* traceback entries kept per exception */
#define MAX_CAUSE_DEPTH  SNAP_MAX_CAUSES
#define MAX_EXC_ARGS     16     /* args rendered into a message */
#define MAX_MSG_BYTES    2048   /* a message's cap (then "…") */

/* ---- pure helpers (unit-tested) ---- */

void
exc_type_split(const char *tp_name, const char **qual, size_t *qual_len, const char **module,
               size_t *module_len)
{
    const char *dot = strrchr(tp_name, '.');

    if (!dot) {
        *qual = tp_name;
        *qual_len = strlen(tp_name);
        *module = "builtins";
        *module_len = 8;
        return;
    }
    *qual = dot + 1;
    *qual_len = strlen(dot + 1);
    *module = tp_name;
    *module_len = (size_t)(dot - tp_name);
}

size_t
exc_message_join(const struct snap_str *items, size_t n, char *out, size_t cap)
{
    static const char ell[] = "\xe2\x80\xa6";
    size_t o = 0, i;

    if (cap < 8)
        return 0;
#define PUT(p, len) do {                                                \
        size_t l_ = (len);                                              \
        if (o + l_ + sizeof(ell) > cap) {                               \
            memcpy(out + o, ell, sizeof(ell) - 1);                      \
            o += sizeof(ell) - 1;                                       \
            out[o] = '\0';                                              \
            return o;                                                   \
        }                                                               \
        memcpy(out + o, (p), l_);                                       \
        o += l_;                                                        \
    } while (0)
    PUT("(", 1);
    for (i = 0; i < n; i++) {
        if (i)
            PUT(", ", 2);
        if (items[i].s)
            PUT(items[i].s, items[i].len);
        else
            PUT("?", 1);
    }
    PUT(")", 1);
#undef PUT
    out[o] = '\0';
    return o;
}

/* ---- reading ---- */

/* An exception's type: __qualname__ and __module__, as Python would say them. */
static void
te_exc_type(struct py_ctx *c, uint64_t obj, struct snap_exc *e)
{
    uint64_t type = py_type_of(c, obj), name = 0, q = 0, dict = 0, mod = 0;
    int64_t flags = 0;
    char buf[256];
    const char *qs, *ms;
    size_t ql, ml;

    e->type = snap_str_cstr(c->snap, "?");
    e->module = snap_str_cstr(c->snap, "?");
    if (!type || py_read_ptr(c, type, PYF_TP_NAME, &name) < 0 ||
        source_read_cstr(c->src, name, buf, sizeof(buf)) < 0 || !buf[0])
        return;
    exc_type_split(buf, &qs, &ql, &ms, &ml);
    e->type = snap_str_from(c->snap, qs, ql);
    e->module = snap_str_from(c->snap, ms, ml);
    if (py_read_int(c, type, PYF_TP_FLAGS, &flags) < 0 || !(flags & (int64_t)TPFLAGS_HEAPTYPE))
        return;
    /* a class statement's type: its own __qualname__ and the __module__ in its dict */
    if (layout_has(c->L, PYF_HT_QUALNAME) && py_read_ptr(c, type, PYF_HT_QUALNAME, &q) == 0 && q)
        py_read_str(c, q, MAX_NAME_BYTES, &e->type, NULL);
    if (py_read_ptr(c, type, PYF_TP_DICT, &dict) == 0 && dict &&
        py_dict_get_str(c, dict, "__module__", &mod) == 0 && mod &&
        strcmp(py_type_name(c, py_type_of(c, mod)), "str") == 0)
        py_read_str(c, mod, MAX_NAME_BYTES, &e->module, NULL);
}

struct te_args {
    uint64_t item[MAX_EXC_ARGS];
    size_t n, total;
};

static int
te_arg(struct py_ctx *c, uint64_t item, void *arg)
{
    struct te_args *a = arg;

    (void)c;
    if (a->n < MAX_EXC_ARGS)
        a->item[a->n++] = item;
    a->total++;
    return 0;
}

/*
 * What str(exc) gives for the usual cases: no args "", one str arg that
 * string, one other arg its repr for KeyError and its str otherwise, more
 * args the tuple's repr.
 */
static void
te_exc_message(struct py_ctx *c, uint64_t obj, struct snap_exc *e)
{
    struct snap_str parts[MAX_EXC_ARGS + 1];
    struct te_args a;
    uint64_t args = 0;
    char *buf;
    size_t i, n;

    memset(&a, 0, sizeof(a));
    e->message = snap_str_cstr(c->snap, "");
    if (py_read_ptr(c, obj, PYF_EXC_ARGS, &args) < 0 || !args ||
        strcmp(py_type_name(c, py_type_of(c, args)), "tuple") != 0 ||
        py_seq_items(c, args, te_arg, &a) < 0 || a.total == 0)
        return;
    if (a.total == 1) {
        if (e->type.s && strcmp(e->type.s, "KeyError") == 0 && e->module.s &&
            strcmp(e->module.s, "builtins") == 0)
            py_repr(c, a.item[0], NULL, &e->message);
        else
            py_str_of(c, a.item[0], &e->message);
        return;
    }
    for (i = 0; i < a.n; i++) {
        if (py_repr(c, a.item[i], NULL, &parts[i]) < 0)
            parts[i] = snap_str_cstr(c->snap, "?");
    }
    n = a.n;
    if (a.total > a.n)
        parts[n++] = snap_str_cstr(c->snap, "\xe2\x80\xa6");
    buf = xmalloc(MAX_MSG_BYTES);
    n = exc_message_join(parts, n, buf, MAX_MSG_BYTES);
    e->message = snap_str_from(c->snap, buf, n);
    free(buf);
}

/* A frame object's code and current offset (3.11+: through its interpreter frame). */
static int
te_frame_object(struct py_ctx *c, uint64_t fo, struct py_frame *pf)
{
    uint64_t f = fo;

    if (layout_has(c->L, PYF_FO_FRAME) && (py_read_ptr(c, fo, PYF_FO_FRAME, &f) < 0 || !f))
        return -AIO_E_CORRUPT;
    return c->ops->frame_read(c, f, pf);
}

struct te_tb {
    uint64_t tb;
    const struct py_code *co;
    int64_t lasti;
    int line;
};

/*
 * The frames of a traceback chain (tb_next from outermost), appended to the
 * snapshot innermost first.  Bounded; a loop in tb_next stops it.
 */
static struct snap_frames
te_traceback(struct py_ctx *c, uint64_t tb)
{
    struct snap_frames out = { c->snap->nframes, 0 };
    struct te_tb *v = NULL;
    size_t n = 0, cap = 0, i, k;

    while (tb && n < MAX_TB_FRAMES) {
        uint64_t fo = 0, next = 0;
        int64_t lineno = -1, lasti = -1;
        struct py_frame pf;
        const struct py_code *co;

        if (strcmp(py_type_name(c, py_type_of(c, tb)), "traceback") != 0)
            break;
        for (k = 0; k < n; k++) {
            if (v[k].tb == tb)
                goto done;
        }
        if (py_read_ptr(c, tb, PYF_TB_FRAME, &fo) < 0 || !fo ||
            py_read_ptr(c, tb, PYF_TB_NEXT, &next) < 0)
            break;
        py_read_int(c, tb, PYF_TB_LINENO, &lineno);
        py_read_int(c, tb, PYF_TB_LASTI, &lasti);
        if (te_frame_object(c, fo, &pf) < 0 || !(co = py_code_get(c, pf.code)))
            break;
        xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n].tb = tb;
        v[n].co = co;
        /* tb_lasti is in bytes; tb_lineno is -1 until asked (3.11+) */
        v[n].lasti = lasti >= 0 ? lasti : pf.lasti_bytes;
        v[n].line = lineno > 0 && lineno < (1 << 30) ? (int)lineno : 0;
        n++;
        tb = next;
    }
done:
    for (i = n; i > 0; i--) {
        py_frame_emit(c, v[i - 1].co, v[i - 1].lasti);
        if (v[i - 1].line)
            c->snap->frames[c->snap->nframes - 1].line = v[i - 1].line;
    }
    out.count = n;
    free(v);
    return out;
}

/* None is an object like any other: an attribute holding None holds nothing. */
static uint64_t
te_not_none(struct py_ctx *c, uint64_t obj)
{
    return obj && strcmp(py_type_name(c, py_type_of(c, obj)), "NoneType") != 0 ? obj : 0;
}

/* An exception object (and its __cause__ chain) into the snapshot; NULL if unreadable. */
static struct snap_exc *
te_exception(struct py_ctx *c, uint64_t exc, uint64_t tb, int depth)
{
    struct snap_exc *e;
    uint64_t cause = 0, own = 0;

    if (!exc || !py_type_of(c, exc))
        return NULL;
    e = arena_alloc(&c->snap->arena, sizeof(*e));
    te_exc_type(c, exc, e);
    te_exc_message(c, exc, e);
    /* its own __traceback__; else the one the future kept (fut_exception_tb) */
    if (py_read_ptr(c, exc, PYF_EXC_TRACEBACK, &own) == 0 && te_not_none(c, own))
        tb = own;
    if (tb)
        e->traceback = te_traceback(c, tb);
    else
        e->traceback.first = c->snap->nframes;
    e->retrieved = true;
    if (depth < MAX_CAUSE_DEPTH && py_read_ptr(c, exc, PYF_EXC_CAUSE, &cause) == 0 && cause &&
        cause != exc)
        e->cause = te_exception(c, cause, 0, depth + 1);
    return e;
}

const struct snap_exc *
te_exception_read(struct py_ctx *c, uint64_t exc)
{
    struct snap_exc *e = te_exception(c, te_not_none(c, exc), 0, 0);

    if (e)
        e->retrieved = true;    /* unknown: the task object is gone */
    return e;
}

/* A __slots__ member of an instance (by its member descriptor in the type's dict). */
static uint64_t
te_slot(struct py_ctx *c, uint64_t obj, uint64_t type_dict, const char *name)
{
    uint64_t descr = 0, def = 0, v = 0;
    int64_t off = 0;

    if (py_dict_get_str(c, type_dict, name, &descr) < 0 || !descr ||
        strcmp(py_type_name(c, py_type_of(c, descr)), "member_descriptor") != 0 ||
        py_read_ptr(c, descr, PYF_MEMBER_DESCR_DEF, &def) < 0 || !def ||
        py_read_int(c, def, PYF_MEMBER_DEF_OFFSET, &off) < 0 || off <= 0 || off > 4096 ||
        source_read_ptr(c->src, obj + (uint64_t)off, &v) < 0)
        return 0;
    return v;
}

/*
 * The creation stack of debug mode: a list of traceback.FrameSummary
 * (oldest first; each has __slots__ filename, lineno, name), appended
 * innermost first.
 */
static struct snap_frames
te_source_traceback(struct py_ctx *c, uint64_t list)
{
    struct snap_frames out = { c->snap->nframes, 0 };
    const char *tn = py_type_name(c, py_type_of(c, list));
    uint64_t type_dict = 0, type = 0, items = 0, *v;
    int64_t size = 0;
    size_t i, n;

    /* a list, or traceback.StackSummary (3.12+), a list subclass with the same items */
    if ((strcmp(tn, "list") != 0 && strcmp(tn, "StackSummary") != 0) ||
        py_read_int(c, list, PYF_OB_SIZE, &size) < 0 || size <= 0 ||
        py_read_ptr(c, list, PYF_LIST_ITEM, &items) < 0 || !items)
        return out;
    /* the innermost MAX_TB_FRAMES when there are more */
    n = size > MAX_TB_FRAMES ? MAX_TB_FRAMES : (size_t)size;
    v = xmalloc(n * sizeof(*v));
    if (source_read(c->src, items + ((uint64_t)size - n) * 8, v, n * sizeof(*v)) < 0)
        goto done;
    for (i = n; i > 0; i--) {
        uint64_t it = v[i - 1], fn, ln, nm;
        struct snap_frame f;
        int64_t line = 0;

        if (py_type_of(c, it) != type) {
            type = py_type_of(c, it);
            type_dict = 0;
            if (!type || strcmp(py_type_name(c, type), "FrameSummary") != 0 ||
                py_read_ptr(c, type, PYF_TP_DICT, &type_dict) < 0 || !type_dict)
                break;
        }
        fn = te_slot(c, it, type_dict, "filename");
        ln = te_slot(c, it, type_dict, "lineno");
        nm = te_slot(c, it, type_dict, "name");
        memset(&f, 0, sizeof(f));
        f.kind = SNAP_FRAME_PYTHON;
        if (!fn || py_read_str(c, fn, MAX_NAME_BYTES, &f.file, NULL) < 0 ||
            !nm || py_read_str(c, nm, MAX_NAME_BYTES, &f.function, NULL) < 0)
            break;
        if (py_long_value(c, ln, &line) && line > 0 && line < (1 << 30))
            f.line = (int)line;
        *snap_frame_add(c->snap) = f;
        out.count++;
    }
done:
    free(v);
    return out;
}

/* What ended the task, whichever kind it is (its FutureObj or its attributes). */
struct te_fields {
    uint64_t exc, exc_tb, cancel_msg, cancelled_exc, source_tb;
    bool log_tb;
};

static void
te_fields_c(struct py_ctx *c, uint64_t addr, struct te_fields *f)
{
    int64_t v = 0;

    if (layout_has(c->L, PYF_FUT_EXCEPTION))
        py_read_ptr(c, addr, PYF_FUT_EXCEPTION, &f->exc);
    if (layout_has(c->L, PYF_FUT_EXCEPTION_TB))
        py_read_ptr(c, addr, PYF_FUT_EXCEPTION_TB, &f->exc_tb);
    if (layout_has(c->L, PYF_FUT_LOG_TB) && py_read_int(c, addr, PYF_FUT_LOG_TB, &v) == 0)
        f->log_tb = v != 0;
    if (layout_has(c->L, PYF_FUT_CANCEL_MSG))
        py_read_ptr(c, addr, PYF_FUT_CANCEL_MSG, &f->cancel_msg);
    if (layout_has(c->L, PYF_FUT_CANCELLED_EXC))
        py_read_ptr(c, addr, PYF_FUT_CANCELLED_EXC, &f->cancelled_exc);
    if (layout_has(c->L, PYF_FUT_SOURCE_TB))
        py_read_ptr(c, addr, PYF_FUT_SOURCE_TB, &f->source_tb);
}

static void
te_fields_py(struct py_ctx *c, uint64_t addr, struct te_fields *f)
{
    static const char *const names[] = { "_exception", "_exception_tb", "_Future__log_traceback",
                                         "_cancel_message", "_cancelled_exc",
                                         "_source_traceback" };
    uint64_t v[sizeof(names) / sizeof(names[0])];
    int64_t b = 0;

    if (py_attrs_get(c, addr, names, v, sizeof(names) / sizeof(names[0])) < 0)
        return;
    f->exc = v[0];
    f->exc_tb = v[1];
    /* _log_traceback is a property of the private __log_traceback, a class attribute
     * (False) until set on the instance */
    f->log_tb = v[2] && py_long_value(c, v[2], &b) && b != 0;
    f->cancel_msg = v[3];
    f->cancelled_exc = v[4];
    f->source_tb = v[5];
}

void
te_read(struct py_ctx *c, uint64_t addr, enum py_task_kind kind, size_t idx)
{
    struct snap *s = c->snap;
    struct te_fields f;
    enum snap_task_state st = s->tasks[idx].state;

    memset(&f, 0, sizeof(f));
    if (kind == PY_TASK_PY)
        te_fields_py(c, addr, &f);
    else
        te_fields_c(c, addr, &f);
    f.exc = te_not_none(c, f.exc);
    f.exc_tb = te_not_none(c, f.exc_tb);
    f.cancel_msg = te_not_none(c, f.cancel_msg);
    f.cancelled_exc = te_not_none(c, f.cancelled_exc);
    f.source_tb = te_not_none(c, f.source_tb);
    if (st == SNAP_TASK_DONE && f.exc) {
        struct snap_exc *e = te_exception(c, f.exc, f.exc_tb, 0);

        if (e)
            e->retrieved = !f.log_tb;
        s->tasks[idx].exception = e;
    } else if (st == SNAP_TASK_CANCELLED) {
        struct snap_cancel *k = arena_alloc(&s->arena, sizeof(*k));
        uint64_t tb = 0;

        if (f.cancel_msg)
            py_str_of(c, f.cancel_msg, &k->message);
        k->traceback.first = s->nframes;
        if (f.cancelled_exc) {
            struct te_args a;
            uint64_t args = 0;

            /* once the cancellation ran, the message is only the CancelledError's arg */
            memset(&a, 0, sizeof(a));
            if (!f.cancel_msg && py_read_ptr(c, f.cancelled_exc, PYF_EXC_ARGS, &args) == 0 &&
                args && strcmp(py_type_name(c, py_type_of(c, args)), "tuple") == 0 &&
                py_seq_items(c, args, te_arg, &a) == 0 && a.total == 1)
                py_str_of(c, a.item[0], &k->message);
            if (py_read_ptr(c, f.cancelled_exc, PYF_EXC_TRACEBACK, &tb) == 0 &&
                te_not_none(c, tb))
                k->traceback = te_traceback(c, tb);
        }
        s->tasks[idx].cancelled = k;
    }
    if (f.source_tb)
        s->tasks[idx].created_at = te_source_traceback(c, f.source_tb);
}
