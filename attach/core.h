/*
 * core.h - the core-file source: an ELF core dump (kernel or gdb's gcore)
 * seen through the same interface as a live process.
 *
 * Memory comes from the PT_LOAD segments where the core holds the bytes, and
 * otherwise from the files the core's NT_FILE note says were mapped there
 * (read-only text and data the dumper left out), opened under a sysroot.
 * Threads and their registers come from the NT_PRSTATUS notes.  The core is
 * hostile input: every offset and size in it is checked before use.
 */
#ifndef AIO_ATTACH_CORE_H
#define AIO_ATTACH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/*
 * Open a core dump as a source (x86_64, 64-bit little-endian ELF only).
 *
 * sysroot: prefix for every file path named in the core (NULL or "" = none);
 * readers open the target's files where source_host_path (core_host_file)
 * says: under it, or exe.
 * exe: host path of the executable, for when the core's own notes are not
 * enough (may be NULL).  With an NT_FILE note, reads of the executable's
 * mappings (the one holding AT_ENTRY) come from exe instead of
 * sysroot + its path; without one, the executable's mappings are rebuilt from
 * exe's program headers and AT_ENTRY.  Neither changes the paths in src->maps
 * for NT_FILE entries (they stay the target's paths).
 *
 * Fills src->maps from NT_FILE (start, end, file offset = page index * the
 * note's page size (gdb writes 1 and byte offsets), path; perms from the
 * PT_LOAD starting there, else from the mapped file's program headers, else
 * "r--p") plus one anonymous entry (path "") for every PT_LOAD no file mapping
 * overlaps; src->tids from NT_PRSTATUS, the main thread (tid == pid) first
 * (the kernel writes the dumping thread first); src->pid from NT_PRPSINFO
 * pr_pid, else from the first NT_PRSTATUS.
 *
 * Reads: bytes a PT_LOAD holds (p_filesz) come from the core; other bytes of an
 * NT_FILE mapping from that file at (addr - start + offset), zero-filled past
 * end of file up to the page end, as the kernel does.  A file whose first page
 * differs from the copy the core holds is a different build: its reads fail.
 * Anything else is -AIO_E_FAULT.  Open files are cached (bounded).
 *
 * Returns 0, or a negative AIO_E_* with err_set(): IO (core unreadable),
 * BADFILE (not a core, malformed or truncated).  On failure src is left as
 * after source_init() and source_close() is still safe.  stop/resume do
 * nothing; thread_name gives PRPSINFO's pr_fname for the main thread, else "";
 * cmdline gives pr_psargs.
 */
int core_open(struct source *src, const char *core_path, const char *exe, const char *sysroot);

/*
 * General registers of thread tid as x86_64 struct user_regs_struct (the
 * NT_PRSTATUS pr_reg) into out.  0, or -AIO_E_FAULT when tid is not in the
 * core or size is too small, -AIO_E_USAGE when src is not a core source.
 */
int core_thread_regs(struct source *src, long tid, void *user_regs_struct_out, size_t size);

/*
 * The host path to open for a file path the core names (exe for the
 * executable when given, else sysroot + path; a path the core does not name
 * also gets sysroot + path), for readers that open mapped files themselves.
 * 0, or -AIO_E_IO (not an absolute path, too long for size), -AIO_E_USAGE.
 */
int core_host_file(struct source *src, const char *target_path, char *buf, size_t size);

/* What the core says about itself beyond maps and threads. */
struct core_info {
    long first_tid;             /* thread of the first NT_PRSTATUS: the dumping one (kernel) */
    int signo;                  /* its pr_cursig: the fatal signal, 0 for gcore */
    char fname[17];             /* PRPSINFO pr_fname (comm), "" if absent; raw target bytes */
    char psargs[81];            /* PRPSINFO pr_psargs (argv, truncated), "" if absent; raw */
    bool has_nt_file;           /* the core named its mapped files */
    size_t nfiles;              /* distinct mapped files */
    size_t nfiles_bad;          /* of those, found to differ from the dump (so far) */
};

/* Fill info; 0 or -AIO_E_USAGE when src is not a core source. */
int core_get_info(struct source *src, struct core_info *info);

enum core_origin {
    CORE_FROM_DUMP = 1,         /* the byte is in the core */
    CORE_FROM_FILE = 2,         /* the byte comes from a mapped file */
};

/*
 * Where the byte at addr would be read from (for diagnostics and tests):
 * CORE_FROM_DUMP, CORE_FROM_FILE, or -AIO_E_FAULT (not mapped, or an anonymous
 * page the core left out), -AIO_E_IO (its file cannot be opened), -AIO_E_CORRUPT
 * (its file differs from the dump), -AIO_E_USAGE (not a core source).  On a
 * file, path (if not NULL) receives the host path that was or would be opened.
 */
int core_addr_origin(struct source *src, uint64_t addr, char *path, size_t size);

#endif
