/*
 * check_core.c - the core-file source on real cores: a small helper program
 * (built here, without sanitizers: gcore of an ASan process writes terabytes
 * of reserved shadow) writes known bytes, gdb's gcore dumps it, and core_open
 * must give back exactly those bytes, its threads and registers, its text from
 * the mapped file (equal to the live process), and clean errors on truncated
 * or corrupted copies.  This file: the bytes and the threads, of a gcore and of
 * a core the kernel wrote; check_core_files.c: the executable, the sysroot
 * and hostile copies; check_core_common.c: the helper and its cores.
 *
 * One helper and one core serve a whole test case (unchecked fixture, run
 * once in the runner before the forked tests).  Without gcore or a C compiler
 * every test says so and passes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach/core.h"
#include "attach/source.h"
#include "common/err.h"
#include "skip.h"
#include "check_core_common.h"

Suite *suite_core(void);

/* ---- the bytes ---- */

START_TEST(test_core_heap_and_static)
{
    struct source src;
    unsigned char *got;
    char str[64], want[64];
    size_t i;

    CT_SKIP_IF_NEEDED();
    got = malloc(CT_BUF_SIZE);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(src.pid, ct_child);
    /* one large read (past the page cache) and page-sized reads through the cache */
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, CT_BUF_SIZE), 0);
    for (i = 0; i < CT_BUF_SIZE; i++)
        ck_assert_uint_eq(got[i], ct_pattern(i));
    source_cache_enable(&src, true);
    memset(got, 0, CT_BUF_SIZE);
    for (i = 0; i < CT_BUF_SIZE; i += 1000) {
        size_t n = CT_BUF_SIZE - i < 1000 ? CT_BUF_SIZE - i : 1000, j;

        ck_assert_int_eq(source_read(&src, ct_rep.buf + i, got + i, n), 0);
        for (j = i; j < i + n; j++)
            ck_assert_uint_eq(got[j], ct_pattern(j));
    }
    source_cache_enable(&src, false);
    snprintf(want, sizeof(want), "aiomon core test, pid %d", (int)ct_child);
    ck_assert_int_eq(source_read_cstr(&src, ct_rep.stat, str, sizeof(str)), 0);
    ck_assert_str_eq(str, want);
    ck_assert_int_eq(core_addr_origin(&src, ct_rep.buf, NULL, 0), CORE_FROM_DUMP);
    source_close(&src);
    free(got);
}
END_TEST

START_TEST(test_core_text_from_file)
{
    struct source src;
    uint64_t fn = ct_rep.marker;
    unsigned char got[256], want[256];
    char host[PATH_MAX];
    const struct map_entry *me;
    int fd;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    me = maps_find(&src.maps, fn);
    ck_assert_ptr_nonnull(me);
    ck_assert_str_eq(me->path, ct_exe);
    ck_assert_msg(me->perms[0] == 'r' && me->perms[2] == 'x', "perms %s", me->perms);
    /* gcore leaves clean text out: it comes from the file, at the mapping's offset */
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, ct_exe);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    fd = open(ct_exe, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, want, sizeof(want), (off_t)(me->offset + fn - me->start)),
                     (ssize_t)sizeof(want));
    close(fd);
    ck_assert(memcmp(got, want, sizeof(got)) == 0);
    ck_assert(ct_live_read(fn, want, sizeof(want)));
    ck_assert(memcmp(got, want, sizeof(got)) == 0);
    /* no sysroot: the target's files are this side's; a core holds still, never goes */
    ck_assert_int_eq(source_host_path(&src, "/usr/lib/debug", host, sizeof(host)), 0);
    ck_assert_str_eq(host, "/usr/lib/debug");
    ck_assert_int_eq(source_motion(&src), SOURCE_STATIC);
    ck_assert(source_alive(&src));
    source_close(&src);
}
END_TEST

START_TEST(test_core_unmapped)
{
    struct source src;
    unsigned char b[64];
    size_t i;
    int checked = 0;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(source_read(&src, 0x1000, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, 0, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, UINT64_MAX - 3, b, 8), -AIO_E_FAULT);
    ck_assert_int_eq(core_addr_origin(&src, 0x1000, NULL, 0), -AIO_E_FAULT);
    /* holes between mappings, and reads running from a mapping into a hole */
    for (i = 0; i + 1 < src.maps.n && checked < 20; i++) {
        const struct map_entry *a = &src.maps.v[i], *nx = &src.maps.v[i + 1];

        if (nx->start - a->end < 4096 || a->perms[0] != 'r' || nx->perms[0] != 'r')
            continue;
        checked++;
        ck_assert_int_eq(source_read(&src, a->end, b, 8), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start - 8, b, 8), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start - 8, b, 16), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, nx->start, b, 8), 0);
        ck_assert_int_eq(source_read(&src, a->end - 8, b, 16), -AIO_E_FAULT);
        ck_assert_int_eq(source_read(&src, a->end - 16, b, 16), 0);
    }
    ck_assert_int_gt(checked, 0);
    source_close(&src);
}
END_TEST

/*
 * Every file mapping reads in full and equals the live helper's memory (it has
 * not run since); writable ones may legitimately differ in a few words.
 */
START_TEST(test_core_every_mapping)
{
    struct source src;
    unsigned char *b, *live;
    size_t i, files = 0;

    CT_SKIP_IF_NEEDED();
    b = malloc(1 << 16);
    live = malloc(1 << 16);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_uint_gt(src.maps.n, 5);
    for (i = 0; i < src.maps.n; i++) {
        const struct map_entry *me = &src.maps.v[i];
        uint64_t a;

        ck_assert_uint_lt(me->start, me->end);
        if (i > 0)
            ck_assert_uint_le(src.maps.v[i - 1].end, me->start);
        if (me->path[0] != '/')
            continue;
        files++;
        for (a = me->start; a < me->end; a += 1 << 16) {
            size_t n = me->end - a < (1 << 16) ? (size_t)(me->end - a) : (1 << 16);
            int rc = source_read(&src, a, b, n);

            ck_assert_msg(rc == 0, "%s at 0x%llx (%s): %d", me->path, (unsigned long long)a,
                          me->perms, rc);
            if (me->perms[1] == 'w')
                continue;
            ck_assert(ct_live_read(a, live, n));
            ck_assert_msg(memcmp(b, live, n) == 0, "%s at 0x%llx differs from the live process",
                          me->path, (unsigned long long)a);
        }
    }
    ck_assert_uint_gt(files, 3);
    source_close(&src);
    free(b);
    free(live);
}
END_TEST

/* ---- threads ---- */

START_TEST(test_core_threads)
{
    struct source src;
    struct user_regs_struct r;
    struct core_info info;
    unsigned char code[16], live[16];
    char name[64];
    size_t i, k;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_uint_eq(src.ntids, 1 + CT_THREADS);
    ck_assert_int_eq(src.tids[0], ct_child);
    for (k = 0; k < CT_THREADS; k++) {
        bool found = false;

        for (i = 1; i < src.ntids; i++)
            found = found || src.tids[i] == ct_rep.tids[k];
        ck_assert_msg(found, "thread %ld missing", ct_rep.tids[k]);
    }
    /* registers: the stack pointer is in a mapping, the code at rip is ours too */
    for (i = 0; i < src.ntids; i++) {
        ck_assert_int_eq(core_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_ptr_nonnull(maps_find(&src.maps, r.rsp));
        ck_assert_int_eq(source_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_int_eq(source_read(&src, r.rip, code, sizeof(code)), 0);
        ck_assert(ct_live_read(r.rip, live, sizeof(live)));
        ck_assert(memcmp(code, live, sizeof(code)) == 0);
    }
    ck_assert_int_eq(core_thread_regs(&src, 999999999, &r, sizeof(r)), -AIO_E_FAULT);
    ck_assert_int_eq(core_thread_regs(&src, ct_child, &r, sizeof(r) - 1), -AIO_E_FAULT);
    /* names: comm of the main thread, nothing for the others */
    source_thread_name(&src, ct_child, name, sizeof(name));
    ck_assert_str_eq(name, CT_NAME);
    source_thread_name(&src, ct_rep.tids[0], name, sizeof(name));
    ck_assert_str_eq(name, "");
    ck_assert_int_eq(core_get_info(&src, &info), 0);
    ck_assert_str_eq(info.fname, CT_NAME);
    ck_assert_str_eq(info.psargs, CT_NAME);
    {
        /* the command line a snapshot shows: PRPSINFO's psargs */
        char cmd[128];
        size_t n = source_cmdline(&src, cmd, sizeof(cmd));

        ck_assert_uint_eq(n, strlen(CT_NAME));
        ck_assert(memcmp(cmd, CT_NAME, n) == 0);
        ck_assert_uint_eq(source_cmdline(&src, cmd, 2), 2);
    }
    ck_assert_int_eq(info.first_tid, ct_child);
    ck_assert_int_eq(info.signo, 0);
    ck_assert(info.has_nt_file);
    ck_assert_uint_gt(info.nfiles, 1);
    ck_assert_int_eq(source_stop(&src), 0);
    source_resume(&src);
    source_close(&src);
    /* not a core source */
    memset(&src, 0, sizeof(src));
    ck_assert_int_eq(core_get_info(&src, &info), -AIO_E_USAGE);
    ck_assert_int_eq(core_thread_regs(&src, 1, &r, sizeof(r)), -AIO_E_USAGE);
}
END_TEST

/* ---- a core the kernel wrote ---- */

START_TEST(test_kcore_threads)
{
    struct source src;
    struct user_regs_struct r;
    struct core_info info;
    unsigned char code[16];
    char name[32];
    size_t i;

    CT_SKIP_IF_NEEDED();
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(src.pid, ct_kpid);
    ck_assert_uint_eq(src.ntids, 1 + CT_THREADS);
    ck_assert_int_eq(src.tids[0], ct_kpid);     /* main first, though it did not crash */
    ck_assert_int_eq(core_get_info(&src, &info), 0);
    ck_assert_int_eq(info.first_tid, ct_rep.tids[0]);
    ck_assert_int_eq(info.signo, SIGSEGV);
    ck_assert_str_eq(info.fname, CT_NAME);
    for (i = 0; i < src.ntids; i++) {
        ck_assert_int_eq(core_thread_regs(&src, src.tids[i], &r, sizeof(r)), 0);
        ck_assert_ptr_nonnull(maps_find(&src.maps, r.rsp));
        ck_assert_int_eq(source_read(&src, r.rip, code, sizeof(code)), 0);
    }
    source_thread_name(&src, ct_kpid, name, sizeof(name));
    ck_assert_str_eq(name, CT_NAME);
    source_close(&src);
}
END_TEST

START_TEST(test_kcore_bytes)
{
    struct source src;
    unsigned char *got, want[256];
    char str[64], expect[64];
    const struct map_entry *me;
    size_t i, guards = 0;
    int fd;

    CT_SKIP_IF_NEEDED();
    got = malloc(CT_BUF_SIZE);
    ct_open(&src, ct_core, NULL, NULL);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, CT_BUF_SIZE), 0);
    for (i = 0; i < CT_BUF_SIZE; i++)
        ck_assert_uint_eq(got[i], ct_pattern(i));
    snprintf(expect, sizeof(expect), "aiomon core test, pid %d", (int)ct_kpid);
    ck_assert_int_eq(source_read_cstr(&src, ct_rep.stat, str, sizeof(str)), 0);
    ck_assert_str_eq(str, expect);
    /* the kernel writes text with p_filesz 0: it comes from the file */
    me = maps_find(&src.maps, ct_rep.marker);
    ck_assert_ptr_nonnull(me);
    ck_assert_str_eq(me->path, ct_exe);
    ck_assert_str_eq(me->perms, "r-xp");
    ck_assert_int_eq(core_addr_origin(&src, ct_rep.marker, NULL, 0), CORE_FROM_FILE);
    ck_assert_int_eq(source_read(&src, ct_rep.marker, got, sizeof(want)), 0);
    fd = open(ct_exe, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, want, sizeof(want), (off_t)(me->offset + ct_rep.marker - me->start)),
                     (ssize_t)sizeof(want));
    close(fd);
    ck_assert(memcmp(got, want, sizeof(want)) == 0);
    /* thread stack guards: mapped, not readable, not dumped */
    for (i = 0; i < src.maps.n; i++) {
        if (strcmp(src.maps.v[i].perms, "---p") != 0)
            continue;
        guards++;
        ck_assert_int_eq(source_read(&src, src.maps.v[i].start, got, 8), -AIO_E_FAULT);
    }
    ck_assert_uint_ge(guards, CT_THREADS);
    source_close(&src);
    free(got);
}
END_TEST

Suite *
suite_core(void)
{
    Suite *su = suite_create("core");
    TCase *tc = ct_tcase_gcore();
    TCase *tk = ct_tcase_kernel();

    tcase_add_test(tc, test_core_heap_and_static);
    tcase_add_test(tc, test_core_text_from_file);
    tcase_add_test(tc, test_core_unmapped);
    tcase_add_test(tc, test_core_every_mapping);
    tcase_add_test(tc, test_core_threads);
    suite_add_tcase(su, tc);
    tcase_add_test(tk, test_kcore_threads);
    tcase_add_test(tk, test_kcore_bytes);
    suite_add_tcase(su, tk);
    return su;
}
