/*
 * core_int.h - what the two halves of the core-file source share (not for
 * other modules: they see core.h).  core.c reads the core's headers and
 * notes (threads, auxv, NT_FILE) and is the source; core_mem.c (which
 * calls nothing of core.c) serves its memory: the dumped segments, the
 * mapped files (opened where core_host_path says, compared with the dump),
 * the executable --exe names, and the memory map built from them.
 */
#ifndef AIO_ATTACH_CORE_INT_H
#define AIO_ATTACH_CORE_INT_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "maps.h"

#define CORE_MAX_PHDRS      (1u << 20)  /* the kernel caps mappings at 65530 by default */
#define CORE_MAX_NOTES      (1u << 22)
#define CORE_MAX_THREADS    (1u << 18)
#define CORE_MAX_FILE_MAPS  (1u << 20)
#define CORE_MAX_NOTE_BYTES (1u << 30)
#define CORE_MAX_AUXV       4096        /* auxv entries looked at */
#define CORE_MAX_OPEN       32          /* mapped files kept open at once */
#define CORE_MAX_FILE_PHDRS 4096        /* program headers looked at in a mapped file */
#define CORE_MAX_FILE_LOADS 64          /* PT_LOADs kept per mapped file */
#define CORE_CHECK_BYTES    4096        /* first bytes of a mapped file compared with the dump */
#define CORE_DEFAULT_PAGE   4096

/* x86_64 struct elf_prstatus and struct elf_prpsinfo, by offset */
#define PRSTATUS_CURSIG_OFF 12
#define PRSTATUS_PID_OFF    32
#define PRSTATUS_REG_OFF    112
#define PRSTATUS_REG_SIZE   216         /* elf_gregset_t: 27 registers */
#define PRPSINFO_PID_OFF    24
#define PRPSINFO_FNAME_OFF  40
#define PRPSINFO_FNAME_SIZE 16
#define PRPSINFO_ARGS_OFF   56
#define PRPSINFO_ARGS_SIZE  80
#define PRPSINFO_SIZE       136
#define NT_FILE_HDR         16          /* count, page size */
#define NT_FILE_ENTRY       24          /* start, end, page offset */

struct core_seg {                       /* one PT_LOAD of the core */
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t flags;
};

struct core_fmap {                      /* one file-backed mapping */
    uint64_t start, end, offset;
    size_t file;
};

struct core_load {                      /* one PT_LOAD of a mapped ELF file */
    uint64_t offset, filesz, vaddr, memsz;
    uint32_t flags;
};

struct core_file {
    char *path;                         /* owned: the target's path */
    char *host;                         /* owned: what we open; NULL when unresolvable */
    int fd;                             /* -1 when not open */
    int err;                            /* sticky: -AIO_E_IO or -AIO_E_CORRUPT */
    bool checked;                       /* compared with the dump */
    bool loads_read;
    bool has_hdr;
    uint64_t hdr_addr;                  /* start of its mapping at file offset 0 */
    uint64_t size;
    uint64_t stamp;                     /* last use, for eviction */
    struct core_load *loads;            /* owned */
    size_t nloads;
};

struct core_thread {
    long tid;
    int cursig;
    unsigned char regs[PRSTATUS_REG_SIZE];
};

struct core {
    int fd;
    uint64_t size;
    char *sysroot;                      /* owned; "" for none */
    char *exe;                          /* owned, NULL if none */
    struct core_seg *segs;              /* sorted by vaddr, disjoint */
    size_t nsegs, capsegs;
    struct core_fmap *fmaps;            /* sorted by start, disjoint */
    size_t nfmaps;
    struct core_file *files;
    size_t nfiles;
    size_t open_idx[CORE_MAX_OPEN];     /* files currently open */
    size_t nopen;
    uint64_t clock;
    struct core_thread *threads;        /* note order */
    size_t nthreads, capthreads;
    uint64_t page_size;                 /* the target's (AT_PAGESZ), for rounding */
    uint64_t at_entry;                  /* 0 if unknown */
    long psinfo_pid;                    /* 0 if no NT_PRPSINFO */
    struct core_info info;
};

/* ---- core_mem.c: memory ---- */

/* Read exactly len bytes at off; false on error or end of file. */
bool core_pread(int fd, void *buf, size_t len, uint64_t off);

/* "rwxp" from ELF p_flags. */
void core_perms(char perms[5], uint32_t flags);

/* Index of the last segment with vaddr <= addr, or -1. */
long core_seg_le(const struct core *c, uint64_t addr);

/* The file mapping holding addr, or NULL. */
const struct core_fmap *core_fmap_find(const struct core *c, uint64_t addr);

/* Bytes the dump holds contiguously from addr (0 if none); *off their offset in the core. */
uint64_t core_dumped_at(const struct core *c, uint64_t addr, uint64_t *off,
                        const struct core_seg **segp);

/* The open descriptor of mapped file idx, or a negative AIO_E_* (sticky). */
int core_file_fd(struct core *c, size_t idx);

/* Read from a mapped file at most n bytes at addr; *done gets how many. */
int core_read_file(struct core *c, const struct core_fmap *fm, uint64_t addr, unsigned char *out,
                   size_t n, size_t *done);

/* source_ops.read of a core. */
int core_read(struct source *src, uint64_t addr, void *buf, size_t len);

/* sysroot + path for an absolute path (owned by the caller), else NULL. */
char *core_host_path(const char *sysroot, const char *path);

/* NT_FILE present: serve the executable's mappings from c->exe. */
int core_exe_override(struct core *c);

/* No NT_FILE: rebuild the executable's mappings from c->exe's program headers and AT_ENTRY. */
int core_exe_synth(struct core *c);

/* The memory map of the source: file mappings, then anonymous dumped segments. */
void core_build_maps(struct core *c, struct maps *m);

/* Sort the file mappings, refuse overlaps, note each file's offset-0 mapping. */
int core_fmaps_finish(struct core *c);

#endif
