/*
 * check_debugoffsets_common.c - images of _Py_DebugOffsets and AsyncioDebug
 * and the layouts read from them (check_debugoffsets_common.h).
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

void
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

void
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

const struct dbgoff_version *
dbgoff_of(uint64_t hex)
{
    unsigned newer;
    const struct py_version *v = py_version_find(hex, &newer);

    return v ? v->debug_offsets : NULL;
}

int
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

int
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
