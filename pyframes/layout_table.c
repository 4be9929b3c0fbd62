/*
 * layout_table.c - the built-in layout provider: tables generated from the
 * DWARF of reference builds, for interpreters with no DWARF of their own
 * (stripped distro builds without their debug package).
 */
#include "layout_table.h"

int
layout_from_table(struct layout *L, const struct layout_table *t)
{
    size_t i;
    int n = 0;

    for (i = 0; i < t->n; i++) {
        const struct layout_table_entry *e = &t->entries[i];
        int id = layout_field_by_name(e->name);

        if (id < 0 || L->f[id].present)
            continue;
        L->f[id].present = true;
        L->f[id].src = LAYOUT_SRC_TABLE;
        L->f[id].off = e->off;
        L->f[id].size = e->size;
        L->f[id].bit_off = e->bit_off;
        L->f[id].bit_size = e->bit_size;
        n++;
    }
    return n;
}
