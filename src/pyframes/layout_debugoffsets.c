/*
 * layout_debugoffsets.c - layouts from CPython's own _Py_DebugOffsets
 * (3.13+), the struct at the very start of _PyRuntime with cookie "xdebugpy".
 *
 * The struct is a sequence of uint64_t offsets whose set grows with each
 * minor version; its own layout is therefore per minor version and lives
 * here, in one table per version, and nowhere else.
 */
#include "layout.h"

#include <string.h>

#include "../common/err.h"
#include "pyframes.h"

#define DBGOFF_MAX_BYTES 2048

/* Where a debug-offsets value goes.  width: byte size of the member (the struct gives none). */
struct dbgoff_map {
    enum py_field field;
    uint16_t pos;               /* byte position of the uint64_t inside _Py_DebugOffsets */
    uint8_t width;
};

/*
 * 3.13 (Include/internal/pycore_runtime.h, _Py_DebugOffsets): cookie[8], version,
 * free_threaded, then runtime_state{size, finalizing, interpreters_head} at 24, ...
 */
static const struct dbgoff_map dbgoff_313[] = {
    { PYF_RUNTIME, 24, 0 },
    { PYF_RT_INTERP_HEAD, 40, 8 },
    { PYF_INTERP, 48, 0 },
    { PYF_IS_NEXT, 64, 8 },
    { PYF_IS_TSTATE_HEAD, 72, 8 },
    { PYF_IS_MODULES, 88, 8 },
    { PYF_IS_GIL_PTR, 112, 8 },
    { PYF_TSTATE, 152, 0 },
    { PYF_TS_NEXT, 168, 8 },
    { PYF_TS_INTERP, 176, 8 },
    { PYF_TS_CURRENT_FRAME, 184, 8 },
    { PYF_TS_THREAD_ID, 192, 8 },
    { PYF_TS_NATIVE_TID, 200, 8 },
    { PYF_IFRAME, 224, 0 },
    { PYF_IF_PREVIOUS, 232, 8 },
    { PYF_IF_CODE, 240, 8 },
    { PYF_IF_INSTR, 248, 8 },
    { PYF_IF_LOCALSPLUS, 256, 0 },
    { PYF_IF_OWNER, 264, 1 },
    { PYF_CODE, 272, 0 },
    { PYF_CO_FILENAME, 280, 8 },
    { PYF_CO_NAME, 288, 8 },
    { PYF_CO_QUALNAME, 296, 8 },
    { PYF_CO_LINETABLE, 304, 8 },
    { PYF_CO_FIRSTLINENO, 312, 4 },
    { PYF_CO_CODE_ADAPTIVE, 344, 0 },
    { PYF_OB_TYPE, 360, 8 },
    { PYF_TP_NAME, 376, 8 },
    { PYF_TP_FLAGS, 392, 8 },
    { PYF_TUPLE_ITEM, 408, 0 },
    { PYF_OB_SIZE, 416, 8 },
    { PYF_LIST_ITEM, 432, 8 },
    { PYF_DICT_KEYS, 456, 8 },
    { PYF_DICT_VALUES, 464, 8 },
    { PYF_LONG_TAG, 496, 8 },
    { PYF_LONG_DIGIT, 504, 0 },
    { PYF_BYTES_SVAL, 528, 0 },
    { PYF_STR_STATE, 544, 4 },
    { PYF_STR_LENGTH, 552, 8 },
    { PYF_ASCII, 560, 0 },
};
#define DBGOFF_313_SIZE 584
#define DBGOFF_313_UNICODE_SIZE 536
#define DBGOFF_313_GIL_STATE 120
#define DBGOFF_313_GIL_LOCKED 136
#define DBGOFF_313_GIL_HOLDER 144

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

int
layout_from_debug_offsets(struct layout *L, const unsigned char *buf, size_t len,
                          uint64_t version_hex)
{
    size_t i;
    uint64_t gil, locked, holder;

    if (len < 16 || memcmp(buf, "xdebugpy", 8) != 0)
        return err_set(AIO_E_LAYOUT, "no _Py_DebugOffsets in _PyRuntime (cookie missing)");
    if ((dbgoff_u64(buf, 8) >> 16) != (version_hex >> 16))
        return err_set(AIO_E_LAYOUT, "_Py_DebugOffsets version 0x%llx does not match Py_Version "
                       "0x%llx", (unsigned long long)dbgoff_u64(buf, 8),
                       (unsigned long long)version_hex);
    if ((version_hex >> 16) != 0x030d || len < DBGOFF_313_SIZE)
        return err_set(AIO_E_LAYOUT, "_Py_DebugOffsets of Python %d.%d is not known to this build",
                       (int)(version_hex >> 24), (int)((version_hex >> 16) & 0xff));
    if (dbgoff_u64(buf, 16) != 0)
        return err_set(AIO_E_VERSION, "free-threaded Python builds are not supported");
    for (i = 0; i < sizeof(dbgoff_313) / sizeof(dbgoff_313[0]); i++)
        dbgoff_set(L, dbgoff_313[i].field, dbgoff_u64(buf, dbgoff_313[i].pos),
                   dbgoff_313[i].width);
    /*
     * Not given directly: sizeof(PyCompactUnicodeObject) is sizeof(PyUnicodeObject)
     * minus its one trailing data pointer; the GIL members are given relative to
     * the interpreter state, we want them relative to the GIL struct.
     */
    dbgoff_set(L, PYF_COMPACT, dbgoff_u64(buf, DBGOFF_313_UNICODE_SIZE) - 8, 0);
    gil = dbgoff_u64(buf, DBGOFF_313_GIL_STATE);
    locked = dbgoff_u64(buf, DBGOFF_313_GIL_LOCKED);
    holder = dbgoff_u64(buf, DBGOFF_313_GIL_HOLDER);
    if (locked >= gil && holder >= gil) {
        dbgoff_set(L, PYF_GIL_LOCKED, locked - gil, 4);
        dbgoff_set(L, PYF_GIL_HOLDER, holder - gil, 8);
    }
    return 0;
}
