/*
 * symbolize.h - the target's executable modules (from source maps) and the
 * symbol of a pc (libdwfl: .symtab/.dynsym of the file or its separate debug
 * file, file:line from DWARF).  Internal to src/unwind.
 *
 * Modules and symbol results are cached across snapshots; sym_refresh()
 * drops what no longer matches the source's maps.
 */
#ifndef AIO_UNWIND_SYMBOLIZE_H
#define AIO_UNWIND_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../attach/source.h"

/* One mapped object: every mapping that shares a path. */
struct sym_module {
    char *path;                 /* owned; as in maps: "/usr/lib/.../libc.so.6", "[vdso]" */
    uint64_t lo, hi;            /* [lo, hi): span of its executable mappings */
    uint64_t base;              /* address of file offset 0 (start - offset of its first mapping) */
    /* unwind table, filled on first use by unwind.c */
    int eh_state;               /* 0 not looked up, 1 found, -1 none */
    uint64_t eh_hdr;            /* address of .eh_frame_hdr */
    uint64_t eh_table;          /* address of its binary search table */
    uint64_t eh_fde_count;
    /* symbols, filled on first use */
    void *dwfl_mod;             /* Dwfl_Module *, borrowed from the Dwfl; NULL if none */
    bool dwfl_tried;
    unsigned char *image;       /* owned; the vdso's bytes, read from the target (no file) */
    size_t image_size;
};

struct symbolizer;

/* Symbol of one pc; strings are owned by the symbolizer, valid until the next sym_refresh(). */
struct sym_result {
    const char *function;       /* NULL: no symbol covers the pc */
    const char *file;           /* source file, NULL without DWARF line info */
    int line;                   /* 0 = unknown */
    const char *module;         /* path of the module, NULL outside any */
    uint64_t offset;            /* pc - symbol start, or pc - module base, or pc */
};

/* A symbolizer for src (borrowed).  NULL if libdwfl cannot start. */
struct symbolizer *sym_new(struct source *src, bool debuginfo);
void sym_free(struct symbolizer *y);

/*
 * Rebuild the module table if src->maps changed since the last call (always
 * the first time).  Reads the target (the vdso image), so call it while the
 * target is stopped.  Returns true when it was rebuilt (callers drop what
 * they derived from the old modules, e.g. libunwind's caches).
 */
bool sym_refresh(struct symbolizer *y);

/* The module whose executable span holds addr, or NULL. */
struct sym_module *sym_module_at(struct symbolizer *y, uint64_t addr);

/*
 * Symbolise pc.  exact: pc is the instruction itself (innermost frame,
 * signal frame); otherwise it is a return address and pc - 1 is looked up.
 */
void sym_lookup(struct symbolizer *y, uint64_t pc, bool exact, struct sym_result *out);

/* pcs symbolised without a cache hit since sym_new(). */
uint64_t sym_misses(const struct symbolizer *y);

#endif
