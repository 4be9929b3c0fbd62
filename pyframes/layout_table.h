/*
 * layout_table.h - built-in layout tables, one per CPython minor version,
 * GENERATED from reference DWARF builds by tools/gen-tables (`make tables`).
 * Fields are stored by name so that a change of fields.def cannot shift them.
 * Each is named by its row of the version registry (versions.c).
 */
#ifndef AIO_PYFRAMES_LAYOUT_TABLE_H
#define AIO_PYFRAMES_LAYOUT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

struct layout_table_entry {
    const char *name;           /* fields.def id, e.g. "TS_NEXT" */
    uint32_t off, size;
    uint16_t bit_off, bit_size;
};

struct layout_table {
    int minor;                  /* 3.<minor> */
    const char *built_from;     /* which reference builds */
    const struct layout_table_entry *entries;
    size_t n;
};

/* Fill the fields of L that the table has (src = TABLE); returns how many. */
int layout_from_table(struct layout *L, const struct layout_table *t);

#endif
