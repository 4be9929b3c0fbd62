/*
 * layout.h - THE layout interface: where each field of the target's CPython
 * structures is.  Walkers ask by field id (fields.def); no walker hard-codes
 * an offset.
 *
 * Providers fill a layout, in order of preference: the target's DWARF (its
 * binary or separate debug file), _Py_DebugOffsets (3.13+), built-in tables
 * generated from reference builds.  A forced source (--layout) is used for
 * every field it can provide; the rest come from the next provider, and the
 * layout says so.  Each source's layout passes layout_check() before it is
 * used (else that source is refused and the next one fills in); after
 * merging, layout_validate() checks every offset once more; the hot path
 * then trusts them.
 */
#ifndef AIO_PYFRAMES_LAYOUT_H
#define AIO_PYFRAMES_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum py_field {
#define S(id, owner, structs) PYF_##id,
#define F(id, owner, structs, members) PYF_##id,
#include "fields.def"
#undef S
#undef F
    PYF__COUNT
};

enum layout_owner {
    LAYOUT_CORE = 0,            /* python / libpython */
    LAYOUT_ASYNCIO = 1,         /* _asyncio extension module */
};

enum layout_src {
    LAYOUT_SRC_NONE = 0,
    LAYOUT_SRC_DWARF,
    LAYOUT_SRC_DEBUG_OFFSETS,
    LAYOUT_SRC_TABLE,
    LAYOUT_SRC_CACHE,           /* DWARF results read back from the on-disk cache */
};

struct layout_field {
    bool present;
    uint8_t src;                /* enum layout_src */
    uint16_t bit_size;          /* 0 unless a bit-field */
    uint16_t bit_off;           /* bit offset within the byte at `off` (bit-fields) */
    uint32_t off;               /* member offset, or struct size for S() entries */
    uint32_t size;              /* member byte size (storage unit for bit-fields) */
};

struct layout {
    struct layout_field f[PYF__COUNT];
};

/* Static description of each field (from fields.def). */
struct layout_desc {
    const char *name;           /* "TS_NEXT" */
    enum layout_owner owner;
    bool is_size;               /* S() entry */
    const char *structs;        /* "|"-separated */
    const char *members;        /* "|"-separated dotted paths; NULL for S() */
};

extern const struct layout_desc layout_descs[PYF__COUNT];

static inline bool
layout_has(const struct layout *L, enum py_field id)
{
    return L->f[id].present;
}

/* Offset of a member (or size of a struct).  Callers check layout_has() for optional fields. */
static inline uint64_t
layout_off(const struct layout *L, enum py_field id)
{
    return L->f[id].off;
}

static inline uint32_t
layout_size(const struct layout *L, enum py_field id)
{
    return L->f[id].size;
}

/* Field id by name ("TS_NEXT"), or -1. */
int layout_field_by_name(const char *name);

const char *layout_src_name(enum layout_src s);

/* Copy every present field of `from` whose owner matches into `to` where `to` lacks it. */
void layout_merge(struct layout *to, const struct layout *from, enum layout_owner owner);

/*
 * What every layout must satisfy, whichever source it comes from (CPython's
 * own remote debugging checks its _Py_DebugOffsets the same way): offsets
 * and sizes below 1 MiB, struct sizes nonzero; a member whose struct size
 * the layout has (an S() entry naming its struct) ends within it (a
 * bit-field by its bits, a flexible array may start at the very end); a
 * scalar member of 2, 4 or 8 bytes is at a multiple of its size.
 *
 * layout_check: a layout from one source, before it is used: 0, or a
 * negative AIO_E_CORRUPT whose message (err_msg) names the source and the
 * first field that fails; the caller refuses that source and goes on with
 * the next one.
 */
int layout_check(const struct layout *L, const char *source);

/*
 * layout_validate: the merged layout, once: a field that fails is marked
 * absent (a member may only fail against a struct size from another
 * source).  Returns the number of fields dropped.
 */
int layout_validate(struct layout *L);

/*
 * Where this side opens the target's file path p into out (the shape of
 * source_host_path): 0 when out names it.
 */
typedef int (*layout_host_fn)(void *arg, const char *p, char *out, size_t size);

/*
 * DWARF provider: fill the fields of `owner` from the ELF `file` (a path this
 * side opens; `path` is the target's name for it), or its separate debug
 * file: /usr/lib/debug/.build-id/XX/REST.debug, or the .gnu_debuglink name
 * next to `file` (or in its .debug/), then next to the target's `path` (or
 * in its .debug/), then under /usr/lib/debug + path's directory.  Every
 * target path goes through host(arg, ...) (NULL: the paths as named).
 * Returns the number of fields found, or a negative AIO_E_LAYOUT when the
 * file has no usable DWARF.  from (may be NULL) gets the path of the file
 * the DWARF was read from, on this side.
 */
int layout_from_dwarf(struct layout *L, enum layout_owner owner, const char *file,
                      const char *path, layout_host_fn host, void *arg, char *from,
                      size_t fromsize);

/*
 * On-disk cache of DWARF results keyed by build-id under
 * $XDG_CACHE_HOME/aiomon-attach/ (default ~/.cache/aiomon-attach).
 * load: 0 when found (fields of owner filled, src = CACHE), negative otherwise.
 */
int layout_cache_load(struct layout *L, enum layout_owner owner, const char *build_id);
void layout_cache_store(const struct layout *L, enum layout_owner owner, const char *build_id);

/* Print the fields of owner as "NAME off size bit_off bit_size" lines (tables, debugging). */
void layout_dump(FILE *f, const struct layout *L, enum layout_owner owner);

#endif
