/*
 * elfsym.h - symbols and identity of ELF files on disk, with libelf.
 * ELF files are hostile input too: every access goes through libelf accessors.
 */
#ifndef AIO_ATTACH_ELFSYM_H
#define AIO_ATTACH_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfsym;

/* Open an ELF file; NULL and *err = -AIO_E_IO / -AIO_E_BADFILE on failure. */
struct elfsym *elfsym_open(const char *path, int *err);
void elfsym_close(struct elfsym *e);

/*
 * Look a symbol up in .symtab, then .dynsym.  On success *value is its
 * st_value (link-time address; add the load bias) and *size its st_size.
 */
int elfsym_lookup(struct elfsym *e, const char *name, uint64_t *value, uint64_t *size);

/* Section by name: link-time address and size; 0 or -AIO_E_LAYOUT if absent. */
int elfsym_section(struct elfsym *e, const char *name, uint64_t *addr, uint64_t *size);

/*
 * Link-time virtual address of the first PT_LOAD segment minus its file
 * offset, aligned down to the page: load bias = mapped base - this value.
 */
uint64_t elfsym_first_load_vaddr(struct elfsym *e);

/* Build-id as lowercase hex into buf (>= 81 bytes); false if none. */
bool elfsym_build_id(struct elfsym *e, char *buf, size_t size);

/* .gnu_debuglink file name into buf; false if none. */
bool elfsym_debuglink(struct elfsym *e, char *buf, size_t size);

/* Whether the file has a .debug_info section. */
bool elfsym_has_dwarf(struct elfsym *e);

/*
 * Find CPython's PY_VERSION string ("3.9.18") in .rodata: a NUL-delimited
 * string "3.<minor>.<patch>[suffix]" with the given minor (possibly the tail
 * of a longer string, where the linker merged it).  false if none.
 */
bool elfsym_find_version(struct elfsym *e, int minor, char *buf, size_t size);

/* The path it was opened with (owned by e). */
const char *elfsym_path(const struct elfsym *e);

#endif
