/*
 * check_core_common.h - the fixture of the core-file tests (check_core.c,
 * check_core_files.c): a helper program built and run, dumped by gdb's
 * gcore (ct_setup) or by the kernel (ct_ksetup), and what it reported.
 */
#ifndef AIOMON_CHECK_CORE_COMMON_H
#define AIOMON_CHECK_CORE_COMMON_H

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "skip.h"

struct source;

#define CT_BUF_SIZE (3 * 4096 + 123)
#define CT_THREADS 2
#define CT_NAME "aiomon-ct-child"   /* 15 characters: all of it is the comm */

/* What the helper reports once its memory is ready. */
struct ct_report {
    uint64_t buf, stat, marker;
    long tids[CT_THREADS];
};

extern pid_t ct_child;                  /* the running helper (gcore case) */
extern pid_t ct_kpid;                   /* the dumped helper (kernel case) */
extern struct ct_report ct_rep;
extern char ct_dir[64];
extern char ct_exe[128];                /* the helper binary */
extern char ct_core[PATH_MAX + 32];
extern char ct_skip[PATH_MAX + 128];    /* non-empty: why the tests cannot run */

/* The helper's buffer: the byte at offset i. */
unsigned char ct_pattern(size_t i);
/*
 * The test cases, each with its unchecked fixture: "gcore" (a gcore of the
 * running helper), "kernel" (a core the kernel wrote when it crashed).
 */
TCase *ct_tcase_gcore(void);
TCase *ct_tcase_kernel(void);
/* Read the live helper's memory (it has not run since the dump: threads blocked). */
bool ct_live_read(uint64_t addr, void *buf, size_t n);
/* core_open that must succeed. */
void ct_open(struct source *src, const char *path, const char *exe, const char *root);
/* A scratch copy of the core; returns its path (static buffer). */
const char *ct_copy(const char *name);
uint64_t ct_file_size(const char *path);

#define CT_SKIP_IF_NEEDED() \
    do { \
        if (ct_skip[0]) { \
            unit_skip(__func__, "%s", ct_skip); \
            return; \
        } \
    } while (0)

#endif
