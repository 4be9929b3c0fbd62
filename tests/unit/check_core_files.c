/*
 * check_core_files.c - the core-file source and the files around a core
 * (check_core_common.c makes the helper and its gcore): the text from the
 * executable and the sysroot's libraries, the executable found or refused,
 * and clean errors on truncated, corrupted or lying copies of the core.
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

Suite *suite_core_files(void);

/* ---- executable and sysroot ---- */

/* Start of libc's text mapping, 0 if none. */
static uint64_t
ct_libc_text(const struct source *src)
{
    size_t i;

    for (i = 0; i < src->maps.n; i++) {
        const struct map_entry *me = &src->maps.v[i];

        if (strstr(me->path, "/libc.so") && me->perms[2] == 'x')
            return me->start;
    }
    return 0;
}

START_TEST(test_core_sysroot)
{
    struct source src;
    uint64_t fn = ct_rep.marker;
    char root[128], dst[2 * PATH_MAX], cmd[5 * PATH_MAX], host[PATH_MAX * 2];
    unsigned char got[64], live[64];
    const struct map_entry *me;
    uint64_t libc;

    CT_SKIP_IF_NEEDED();
    /* the executable exists only under the sysroot (a symlink to the real one) */
    snprintf(root, sizeof(root), "%s/root", ct_dir);
    ct_open(&src, ct_core, NULL, NULL);
    me = maps_find(&src.maps, fn);
    ck_assert_ptr_nonnull(me);
    snprintf(dst, sizeof(dst), "%s%s", root, me->path);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && ln -sf '%s' '%s'", dst, me->path,
             dst);
    ck_assert_int_eq(system(cmd), 0);
    libc = ct_libc_text(&src);
    ck_assert_uint_ne(libc, 0);
    source_close(&src);

    ct_open(&src, ct_core, NULL, root);
    /* every target path is opened under the sysroot (source_host_path) */
    ck_assert_int_eq(source_host_path(&src, maps_find(&src.maps, fn)->path, host,
                                      sizeof(host)), 0);
    ck_assert_str_eq(host, dst);
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, dst);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(ct_live_read(fn, live, sizeof(live)));
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    /* libc is not under this sysroot: its text is unreadable, dumped bytes still are */
    ck_assert_int_eq(source_read(&src, libc, got, 8), -AIO_E_FAULT);
    ck_assert_int_eq(core_addr_origin(&src, libc, NULL, 0), -AIO_E_IO);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, 8), 0);
    source_close(&src);
}
END_TEST

/*
 * Offsets of the note segment, of the NT_FILE note's type field and
 * description in a core, and the end of the last segment's bytes.
 */
static void
ct_layout(const char *path, uint64_t *note_off, uint64_t *note_size, uint64_t *nt_file_type,
          uint64_t *nt_file_desc, uint64_t *data_end)
{
    int fd = open(path, O_RDONLY);
    Elf *elf;
    size_t phnum, i;

    *nt_file_type = *nt_file_desc = 0;
    ck_assert_int_ge(fd, 0);
    elf_version(EV_CURRENT);
    elf = elf_begin(fd, ELF_C_READ, NULL);
    ck_assert_ptr_nonnull(elf);
    ck_assert_int_eq(elf_getphdrnum(elf, &phnum), 0);
    for (i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        Elf_Data *d;
        GElf_Nhdr nh;
        size_t pos = 0, next, name_off, desc_off;

        ck_assert_ptr_nonnull(gelf_getphdr(elf, (int)i, &ph));
        if (data_end && ph.p_offset + ph.p_filesz > *data_end)
            *data_end = ph.p_offset + ph.p_filesz;
        if (ph.p_type != PT_NOTE)
            continue;
        *note_off = ph.p_offset;
        *note_size = ph.p_filesz;
        d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        ck_assert_ptr_nonnull(d);
        while ((next = gelf_getnote(d, pos, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type == NT_FILE) {
                *nt_file_type = ph.p_offset + pos + 8;
                *nt_file_desc = ph.p_offset + desc_off;
            }
            pos = next;
        }
    }
    elf_end(elf);
    close(fd);
}

static void
ct_note_layout(const char *path, uint64_t *note_off, uint64_t *note_size, uint64_t *nt_file_type,
               uint64_t *nt_file_desc)
{
    ct_layout(path, note_off, note_size, nt_file_type, nt_file_desc, NULL);
}


static void
ct_poke(const char *path, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, bytes, n, (off_t)off), (ssize_t)n);
    close(fd);
}

START_TEST(test_core_exe)
{
    struct source src;
    uint64_t fn = ct_rep.marker, note_off, note_size, type_off, desc_off;
    char exe[128], host[PATH_MAX], cmd[512];
    unsigned char got[64], live[64];
    const char *copy;
    uint32_t bogus = 0x12345678;
    int rc;

    CT_SKIP_IF_NEEDED();
    ck_assert(ct_live_read(fn, live, sizeof(live)));
    /* exe: a copy of the helper elsewhere; reads of its mappings come from it */
    snprintf(exe, sizeof(exe), "%s/exe-copy", ct_dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", ct_exe, exe);
    ck_assert_int_eq(system(cmd), 0);
    ct_open(&src, ct_core, exe, "/nonexistent-sysroot");
    ck_assert_int_eq(core_addr_origin(&src, fn, host, sizeof(host)), CORE_FROM_FILE);
    ck_assert_str_eq(host, exe);
    ck_assert_str_eq(maps_find(&src.maps, fn)->path, ct_exe);    /* the target's path stays */
    ck_assert_int_eq(core_host_file(&src, ct_exe, host, sizeof(host)), 0);
    ck_assert_str_eq(host, exe);
    /* the same through the source: what the runtime, symbolizer and view ask */
    ck_assert_int_eq(source_host_path(&src, ct_exe, host, sizeof(host)), 0);
    ck_assert_str_eq(host, exe);
    ck_assert_int_eq(core_host_file(&src, "/usr/lib/debug/x", host, sizeof(host)), 0);
    ck_assert_str_eq(host, "/nonexistent-sysroot/usr/lib/debug/x");
    ck_assert_int_eq(core_host_file(&src, "relative", host, sizeof(host)), -AIO_E_IO);
    ck_assert_int_eq(core_host_file(&src, ct_exe, host, 4), -AIO_E_IO);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    source_close(&src);
    /* another program: refused, its first page differs from the dumped one */
    rc = core_open(&src, ct_core, "/bin/sh", NULL);
    ck_assert_int_eq(rc, -AIO_E_BADFILE);
    ck_assert_ptr_nonnull(strstr(err_msg(rc), "differs"));
    source_close(&src);
    rc = core_open(&src, ct_core, "/nonexistent/exe", NULL);
    ck_assert_int_eq(rc, -AIO_E_IO);
    source_close(&src);

    /* a core without NT_FILE: no text at all, unless exe places it */
    copy = ct_copy("nofile.core");
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    ck_assert_uint_gt(type_off, 0);
    ct_poke(copy, type_off, &bogus, sizeof(bogus));
    ct_open(&src, copy, NULL, NULL);
    ck_assert_int_eq(source_read(&src, fn, got, 8), -AIO_E_FAULT);
    ck_assert_int_eq(source_read(&src, ct_rep.buf, got, 8), 0);
    source_close(&src);
    ct_open(&src, copy, exe, NULL);
    ck_assert_int_eq(core_addr_origin(&src, fn, NULL, 0), CORE_FROM_FILE);
    ck_assert_int_eq(source_read(&src, fn, got, sizeof(got)), 0);
    ck_assert(memcmp(got, live, sizeof(got)) == 0);
    ck_assert_ptr_nonnull(maps_find(&src.maps, fn));
    ck_assert_int_eq(maps_find(&src.maps, fn)->perms[2], 'x');
    source_close(&src);
    rc = core_open(&src, copy, "/bin/sh", NULL);
    ck_assert_int_eq(rc, -AIO_E_BADFILE);
    source_close(&src);
}
END_TEST

/* ---- hostile copies ---- */

static void
ct_expect_error(const char *path, const char *what)
{
    struct source src;
    int rc = core_open(&src, path, NULL, NULL);

    ck_assert_msg(rc == -AIO_E_BADFILE || rc == -AIO_E_IO, "%s: core_open gave %d", what, rc);
    ck_assert_ptr_null(src.priv);
    ck_assert_uint_eq(src.maps.n, 0);
    ck_assert_ptr_null(src.tids);
    source_close(&src);
}

START_TEST(test_core_truncated)
{
    uint64_t size, note_off, note_size, type_off, desc_off, data_end = 0, cuts[16];
    struct source src;
    const char *copy;
    size_t i, ncuts = 0;
    char what[64];

    CT_SKIP_IF_NEEDED();
    size = ct_file_size(ct_core);
    copy = ct_copy("cut.core");
    ct_layout(copy, &note_off, &note_size, &type_off, &desc_off, &data_end);
    ck_assert_uint_le(data_end, size);
    /* what lies after the last segment (gdb's section headers) is not needed */
    ck_assert_int_eq(truncate(copy, (off_t)data_end), 0);
    ct_open(&src, copy, NULL, NULL);
    source_close(&src);
    cuts[ncuts++] = data_end - 1;
    cuts[ncuts++] = data_end / 2;
    cuts[ncuts++] = note_off + note_size - 1;
    cuts[ncuts++] = note_off + note_size / 2;
    cuts[ncuts++] = note_off + 10;
    cuts[ncuts++] = note_off;
    cuts[ncuts++] = 64 + 56 * 3 + 20;   /* inside the program headers */
    cuts[ncuts++] = 64;
    cuts[ncuts++] = 63;
    cuts[ncuts++] = 16;
    cuts[ncuts++] = 1;
    cuts[ncuts++] = 0;
    for (i = 0; i < ncuts; i++) {
        if (cuts[i] >= size)
            continue;
        ck_assert_int_eq(truncate(copy, (off_t)cuts[i]), 0);
        snprintf(what, sizeof(what), "cut at %llu of %llu", (unsigned long long)cuts[i],
                 (unsigned long long)size);
        ct_expect_error(copy, what);
    }
    ct_expect_error("/nonexistent/core", "missing file");
    ct_expect_error("/proc/self/exe", "not a core");
    ct_expect_error(ct_dir, "a directory");
}
END_TEST

static uint64_t ct_rng = 0x9e3779b97f4a7c15ull;

static uint64_t
ct_rand(void)
{
    ct_rng ^= ct_rng << 13;
    ct_rng ^= ct_rng >> 7;
    ct_rng ^= ct_rng << 17;
    return ct_rng;
}

/* Use whatever core_open accepted, every way a reader would. */
static void
ct_exercise(struct source *src)
{
    unsigned char b[256];
    struct user_regs_struct r;
    char name[32];
    size_t i;

    for (i = 0; i < src->maps.n && i < 64; i++) {
        const struct map_entry *me = &src->maps.v[i];

        (void)source_read(src, me->start, b, sizeof(b));
        (void)source_read(src, me->end - 8, b, 16);
        (void)core_addr_origin(src, me->start, (char *)b, sizeof(b));
    }
    for (i = 0; i < 32; i++)
        (void)source_read(src, ct_rand(), b, 1 + ct_rand() % sizeof(b));
    for (i = 0; i < src->ntids; i++) {
        (void)core_thread_regs(src, src->tids[i], &r, sizeof(r));
        source_thread_name(src, src->tids[i], name, sizeof(name));
    }
}

START_TEST(test_core_corrupted)
{
    uint64_t note_off, note_size, type_off, desc_off, size, regions[3][2];
    unsigned char save[16];
    const char *copy;
    int iter, fd, ok = 0, bad = 0;

    CT_SKIP_IF_NEEDED();
    copy = ct_copy("flip.core");
    size = ct_file_size(copy);
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    regions[0][0] = 0;                  /* ELF header and program headers */
    regions[0][1] = 64 + 56 * 64;
    regions[1][0] = note_off;           /* every note */
    regions[1][1] = note_size;
    regions[2][0] = desc_off;           /* the NT_FILE table */
    regions[2][1] = 512;
    fd = open(copy, O_RDWR);
    ck_assert_int_ge(fd, 0);
    for (iter = 0; iter < 600; iter++) {
        int r = (int)(ct_rand() % 3), k, nflip = 1 + (int)(ct_rand() % 4);
        uint64_t at = regions[r][0] + ct_rand() % regions[r][1];
        struct source src;
        int rc;

        if (at + sizeof(save) > size)
            continue;
        ck_assert_int_eq(pread(fd, save, sizeof(save), (off_t)at), (ssize_t)sizeof(save));
        for (k = 0; k < nflip; k++) {
            unsigned char v = (unsigned char)ct_rand();
            size_t pos = ct_rand() % sizeof(save);

            /* sometimes a plausible big value: all ones or a large count */
            if (ct_rand() % 4 == 0)
                v = (ct_rand() & 1) ? 0xff : 0x7f;
            ck_assert_int_eq(pwrite(fd, &v, 1, (off_t)(at + pos)), 1);
        }
        rc = core_open(&src, copy, NULL, NULL);
        if (rc == 0) {
            ok++;
            ct_exercise(&src);
        } else {
            bad++;
            ck_assert_msg(rc == -AIO_E_BADFILE || rc == -AIO_E_IO, "core_open gave %d: %s", rc,
                          err_msg(rc));
            ck_assert_ptr_null(src.priv);
        }
        source_close(&src);
        ck_assert_int_eq(pwrite(fd, save, sizeof(save), (off_t)at), (ssize_t)sizeof(save));
    }
    close(fd);
    ck_assert_int_gt(bad, 0);
    ck_assert_int_gt(ok, 0);
}
END_TEST

/* Targeted lies in the NT_FILE note and the ELF header. */
START_TEST(test_core_lies)
{
    uint64_t note_off, note_size, type_off, desc_off, v;
    const char *copy;
    uint16_t h;

    CT_SKIP_IF_NEEDED();
    copy = ct_copy("lie.core");
    ct_note_layout(copy, &note_off, &note_size, &type_off, &desc_off);
    ck_assert_uint_gt(desc_off, 0);
    v = UINT64_MAX;                     /* count */
    ct_poke(copy, desc_off, &v, 8);
    ct_expect_error(copy, "NT_FILE count");
    v = 1u << 20;
    ct_poke(copy, desc_off, &v, 8);
    ct_expect_error(copy, "NT_FILE count 1M");
    copy = ct_copy("lie.core");
    v = 0;                              /* page size */
    ct_poke(copy, desc_off + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE page size");
    copy = ct_copy("lie.core");
    v = 0;                              /* end of first mapping before its start */
    ct_poke(copy, desc_off + 16 + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE end");
    copy = ct_copy("lie.core");
    v = 3;                              /* page size not a power of two */
    ct_poke(copy, desc_off + 8, &v, 8);
    ct_expect_error(copy, "NT_FILE page size 3");
    copy = ct_copy("lie.core");
    v = 4096;                           /* (gdb writes 1 and byte offsets) */
    ct_poke(copy, desc_off + 8, &v, 8);
    v = UINT64_MAX / 2;                 /* page offset overflowing */
    ct_poke(copy, desc_off + 16 + 16, &v, 8);
    ct_expect_error(copy, "NT_FILE offset");
    copy = ct_copy("lie.core");
    v = 1ull << 40;                     /* e_phoff past the end */
    ct_poke(copy, 32, &v, 8);
    ct_expect_error(copy, "e_phoff");
    copy = ct_copy("lie.core");
    h = 0xffff;                         /* e_phnum: PN_XNUM without section 0 */
    ct_poke(copy, 56, &h, 2);
    ct_expect_error(copy, "e_phnum");
    copy = ct_copy("lie.core");
    h = ET_EXEC;
    ct_poke(copy, 16, &h, 2);
    ct_expect_error(copy, "e_type");
    copy = ct_copy("lie.core");
    h = EM_AARCH64;
    ct_poke(copy, 18, &h, 2);
    ct_expect_error(copy, "e_machine");
}
END_TEST

Suite *
suite_core_files(void)
{
    Suite *su = suite_create("core_files");
    TCase *tc = ct_tcase_gcore();

    tcase_add_test(tc, test_core_sysroot);
    tcase_add_test(tc, test_core_exe);
    tcase_add_test(tc, test_core_truncated);
    tcase_add_test(tc, test_core_corrupted);
    tcase_add_test(tc, test_core_lies);
    suite_add_tcase(su, tc);
    return su;
}
