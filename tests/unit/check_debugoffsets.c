/*
 * check_debugoffsets.c - layouts from _Py_DebugOffsets and AsyncioDebug
 * (layout_debugoffsets.c).  The 3.14 walkers that use them alone are in
 * check_walk314.c, the version registry and layout_check in check_versions.c.
 *
 *   - a synthetic _Py_DebugOffsets image of 3.14 and of 3.13, built from a
 *     struct that lists the members in the order of each version's header
 *     (not from the provider's table), fills every field at the value given;
 *   - bad cookie, a version other than Py_Version, unknown and pre-release
 *     versions, truncated images, out-of-range values and free-threaded
 *     builds are refused;
 *   - an AsyncioDebug image fills the task and list fields, and derives the
 *     Future members only when the whole shape agrees.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach/source.h"
#include "common/err.h"
#include "pyframes/pyframes.h"
#include "pyframes/layout_debugoffsets.h"
#include "pyframes/layout_table.h"
#include "pyframes/pyint.h"
#include "pyframes/versions.h"
#include "snapshot/snapshot.h"
#include "check_debugoffsets_common.h"

Suite *suite_debugoffsets(void);

/* _Py_DebugOffsets of 3.15 (the DWARF of Debian's python3.15-dbg, 3.15.2): member order. */
struct dbg315 {
    char cookie[8];
    uint64_t version, free_threaded;
    struct { uint64_t size, finalizing, interpreters_head; } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, threads_main, gc, imports_modules, sysdict,
                 builtins, ceval_gil, gil_runtime_state, gil_runtime_state_enabled,
                 gil_runtime_state_locked, gil_runtime_state_holder, code_object_generation,
                 tlbc_generation;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, base_frame, last_profiled_frame,
                 last_profiled_frame_seq, thread_id, native_thread_id, datastack_chunk, status,
                 holds_gil, gil_requested, current_exception, exc_state;
    } thread_state;
    struct { uint64_t exc_value; } err_stackitem;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner, stackpointer,
                 tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount,
                 localsplusnames, localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags, tp_basicsize, tp_dictoffset; } type_object;
    struct { uint64_t size, ht_cached_keys; } heap_type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object;
    struct { uint64_t size, ob_item, ob_size; } list_object;
    struct { uint64_t size, used, table, mask; } set_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size, compactunicodeobject_size; } unicode_object;
    struct { uint64_t size, collecting, frame, generation_stats_size, generation_stats; } gc;
    struct { uint64_t size, gi_name, gi_iframe, gi_frame_state; } gen_object;
    struct { uint64_t next, prev; } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled,
                 debugger_pending_call, debugger_script_path, debugger_script_path_size;
    } debugger_support;
};
_Static_assert(sizeof(struct dbg315) == 888, "3.15 _Py_DebugOffsets is 111 words");

/* _Py_DebugOffsets of 3.13 (Include/internal/pycore_runtime.h of 3.13): member order. */
struct dbg313 {
    char cookie[8];
    uint64_t version, free_threaded;
    struct { uint64_t size, finalizing, interpreters_head; } runtime_state;
    struct {
        uint64_t size, id, next, threads_head, gc, imports_modules, sysdict, builtins,
                 ceval_gil, gil_runtime_state, gil_runtime_state_enabled,
                 gil_runtime_state_locked, gil_runtime_state_holder;
    } interpreter_state;
    struct {
        uint64_t size, prev, next, interp, current_frame, thread_id, native_thread_id,
                 datastack_chunk, status;
    } thread_state;
    struct { uint64_t size, previous, executable, instr_ptr, localsplus, owner; } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount,
                 localsplusnames, localspluskinds, co_code_adaptive;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags; } type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object;
    struct { uint64_t size, ob_item, ob_size; } list_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size; } unicode_object;
    struct { uint64_t size, collecting; } gc;
};
_Static_assert(sizeof(struct dbg313) == 584, "3.13 _Py_DebugOffsets is 73 words");

static void
expect(const struct layout *L, enum py_field f, uint64_t off, uint32_t size)
{
    ck_assert_msg(layout_has(L, f), "%s missing", layout_descs[f].name);
    ck_assert_msg(L->f[f].off == off, "%s: off %u, expected %llu", layout_descs[f].name,
                  L->f[f].off, (unsigned long long)off);
    ck_assert_msg(L->f[f].size == size, "%s: size %u, expected %u", layout_descs[f].name,
                  L->f[f].size, size);
    ck_assert_int_eq(L->f[f].src, LAYOUT_SRC_DEBUG_OFFSETS);
}

START_TEST(test_314_fields)
{
    struct dbg314 d;
    struct layout L;

    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), 0);
    expect(&L, PYF_RUNTIME, d.runtime_state.size, d.runtime_state.size);
    expect(&L, PYF_RT_INTERP_HEAD, d.runtime_state.interpreters_head, 8);
    expect(&L, PYF_INTERP, d.interpreter_state.size, d.interpreter_state.size);
    expect(&L, PYF_IS_NEXT, d.interpreter_state.next, 8);
    expect(&L, PYF_IS_TSTATE_HEAD, d.interpreter_state.threads_head, 8);
    expect(&L, PYF_IS_MODULES, d.interpreter_state.imports_modules, 8);
    expect(&L, PYF_IS_GIL_PTR, d.interpreter_state.ceval_gil, 8);
    expect(&L, PYF_GIL_LOCKED, 16, 4);
    expect(&L, PYF_GIL_HOLDER, 8, 8);
    expect(&L, PYF_TSTATE, d.thread_state.size, d.thread_state.size);
    expect(&L, PYF_TS_NEXT, d.thread_state.next, 8);
    expect(&L, PYF_TS_INTERP, d.thread_state.interp, 8);
    expect(&L, PYF_TS_CURRENT_FRAME, d.thread_state.current_frame, 8);
    expect(&L, PYF_TS_THREAD_ID, d.thread_state.thread_id, 8);
    expect(&L, PYF_TS_NATIVE_TID, d.thread_state.native_thread_id, 8);
    expect(&L, PYF_IFRAME, d.interpreter_frame.size, d.interpreter_frame.size);
    expect(&L, PYF_IF_PREVIOUS, d.interpreter_frame.previous, 8);
    expect(&L, PYF_IF_CODE, d.interpreter_frame.executable, 8);
    expect(&L, PYF_IF_INSTR, d.interpreter_frame.instr_ptr, 8);
    expect(&L, PYF_IF_LOCALSPLUS, d.interpreter_frame.localsplus, 0);
    expect(&L, PYF_IF_OWNER, d.interpreter_frame.owner, 1);
    expect(&L, PYF_IF_STACKPOINTER, d.interpreter_frame.stackpointer, 8);
    expect(&L, PYF_CODE, d.code_object.size, d.code_object.size);
    expect(&L, PYF_CO_FILENAME, d.code_object.filename, 8);
    expect(&L, PYF_CO_NAME, d.code_object.name, 8);
    expect(&L, PYF_CO_QUALNAME, d.code_object.qualname, 8);
    expect(&L, PYF_CO_LINETABLE, d.code_object.linetable, 8);
    expect(&L, PYF_CO_FIRSTLINENO, d.code_object.firstlineno, 4);
    expect(&L, PYF_CO_CODE_ADAPTIVE, d.code_object.co_code_adaptive, 0);
    expect(&L, PYF_OB_TYPE, d.pyobject.ob_type, 8);
    expect(&L, PYF_TP_NAME, d.type_object.tp_name, 8);
    expect(&L, PYF_TP_FLAGS, d.type_object.tp_flags, 8);
    expect(&L, PYF_TUPLE_ITEM, d.tuple_object.ob_item, 0);
    expect(&L, PYF_OB_SIZE, d.tuple_object.ob_size, 8);
    expect(&L, PYF_LIST_ITEM, d.list_object.ob_item, 8);
    expect(&L, PYF_SET_USED, d.set_object.used, 8);
    expect(&L, PYF_SET_TABLE, d.set_object.table, 8);
    expect(&L, PYF_SET_MASK, d.set_object.mask, 8);
    expect(&L, PYF_DICT_KEYS, d.dict_object.ma_keys, 8);
    expect(&L, PYF_DICT_VALUES, d.dict_object.ma_values, 8);
    expect(&L, PYF_LONG_TAG, d.long_object.lv_tag, 8);
    expect(&L, PYF_LONG_DIGIT, d.long_object.ob_digit, 0);
    expect(&L, PYF_BYTES_SVAL, d.bytes_object.ob_sval, 0);
    expect(&L, PYF_STR_STATE, d.unicode_object.state, 4);
    expect(&L, PYF_STR_LENGTH, d.unicode_object.length, 8);
    expect(&L, PYF_ASCII, d.unicode_object.asciiobject_size, d.unicode_object.asciiobject_size);
    expect(&L, PYF_COMPACT, d.unicode_object.size - 8, d.unicode_object.size - 8);
    expect(&L, PYF_GEN_IFRAME, d.gen_object.gi_iframe, 0);
    expect(&L, PYF_GEN_FRAME_STATE, d.gen_object.gi_frame_state, 1);
    expect(&L, PYF_GEN_QUALNAME, d.gen_object.gi_name + 8, 8);
    expect(&L, PYF_ASEND_GEN, d.pyobject.size, 8);
    expect(&L, PYF_LLIST_NEXT, d.llist_node.next, 8);
    expect(&L, PYF_LLIST_PREV, d.llist_node.prev, 8);
    /* what _Py_DebugOffsets of 3.14 does not give stays absent */
    ck_assert(!layout_has(&L, PYF_TP_BASE));
    ck_assert(!layout_has(&L, PYF_IF_STACKTOP));
    ck_assert(!layout_has(&L, PYF_TASK));
    ck_assert(!layout_has(&L, PYF_DK_INDICES));
    ck_assert_int_eq(layout_validate(&L), 0);
}
END_TEST

/*
 * The 3.15 struct with the values of a 3.14 one (the new members plausible):
 * every field lands where the 3.14 table put it.
 */
static void
dbg315_from_314(struct dbg315 *e, const struct dbg314 *d, uint64_t version)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->cookie, d->cookie, 8);
    e->version = version;
    e->runtime_state.size = d->runtime_state.size;
    e->runtime_state.finalizing = d->runtime_state.finalizing;
    e->runtime_state.interpreters_head = d->runtime_state.interpreters_head;
    memcpy(&e->interpreter_state, &d->interpreter_state, sizeof(e->interpreter_state));
    e->thread_state.size = d->thread_state.size;
    e->thread_state.prev = d->thread_state.prev;
    e->thread_state.next = d->thread_state.next;
    e->thread_state.interp = d->thread_state.interp;
    e->thread_state.current_frame = d->thread_state.current_frame;
    e->thread_state.base_frame = d->thread_state.current_frame + 8;
    e->thread_state.thread_id = d->thread_state.thread_id;
    e->thread_state.native_thread_id = d->thread_state.native_thread_id;
    e->thread_state.datastack_chunk = d->thread_state.datastack_chunk;
    e->thread_state.status = d->thread_state.status;
    memcpy(&e->interpreter_frame, &d->interpreter_frame, sizeof(e->interpreter_frame));
    memcpy(&e->code_object, &d->code_object, sizeof(e->code_object));
    memcpy(&e->pyobject, &d->pyobject, sizeof(e->pyobject));
    e->type_object.size = d->type_object.size;
    e->type_object.tp_name = d->type_object.tp_name;
    e->type_object.tp_repr = d->type_object.tp_repr;
    e->type_object.tp_flags = d->type_object.tp_flags;
    e->type_object.tp_basicsize = 32;
    e->type_object.tp_dictoffset = 288;
    e->heap_type_object.size = 920;
    memcpy(&e->tuple_object, &d->tuple_object, sizeof(e->tuple_object));
    memcpy(&e->list_object, &d->list_object, sizeof(e->list_object));
    memcpy(&e->set_object, &d->set_object, sizeof(e->set_object));
    memcpy(&e->dict_object, &d->dict_object, sizeof(e->dict_object));
    memcpy(&e->float_object, &d->float_object, sizeof(e->float_object));
    memcpy(&e->long_object, &d->long_object, sizeof(e->long_object));
    memcpy(&e->bytes_object, &d->bytes_object, sizeof(e->bytes_object));
    e->unicode_object.size = d->unicode_object.size;
    e->unicode_object.state = d->unicode_object.state;
    e->unicode_object.length = d->unicode_object.length;
    e->unicode_object.asciiobject_size = d->unicode_object.asciiobject_size;
    e->unicode_object.compactunicodeobject_size = d->unicode_object.size - 8;
    e->gc.size = d->gc.size;
    e->gc.collecting = d->gc.collecting;
    memcpy(&e->gen_object, &d->gen_object, sizeof(e->gen_object));
    memcpy(&e->llist_node, &d->llist_node, sizeof(e->llist_node));
    memcpy(&e->debugger_support, &d->debugger_support, sizeof(e->debugger_support));
}

static int
load315(struct layout *L, const struct dbg315 *e, uint64_t version_hex)
{
    unsigned char *buf = malloc(sizeof(*e));
    int rc;

    memcpy(buf, e, sizeof(*e));
    memset(L, 0, sizeof(*L));
    rc = layout_from_debug_offsets(L, buf, sizeof(*e), dbgoff_of(version_hex), version_hex);
    free(buf);
    return rc;
}

START_TEST(test_315_fields)
{
    struct dbg314 d;
    struct dbg315 e;
    struct layout L14, L15;
    int i;

    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&L14, &d, sizeof(d), HEX_3140), 0);
    dbg315_from_314(&e, &d, 0x030f02f0);
    ck_assert_int_eq(load315(&L15, &e, 0x030f02f0), 0);
    for (i = 0; i < PYF__COUNT; i++) {
        ck_assert_msg(L14.f[i].present == L15.f[i].present, "%s: present differs",
                      layout_descs[i].name);
        ck_assert_msg(L14.f[i].off == L15.f[i].off && L14.f[i].size == L15.f[i].size,
                      "%s: 3.15 %u/%u, 3.14 %u/%u", layout_descs[i].name, L15.f[i].off,
                      L15.f[i].size, L14.f[i].off, L14.f[i].size);
    }
    ck_assert_int_eq(layout_validate(&L15), 0);
    /* 3.15's pre-releases had other layouts: refused */
    e.version = 0x030f00a5;
    ck_assert_int_eq(load315(&L15, &e, 0x030f00a5), -AIO_E_LAYOUT);
    /* a later minor version is tried with the newest layout when it fits ... */
    e.version = 0x031000f0;
    ck_assert_int_eq(load315(&L15, &e, 0x031000f0), 0);
    ck_assert(layout_has(&L15, PYF_TS_NATIVE_TID));
    ck_assert_uint_eq(layout_debug_offsets_newest_minor(), 15);
    /* ... and refused when a value does not fit its struct */
    e.thread_state.native_thread_id = e.thread_state.size + 64;
    ck_assert_int_eq(load315(&L15, &e, 0x031000f0), -AIO_E_CORRUPT);
}
END_TEST

/* The 3.13 table, checked against the 3.13 header's member order. */
START_TEST(test_313_fields)
{
    struct dbg313 d;
    struct layout L;
    unsigned char buf[sizeof(d)];
    uint64_t words[sizeof(d) / 8];
    size_t i;

    /* every word a distinct, in-range value; sizes large enough for all members */
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        words[i] = 24 + 8 * i;
    memcpy(&d, words, sizeof(d));
    memcpy(d.cookie, "xdebugpy", 8);
    d.version = HEX_3131;
    d.free_threaded = 0;
    d.runtime_state.size = d.interpreter_state.size = d.thread_state.size = 60000;
    d.interpreter_frame.size = d.code_object.size = d.pyobject.size = 60000;
    d.type_object.size = d.tuple_object.size = d.list_object.size = d.dict_object.size = 60000;
    d.long_object.size = d.bytes_object.size = d.unicode_object.size = 60000;
    d.interpreter_state.gil_runtime_state = 100;
    d.interpreter_state.gil_runtime_state_locked = 116;
    d.interpreter_state.gil_runtime_state_holder = 108;
    memcpy(buf, &d, sizeof(d));
    memset(&L, 0, sizeof(L));
    ck_assert_int_eq(layout_from_debug_offsets(&L, buf, sizeof(buf), &dbgoff_v313, HEX_3131),
                     0);
    expect(&L, PYF_RT_INTERP_HEAD, d.runtime_state.interpreters_head, 8);
    expect(&L, PYF_IS_NEXT, d.interpreter_state.next, 8);
    expect(&L, PYF_IS_TSTATE_HEAD, d.interpreter_state.threads_head, 8);
    expect(&L, PYF_IS_MODULES, d.interpreter_state.imports_modules, 8);
    expect(&L, PYF_IS_GIL_PTR, d.interpreter_state.ceval_gil, 8);
    expect(&L, PYF_GIL_LOCKED, 16, 4);
    expect(&L, PYF_GIL_HOLDER, 8, 8);
    expect(&L, PYF_TS_NEXT, d.thread_state.next, 8);
    expect(&L, PYF_TS_INTERP, d.thread_state.interp, 8);
    expect(&L, PYF_TS_CURRENT_FRAME, d.thread_state.current_frame, 8);
    expect(&L, PYF_TS_THREAD_ID, d.thread_state.thread_id, 8);
    expect(&L, PYF_TS_NATIVE_TID, d.thread_state.native_thread_id, 8);
    expect(&L, PYF_IF_PREVIOUS, d.interpreter_frame.previous, 8);
    expect(&L, PYF_IF_CODE, d.interpreter_frame.executable, 8);
    expect(&L, PYF_IF_INSTR, d.interpreter_frame.instr_ptr, 8);
    expect(&L, PYF_IF_LOCALSPLUS, d.interpreter_frame.localsplus, 0);
    expect(&L, PYF_IF_OWNER, d.interpreter_frame.owner, 1);
    expect(&L, PYF_CO_FILENAME, d.code_object.filename, 8);
    expect(&L, PYF_CO_NAME, d.code_object.name, 8);
    expect(&L, PYF_CO_QUALNAME, d.code_object.qualname, 8);
    expect(&L, PYF_CO_LINETABLE, d.code_object.linetable, 8);
    expect(&L, PYF_CO_FIRSTLINENO, d.code_object.firstlineno, 4);
    expect(&L, PYF_CO_CODE_ADAPTIVE, d.code_object.co_code_adaptive, 0);
    expect(&L, PYF_OB_TYPE, d.pyobject.ob_type, 8);
    expect(&L, PYF_TP_NAME, d.type_object.tp_name, 8);
    expect(&L, PYF_TP_FLAGS, d.type_object.tp_flags, 8);
    expect(&L, PYF_TUPLE_ITEM, d.tuple_object.ob_item, 0);
    expect(&L, PYF_OB_SIZE, d.tuple_object.ob_size, 8);
    expect(&L, PYF_LIST_ITEM, d.list_object.ob_item, 8);
    expect(&L, PYF_DICT_KEYS, d.dict_object.ma_keys, 8);
    expect(&L, PYF_DICT_VALUES, d.dict_object.ma_values, 8);
    expect(&L, PYF_LONG_TAG, d.long_object.lv_tag, 8);
    expect(&L, PYF_LONG_DIGIT, d.long_object.ob_digit, 0);
    expect(&L, PYF_BYTES_SVAL, d.bytes_object.ob_sval, 0);
    expect(&L, PYF_STR_STATE, d.unicode_object.state, 4);
    expect(&L, PYF_STR_LENGTH, d.unicode_object.length, 8);
    expect(&L, PYF_ASCII, d.unicode_object.asciiobject_size, d.unicode_object.asciiobject_size);
    expect(&L, PYF_COMPACT, d.unicode_object.size - 8, d.unicode_object.size - 8);
    /* 3.13 has none of the 3.14 additions */
    ck_assert(!layout_has(&L, PYF_IF_STACKPOINTER));
    ck_assert(!layout_has(&L, PYF_SET_TABLE));
    ck_assert(!layout_has(&L, PYF_LLIST_NEXT));
    ck_assert(!layout_has(&L, PYF_GEN_QUALNAME));
}
END_TEST

START_TEST(test_refused)
{
    struct dbg314 d;
    struct layout L;

    /* cookie */
    dbg314_fill(&d, HEX_3140);
    d.cookie[0] = 'X';
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_LAYOUT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_LAYOUT), "cookie"));
    ck_assert_int_eq(load314(&L, &d, 8, HEX_3140), -AIO_E_LAYOUT);
    /* a struct of 3.14 in a process whose Py_Version says 3.13 */
    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3131), -AIO_E_LAYOUT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_LAYOUT), "does not match"));
    /* versions whose layout is not known: 3.15, 3.12, 4.14, 3.14 before beta 2 */
    dbg314_fill(&d, 0x030f00a1);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x030f00a1), -AIO_E_LAYOUT);
    ck_assert_str_eq(err_msg(AIO_E_LAYOUT), "its _Py_DebugOffsets layout is not known to this "
                     "build");
    dbg314_fill(&d, 0x030c05f0);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x030c05f0), -AIO_E_LAYOUT);
    dbg314_fill(&d, 0x040e00f0);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x040e00f0), -AIO_E_LAYOUT);
    dbg314_fill(&d, 0x030e00b1);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x030e00b1), -AIO_E_LAYOUT);
    dbg314_fill(&d, 0x030e00b2);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x030e00b2), 0);
    dbg314_fill(&d, 0x030e03f0);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), 0x030e03f0), 0);
    /* truncated: every length short of the struct */
    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&L, &d, sizeof(d) - 1, HEX_3140), -AIO_E_LAYOUT);
    ck_assert_int_eq(load314(&L, &d, 584, HEX_3140), -AIO_E_LAYOUT);
    /* free-threaded */
    d.free_threaded = 1;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_VERSION);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_VERSION), "free-threaded"));
}
END_TEST

/* One value out of range refuses the whole image; nothing is filled. */
START_TEST(test_absurd)
{
    struct dbg314 d;
    struct layout L;
    size_t i;
    uint64_t *slots[] = {
        &d.thread_state.next, &d.interpreter_state.threads_head, &d.runtime_state.interpreters_head,
        &d.interpreter_frame.owner, &d.code_object.firstlineno, &d.set_object.table,
        &d.gen_object.gi_frame_state, &d.llist_node.next, &d.unicode_object.length,
    };

    for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        static const uint64_t bad[] = { 1ull << 40, 1u << 20, 0xffffffffffffffffull };
        size_t k;

        for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            dbg314_fill(&d, HEX_3140);
            *slots[i] = bad[k];
            ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
            ck_assert(!layout_has(&L, PYF_TS_NEXT));
        }
    }
    /* a member just past the end of its struct, a struct of size 0 or absurd */
    dbg314_fill(&d, HEX_3140);
    d.thread_state.next = d.thread_state.size - 4;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    dbg314_fill(&d, HEX_3140);
    d.thread_state.size = 0;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    dbg314_fill(&d, HEX_3140);
    d.interpreter_state.size = 1ull << 33;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    dbg314_fill(&d, HEX_3140);
    d.unicode_object.size = 4;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    /* the exact end of a struct is fine */
    dbg314_fill(&d, HEX_3140);
    d.thread_state.next = d.thread_state.size - 8;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), 0);
}
END_TEST

START_TEST(test_asyncio_debug)
{
    struct dbg314 d;
    struct adbg a;
    struct layout L, core;

    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&core, &d, sizeof(d), HEX_3140), 0);
    adbg_fill(&a);
    L = core;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), 0);
    expect(&L, PYF_TASK, T_SIZE, T_SIZE);
    expect(&L, PYF_TASK_NAME, T_NAME, 8);
    expect(&L, PYF_TASK_CORO, T_CORO, 8);
    expect(&L, PYF_TASK_NODE, T_NODE, 16);
    expect(&L, PYF_TASK_IS_TASK, T_IS_TASK, 1);
    expect(&L, PYF_TASK_AWAITED_BY, T_AWAITED_BY, 8);
    expect(&L, PYF_TASK_AWAITED_BY_IS_SET, T_IS_SET, 1);
    expect(&L, PYF_IS_ASYNCIO_TASKS_HEAD, IS_ATASKS, 16);
    expect(&L, PYF_TS_ASYNCIO_TASKS_HEAD, TS_ATASKS, 16);
    expect(&L, PYF_TS_ASYNCIO_RUNNING_LOOP, TS_LOOP, 8);
    expect(&L, PYF_TS_ASYNCIO_RUNNING_TASK, TS_RTASK, 8);
    /* derived from the 3.14 FutureObj / TaskObj shape */
    expect(&L, PYF_FUT_LOOP, T_LOOP, 8);
    expect(&L, PYF_FUT_STATE, T_STATE, 4);
    expect(&L, PYF_TASK_NUM_CANCELS, T_NCANCELS, 4);
    expect(&L, PYF_TASK_FUT_WAITER, T_WAITER, 8);
    expect(&L, PYF_TASK_MUST_CANCEL, T_BITS, 1);
    ck_assert_int_eq(L.f[PYF_TASK_MUST_CANCEL].bit_off, 2);
    ck_assert_int_eq(L.f[PYF_TASK_MUST_CANCEL].bit_size, 1);
    ck_assert_int_eq(layout_validate(&L), 0);

    /* a shape that differs in one member: nothing is derived */
    a.asyncio_task_object.task_name += 8;
    a.asyncio_task_object.task_node += 8;
    a.asyncio_task_object.size += 8;
    L = core;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), 0);
    ck_assert(layout_has(&L, PYF_TASK_NODE));
    ck_assert(!layout_has(&L, PYF_FUT_STATE));
    ck_assert(!layout_has(&L, PYF_TASK_FUT_WAITER));
    /* 3.15 keeps 3.14's FutureObj / TaskObj (Debian's python3.15-dbg DWARF),
     * and a later version is tried with it: the same shape check decides */
    adbg_fill(&a);
    L = core;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), 0x030f00f0), 0);
    ck_assert(layout_has(&L, PYF_TASK_CORO));
    expect(&L, PYF_FUT_STATE, T_STATE, 4);
    /* never for 3.13 and before, whose FutureObj has no awaited_by: the
     * registry reads no AsyncioDebug section for them */
    L = core;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), 0x030d00f0), -AIO_E_VERSION);
    ck_assert(!layout_has(&L, PYF_FUT_STATE));
    /* nor without the core layout */
    memset(&L, 0, sizeof(L));
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), 0);
    ck_assert(!layout_has(&L, PYF_FUT_LOOP));

    /* refused: truncated, members outside their struct, sizes of 0 */
    memset(&L, 0, sizeof(L));
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a) - 1, HEX_3140), -AIO_E_LAYOUT);
    a.asyncio_task_object.task_node = T_SIZE - 8;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), -AIO_E_CORRUPT);
    adbg_fill(&a);
    a.asyncio_thread_state.asyncio_tasks_head = 1ull << 40;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), -AIO_E_CORRUPT);
    adbg_fill(&a);
    a.asyncio_interpreter_state.size = 0;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), -AIO_E_CORRUPT);
    adbg_fill(&a);
    a.asyncio_task_object.size = 0;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), -AIO_E_CORRUPT);
    ck_assert(!layout_has(&L, PYF_TASK_NODE));
}
END_TEST

Suite *
suite_debugoffsets(void)
{
    Suite *s = suite_create("debugoffsets");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_314_fields);
    tcase_add_test(tc, test_315_fields);
    tcase_add_test(tc, test_313_fields);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_absurd);
    tcase_add_test(tc, test_asyncio_debug);
    suite_add_tcase(s, tc);
    return s;
}
