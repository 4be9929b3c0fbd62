/*
 * check_debugoffsets.c - layouts from _Py_DebugOffsets and AsyncioDebug
 * (layout_debugoffsets.c), and the 3.14 walkers that use them alone
 * (ops_314.c, the task lists of task_find.c); the version registry
 * (versions.c) and the checks every layout source passes (layout_check).
 *
 *   - a synthetic _Py_DebugOffsets image of 3.14 and of 3.13, built from a
 *     struct that lists the members in the order of each version's header
 *     (not from the provider's table), fills every field at the value given;
 *   - bad cookie, a version other than Py_Version, unknown and pre-release
 *     versions, truncated images, out-of-range values and free-threaded
 *     builds are refused;
 *   - an AsyncioDebug image fills the task and list fields, and derives the
 *     Future members only when the whole shape agrees;
 *   - a whole 3.14 process in memory (runtime, thread, frames with tagged
 *     code references, tasks in a thread list and the interpreter list,
 *     awaited_by as one object and as a set) walks into the expected
 *     snapshot, and corrupt lists end in a diagnostic, not a hang.
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

Suite *suite_debugoffsets(void);

#define HEX_3140 0x030e00f0ull      /* 3.14.0 final */
#define HEX_3131 0x030d01f0ull      /* 3.13.1 */

/* _Py_DebugOffsets of 3.14 (Include/internal/pycore_debug_offsets.h, 3.14 branch): member order. */
struct dbg314 {
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
        uint64_t size, prev, next, interp, current_frame, thread_id, native_thread_id,
                 datastack_chunk, status;
    } thread_state;
    struct {
        uint64_t size, previous, executable, instr_ptr, localsplus, owner, stackpointer,
                 tlbc_index;
    } interpreter_frame;
    struct {
        uint64_t size, filename, name, qualname, linetable, firstlineno, argcount,
                 localsplusnames, localspluskinds, co_code_adaptive, co_tlbc;
    } code_object;
    struct { uint64_t size, ob_type; } pyobject;
    struct { uint64_t size, tp_name, tp_repr, tp_flags; } type_object;
    struct { uint64_t size, ob_item, ob_size; } tuple_object;
    struct { uint64_t size, ob_item, ob_size; } list_object;
    struct { uint64_t size, used, table, mask; } set_object;
    struct { uint64_t size, ma_keys, ma_values; } dict_object;
    struct { uint64_t size, ob_fval; } float_object;
    struct { uint64_t size, lv_tag, ob_digit; } long_object;
    struct { uint64_t size, ob_size, ob_sval; } bytes_object;
    struct { uint64_t size, state, length, asciiobject_size; } unicode_object;
    struct { uint64_t size, collecting; } gc;
    struct { uint64_t size, gi_name, gi_iframe, gi_frame_state; } gen_object;
    struct { uint64_t next, prev; } llist_node;
    struct {
        uint64_t eval_breaker, remote_debugger_support, remote_debugging_enabled,
                 debugger_pending_call, debugger_script_path, debugger_script_path_size;
    } debugger_support;
};
_Static_assert(sizeof(struct dbg314) == 760, "3.14 _Py_DebugOffsets is 95 words");

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

/* Py_AsyncioModuleDebugOffsets (Modules/_asynciomodule.c, 3.14): member order. */
struct adbg {
    struct {
        uint64_t size, task_name, task_awaited_by, task_is_task, task_awaited_by_is_set,
                 task_coro, task_node;
    } asyncio_task_object;
    struct { uint64_t size, asyncio_tasks_head; } asyncio_interpreter_state;
    struct {
        uint64_t size, asyncio_running_loop, asyncio_running_task, asyncio_tasks_head;
    } asyncio_thread_state;
};
_Static_assert(sizeof(struct adbg) == 104, "AsyncioDebug is 13 words");

/*
 * The synthetic process's object layouts, in the shape of a 3.14 x86-64 GIL
 * build (the values a real runtime would publish are of this kind).
 */
enum {
    OB_TYPE = 8, OB_SIZE_OFF = 16,
    TP_NAME = 24, TP_FLAGS = 168, TYPE_SIZE = 416,
    STR_LENGTH = 16, STR_STATE = 32, ASCII_SIZE = 40, UNICODE_SIZE = 64,
    LONG_TAG = 16, LONG_DIGIT = 24, LONG_SIZE = 32,
    CODE_FILENAME = 112, CODE_NAME = 120, CODE_QUALNAME = 128, CODE_LINETABLE = 136,
    CODE_FIRSTLINENO = 68, CODE_ADAPTIVE = 192, CODE_SIZE = 200,
    IF_EXEC = 0, IF_PREV = 8, IF_INSTR = 56, IF_SP = 64, IF_OWNER = 74, IF_LOCALS = 80,
    IF_SIZE = 88,
    GEN_NAME = 24, GEN_STATE = 67, GEN_IFRAME = 72, GEN_SIZE = 160,
    SET_USED = 24, SET_MASK = 32, SET_TABLE = 40, SET_SIZE = 200,
    IS_NEXT = 0x10, IS_THREADS_HEAD = 0x48, IS_THREADS_MAIN = 0x50, IS_MODULES = 0x100,
    IS_CEVAL_GIL = 0x200, IS_GIL = 0x300, IS_ATASKS = 0x1000, IS_SIZE = 0x2000,
    TS_NEXT = 16, TS_INTERP = 24, TS_FRAME = 72, TS_THREAD_ID = 152, TS_NATIVE = 160,
    TS_SIZE = 312, TS_LOOP = 480, TS_RTASK = 488, TS_ATASKS = 496, TS_IMPL_SIZE = 600,
    RT_INTERP_HEAD = 800, RT_SIZE = 4096,
    /* TaskObj of 3.14: FutureObj_HEAD(11 pointers, state, 2 chars, bits), int, 4 pointers, node */
    T_LOOP = 16, T_AWAITED_BY = 96, T_STATE = 104, T_IS_TASK = 108, T_IS_SET = 109,
    T_BITS = 110, T_NCANCELS = 112, T_WAITER = 120, T_CORO = 128, T_NAME = 136,
    T_NODE = 152, T_SIZE = 168,
};

static void
dbg314_fill(struct dbg314 *d, uint64_t version)
{
    memset(d, 0, sizeof(*d));
    memcpy(d->cookie, "xdebugpy", 8);
    d->version = version;
    d->runtime_state.size = RT_SIZE;
    d->runtime_state.finalizing = 776;
    d->runtime_state.interpreters_head = RT_INTERP_HEAD;
    d->interpreter_state.size = IS_SIZE;
    d->interpreter_state.id = 8;
    d->interpreter_state.next = IS_NEXT;
    d->interpreter_state.threads_head = IS_THREADS_HEAD;
    d->interpreter_state.threads_main = IS_THREADS_MAIN;
    d->interpreter_state.gc = 0x400;
    d->interpreter_state.imports_modules = IS_MODULES;
    d->interpreter_state.sysdict = 0x108;
    d->interpreter_state.builtins = 0x110;
    d->interpreter_state.ceval_gil = IS_CEVAL_GIL;
    d->interpreter_state.gil_runtime_state = IS_GIL;
    d->interpreter_state.gil_runtime_state_locked = IS_GIL + 16;
    d->interpreter_state.gil_runtime_state_holder = IS_GIL + 8;
    d->interpreter_state.code_object_generation = 0x1800;
    d->thread_state.size = TS_SIZE;
    d->thread_state.prev = 8;
    d->thread_state.next = TS_NEXT;
    d->thread_state.interp = TS_INTERP;
    d->thread_state.current_frame = TS_FRAME;
    d->thread_state.thread_id = TS_THREAD_ID;
    d->thread_state.native_thread_id = TS_NATIVE;
    d->thread_state.datastack_chunk = 168;
    d->thread_state.status = 176;
    d->interpreter_frame.size = IF_SIZE;
    d->interpreter_frame.previous = IF_PREV;
    d->interpreter_frame.executable = IF_EXEC;
    d->interpreter_frame.instr_ptr = IF_INSTR;
    d->interpreter_frame.localsplus = IF_LOCALS;
    d->interpreter_frame.owner = IF_OWNER;
    d->interpreter_frame.stackpointer = IF_SP;
    d->code_object.size = CODE_SIZE;
    d->code_object.filename = CODE_FILENAME;
    d->code_object.name = CODE_NAME;
    d->code_object.qualname = CODE_QUALNAME;
    d->code_object.linetable = CODE_LINETABLE;
    d->code_object.firstlineno = CODE_FIRSTLINENO;
    d->code_object.argcount = 48;
    d->code_object.localsplusnames = 96;
    d->code_object.localspluskinds = 104;
    d->code_object.co_code_adaptive = CODE_ADAPTIVE;
    d->pyobject.size = 16;
    d->pyobject.ob_type = OB_TYPE;
    d->type_object.size = TYPE_SIZE;
    d->type_object.tp_name = TP_NAME;
    d->type_object.tp_repr = 88;
    d->type_object.tp_flags = TP_FLAGS;
    d->tuple_object.size = 40;
    d->tuple_object.ob_item = 32;
    d->tuple_object.ob_size = OB_SIZE_OFF;
    d->list_object.size = 40;
    d->list_object.ob_item = 24;
    d->list_object.ob_size = OB_SIZE_OFF;
    d->set_object.size = SET_SIZE;
    d->set_object.used = SET_USED;
    d->set_object.table = SET_TABLE;
    d->set_object.mask = SET_MASK;
    d->dict_object.size = 48;
    d->dict_object.ma_keys = 32;
    d->dict_object.ma_values = 40;
    d->float_object.size = 24;
    d->float_object.ob_fval = 16;
    d->long_object.size = LONG_SIZE;
    d->long_object.lv_tag = LONG_TAG;
    d->long_object.ob_digit = LONG_DIGIT;
    d->bytes_object.size = 40;
    d->bytes_object.ob_size = OB_SIZE_OFF;
    d->bytes_object.ob_sval = 32;
    d->unicode_object.size = UNICODE_SIZE;
    d->unicode_object.state = STR_STATE;
    d->unicode_object.length = STR_LENGTH;
    d->unicode_object.asciiobject_size = ASCII_SIZE;
    d->gc.size = 400;
    d->gc.collecting = 36;
    d->gen_object.size = GEN_SIZE;
    d->gen_object.gi_name = GEN_NAME;
    d->gen_object.gi_iframe = GEN_IFRAME;
    d->gen_object.gi_frame_state = GEN_STATE;
    d->llist_node.next = 0;
    d->llist_node.prev = 8;
    d->debugger_support.eval_breaker = 40;
    d->debugger_support.remote_debugger_support = 200;
    d->debugger_support.remote_debugging_enabled = 0x1f00;
    d->debugger_support.debugger_pending_call = 0;
    d->debugger_support.debugger_script_path = 8;
    d->debugger_support.debugger_script_path_size = 512;
}

static void
adbg_fill(struct adbg *a)
{
    memset(a, 0, sizeof(*a));
    a->asyncio_task_object.size = T_SIZE;
    a->asyncio_task_object.task_name = T_NAME;
    a->asyncio_task_object.task_awaited_by = T_AWAITED_BY;
    a->asyncio_task_object.task_is_task = T_IS_TASK;
    a->asyncio_task_object.task_awaited_by_is_set = T_IS_SET;
    a->asyncio_task_object.task_coro = T_CORO;
    a->asyncio_task_object.task_node = T_NODE;
    a->asyncio_interpreter_state.size = IS_SIZE;
    a->asyncio_interpreter_state.asyncio_tasks_head = IS_ATASKS;
    a->asyncio_thread_state.size = TS_IMPL_SIZE;
    a->asyncio_thread_state.asyncio_running_loop = TS_LOOP;
    a->asyncio_thread_state.asyncio_running_task = TS_RTASK;
    a->asyncio_thread_state.asyncio_tasks_head = TS_ATASKS;
}

/* The _Py_DebugOffsets map the version registry gives Py_Version hex (NULL: none). */
static const struct dbgoff_version *
dbgoff_of(uint64_t hex)
{
    unsigned newer;
    const struct py_version *v = py_version_find(hex, &newer);

    return v ? v->debug_offsets : NULL;
}

/* The image in a buffer of exactly its size (ASan sees any read past it). */
static int
load314(struct layout *L, const struct dbg314 *d, size_t len, uint64_t version_hex)
{
    unsigned char *buf = malloc(len);
    int rc;

    memcpy(buf, d, len < sizeof(*d) ? len : sizeof(*d));
    memset(L, 0, sizeof(*L));
    rc = layout_from_debug_offsets(L, buf, len, dbgoff_of(version_hex), version_hex);
    free(buf);
    return rc;
}

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

static int
load_adbg(struct layout *L, const struct adbg *a, size_t len, uint64_t version_hex)
{
    unsigned char *buf = malloc(len);
    int rc;
    unsigned newer;
    const struct py_version *v = py_version_find(version_hex, &newer);

    memcpy(buf, a, len < sizeof(*a) ? len : sizeof(*a));
    /* the section map the version registry gives; none: not read at all */
    if (!v || !v->asyncio_debug) {
        free(buf);
        return -AIO_E_VERSION;
    }
    rc = layout_from_asyncio_debug(L, buf, len, v->asyncio_debug);
    free(buf);
    return rc;
}

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

/* ---- a 3.14 process in memory ---- */

#define MEM_BASE 0x7f3400000000ull
#define MEM_SIZE (1u << 20)

struct mem {
    unsigned char *b;
    uint64_t top;               /* next free address */
};

static int
mem_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct mem *m = src->priv;

    if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (addr - MEM_BASE))
        return -AIO_E_FAULT;
    memcpy(buf, m->b + (addr - MEM_BASE), len);
    return 0;
}

static const struct source_ops mem_ops = { .read = mem_read };

static uint64_t
mem_alloc(struct mem *m, size_t size)
{
    uint64_t a = m->top;

    m->top += (size + 15) & ~(size_t)15;
    ck_assert(m->top - MEM_BASE <= MEM_SIZE);
    return a;
}

static void
put(struct mem *m, uint64_t addr, const void *p, size_t len)
{
    memcpy(m->b + (addr - MEM_BASE), p, len);
}

static void
put64(struct mem *m, uint64_t addr, uint64_t v)
{
    put(m, addr, &v, 8);
}

static void
put32(struct mem *m, uint64_t addr, uint32_t v)
{
    put(m, addr, &v, 4);
}

static void
put8(struct mem *m, uint64_t addr, uint8_t v)
{
    put(m, addr, &v, 1);
}

struct proc {
    struct mem m;
    struct source src;
    struct py_runtime rt;
    uint64_t t_str, t_int, t_code, t_coro, t_task, t_set, t_gather, t_loop;
    uint64_t interp, tstate;
};

static uint64_t
mk_type(struct proc *p, const char *name)
{
    uint64_t t = mem_alloc(&p->m, TYPE_SIZE), s = mem_alloc(&p->m, strlen(name) + 1);

    put(&p->m, s, name, strlen(name) + 1);
    put64(&p->m, t + TP_NAME, s);
    return t;
}

static uint64_t
mk_str(struct proc *p, const char *s)
{
    uint64_t o = mem_alloc(&p->m, ASCII_SIZE + strlen(s) + 1);

    put64(&p->m, o + OB_TYPE, p->t_str);
    put64(&p->m, o + STR_LENGTH, strlen(s));
    put32(&p->m, o + STR_STATE, (1u << 2) | (1u << 5) | (1u << 6));  /* 1-byte kind, compact, ascii */
    put(&p->m, o + ASCII_SIZE, s, strlen(s) + 1);
    return o;
}

static uint64_t
mk_int(struct proc *p, uint32_t v)
{
    uint64_t o = mem_alloc(&p->m, LONG_SIZE);

    put64(&p->m, o + OB_TYPE, p->t_int);
    put64(&p->m, o + LONG_TAG, 1u << 3);    /* one digit, positive */
    put32(&p->m, o + LONG_DIGIT, v);
    return o;
}

static uint64_t
mk_code(struct proc *p, const char *name, int firstlineno)
{
    uint64_t o = mem_alloc(&p->m, CODE_SIZE + 64);

    put64(&p->m, o + OB_TYPE, p->t_code);
    put64(&p->m, o + CODE_NAME, mk_str(p, name));
    put64(&p->m, o + CODE_QUALNAME, mk_str(p, name));
    put64(&p->m, o + CODE_FILENAME, mk_str(p, "/app/t314.py"));
    put32(&p->m, o + CODE_FIRSTLINENO, (uint32_t)firstlineno);
    return o;
}

/* A frame at f running code (its reference tagged as deferred: bit 0). */
static void
mk_frame(struct proc *p, uint64_t f, uint64_t code, uint64_t previous, uint8_t owner)
{
    put64(&p->m, f + IF_EXEC, code ? code | 1 : 1);
    put64(&p->m, f + IF_PREV, previous);
    put64(&p->m, f + IF_INSTR, code ? code + CODE_ADAPTIVE + 6 : 0);
    put8(&p->m, f + IF_OWNER, owner);
}

/* A coroutine in frame state `state`; awaiting (a _PyStackRef) on top of its stack if not 0. */
static uint64_t
mk_coro(struct proc *p, const char *name, int firstlineno, int8_t state, uint64_t awaiting)
{
    uint64_t o = mem_alloc(&p->m, GEN_SIZE + 64), f = o + GEN_IFRAME;

    put64(&p->m, o + OB_TYPE, p->t_coro);
    put64(&p->m, o + GEN_NAME, mk_str(p, name));
    put64(&p->m, o + GEN_NAME + 8, mk_str(p, name));
    put8(&p->m, o + GEN_STATE, (uint8_t)state);
    mk_frame(p, f, mk_code(p, name, firstlineno), 0, 1);
    put64(&p->m, f + IF_LOCALS, 0x11);     /* a local: self-ish, unused */
    if (awaiting) {
        put64(&p->m, f + IF_LOCALS + 8, awaiting);
        put64(&p->m, f + IF_SP, f + IF_LOCALS + 16);
    } else {
        put64(&p->m, f + IF_SP, f + IF_LOCALS + 8);
    }
    return o;
}

static uint64_t
mk_task(struct proc *p, uint64_t name, uint64_t coro, int state, char is_task)
{
    uint64_t o = mem_alloc(&p->m, T_SIZE);

    put64(&p->m, o + OB_TYPE, p->t_task);
    put64(&p->m, o + T_LOOP, p->t_loop);
    put32(&p->m, o + T_STATE, (uint32_t)state);
    put8(&p->m, o + T_IS_TASK, (uint8_t)is_task);
    put64(&p->m, o + T_NAME, name);
    put64(&p->m, o + T_CORO, coro);
    return o;
}

/* A circular list at head through the tasks' nodes (prev links too). */
static void
mk_list(struct proc *p, uint64_t head, const uint64_t *tasks, size_t n)
{
    uint64_t prev = head;
    size_t i;

    for (i = 0; i < n; i++) {
        put64(&p->m, prev, tasks[i] + T_NODE);
        put64(&p->m, tasks[i] + T_NODE + 8, prev);
        prev = tasks[i] + T_NODE;
    }
    put64(&p->m, prev, head);
    put64(&p->m, head + 8, prev);
}

/* Runtime, one interpreter, one thread (tid 4242) running `main`, holding the GIL. */
static void
proc_init(struct proc *p)
{
    struct dbg314 d;
    struct adbg a;
    uint64_t rt, f_main, f_base, gil;

    memset(p, 0, sizeof(*p));
    p->m.b = calloc(1, MEM_SIZE);
    p->m.top = MEM_BASE + 4096;
    source_init(&p->src, &mem_ops, 0);
    p->src.priv = &p->m;
    p->t_str = mk_type(p, "str");
    p->t_int = mk_type(p, "int");
    p->t_code = mk_type(p, "code");
    p->t_coro = mk_type(p, "coroutine");
    p->t_task = mk_type(p, "_asyncio.Task");
    p->t_set = mk_type(p, "set");
    p->t_gather = mk_type(p, "_GatheringFuture");
    p->t_loop = mem_alloc(&p->m, 64);

    rt = mem_alloc(&p->m, RT_SIZE);
    dbg314_fill(&d, HEX_3140);
    put(&p->m, rt, &d, sizeof(d));
    p->interp = mem_alloc(&p->m, IS_SIZE);
    p->tstate = mem_alloc(&p->m, TS_IMPL_SIZE);
    put64(&p->m, rt + RT_INTERP_HEAD, p->interp);
    put64(&p->m, p->interp + IS_THREADS_HEAD, p->tstate);
    put64(&p->m, p->interp + IS_THREADS_MAIN, p->tstate);
    gil = p->interp + IS_GIL;
    put64(&p->m, p->interp + IS_CEVAL_GIL, gil);
    put32(&p->m, gil + 16, 1);
    put64(&p->m, gil + 8, p->tstate);
    put64(&p->m, p->tstate + TS_INTERP, p->interp);
    put64(&p->m, p->tstate + TS_THREAD_ID, 0x7f00aa);
    put64(&p->m, p->tstate + TS_NATIVE, 4242);
    f_base = mem_alloc(&p->m, IF_SIZE);
    f_main = mem_alloc(&p->m, IF_SIZE);
    mk_frame(p, f_base, 0, 0, 3);               /* FRAME_OWNED_BY_INTERPRETER */
    mk_frame(p, f_main, mk_code(p, "main", 5), f_base, 0);
    put64(&p->m, p->tstate + TS_FRAME, f_main);
    /* empty task lists until a test fills them */
    mk_list(p, p->tstate + TS_ATASKS, NULL, 0);
    mk_list(p, p->interp + IS_ATASKS, NULL, 0);

    p->rt.runtime_addr = rt;
    p->rt.version_hex = HEX_3140;
    snprintf(p->rt.version, sizeof(p->rt.version), "3.14.0");
    snprintf(p->rt.layout_source, sizeof(p->rt.layout_source), "debug-offsets");
    p->rt.ops = &py_ops_314;
    p->rt.pthread_tid_off = -1;
    ck_assert_int_eq(layout_from_debug_offsets(&p->rt.L, p->m.b + (rt - MEM_BASE), sizeof(d),
                                               &dbgoff_v314, HEX_3140), 0);
    adbg_fill(&a);
    ck_assert_int_eq(layout_from_asyncio_debug(&p->rt.L, (const unsigned char *)&a, sizeof(a),
                                               &adbg_v314), 0);
    ck_assert_int_eq(layout_validate(&p->rt.L), 0);
}

static void
proc_done(struct proc *p)
{
    free(p->m.b);
}

static const char *
frame_fn(const struct snap *s, size_t first, size_t i)
{
    return s->frames[first + i].function.s;
}

static bool
has_diag(const struct snap *s, const char *needle)
{
    size_t i;

    for (i = 0; i < s->ndiags; i++) {
        if (strstr(s->diags[i].message, needle))
            return true;
    }
    return false;
}

START_TEST(test_walk_314)
{
    struct proc p;
    struct snap *s;
    uint64_t ta, tb, tc, td, gfut, set, table, inner, worker, amain;
    uint64_t listed[3], lingering[1];

    proc_init(&p);
    /* A: running on the thread, awaiting a gather of B and C */
    amain = mk_coro(&p, "amain", 10, 0, 0);
    ta = mk_task(&p, mk_str(&p, "main-task"), amain, 0, 1);
    gfut = mem_alloc(&p.m, T_SIZE);
    put64(&p.m, gfut + OB_TYPE, p.t_gather);
    put64(&p.m, ta + T_WAITER, gfut);
    /* B: Task-7 suspended in worker -> inner, must cancel, awaited by A (one object) */
    inner = mk_coro(&p, "inner", 30, -2, 0);
    worker = mk_coro(&p, "worker", 20, -1, inner | 1);
    tb = mk_task(&p, mk_int(&p, 7), worker, 0, 1);
    put8(&p.m, tb + T_BITS, 1u << 2);
    put32(&p.m, tb + T_NCANCELS, 1);
    put64(&p.m, tb + T_AWAITED_BY, ta);
    /* C: finished, still referenced, its thread gone: awaited by a set {A} */
    tc = mk_task(&p, mk_str(&p, "old"), 0, 2, 1);
    set = mem_alloc(&p.m, SET_SIZE);
    table = mem_alloc(&p.m, 8 * 16);
    put64(&p.m, set + OB_TYPE, p.t_set);
    put64(&p.m, set + SET_USED, 1);
    put64(&p.m, set + SET_MASK, 7);
    put64(&p.m, set + SET_TABLE, table);
    put64(&p.m, table + 3 * 16, ta);
    put64(&p.m, table + 3 * 16 + 8, 12345);
    put64(&p.m, tc + T_AWAITED_BY, set);
    put8(&p.m, tc + T_IS_SET, 1);
    /* D: in the list but not a task */
    td = mk_task(&p, mk_str(&p, "not-a-task"), 0, 0, 0);
    listed[0] = tb;
    listed[1] = td;
    listed[2] = ta;
    mk_list(&p, p.tstate + TS_ATASKS, listed, 3);
    lingering[0] = tc;
    mk_list(&p, p.interp + IS_ATASKS, lingering, 1);
    put64(&p.m, p.tstate + TS_LOOP, p.t_loop);
    put64(&p.m, p.tstate + TS_RTASK, ta);

    s = snap_new(0);
    ck_assert_int_eq(py_snapshot_read(&p.src, &p.rt, s), 0);
    ck_assert_uint_eq(s->nthreads, 1);
    ck_assert_int_eq(s->threads[0].tid, 4242);
    ck_assert(s->threads[0].holds_gil);
    ck_assert_uint_eq(s->threads[0].frame_count, 1);
    ck_assert_str_eq(frame_fn(s, s->threads[0].frame_first, 0), "main");
    ck_assert_int_eq(s->frames[s->threads[0].frame_first].line, 5);

    ck_assert_uint_eq(s->ntasks, 3);
    ck_assert_uint_eq(s->tasks[0].addr, ta);
    ck_assert_uint_eq(s->tasks[1].addr, tb);
    ck_assert_uint_eq(s->tasks[2].addr, tc);
    ck_assert_str_eq(s->tasks[0].name.s, "main-task");
    ck_assert_str_eq(s->tasks[0].coro.s, "amain");
    ck_assert(s->tasks[0].running);
    ck_assert_int_eq(s->tasks[0].thread_tid, 4242);
    ck_assert_int_eq(s->tasks[0].state, SNAP_TASK_PENDING);
    ck_assert_uint_eq(s->tasks[0].loop, p.t_loop);
    ck_assert_uint_eq(s->tasks[0].frame_count, 1);
    ck_assert_str_eq(frame_fn(s, s->tasks[0].frame_first, 0), "amain");

    ck_assert_str_eq(s->tasks[1].name.s, "Task-7");
    ck_assert(!s->tasks[1].running);
    ck_assert_int_eq(s->tasks[1].thread_tid, 4242);
    ck_assert(s->tasks[1].must_cancel);
    ck_assert_int_eq(s->tasks[1].cancel_requests, 1);
    ck_assert_uint_eq(s->tasks[1].frame_count, 2);
    ck_assert_str_eq(frame_fn(s, s->tasks[1].frame_first, 0), "inner");
    ck_assert_int_eq(s->frames[s->tasks[1].frame_first].line, 30);
    ck_assert_str_eq(frame_fn(s, s->tasks[1].frame_first, 1), "worker");

    ck_assert_str_eq(s->tasks[2].name.s, "old");
    ck_assert_int_eq(s->tasks[2].state, SNAP_TASK_DONE);
    /* in the interpreter's list (its thread state is gone), but its loop is
     * thread 4242's running loop: a task's thread is the one running its loop */
    ck_assert_uint_eq(s->tasks[2].loop, p.t_loop);
    ck_assert_int_eq(s->tasks[2].thread_tid, 4242);
    ck_assert_uint_eq(s->tasks[2].frame_count, 0);

    ck_assert_uint_eq(s->nedges, 2);
    ck_assert_uint_eq(s->edges[0].waiter, 0);
    ck_assert_uint_eq(s->edges[0].awaited, 1);
    ck_assert_int_eq(s->edges[0].kind, SNAP_EDGE_GATHER);
    ck_assert_uint_eq(s->edges[1].waiter, 0);
    ck_assert_uint_eq(s->edges[1].awaited, 2);
    ck_assert(has_diag(s, "1 entries of the task lists are not tasks"));
    snap_free(s);
    proc_done(&p);
}
END_TEST

START_TEST(test_walk_314_corrupt_lists)
{
    struct proc p;
    struct snap *s;
    uint64_t ta, tb, tc;

    proc_init(&p);
    ta = mk_task(&p, mk_str(&p, "a"), 0, 0, 1);
    tb = mk_task(&p, mk_str(&p, "b"), 0, 0, 1);
    tc = mk_task(&p, mk_str(&p, "c"), 0, 0, 1);
    /* thread list: head -> A -> B -> A -> ... never back to the head */
    put64(&p.m, p.tstate + TS_ATASKS, ta + T_NODE);
    put64(&p.m, ta + T_NODE, tb + T_NODE);
    put64(&p.m, tb + T_NODE, ta + T_NODE);
    /* interpreter list: head -> C -> NULL */
    put64(&p.m, p.interp + IS_ATASKS, tc + T_NODE);
    put64(&p.m, tc + T_NODE, 0);

    s = snap_new(0);
    ck_assert_int_eq(py_snapshot_read(&p.src, &p.rt, s), 0);
    ck_assert_uint_eq(s->ntasks, 3);
    ck_assert(has_diag(s, "loops without reaching its head"));
    ck_assert(has_diag(s, "NULL link"));
    snap_free(s);

    /* a list head that cannot be read: the walk goes on without tasks */
    put64(&p.m, p.tstate + TS_ATASKS, 0x10);
    put64(&p.m, p.interp + IS_ATASKS, p.interp + IS_ATASKS);
    s = snap_new(0);
    ck_assert_int_eq(py_snapshot_read(&p.src, &p.rt, s), 0);
    ck_assert_uint_eq(s->ntasks, 0);
    ck_assert(has_diag(s, "corrupt") || has_diag(s, "cannot read the task list"));
    snap_free(s);
    proc_done(&p);
}
END_TEST

/* _asyncio is mapped but nothing gave the layout of its tasks: said, not "no asyncio". */
START_TEST(test_walk_314_no_asyncio_layout)
{
    char path[] = "/usr/lib/python3.14/lib-dynload/_asyncio.cpython-314-x86_64-linux-gnu.so";
    struct map_entry me;
    struct proc p;
    struct snap *s;

    proc_init(&p);
    p.rt.L.f[PYF_TASK_NODE].present = false;
    s = snap_new(0);
    ck_assert_int_eq(py_snapshot_read(&p.src, &p.rt, s), 0);
    ck_assert(!has_diag(s, "layout of its tasks is unknown"));
    snap_free(s);

    memset(&me, 0, sizeof(me));
    me.start = 0x7f0000000000ull;
    me.end = me.start + 4096;
    me.path = path;
    p.src.maps.v = &me;
    p.src.maps.n = 1;
    s = snap_new(0);
    ck_assert_int_eq(py_snapshot_read(&p.src, &p.rt, s), 0);
    ck_assert_uint_eq(s->ntasks, 0);
    ck_assert(has_diag(s, "layout of its tasks is unknown"));
    ck_assert(!(s->flags & SNAP_F_NO_TASKS));
    snap_free(s);
    proc_done(&p);
}
END_TEST

/* A layout from a built-in table (zeroed first). */
static void
table_layout(struct layout *L, unsigned minor)
{
    const struct py_version *v = py_version_exact(minor);

    ck_assert_ptr_nonnull(v);
    memset(L, 0, sizeof(*L));
    ck_assert_int_gt(layout_from_table(L, v->table), 0);
}

/*
 * layout.h's promise, for every source: a member lies within its struct
 * and a scalar member is aligned to its size; a layout that breaks it is
 * refused as a whole (layout_check) or loses the field (layout_validate).
 */
START_TEST(test_layout_check)
{
    struct layout L, M;
    struct dbg314 d;
    struct adbg a;
    size_t i;

    /* every built-in table passes as generated */
    for (i = 0; i < py_versions_count; i++) {
        table_layout(&L, py_versions[i].minor);
        ck_assert_msg(layout_check(&L, "built-in table") == 0, "3.%u: %s",
                      py_versions[i].minor, err_msg(AIO_E_CORRUPT));
        ck_assert_int_eq(layout_validate(&L), 0);
    }
    /* a member past the end of its struct */
    table_layout(&L, 12);
    M = L;
    L.f[PYF_TS_NEXT].off = L.f[PYF_TSTATE].off;
    ck_assert_int_eq(layout_check(&L, "DWARF"), -AIO_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "the DWARF layout is refused: TS_NEXT"));
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "outside _ts"));
    ck_assert_int_eq(layout_validate(&L), 1);
    ck_assert(!layout_has(&L, PYF_TS_NEXT));
    ck_assert(layout_has(&L, PYF_TS_INTERP));
    /* ... or overlapping it */
    L = M;
    L.f[PYF_CO_NAME].off = L.f[PYF_CODE].off - 4;
    ck_assert_int_eq(layout_check(&L, "built-in table"), -AIO_E_CORRUPT);
    /* a member that ends exactly at the end is fine, a flexible array too */
    L = M;
    L.f[PYF_CO_NAME].off = L.f[PYF_CODE].off - 8;
    L.f[PYF_IF_LOCALSPLUS].off = L.f[PYF_IFRAME].off;
    L.f[PYF_IF_LOCALSPLUS].size = 0;
    ck_assert_int_eq(layout_check(&L, "DWARF"), 0);
    /* a pointer, an int and a short off their natural alignment */
    L = M;
    L.f[PYF_TS_INTERP].off += 4;
    ck_assert_int_eq(layout_check(&L, "DWARF"), -AIO_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "TS_INTERP at offset"));
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "not aligned"));
    ck_assert_int_eq(layout_validate(&L), 1);
    L = M;
    L.f[PYF_CO_FIRSTLINENO].off += 2;
    ck_assert_int_eq(layout_check(&L, "DWARF"), -AIO_E_CORRUPT);
    L = M;
    L.f[PYF_CO_FIRSTLINENO].size = 2;
    L.f[PYF_CO_FIRSTLINENO].off += 1;
    ck_assert_int_eq(layout_check(&L, "DWARF"), -AIO_E_CORRUPT);
    /* bytes and bit-fields go anywhere inside */
    L = M;
    L.f[PYF_CO_FIRSTLINENO].size = 1;
    L.f[PYF_CO_FIRSTLINENO].off += 3;
    ck_assert_int_eq(layout_check(&L, "DWARF"), 0);
    L = M;
    ck_assert(layout_has(&L, PYF_STR_STATE));
    L.f[PYF_STR_STATE].bit_size = 1;
    L.f[PYF_STR_STATE].bit_off = 5;
    L.f[PYF_STR_STATE].size = 4;
    L.f[PYF_STR_STATE].off = L.f[PYF_ASCII].off - 1;
    ck_assert_int_eq(layout_check(&L, "DWARF"), 0);
    L.f[PYF_STR_STATE].off = L.f[PYF_ASCII].off;
    ck_assert_int_eq(layout_check(&L, "DWARF"), -AIO_E_CORRUPT);

    /* _Py_DebugOffsets: a misaligned member within its struct is refused */
    dbg314_fill(&d, HEX_3140);
    d.thread_state.next += 4;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "_Py_DebugOffsets layout is refused"));
    dbg314_fill(&d, HEX_3140);
    d.code_object.firstlineno += 2;
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), -AIO_E_CORRUPT);
    dbg314_fill(&d, HEX_3140);
    ck_assert_int_eq(load314(&L, &d, sizeof(d), HEX_3140), 0);
    /* AsyncioDebug: so is a misaligned task member */
    M = L;
    adbg_fill(&a);
    a.asyncio_task_object.task_coro += 4;
    L = M;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), -AIO_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(err_msg(AIO_E_CORRUPT), "AsyncioDebug layout is refused"));
    adbg_fill(&a);
    L = M;
    ck_assert_int_eq(load_adbg(&L, &a, sizeof(a), HEX_3140), 0);
}
END_TEST

/*
 * The version registry: every supported minor has a row with every op
 * (task discovery included: no walker tests for a missing op), its own
 * built-in table, and the debug-offsets reading it needs; a later minor is
 * the newest row, flagged; older or other major versions have none.
 */
START_TEST(test_version_registry)
{
    const struct py_version *newest = &py_versions[py_versions_count - 1];
    unsigned newer = 99;
    size_t i;

    ck_assert_ptr_null(py_version_find(0x030700f0, &newer));
    ck_assert_ptr_null(py_version_find(0x020712f0, &newer));
    ck_assert_ptr_null(py_version_find(0x040000f0, &newer));
    ck_assert_uint_eq(py_versions[0].minor, 8);
    for (i = 0; i < py_versions_count; i++) {
        const struct py_version *v = &py_versions[i];
        const struct py_ops *o = v->ops;

        newer = 99;
        ck_assert(py_version_find(0x030000f0ull | (uint64_t)v->minor << 16, &newer) == v);
        ck_assert_uint_eq(newer, 0);
        ck_assert(py_version_exact(v->minor) == v);
        if (i > 0)
            ck_assert_uint_eq(v->minor, py_versions[i - 1].minor + 1);
        ck_assert_ptr_nonnull(o);
        ck_assert_msg(o->thread_top_frame && o->frame_read && o->code_line && o->gil_addr &&
                      o->thread_native_id && o->gen_frame && o->gen_awaiting &&
                      o->frame_local_addr && o->instance_dict && o->tasks_discover,
                      "3.%u: an op is missing", v->minor);
        ck_assert_ptr_nonnull(v->table);
        ck_assert_int_eq(v->table->minor, (int)v->minor);
        ck_assert(!v->debug_offsets_first || v->debug_offsets);
        ck_assert(!v->asyncio_debug || v->debug_offsets_first);
        ck_assert(o->tasks_discover ==
                  (v->asyncio_debug ? py_tasks_from_lists : py_tasks_from_registries));
    }
    ck_assert_ptr_nonnull(py_version_exact(13)->debug_offsets);
    ck_assert_ptr_null(py_version_exact(12)->debug_offsets);
    ck_assert(py_version_exact(14)->debug_offsets_first);
    ck_assert(!py_version_exact(13)->debug_offsets_first);
    ck_assert_ptr_null(py_version_exact(16 + (unsigned)py_versions_count));
    /* a later minor: the newest row, read through its _Py_DebugOffsets */
    ck_assert(py_version_find(0x031000f0ull + ((uint64_t)(newest->minor - 15) << 16), &newer) ==
              newest);
    ck_assert_uint_eq(newer, newest->minor + 1);
    ck_assert(newest->debug_offsets_first);
    ck_assert_uint_eq(layout_debug_offsets_newest_minor(), newest->minor);
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
    tcase_add_test(tc, test_walk_314);
    tcase_add_test(tc, test_walk_314_corrupt_lists);
    tcase_add_test(tc, test_walk_314_no_asyncio_layout);
    tcase_add_test(tc, test_version_registry);
    tcase_add_test(tc, test_layout_check);
    suite_add_tcase(s, tc);
    return s;
}
