/*
 * containers.c - bounded readers of dict, set, list, tuple, int and instance
 * attributes in the target.  Each reader checks its object's consistency
 * (sizes against their capacity, capacity against a named bound) before it
 * loops, and reads a table in one call rather than one call per entry.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/xalloc.h"
#include "pyint.h"

#define TPFLAGS_MANAGED_DICT (1ul << 4)

/* ---- types ---- */

uint64_t
py_type_of(struct py_ctx *c, uint64_t obj)
{
    uint64_t t = 0;

    if (!obj || py_read_ptr(c, obj, PYF_OB_TYPE, &t) < 0)
        return 0;
    return t;
}

static struct py_type_slot *
py_type_slot(struct py_ctx *c, uint64_t type)
{
    size_t i, n;

    if (!c->types) {
        c->types = xcalloc(MAX_TYPE_CACHE, sizeof(*c->types));
    }
    i = (size_t)((type >> 4) * 0x9e3779b97f4a7c15ull) & (MAX_TYPE_CACHE - 1);
    for (n = 0; n < MAX_TYPE_CACHE; n++, i = (i + 1) & (MAX_TYPE_CACHE - 1)) {
        if (c->types[i].addr == type)
            return &c->types[i];
        if (c->types[i].addr == 0) {
            uint64_t name = 0;

            c->types[i].addr = type;
            c->types[i].is_task = -1;
            if (py_read_ptr(c, type, PYF_TP_NAME, &name) < 0 ||
                source_read_cstr(c->src, name, c->types[i].name, sizeof(c->types[i].name)) < 0)
                c->types[i].name[0] = '\0';
            return &c->types[i];
        }
    }
    return NULL;    /* full: callers treat the type as unknown */
}

const char *
py_type_name(struct py_ctx *c, uint64_t type)
{
    struct py_type_slot *ts;

    if (!type)
        return "";
    ts = py_type_slot(c, type);
    return ts ? ts->name : "";
}

/*
 * A C task has _asyncio.Task among its bases.  A pure-Python one (no C
 * accelerator, or asyncio.tasks._PyTask made on purpose) has a class named
 * "Task" with a class named "Future" further down (asyncio.futures._PyFuture);
 * only registry entries are asked, so the names are enough.
 */
enum py_task_kind
py_type_task_kind(struct py_ctx *c, uint64_t type)
{
    struct py_type_slot *ts = type ? py_type_slot(c, type) : NULL;
    uint64_t t = type;
    bool py_task = false;
    int depth;

    if (!ts)
        return PY_TASK_NONE;
    if (ts->is_task >= 0)
        return (enum py_task_kind)ts->is_task;
    ts->is_task = PY_TASK_NONE;
    for (depth = 0; t && depth < MAX_TYPE_DEPTH; depth++) {
        struct py_type_slot *b = py_type_slot(c, t);

        if (!b)
            break;
        if (strcmp(b->name, "_asyncio.Task") == 0) {
            ts->is_task = PY_TASK_C;
            break;
        }
        if (strcmp(b->name, "Task") == 0)
            py_task = true;
        else if (py_task && strcmp(b->name, "Future") == 0)
            ts->is_task = PY_TASK_PY;
        if (py_read_ptr(c, t, PYF_TP_BASE, &t) < 0)
            break;
    }
    return (enum py_task_kind)ts->is_task;
}

/* ---- str and int ---- */

bool
py_str_eq(struct py_ctx *c, uint64_t obj, const char *s)
{
    unsigned char hdr[64];
    size_t n = strlen(s), hl = layout_off(c->L, PYF_ASCII);
    char buf[128];
    int64_t len;
    uint32_t state;

    if (!obj || n >= sizeof(buf) || hl > sizeof(hdr) || layout_off(c->L, PYF_STR_STATE) + 4 > hl ||
        source_read(c->src, obj, hdr, hl) < 0)
        return false;
    len = py_buf_int(c, hdr, sizeof(hdr), PYF_STR_LENGTH);
    memcpy(&state, hdr + layout_off(c->L, PYF_STR_STATE), 4);
    /* only compact ASCII strings can equal our ASCII names */
    if (len != (int64_t)n || !(state & (1u << 6)) || !(state & (1u << 5)))
        return false;
    if (source_read(c->src, obj + hl, buf, n) < 0)
        return false;
    return memcmp(buf, s, n) == 0;
}

int
py_long_digits(struct py_ctx *c, uint64_t obj, uint32_t *digits, size_t max, size_t *n,
               bool *negative)
{
    const char *tn = py_type_name(c, py_type_of(c, obj));
    int64_t size = 0;
    size_t k;

    /* bool is an int with the same layout */
    if ((strcmp(tn, "int") != 0 && strcmp(tn, "bool") != 0) || !layout_has(c->L, PYF_LONG_DIGIT))
        return -AIO_E_CORRUPT;
    if (layout_has(c->L, PYF_LONG_TAG)) {
        uint64_t tag;

        /* 3.12+: lv_tag = ndigits << 3 | sign bits (0 positive, 1 zero, 2 negative) */
        if (py_read_ptr(c, obj, PYF_LONG_TAG, &tag) < 0)
            return -AIO_E_FAULT;
        size = (int64_t)(tag >> 3);
        if ((tag & 3) == 2)
            size = -size;
    } else if (py_read_int(c, obj, PYF_OB_SIZE, &size) < 0) {
        return -AIO_E_FAULT;
    }
    *negative = size < 0;
    *n = (size_t)(size < 0 ? -size : size);
    if (*n > max)
        return -AIO_E_BOUND;
    if (*n && source_read(c->src, obj + layout_off(c->L, PYF_LONG_DIGIT), digits, *n * 4) < 0)
        return -AIO_E_FAULT;
    for (k = 0; k < *n; k++) {
        if (digits[k] >= (1u << 30))
            return -AIO_E_CORRUPT;  /* not a 30-bit digit */
    }
    return 0;
}

bool
py_long_value(struct py_ctx *c, uint64_t obj, int64_t *out)
{
    /* 30-bit digits, least significant first: up to three (63 bits: thread idents) */
    uint32_t digits[3];
    uint64_t v = 0;
    size_t n, k;
    bool neg;

    if (py_long_digits(c, obj, digits, 3, &n, &neg) < 0)
        return false;
    for (k = n; k > 0; k--) {
        if (v >> 33)
            return false;   /* beyond 63 bits */
        v = v << 30 | digits[k - 1];
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

/* ---- dict ---- */

struct py_dict_view {
    uint64_t entries;           /* address of the first entry */
    uint64_t values;            /* split table values array, 0 if combined */
    size_t n;                   /* entries in use (dk_nentries) */
    size_t esize;               /* entry size */
    bool has_hash;              /* entries are (hash, key, value) */
};

static int
py_dict_keys_view(struct py_ctx *c, uint64_t keys, struct py_dict_view *v)
{
    const struct layout *L = c->L;
    unsigned char hdr[64];
    int64_t nentries, size, kind = 0;
    uint64_t index_bytes;
    int rc;

    if (!layout_has(L, PYF_DK_INDICES) || layout_off(L, PYF_DK_INDICES) > sizeof(hdr))
        return err_set(AIO_E_LAYOUT, "layout of dict keys is missing");
    rc = source_read(c->src, keys, hdr, layout_off(L, PYF_DK_INDICES));
    if (rc < 0)
        return rc;
    nentries = py_buf_int(c, hdr, sizeof(hdr), PYF_DK_NENTRIES);
    if (layout_has(L, PYF_DK_LOG2_SIZE)) {
        /* 3.11+: sizes as log2; entries follow 1 << dk_log2_index_bytes index bytes */
        int64_t l2 = py_buf_int(c, hdr, sizeof(hdr), PYF_DK_LOG2_SIZE);
        int64_t l2i = py_buf_int(c, hdr, sizeof(hdr), PYF_DK_LOG2_INDEX_BYTES);

        if (l2 < 0 || l2 > 30 || l2i < 0 || l2i > 33)
            return -AIO_E_CORRUPT;
        size = (int64_t)1 << l2;
        index_bytes = (uint64_t)1 << l2i;
        kind = py_buf_int(c, hdr, sizeof(hdr), PYF_DK_KIND);
    } else {
        /* 3.8-3.10: dk_size slots, each index 1, 2, 4 or 8 bytes wide */
        size = py_buf_int(c, hdr, sizeof(hdr), PYF_DK_SIZE);
        if (size <= 0 || size > (int64_t)MAX_DICT_ENTRIES * 2)
            return -AIO_E_CORRUPT;
        index_bytes = (uint64_t)size * (size <= 0xff ? 1 : size <= 0xffff ? 2 :
                                        size <= 0xffffffffll ? 4 : 8);
    }
    if (nentries < 0 || nentries > size || nentries > (int64_t)MAX_DICT_ENTRIES)
        return -AIO_E_CORRUPT;
    v->entries = keys + layout_off(L, PYF_DK_INDICES) + index_bytes;
    v->n = (size_t)nentries;
    v->has_hash = kind == 0;
    v->esize = v->has_hash ? layout_off(L, PYF_DICT_ENTRY) : layout_off(L, PYF_DICT_UENTRY);
    if (v->esize == 0)
        v->esize = v->has_hash ? 24 : 16;
    /* an entry is (hash,) key, value: anything else is a layout not to be trusted */
    if (v->esize < 16 || v->esize > 32)
        return -AIO_E_CORRUPT;
    return 0;
}

/* Iterate a keys table with an optional values array (split tables / inline values). */
static int
py_keys_items(struct py_ctx *c, uint64_t keys, uint64_t values, py_pair_fn fn, void *arg)
{
    struct py_dict_view v = { 0, 0, 0, 0, false };
    unsigned char *buf = NULL;
    uint64_t *vals = NULL;
    size_t i, koff;
    int rc;

    rc = py_dict_keys_view(c, keys, &v);
    if (rc < 0 || v.n == 0)
        return rc;
    buf = xmalloc(v.n * v.esize);
    rc = source_read(c->src, v.entries, buf, v.n * v.esize);
    if (rc < 0)
        goto out;
    if (values) {
        vals = xmalloc(v.n * sizeof(*vals));
        rc = source_read(c->src, values, vals, v.n * sizeof(*vals));
        if (rc < 0)
            goto out;
    }
    koff = v.has_hash ? 8 : 0;
    for (i = 0; i < v.n; i++) {
        uint64_t key, val;

        memcpy(&key, buf + i * v.esize + koff, 8);
        if (vals)
            val = vals[i];
        else
            memcpy(&val, buf + i * v.esize + koff + 8, 8);
        if (!key || !val)
            continue;
        if (fn(c, key, val, arg))
            break;
    }
out:
    free(buf);
    free(vals);
    return rc;
}

int
py_dict_items(struct py_ctx *c, uint64_t dict, py_pair_fn fn, void *arg)
{
    uint64_t keys = 0, values = 0;
    int rc;

    rc = py_read_ptr(c, dict, PYF_DICT_KEYS, &keys);
    if (rc < 0)
        return rc;
    rc = py_read_ptr(c, dict, PYF_DICT_VALUES, &values);
    if (rc < 0)
        return rc;
    if (!keys)
        return -AIO_E_CORRUPT;
    if (values)
        values += layout_off(c->L, PYF_DV_VALUES);
    return py_keys_items(c, keys, values, fn, arg);
}

struct py_find_arg {
    const char *const *names;
    uint64_t *values;
    size_t n, found;
};

static int
py_find_cb(struct py_ctx *c, uint64_t key, uint64_t value, void *arg)
{
    struct py_find_arg *fa = arg;
    size_t i;

    for (i = 0; i < fa->n; i++) {
        if (!fa->values[i] && py_str_eq(c, key, fa->names[i])) {
            fa->values[i] = value;
            fa->found++;
            break;
        }
    }
    return fa->found == fa->n;
}

int
py_dict_get_str(struct py_ctx *c, uint64_t dict, const char *name, uint64_t *value)
{
    struct py_find_arg fa = { &name, value, 1, 0 };

    *value = 0;
    return py_dict_items(c, dict, py_find_cb, &fa);
}

int
py_attrs_get(struct py_ctx *c, uint64_t obj, const char *const *names, uint64_t *values,
             size_t n)
{
    struct py_find_arg fa = { names, values, n, 0 };
    uint64_t type = py_type_of(c, obj), dict = 0, vals = 0, keys = 0;
    int rc;

    memset(values, 0, n * sizeof(*values));
    if (!type)
        return -AIO_E_FAULT;
    rc = c->ops->instance_dict(c, obj, type, &dict, &vals);
    if (rc < 0)
        return rc;
    if (dict)
        rc = py_dict_items(c, dict, py_find_cb, &fa);
    else if (vals && py_read_ptr(c, type, PYF_HT_CACHED_KEYS, &keys) == 0 && keys)
        rc = py_keys_items(c, keys, vals, py_find_cb, &fa);
    else
        return -AIO_E_CORRUPT;
    return rc < 0 ? rc : 0;
}

int
py_attr_get(struct py_ctx *c, uint64_t obj, const char *name, uint64_t *value)
{
    return py_attrs_get(c, obj, &name, value, 1);
}


int
py_instance_dict_offset(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict)
{
    int64_t off = 0;
    int rc = py_read_int(c, type, PYF_TP_DICTOFFSET, &off);

    *dict = 0;
    if (rc < 0)
        return rc;
    if (off <= 0 || off > 65536)
        return 0;   /* none, or variable-size objects (not needed here) */
    return source_read_ptr(c->src, obj + (uint64_t)off, dict);
}


bool
py_type_managed_dict(struct py_ctx *c, uint64_t type, uint64_t *flags)
{
    if (py_read_ptr(c, type, PYF_TP_FLAGS, flags) < 0)
        return false;
    return (*flags & TPFLAGS_MANAGED_DICT) != 0;
}

/* ---- set, list, tuple ---- */

int
py_set_items(struct py_ctx *c, uint64_t set, py_item_fn fn, void *arg)
{
    int64_t mask = 0, used = 0;
    uint64_t table = 0;
    size_t i, n, es = layout_off(c->L, PYF_SET_ENTRY);
    unsigned char *buf;
    int rc;

    if (!es)
        es = 16;
    if (es < 16 || es > 32)
        return -AIO_E_CORRUPT;     /* a setentry is (key, hash): a layout not to be trusted */
    if ((rc = py_read_int(c, set, PYF_SET_MASK, &mask)) < 0 ||
        (rc = py_read_int(c, set, PYF_SET_USED, &used)) < 0 ||
        (rc = py_read_ptr(c, set, PYF_SET_TABLE, &table)) < 0)
        return rc;
    if (mask < 0 || mask + 1 > (int64_t)MAX_SET_SLOTS || ((mask + 1) & mask) != 0 ||
        used < 0 || used > mask + 1 || !table)
        return -AIO_E_CORRUPT;
    n = (size_t)mask + 1;
    buf = xmalloc(n * es);
    rc = source_read(c->src, table, buf, n * es);
    /*
     * Every slot is visited: deleted entries hold the dummy key (non-NULL), so
     * stopping after `used` keys would miss live ones.  Callers validate keys.
     */
    for (i = 0; rc == 0 && i < n; i++) {
        uint64_t key;

        memcpy(&key, buf + i * es, 8);
        if (key && fn(c, key, arg))
            break;
    }
    free(buf);
    return rc;
}

/* Where a list's or tuple's items are, and how many (bounded). */
static int
py_seq_view(struct py_ctx *c, uint64_t seq, uint64_t *items, size_t *n)
{
    const char *tn = py_type_name(c, py_type_of(c, seq));
    int64_t size = 0;
    int rc;

    *n = 0;
    if ((rc = py_read_int(c, seq, PYF_OB_SIZE, &size)) < 0)
        return rc;
    if (size < 0 || size > (int64_t)MAX_LIST_ITEMS)
        return -AIO_E_CORRUPT;
    if (strcmp(tn, "list") == 0) {
        if ((rc = py_read_ptr(c, seq, PYF_LIST_ITEM, items)) < 0)
            return rc;
    } else if (strcmp(tn, "tuple") == 0) {
        *items = seq + layout_off(c->L, PYF_TUPLE_ITEM);
    } else {
        return -AIO_E_CORRUPT;
    }
    *n = (size_t)size;
    return 0;
}

int
py_seq_items(struct py_ctx *c, uint64_t seq, py_item_fn fn, void *arg)
{
    uint64_t items = 0, *v;
    size_t i, size;
    int rc;

    if ((rc = py_seq_view(c, seq, &items, &size)) < 0 || size == 0)
        return rc;
    v = xmalloc(size * 8);
    rc = source_read(c->src, items, v, size * 8);
    for (i = 0; rc == 0 && i < size; i++) {
        if (v[i] && fn(c, v[i], arg))
            break;
    }
    free(v);
    return rc;
}

int
py_seq_read(struct py_ctx *c, uint64_t seq, uint64_t *out, size_t max, size_t *n)
{
    uint64_t items = 0;
    size_t size;
    int rc;

    *n = 0;
    if ((rc = py_seq_view(c, seq, &items, &size)) < 0)
        return rc;
    if (size < max)
        max = size;
    if (max && (rc = source_read(c->src, items, out, max * 8)) < 0)
        return rc;
    *n = max;
    return 0;
}
