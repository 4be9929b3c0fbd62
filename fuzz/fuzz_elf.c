/*
 * fuzz_elf.c - corrupted ELF files (a target's interpreter on disk is hostile
 * input too): layout_from_dwarf for both owners and every elfsym_* query the
 * runtime finder makes.  Seeds: small ELF files with DWARF and the symbols
 * the finder looks for (fuzz/corpus/elf, made by fuzz/make-elf-seeds.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "attach/elfsym.h"
#include "fuzz_common.h"
#include "pyframes/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const syms[] = { "_PyRuntime", "Py_Version", "PyInit__asyncio",
                                        "_thread_db_pthread_tid" };
    const char *path = fuzz_as_file(data, size);
    struct layout L;
    struct elfsym *e;
    char buf[256];
    uint64_t v, sz;
    size_t i;
    int err, minor;

    memset(&L, 0, sizeof(L));
    layout_from_dwarf(&L, LAYOUT_CORE, path, path, NULL, NULL, NULL, 0);
    layout_validate(&L);
    memset(&L, 0, sizeof(L));
    layout_from_dwarf(&L, LAYOUT_ASYNCIO, path, path, NULL, NULL, NULL, 0);
    e = elfsym_open(path, &err);
    if (!e)
        return 0;
    for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        elfsym_lookup(e, syms[i], &v, &sz);
    elfsym_section(e, ".rodata", &v, &sz);
    elfsym_section(e, ".eh_frame_hdr", &v, &sz);
    elfsym_first_load_vaddr(e);
    elfsym_build_id(e, buf, sizeof(buf));
    elfsym_debuglink(e, buf, sizeof(buf));
    elfsym_has_dwarf(e);
    for (minor = 8; minor <= 13; minor++)
        elfsym_find_version(e, minor, buf, sizeof(buf));
    elfsym_close(e);
    return 0;
}
