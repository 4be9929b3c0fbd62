/*
 * check_walk314.c - the 3.14 walkers that use the layouts of _Py_DebugOffsets
 * and AsyncioDebug alone (ops_314.c, the task lists of task_find.c): a whole
 * 3.14 process in memory (runtime, thread, frames with tagged code
 * references, tasks in a thread list and the interpreter list, awaited_by as
 * one object and as a set) walks into the expected snapshot, and corrupt
 * lists end in a diagnostic, not a hang.
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

Suite *suite_walk314(void);

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

Suite *
suite_walk314(void)
{
    Suite *s = suite_create("walk314");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_walk_314);
    tcase_add_test(tc, test_walk_314_corrupt_lists);
    tcase_add_test(tc, test_walk_314_no_asyncio_layout);
    suite_add_tcase(s, tc);
    return s;
}
