/*
 * check_debugoffsets_common.h - what the tests of debug-offsets layouts
 * share (check_debugoffsets.c, check_walk314.c, check_versions.c): the
 * member order of 3.14's _Py_DebugOffsets and AsyncioDebug, the object
 * layouts of a synthetic 3.14 process, images filled with them, and
 * layouts read from those images.
 */
#ifndef AIOMON_CHECK_DEBUGOFFSETS_COMMON_H
#define AIOMON_CHECK_DEBUGOFFSETS_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct dbgoff_version;
struct layout;

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

/* A 3.14 image (version: its Py_Version) at the synthetic process's layouts. */
void dbg314_fill(struct dbg314 *d, uint64_t version);
/* An AsyncioDebug image at the synthetic process's task layouts. */
void adbg_fill(struct adbg *a);
/* The _Py_DebugOffsets map the version registry gives Py_Version hex (NULL: none). */
const struct dbgoff_version *dbgoff_of(uint64_t hex);
/* The image in a buffer of exactly its size (ASan sees any read past it). */
int load314(struct layout *L, const struct dbg314 *d, size_t len, uint64_t version_hex);
/* The same for AsyncioDebug, read with the section map the registry gives. */
int load_adbg(struct layout *L, const struct adbg *a, size_t len, uint64_t version_hex);

#endif
