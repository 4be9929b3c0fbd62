/*
 * check_versions.c - the version registry (versions.c) and the checks every
 * layout source passes (layout_check, layout_validate).
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

Suite *suite_versions(void);

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
suite_versions(void)
{
    Suite *s = suite_create("versions");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_version_registry);
    tcase_add_test(tc, test_layout_check);
    suite_add_tcase(s, tc);
    return s;
}
