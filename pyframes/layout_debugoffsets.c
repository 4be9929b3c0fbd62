/*
 * layout_debugoffsets.c - layouts from CPython's own _Py_DebugOffsets
 * (3.13+), the struct at the very start of _PyRuntime with cookie "xdebugpy",
 * and from the _asyncio module's AsyncioDebug section (3.14+,
 * Py_AsyncioModuleDebugOffsets).
 *
 * The struct is a sequence of uint64_t offsets whose set grows with each
 * minor version; its own layout is therefore per minor version and lives
 * here, in one table per version, and nowhere else; the version registry
 * (versions.c) names the table of each minor version, and the `version`
 * member of the struct must agree with it.  Every value read is checked against the
 * size of the struct it is a member of (also given by the struct) before any
 * of it is used: one value out of range and the whole image is refused.
 */
#include "layout.h"

#include <string.h>

#include "../common/err.h"
#include "layout_debugoffsets.h"

#define DBGOFF_MAX_BYTES 2048
#define DBGOFF_MAX_STRUCT (1u << 20)    /* largest struct size believed (as layout.c) */
#define DBGOFF_HDR 24                   /* cookie[8], version, free_threaded */

/*
 * Where a debug-offsets value goes.  width: byte size of the member (the
 * struct gives none; 0 for sizes and for arrays and embedded structs).
 * within: position of the size of the struct the member belongs to (or
 * DBGOFF_NONE); the member must lie inside it.
 */
struct dbgoff_map {
    enum py_field field;
    uint16_t pos;               /* byte position of the uint64_t inside _Py_DebugOffsets */
    uint8_t width;
    uint16_t within;            /* DBGOFF_NONE: no struct size given */
};

#define DBGOFF_NONE 0xffffu

/* One version's AsyncioDebug section (Py_AsyncioModuleDebugOffsets). */
struct adbg_version {
    const struct dbgoff_map *map;
    size_t n;
    size_t size;                /* bytes of the section read */
    /* the task members the section does not give, from those it gives (NULL: none) */
    void (*derive)(struct layout *L, const unsigned char *buf);
};

/* One version's _Py_DebugOffsets, and the facts derived from it. */
struct dbgoff_version {
    unsigned minor;             /* 3.<minor> */
    uint32_t min_hex;           /* first release (PY_VERSION_HEX) with this layout, 0: any */
    uint16_t size;              /* sizeof(_Py_DebugOffsets) */
    const struct dbgoff_map *map;
    size_t n;
    uint16_t unicode_size;      /* unicode_object.size */
    uint16_t gil_state, gil_locked, gil_holder;     /* interpreter_state.gil_runtime_state* */
    uint16_t pyobject_size;     /* 0: not derived from */
    uint16_t gen_name;          /* gen_object.gi_name, 0: none */
};

/*
 * 3.13 (Include/internal/pycore_runtime.h, _Py_DebugOffsets): cookie[8], version,
 * free_threaded, then runtime_state{size, finalizing, interpreters_head} at 24, ...
 */
static const struct dbgoff_map dbgoff_313[] = {
    { PYF_RUNTIME, 24, 0, DBGOFF_NONE },
    { PYF_RT_INTERP_HEAD, 40, 8, 24 },
    { PYF_INTERP, 48, 0, DBGOFF_NONE },
    { PYF_IS_NEXT, 64, 8, 48 },
    { PYF_IS_TSTATE_HEAD, 72, 8, 48 },
    { PYF_IS_MODULES, 88, 8, 48 },
    { PYF_IS_GIL_PTR, 112, 8, 48 },
    { PYF_TSTATE, 152, 0, DBGOFF_NONE },
    { PYF_TS_NEXT, 168, 8, 152 },
    { PYF_TS_INTERP, 176, 8, 152 },
    { PYF_TS_CURRENT_FRAME, 184, 8, 152 },
    { PYF_TS_THREAD_ID, 192, 8, 152 },
    { PYF_TS_NATIVE_TID, 200, 8, 152 },
    { PYF_IFRAME, 224, 0, DBGOFF_NONE },
    { PYF_IF_PREVIOUS, 232, 8, 224 },
    { PYF_IF_CODE, 240, 8, 224 },
    { PYF_IF_INSTR, 248, 8, 224 },
    { PYF_IF_LOCALSPLUS, 256, 0, 224 },
    { PYF_IF_OWNER, 264, 1, 224 },
    { PYF_CODE, 272, 0, DBGOFF_NONE },
    { PYF_CO_FILENAME, 280, 8, 272 },
    { PYF_CO_NAME, 288, 8, 272 },
    { PYF_CO_QUALNAME, 296, 8, 272 },
    { PYF_CO_LINETABLE, 304, 8, 272 },
    { PYF_CO_FIRSTLINENO, 312, 4, 272 },
    { PYF_CO_CODE_ADAPTIVE, 344, 0, 272 },
    { PYF_OB_TYPE, 360, 8, 352 },
    { PYF_TP_NAME, 376, 8, 368 },
    { PYF_TP_FLAGS, 392, 8, 368 },
    { PYF_TUPLE_ITEM, 408, 0, 400 },
    { PYF_OB_SIZE, 416, 8, 400 },
    { PYF_LIST_ITEM, 432, 8, 424 },
    { PYF_DICT_KEYS, 456, 8, 448 },
    { PYF_DICT_VALUES, 464, 8, 448 },
    { PYF_LONG_TAG, 496, 8, 488 },
    { PYF_LONG_DIGIT, 504, 0, 488 },
    { PYF_BYTES_SVAL, 528, 0, 512 },
    { PYF_STR_STATE, 544, 4, 536 },
    { PYF_STR_LENGTH, 552, 8, 536 },
    { PYF_ASCII, 560, 0, DBGOFF_NONE },
};

/*
 * 3.14 (Include/internal/pycore_debug_offsets.h of the 3.14 branch).  New
 * against 3.13: interpreter_state gains threads_main after threads_head and
 * code_object_generation, tlbc_generation at its end; interpreter_frame gains
 * stackpointer, tlbc_index; code_object gains co_tlbc; new sub-structs
 * set_object (before dict_object), gen_object, llist_node and
 * debugger_support at the end.  Positions:
 *   runtime_state 24..47      interpreter_state 48..175  thread_state 176..247
 *   interpreter_frame 248..311 code_object 312..399    pyobject 400..415
 *   type_object 416..447       tuple_object 448..471   list_object 472..495
 *   set_object 496..527        dict_object 528..551    float_object 552..567
 *   long_object 568..591       bytes_object 592..615   unicode_object 616..647
 *   gc 648..663                gen_object 664..695     llist_node 696..711
 *   debugger_support 712..759
 */
static const struct dbgoff_map dbgoff_314[] = {
    { PYF_RUNTIME, 24, 0, DBGOFF_NONE },
    { PYF_RT_INTERP_HEAD, 40, 8, 24 },
    { PYF_INTERP, 48, 0, DBGOFF_NONE },
    { PYF_IS_NEXT, 64, 8, 48 },
    { PYF_IS_TSTATE_HEAD, 72, 8, 48 },
    { PYF_IS_MODULES, 96, 8, 48 },
    { PYF_IS_GIL_PTR, 120, 8, 48 },
    { PYF_TSTATE, 176, 0, DBGOFF_NONE },
    { PYF_TS_NEXT, 192, 8, 176 },
    { PYF_TS_INTERP, 200, 8, 176 },
    { PYF_TS_CURRENT_FRAME, 208, 8, 176 },
    { PYF_TS_THREAD_ID, 216, 8, 176 },
    { PYF_TS_NATIVE_TID, 224, 8, 176 },
    { PYF_IFRAME, 248, 0, DBGOFF_NONE },
    { PYF_IF_PREVIOUS, 256, 8, 248 },
    { PYF_IF_CODE, 264, 8, 248 },
    { PYF_IF_INSTR, 272, 8, 248 },
    { PYF_IF_LOCALSPLUS, 280, 0, 248 },
    { PYF_IF_OWNER, 288, 1, 248 },
    { PYF_IF_STACKPOINTER, 296, 8, 248 },
    { PYF_CODE, 312, 0, DBGOFF_NONE },
    { PYF_CO_FILENAME, 320, 8, 312 },
    { PYF_CO_NAME, 328, 8, 312 },
    { PYF_CO_QUALNAME, 336, 8, 312 },
    { PYF_CO_LINETABLE, 344, 8, 312 },
    { PYF_CO_FIRSTLINENO, 352, 4, 312 },
    { PYF_CO_CODE_ADAPTIVE, 384, 0, 312 },
    { PYF_OB_TYPE, 408, 8, 400 },
    { PYF_TP_NAME, 424, 8, 416 },
    { PYF_TP_FLAGS, 440, 8, 416 },
    { PYF_TUPLE_ITEM, 456, 0, 448 },
    { PYF_OB_SIZE, 464, 8, 448 },
    { PYF_LIST_ITEM, 480, 8, 472 },
    { PYF_SET_USED, 504, 8, 496 },
    { PYF_SET_TABLE, 512, 8, 496 },
    { PYF_SET_MASK, 520, 8, 496 },
    { PYF_DICT_KEYS, 536, 8, 528 },
    { PYF_DICT_VALUES, 544, 8, 528 },
    { PYF_LONG_TAG, 576, 8, 568 },
    { PYF_LONG_DIGIT, 584, 0, 568 },
    { PYF_BYTES_SVAL, 608, 0, 592 },
    { PYF_STR_STATE, 624, 4, 616 },
    { PYF_STR_LENGTH, 632, 8, 616 },
    { PYF_ASCII, 640, 0, DBGOFF_NONE },
    { PYF_GEN_IFRAME, 680, 0, 664 },
    { PYF_GEN_FRAME_STATE, 688, 1, 664 },
    { PYF_LLIST_NEXT, 696, 8, DBGOFF_NONE },
    { PYF_LLIST_PREV, 704, 8, DBGOFF_NONE },
};

/*
 * 3.15 (read from the DWARF of Debian's python3.15-dbg, 3.15.2).  New against
 * 3.14: thread_state gains base_frame, last_profiled_frame and
 * last_profiled_frame_seq after current_frame and holds_gil, gil_requested,
 * current_exception, exc_state at its end; a new err_stackitem{exc_value};
 * type_object gains tp_basicsize, tp_dictoffset; a new heap_type_object;
 * unicode_object gains compactunicodeobject_size; gc gains frame,
 * generation_stats_size, generation_stats.  Positions:
 *   runtime_state 24..47      interpreter_state 48..175  thread_state 176..303
 *   err_stackitem 304..311    interpreter_frame 312..375 code_object 376..463
 *   pyobject 464..479         type_object 480..527       heap_type_object 528..543
 *   tuple_object 544..567     list_object 568..591       set_object 592..623
 *   dict_object 624..647      float_object 648..663      long_object 664..687
 *   bytes_object 688..711     unicode_object 712..751    gc 752..791
 *   gen_object 792..823       llist_node 824..839        debugger_support 840..887
 */
static const struct dbgoff_map dbgoff_315[] = {
    { PYF_RUNTIME, 24, 0, DBGOFF_NONE },
    { PYF_RT_INTERP_HEAD, 40, 8, 24 },
    { PYF_INTERP, 48, 0, DBGOFF_NONE },
    { PYF_IS_NEXT, 64, 8, 48 },
    { PYF_IS_TSTATE_HEAD, 72, 8, 48 },
    { PYF_IS_MODULES, 96, 8, 48 },
    { PYF_IS_GIL_PTR, 120, 8, 48 },
    { PYF_TSTATE, 176, 0, DBGOFF_NONE },
    { PYF_TS_NEXT, 192, 8, 176 },
    { PYF_TS_INTERP, 200, 8, 176 },
    { PYF_TS_CURRENT_FRAME, 208, 8, 176 },
    { PYF_TS_THREAD_ID, 240, 8, 176 },
    { PYF_TS_NATIVE_TID, 248, 8, 176 },
    { PYF_IFRAME, 312, 0, DBGOFF_NONE },
    { PYF_IF_PREVIOUS, 320, 8, 312 },
    { PYF_IF_CODE, 328, 8, 312 },
    { PYF_IF_INSTR, 336, 8, 312 },
    { PYF_IF_LOCALSPLUS, 344, 0, 312 },
    { PYF_IF_OWNER, 352, 1, 312 },
    { PYF_IF_STACKPOINTER, 360, 8, 312 },
    { PYF_CODE, 376, 0, DBGOFF_NONE },
    { PYF_CO_FILENAME, 384, 8, 376 },
    { PYF_CO_NAME, 392, 8, 376 },
    { PYF_CO_QUALNAME, 400, 8, 376 },
    { PYF_CO_LINETABLE, 408, 8, 376 },
    { PYF_CO_FIRSTLINENO, 416, 4, 376 },
    { PYF_CO_CODE_ADAPTIVE, 448, 0, 376 },
    { PYF_OB_TYPE, 472, 8, 464 },
    { PYF_TP_NAME, 488, 8, 480 },
    { PYF_TP_FLAGS, 504, 8, 480 },
    { PYF_TUPLE_ITEM, 552, 0, 544 },
    { PYF_OB_SIZE, 560, 8, 544 },
    { PYF_LIST_ITEM, 576, 8, 568 },
    { PYF_SET_USED, 600, 8, 592 },
    { PYF_SET_TABLE, 608, 8, 592 },
    { PYF_SET_MASK, 616, 8, 592 },
    { PYF_DICT_KEYS, 632, 8, 624 },
    { PYF_DICT_VALUES, 640, 8, 624 },
    { PYF_LONG_TAG, 672, 8, 664 },
    { PYF_LONG_DIGIT, 680, 0, 664 },
    { PYF_BYTES_SVAL, 704, 0, 688 },
    { PYF_STR_STATE, 720, 4, 712 },
    { PYF_STR_LENGTH, 728, 8, 712 },
    { PYF_ASCII, 736, 0, DBGOFF_NONE },
    { PYF_GEN_IFRAME, 808, 0, 792 },
    { PYF_GEN_FRAME_STATE, 816, 1, 792 },
    { PYF_LLIST_NEXT, 824, 8, DBGOFF_NONE },
    { PYF_LLIST_PREV, 832, 8, DBGOFF_NONE },
};

#define DBGOFF_ARRAY(a) (a), sizeof(a) / sizeof((a)[0])

const struct dbgoff_version dbgoff_v313 = {
    13, 0, 584, DBGOFF_ARRAY(dbgoff_313), 536, 120, 136, 144, 0, 0,
};
/* llist_node, code_object_generation, tlbc_generation came in 3.14.0b2 */
const struct dbgoff_version dbgoff_v314 = {
    14, 0x030e00b2, 760, DBGOFF_ARRAY(dbgoff_314), 616, 128, 144, 152, 400, 672,
};
/* the layout of the 3.15 releases; its alphas and betas differed */
const struct dbgoff_version dbgoff_v315 = {
    15, 0x030f00f0, 888, DBGOFF_ARRAY(dbgoff_315), 712, 128, 144, 152, 464, 800,
};

/* The members of llist_node are given without its size: two pointers. */
#define DBGOFF_LLIST_SIZE 16

static void
dbgoff_set(struct layout *L, enum py_field f, uint64_t v, uint32_t width)
{
    L->f[f].present = true;
    L->f[f].src = LAYOUT_SRC_DEBUG_OFFSETS;
    L->f[f].off = (uint32_t)v;
    L->f[f].size = layout_descs[f].is_size ? (uint32_t)v : width;
    L->f[f].bit_off = 0;
    L->f[f].bit_size = 0;
}

static uint64_t
dbgoff_u64(const unsigned char *buf, size_t pos)
{
    uint64_t v;

    memcpy(&v, buf + pos, 8);
    return v;
}

/*
 * A member at off of `width` bytes (at least one) inside a struct of `size`
 * bytes; size 0 means only the global bound applies.
 */
static bool
dbgoff_fits(uint64_t off, uint64_t width, uint64_t size)
{
    uint64_t end = off + (width ? width : 1);

    if (off >= DBGOFF_MAX_STRUCT || size >= DBGOFF_MAX_STRUCT)
        return false;
    return size == 0 || end <= size;
}

/* Check every value of a version's table before any of it is used. */
static int
dbgoff_check(const struct dbgoff_version *dv, const unsigned char *buf)
{
    size_t i;

    for (i = 0; i < dv->n; i++) {
        const struct dbgoff_map *m = &dv->map[i];
        uint64_t v = dbgoff_u64(buf, m->pos);
        uint64_t within = m->within != DBGOFF_NONE ? dbgoff_u64(buf, m->within) : 0;
        bool ok;

        if (layout_descs[m->field].is_size)
            ok = v > 0 && v < DBGOFF_MAX_STRUCT;
        else if (m->field == PYF_LLIST_NEXT || m->field == PYF_LLIST_PREV)
            ok = dbgoff_fits(v, m->width, DBGOFF_LLIST_SIZE);
        else
            ok = m->within != DBGOFF_NONE && within > 0 && dbgoff_fits(v, m->width, within);
        if (!ok)
            return err_set(AIO_E_CORRUPT, "_Py_DebugOffsets of Python 3.%u: value %llu at byte %u "
                           "(for %s) is out of range", dv->minor, (unsigned long long)v,
                           (unsigned)m->pos, layout_descs[m->field].name);
    }
    return 0;
}

int
layout_from_debug_offsets(struct layout *L, const unsigned char *buf, size_t len,
                          const struct dbgoff_version *dv, uint64_t version_hex)
{
    uint64_t gil, locked, holder, dversion, unicode;
    unsigned dminor;
    size_t i;
    int rc;

    if (len < DBGOFF_HDR || memcmp(buf, "xdebugpy", 8) != 0)
        return err_set(AIO_E_LAYOUT, "no _Py_DebugOffsets in _PyRuntime (cookie missing)");
    dversion = dbgoff_u64(buf, 8);
    if (version_hex && (dversion >> 16) != (version_hex >> 16))
        return err_set(AIO_E_LAYOUT, "_Py_DebugOffsets version 0x%llx does not match Py_Version "
                       "0x%llx", (unsigned long long)dversion,
                       (unsigned long long)version_hex);
    /* dv is this minor's map, or the newest map for a later minor (versions.c) */
    dminor = (unsigned)((dversion >> 16) & 0xff);
    if (!dv || (dversion >> 24) != 3 || dminor < dv->minor ||
        (dminor == dv->minor && (dversion & 0xffffffffu) < dv->min_hex))
        return err_set(AIO_E_LAYOUT, "its _Py_DebugOffsets layout is not known to this build");
    if (len < dv->size)
        return err_set(AIO_E_LAYOUT, "_Py_DebugOffsets of Python 3.%u needs %u bytes, only %zu "
                       "were read", dv->minor, (unsigned)dv->size, len);
    if (dbgoff_u64(buf, 16) != 0)
        return err_set(AIO_E_VERSION, "free-threaded Python builds are not supported");
    rc = dbgoff_check(dv, buf);
    if (rc < 0)
        return rc;
    unicode = dbgoff_u64(buf, dv->unicode_size);
    if (unicode <= 8 || unicode >= DBGOFF_MAX_STRUCT)
        return err_set(AIO_E_CORRUPT, "_Py_DebugOffsets of Python 3.%u: size of str objects "
                       "%llu is out of range", dv->minor, (unsigned long long)unicode);
    for (i = 0; i < dv->n; i++)
        dbgoff_set(L, dv->map[i].field, dbgoff_u64(buf, dv->map[i].pos), dv->map[i].width);
    /*
     * Not given directly: sizeof(PyCompactUnicodeObject) is sizeof(PyUnicodeObject)
     * minus its one trailing data pointer; the GIL members are given relative to
     * the interpreter state, we want them relative to the GIL struct.
     */
    dbgoff_set(L, PYF_COMPACT, unicode - 8, 0);
    gil = dbgoff_u64(buf, dv->gil_state);
    locked = dbgoff_u64(buf, dv->gil_locked);
    holder = dbgoff_u64(buf, dv->gil_holder);
    if (locked >= gil && holder >= gil && locked - gil < DBGOFF_MAX_STRUCT &&
        holder - gil < DBGOFF_MAX_STRUCT) {
        dbgoff_set(L, PYF_GIL_LOCKED, locked - gil, 4);
        dbgoff_set(L, PYF_GIL_HOLDER, holder - gil, 8);
    }
    /*
     * 3.14 (_PyGenObject_HEAD in pycore_interpframe_structs.h): gi_qualname
     * follows gi_name; PyAsyncGenASend / PyAsyncGenAThrow (Objects/genobject.c)
     * hold their generator right after PyObject_HEAD.
     */
    if (dv->gen_name) {
        uint64_t name = dbgoff_u64(buf, dv->gen_name);

        if (dbgoff_fits(name, 16, dbgoff_u64(buf, dv->gen_name - 8)))
            dbgoff_set(L, PYF_GEN_QUALNAME, name + 8, 8);
    }
    if (dv->pyobject_size) {
        uint64_t head = dbgoff_u64(buf, dv->pyobject_size);

        if (head >= 16 && head <= 64)
            dbgoff_set(L, PYF_ASEND_GEN, head, 8);
    }
    /* what every layout must satisfy: members within their struct, aligned */
    return layout_check(L, "_Py_DebugOffsets");
}

/*
 * Py_AsyncioModuleDebugOffsets (Modules/_asynciomodule.c, 3.14): three
 * sub-structs, each starting with the size of the struct it describes.
 */
enum {
    ADBG_TASK_SIZE = 0,
    ADBG_TASK_NAME = 8,
    ADBG_TASK_AWAITED_BY = 16,
    ADBG_TASK_IS_TASK = 24,
    ADBG_TASK_AWAITED_BY_IS_SET = 32,
    ADBG_TASK_CORO = 40,
    ADBG_TASK_NODE = 48,
    ADBG_INTERP_SIZE = 56,
    ADBG_INTERP_TASKS_HEAD = 64,
    ADBG_TSTATE_SIZE = 72,
    ADBG_TSTATE_RUNNING_LOOP = 80,
    ADBG_TSTATE_RUNNING_TASK = 88,
    ADBG_TSTATE_TASKS_HEAD = 96,
    ADBG_SIZE = 104,
};

static const struct dbgoff_map adbg_map[] = {
    { PYF_TASK, ADBG_TASK_SIZE, 0, DBGOFF_NONE },
    { PYF_TASK_NAME, ADBG_TASK_NAME, 8, ADBG_TASK_SIZE },
    { PYF_TASK_AWAITED_BY, ADBG_TASK_AWAITED_BY, 8, ADBG_TASK_SIZE },
    { PYF_TASK_IS_TASK, ADBG_TASK_IS_TASK, 1, ADBG_TASK_SIZE },
    { PYF_TASK_AWAITED_BY_IS_SET, ADBG_TASK_AWAITED_BY_IS_SET, 1, ADBG_TASK_SIZE },
    { PYF_TASK_CORO, ADBG_TASK_CORO, 8, ADBG_TASK_SIZE },
    { PYF_TASK_NODE, ADBG_TASK_NODE, DBGOFF_LLIST_SIZE, ADBG_TASK_SIZE },
    { PYF_IS_ASYNCIO_TASKS_HEAD, ADBG_INTERP_TASKS_HEAD, DBGOFF_LLIST_SIZE, ADBG_INTERP_SIZE },
    { PYF_TS_ASYNCIO_RUNNING_LOOP, ADBG_TSTATE_RUNNING_LOOP, 8, ADBG_TSTATE_SIZE },
    { PYF_TS_ASYNCIO_RUNNING_TASK, ADBG_TSTATE_RUNNING_TASK, 8, ADBG_TSTATE_SIZE },
    { PYF_TS_ASYNCIO_TASKS_HEAD, ADBG_TSTATE_TASKS_HEAD, DBGOFF_LLIST_SIZE, ADBG_TSTATE_SIZE },
};

static void
adbg_set_bits(struct layout *L, enum py_field f, uint64_t off, uint32_t size, uint16_t bit_off)
{
    dbgoff_set(L, f, off, size);
    L->f[f].bit_off = bit_off;
    L->f[f].bit_size = 1;
}

/*
 * 3.14 FutureObj / TaskObj (Modules/_asynciomodule.c): FutureObj_HEAD is
 * PyObject_HEAD, 11 pointers fut_loop .. fut_awaited_by, fut_state (an enum),
 * char fut_is_task, char fut_awaited_by_is_set, then the unsigned bit-fields
 * fut_log_tb, fut_blocking, continued by TaskObj's task_must_cancel,
 * task_log_destroy_pending; TaskObj goes on with int
 * task_num_cancels_requested, task_fut_waiter, task_coro, task_name,
 * task_context, task_node.  The members AsyncioDebug does not give are
 * derived from those it gives, only when all of them agree with that shape.
 * The bit-fields share the 4-byte unit of the two chars (x86-64 System V
 * ABI: a bit-field goes at the next free bit of a unit of its type), so
 * task_must_cancel is bit 2 of the byte after fut_awaited_by_is_set and the
 * int follows at state + 8.
 */
static void
adbg_derive_314(struct layout *L, const unsigned char *buf)
{
    uint64_t awaited_by = dbgoff_u64(buf, ADBG_TASK_AWAITED_BY);
    uint64_t is_task = dbgoff_u64(buf, ADBG_TASK_IS_TASK);
    uint64_t is_set = dbgoff_u64(buf, ADBG_TASK_AWAITED_BY_IS_SET);
    uint64_t coro = dbgoff_u64(buf, ADBG_TASK_CORO);
    uint64_t name = dbgoff_u64(buf, ADBG_TASK_NAME);
    uint64_t node = dbgoff_u64(buf, ADBG_TASK_NODE);
    uint64_t state = awaited_by + 8;

    if (!layout_has(L, PYF_OB_TYPE) || layout_off(L, PYF_OB_TYPE) + 8 + 10 * 8 != awaited_by ||
        is_task != state + 4 || is_set != is_task + 1 || coro != state + 24 ||
        name != coro + 8 || node != name + 16)
        return;
    dbgoff_set(L, PYF_FUT_LOOP, layout_off(L, PYF_OB_TYPE) + 8, 8);
    dbgoff_set(L, PYF_FUT_STATE, state, 4);
    adbg_set_bits(L, PYF_TASK_MUST_CANCEL, is_set + 1, 1, 2);
    dbgoff_set(L, PYF_TASK_NUM_CANCELS, state + 8, 4);
    dbgoff_set(L, PYF_TASK_FUT_WAITER, coro - 8, 8);
}

/* The AsyncioDebug section of 3.14 and later (unchanged in 3.15). */
const struct adbg_version adbg_v314 = {
    adbg_map, sizeof(adbg_map) / sizeof(adbg_map[0]), ADBG_SIZE, adbg_derive_314,
};

int
layout_from_asyncio_debug(struct layout *L, const unsigned char *buf, size_t len,
                          const struct adbg_version *av)
{
    size_t i;

    if (len < av->size)
        return err_set(AIO_E_LAYOUT, "the AsyncioDebug section has %zu bytes, %zu are needed",
                       len, av->size);
    for (i = 0; i < av->n; i++) {
        const struct dbgoff_map *m = &av->map[i];
        uint64_t v = dbgoff_u64(buf, m->pos);
        bool ok = m->within != DBGOFF_NONE ?
                  dbgoff_u64(buf, m->within) > 0 &&
                  dbgoff_fits(v, m->width, dbgoff_u64(buf, m->within)) :
                  v > 0 && v < DBGOFF_MAX_STRUCT;

        if (!ok)
            return err_set(AIO_E_CORRUPT, "AsyncioDebug value %llu at byte %u (for %s) is out "
                           "of range", (unsigned long long)v, (unsigned)m->pos,
                           layout_descs[m->field].name);
    }
    for (i = 0; i < av->n; i++)
        dbgoff_set(L, av->map[i].field, dbgoff_u64(buf, av->map[i].pos), av->map[i].width);
    if (av->derive)
        av->derive(L, buf);
    return layout_check(L, "AsyncioDebug");
}
