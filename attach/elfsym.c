#include "elfsym.h"

#include <ctype.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define ELFSYM_MAX_SYMS 10000000

struct elfsym {
    int fd;
    Elf *elf;
    char *path;
};

struct elfsym *
elfsym_open(const char *path, int *err)
{
    struct elfsym *e;
    int fd;
    Elf *elf;

    if (elf_version(EV_CURRENT) == EV_NONE) {
        *err = -AIO_E_INTERNAL;
        return NULL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = -AIO_E_IO;
        return NULL;
    }
    elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64) {
        if (elf)
            elf_end(elf);
        close(fd);
        *err = -AIO_E_BADFILE;
        return NULL;
    }
    e = xcalloc(1, sizeof(*e));
    e->fd = fd;
    e->elf = elf;
    e->path = xstrdup(path);
    *err = 0;
    return e;
}

void
elfsym_close(struct elfsym *e)
{
    if (!e)
        return;
    elf_end(e->elf);
    close(e->fd);
    free(e->path);
    free(e);
}

const char *
elfsym_path(const struct elfsym *e)
{
    return e->path;
}

static Elf_Scn *
elfsym_find_scn(struct elfsym *e, const char *name, GElf_Shdr *out)
{
    size_t shstrndx;
    Elf_Scn *scn = NULL;

    if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
        return NULL;
    while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *n;

        if (!gelf_getshdr(scn, &sh))
            continue;
        n = elf_strptr(e->elf, shstrndx, sh.sh_name);
        if (n && strcmp(n, name) == 0) {
            *out = sh;
            return scn;
        }
    }
    return NULL;
}

static int
elfsym_lookup_in(struct elfsym *e, Elf32_Word type, const char *name, uint64_t *value,
                 uint64_t *size)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        Elf_Data *data;
        size_t i, n;

        if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0)
            continue;
        data = elf_getdata(scn, NULL);
        if (!data)
            continue;
        n = sh.sh_size / sh.sh_entsize;
        if (n > ELFSYM_MAX_SYMS)
            n = ELFSYM_MAX_SYMS;
        for (i = 0; i < n; i++) {
            GElf_Sym sym;
            const char *sn;

            if (!gelf_getsym(data, (int)i, &sym))
                break;
            if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
                continue;
            sn = elf_strptr(e->elf, sh.sh_link, sym.st_name);
            if (sn && strcmp(sn, name) == 0) {
                *value = sym.st_value;
                if (size)
                    *size = sym.st_size;
                return 0;
            }
        }
    }
    return -AIO_E_LAYOUT;
}

int
elfsym_lookup(struct elfsym *e, const char *name, uint64_t *value, uint64_t *size)
{
    if (elfsym_lookup_in(e, SHT_SYMTAB, name, value, size) == 0)
        return 0;
    return elfsym_lookup_in(e, SHT_DYNSYM, name, value, size);
}

int
elfsym_section(struct elfsym *e, const char *name, uint64_t *addr, uint64_t *size)
{
    GElf_Shdr sh;

    if (!elfsym_find_scn(e, name, &sh))
        return -AIO_E_LAYOUT;
    *addr = sh.sh_addr;
    *size = sh.sh_size;
    return 0;
}

uint64_t
elfsym_first_load_vaddr(struct elfsym *e)
{
    size_t i, n;

    if (elf_getphdrnum(e->elf, &n) != 0)
        return 0;
    for (i = 0; i < n; i++) {
        GElf_Phdr ph;

        if (!gelf_getphdr(e->elf, (int)i, &ph))
            continue;
        if (ph.p_type == PT_LOAD)
            return (ph.p_vaddr - ph.p_offset) & ~(uint64_t)0xfff;
    }
    return 0;
}

bool
elfsym_build_id(struct elfsym *e, char *buf, size_t size)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(e->elf, scn)) != NULL) {
        GElf_Shdr sh;
        Elf_Data *data;
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;

        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        data = elf_getdata(scn, NULL);
        if (!data)
            continue;
        while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                memcmp((char *)data->d_buf + name_off, "GNU", 4) == 0 &&
                nh.n_descsz > 0 && nh.n_descsz * 2 + 1 <= size) {
                const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
                size_t i;

                for (i = 0; i < nh.n_descsz; i++)
                    snprintf(buf + 2 * i, 3, "%02x", d[i]);
                return true;
            }
        }
    }
    return false;
}

bool
elfsym_debuglink(struct elfsym *e, char *buf, size_t size)
{
    GElf_Shdr sh;
    Elf_Scn *scn = elfsym_find_scn(e, ".gnu_debuglink", &sh);
    Elf_Data *data;

    if (!scn || !(data = elf_getdata(scn, NULL)) || data->d_size == 0 || size == 0)
        return false;
    snprintf(buf, size, "%.*s", (int)strnlen(data->d_buf, data->d_size), (char *)data->d_buf);
    return buf[0] != '\0';
}

bool
elfsym_has_dwarf(struct elfsym *e)
{
    GElf_Shdr sh;

    return elfsym_find_scn(e, ".debug_info", &sh) != NULL && sh.sh_type != SHT_NOBITS;
}

bool
elfsym_find_version(struct elfsym *e, int minor, char *buf, size_t size)
{
    GElf_Shdr sh;
    Elf_Scn *scn = elfsym_find_scn(e, ".rodata", &sh);
    Elf_Data *data;
    char pfx[16];
    size_t plen, i, n;
    const char *d;

    if (!scn || !(data = elf_getdata(scn, NULL)) || !data->d_buf)
        return false;
    plen = (size_t)snprintf(pfx, sizeof(pfx), "3.%d.", minor);
    d = data->d_buf;
    n = data->d_size;
    for (i = 1; i + plen < n; i++) {
        size_t j = i + plen, k;

        /* the linker may merge "3.9.18" into the tail of a longer string: no NUL before */
        if (isdigit((unsigned char)d[i - 1]) || d[i - 1] == '.' || memcmp(d + i, pfx, plen) != 0 ||
            !isdigit((unsigned char)d[j]))
            continue;
        while (j < n && isdigit((unsigned char)d[j]))
            j++;
        k = j;
        while (k < n && k - i < 24 && (isalnum((unsigned char)d[k]) || d[k] == '+'))
            k++;
        if (k >= n || d[k] != '\0' || k - i >= size)
            continue;
        memcpy(buf, d + i, k - i);
        buf[k - i] = '\0';
        return true;
    }
    return false;
}
