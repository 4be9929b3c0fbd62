/*
 * core_mem.c - the core-file source's memory (see core.h, core_int.h): bytes
 * the dump holds, bytes of the files mapped there (opened where
 * core_host_path says, --exe for the executable, compared with the dump
 * before use), and the memory map they make.
 */
#include "core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

bool
core_pread(int fd, void *buf, size_t len, uint64_t off)
{
    unsigned char *p = buf;

    if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
        return false;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return true;
}

void
core_perms(char perms[5], uint32_t flags)
{
    perms[0] = (flags & PF_R) ? 'r' : '-';
    perms[1] = (flags & PF_W) ? 'w' : '-';
    perms[2] = (flags & PF_X) ? 'x' : '-';
    perms[3] = 'p';
    perms[4] = '\0';
}

/* ---- lookups ---- */

/* Index of the last segment with vaddr <= addr, or -1. */
long
core_seg_le(const struct core *c, uint64_t addr)
{
    size_t lo = 0, hi = c->nsegs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->segs[mid].vaddr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

const struct core_fmap *
core_fmap_find(const struct core *c, uint64_t addr)
{
    size_t lo = 0, hi = c->nfmaps;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (addr < c->fmaps[mid].start)
            hi = mid;
        else if (addr >= c->fmaps[mid].end)
            lo = mid + 1;
        else
            return &c->fmaps[mid];
    }
    return NULL;
}

/* Whether [start, end) overlaps a file mapping. */
static bool
core_fmap_overlaps(const struct core *c, uint64_t start, uint64_t end)
{
    size_t lo = 0, hi = c->nfmaps;

    /* first mapping ending after start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->fmaps[mid].end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nfmaps && c->fmaps[lo].start < end;
}

/*
 * Bytes the dump holds contiguously from addr (0 if none); *off gets their
 * offset in the core.
 */
uint64_t
core_dumped_at(const struct core *c, uint64_t addr, uint64_t *off, const struct core_seg **segp)
{
    long i = core_seg_le(c, addr);
    const struct core_seg *s;

    if (i < 0)
        return 0;
    s = &c->segs[i];
    if (addr - s->vaddr >= s->filesz)
        return 0;
    *off = s->offset + (addr - s->vaddr);
    if (segp)
        *segp = s;
    return s->filesz - (addr - s->vaddr);
}

/* ---- mapped files ---- */

static void
core_file_close(struct core *c, size_t slot)
{
    struct core_file *f = &c->files[c->open_idx[slot]];

    close(f->fd);
    f->fd = -1;
    c->open_idx[slot] = c->open_idx[--c->nopen];
}

/*
 * A file whose first page the core also holds (kernels dump ELF header pages,
 * gcore the whole first mapping) must match it, or it is another build and
 * every byte we would serve from it is wrong.
 */
static bool
core_file_matches(struct core *c, struct core_file *f)
{
    unsigned char dump[CORE_CHECK_BYTES], file[CORE_CHECK_BYTES];
    const struct core_seg *s = NULL;
    uint64_t off = 0, n, m;

    if (!f->has_hdr)
        return true;
    n = core_dumped_at(c, f->hdr_addr, &off, &s);
    if (n > sizeof(dump))
        n = sizeof(dump);
    if (n < SELFMAG || (s->flags & PF_W))
        return true;    /* nothing dumped, or pages the target may have written */
    if (!core_pread(c->fd, dump, (size_t)n, off) || memcmp(dump, ELFMAG, SELFMAG) != 0)
        return true;
    m = n < f->size ? n : f->size;
    if (!core_pread(f->fd, file, (size_t)m, 0))
        return false;
    memset(file + m, 0, (size_t)(n - m));   /* past end of file, memory reads zero */
    return memcmp(dump, file, (size_t)n) == 0;
}

/* The open descriptor of file f, or a negative AIO_E_* (sticky). */
int
core_file_fd(struct core *c, size_t idx)
{
    struct core_file *f = &c->files[idx];
    struct stat st;
    int fd;

    if (f->fd >= 0) {
        f->stamp = ++c->clock;
        return f->fd;
    }
    if (f->err)
        return f->err;
    if (!f->host)
        return f->err = -AIO_E_IO;
    if (c->nopen == CORE_MAX_OPEN) {
        size_t i, lru = 0;

        for (i = 1; i < c->nopen; i++) {
            if (c->files[c->open_idx[i]].stamp < c->files[c->open_idx[lru]].stamp)
                lru = i;
        }
        core_file_close(c, lru);
    }
    fd = open(f->host, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        /* out of descriptors or memory may pass; anything else says the file is not there */
        if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EINTR)
            return -AIO_E_IO;
        return f->err = -AIO_E_IO;
    }
    {
        struct stat fst;

        /* a FIFO or device planted in the sysroot is not the mapped file */
        if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode)) {
            close(fd);
            return f->err = -AIO_E_IO;
        }
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        return f->err = -AIO_E_IO;
    }
    f->fd = fd;
    f->size = (uint64_t)st.st_size;
    f->stamp = ++c->clock;
    c->open_idx[c->nopen++] = idx;
    if (!f->checked) {
        f->checked = true;
        if (!core_file_matches(c, f)) {
            core_file_close(c, c->nopen - 1);
            c->info.nfiles_bad++;
            return f->err = -AIO_E_CORRUPT;
        }
    }
    return fd;
}

/* PT_LOADs of a mapped ELF file (once); false if it is not a readable ELF file. */
static bool
core_file_loads(struct core *c, size_t idx)
{
    struct core_file *f = &c->files[idx];
    size_t phnum, i;
    Elf *elf;
    int fd;

    if (f->loads_read)
        return f->nloads > 0;
    f->loads_read = true;
    fd = core_file_fd(c, idx);
    if (fd < 0)
        return false;
    elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf)
        return false;
    if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum) != 0) {
        elf_end(elf);
        return false;
    }
    if (phnum > CORE_MAX_FILE_PHDRS)
        phnum = CORE_MAX_FILE_PHDRS;
    for (i = 0; i < phnum && f->nloads < CORE_MAX_FILE_LOADS; i++) {
        GElf_Phdr ph;

        if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        if (!f->loads)
            f->loads = xcalloc(CORE_MAX_FILE_LOADS, sizeof(*f->loads));
        f->loads[f->nloads].offset = ph.p_offset;
        f->loads[f->nloads].filesz = ph.p_filesz;
        f->loads[f->nloads].vaddr = ph.p_vaddr;
        f->loads[f->nloads].memsz = ph.p_memsz;
        f->loads[f->nloads].flags = ph.p_flags;
        f->nloads++;
    }
    elf_end(elf);
    return f->nloads > 0;
}

/* Whether x lies in [pagedown(lo), lo + len) for the page mask pm. */
static bool
core_in_pages(uint64_t x, uint64_t lo, uint64_t len, uint64_t pm)
{
    uint64_t base = lo & ~pm;

    return x >= base && x - base < len + (lo - base);
}

/*
 * Permissions of a mapping the core did not dump, from its file's program
 * headers: by link-time address when the file's header mapping gives the load
 * bias (two segments can share a file page), else by file offset.
 */
static void
core_fmap_perms(struct core *c, const struct core_fmap *fm, char perms[5])
{
    const struct core_file *f = &c->files[fm->file];
    uint64_t pm = c->page_size - 1;
    size_t i;

    snprintf(perms, 5, "r--p");
    if (!core_file_loads(c, fm->file))
        return;
    for (i = 0; f->has_hdr && i < f->nloads; i++) {
        const struct core_load *l = &f->loads[i];
        uint64_t link, j;

        if ((l->offset & ~pm) != 0)
            continue;
        /* wrapping arithmetic, as the loader's: link = start - bias */
        link = fm->start - f->hdr_addr + (l->vaddr & ~pm);
        for (j = 0; j < f->nloads; j++) {
            if (core_in_pages(link, f->loads[j].vaddr, f->loads[j].memsz, pm)) {
                core_perms(perms, f->loads[j].flags);
                return;
            }
        }
        break;
    }
    for (i = 0; i < f->nloads; i++) {
        if (core_in_pages(fm->offset, f->loads[i].offset, f->loads[i].filesz, pm)) {
            core_perms(perms, f->loads[i].flags);
            return;
        }
    }
}

/* ---- reads ---- */

/* Read from a mapped file at most n bytes at addr; *done gets how many. */
int
core_read_file(struct core *c, const struct core_fmap *fm, uint64_t addr, unsigned char *out,
               size_t n, size_t *done)
{
    uint64_t rel = addr - fm->start, off, lim, avail, real;
    struct core_file *f = &c->files[fm->file];
    int fd;

    if (fm->offset > UINT64_MAX - rel)
        return -AIO_E_FAULT;
    off = fm->offset + rel;
    fd = core_file_fd(c, fm->file);
    if (fd < 0)
        return -AIO_E_FAULT;
    /* the page holding end of file reads as zeros after it; pages past it fault */
    lim = f->size > UINT64_MAX - c->page_size ? f->size
                                              : (f->size + c->page_size - 1) & ~(c->page_size - 1);
    if (off >= lim)
        return -AIO_E_FAULT;
    avail = lim - off < n ? lim - off : n;
    real = off < f->size ? (f->size - off < avail ? f->size - off : avail) : 0;
    if (real && !core_pread(fd, out, (size_t)real, off))
        return -AIO_E_FAULT;
    memset(out + real, 0, (size_t)(avail - real));
    *done = (size_t)avail;
    return 0;
}

/* Serve the first bytes of [addr, addr + len); *done gets how many. */
static int
core_read_piece(struct core *c, uint64_t addr, unsigned char *out, size_t len, size_t *done)
{
    long i = core_seg_le(c, addr);
    uint64_t cap = UINT64_MAX, n;
    const struct core_fmap *fm;

    if (i >= 0 && addr - c->segs[i].vaddr < c->segs[i].memsz) {
        const struct core_seg *s = &c->segs[i];
        uint64_t rel = addr - s->vaddr;

        if (rel < s->filesz) {
            n = s->filesz - rel < len ? s->filesz - rel : len;
            if (!core_pread(c->fd, out, (size_t)n, s->offset + rel))
                return -AIO_E_FAULT;
            *done = (size_t)n;
            return 0;
        }
        if (s->memsz <= UINT64_MAX - s->vaddr)
            cap = s->vaddr + s->memsz;
    } else if ((size_t)(i + 1) < c->nsegs) {
        cap = c->segs[i + 1].vaddr;     /* dumped bytes of the next segment win */
    }
    fm = core_fmap_find(c, addr);
    if (!fm)
        return -AIO_E_FAULT;
    if (fm->end < cap)
        cap = fm->end;
    n = cap - addr < len ? cap - addr : len;
    return core_read_file(c, fm, addr, out, (size_t)n, done);
}

int
core_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct core *c = src->priv;
    unsigned char *out = buf;

    if (!c || (len && addr > UINT64_MAX - (len - 1)))
        return -AIO_E_FAULT;
    while (len) {
        size_t done = 0;
        int rc = core_read_piece(c, addr, out, len, &done);

        if (rc < 0)
            return -AIO_E_FAULT;
        if (done == 0 || done > len)
            return -AIO_E_INTERNAL;
        out += done;
        addr += done;
        len -= done;
    }
    return 0;
}

/* ---- file mappings ---- */

static int
core_fmap_cmp(const void *a, const void *b)
{
    const struct core_fmap *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort the file mappings, refuse overlaps, note each file's offset-0 mapping. */
int
core_fmaps_finish(struct core *c)
{
    size_t i;

    if (c->nfmaps > 1)
        qsort(c->fmaps, c->nfmaps, sizeof(*c->fmaps), core_fmap_cmp);
    for (i = 0; i < c->nfmaps; i++) {
        struct core_file *f = &c->files[c->fmaps[i].file];

        if (i > 0 && c->fmaps[i].start < c->fmaps[i - 1].end)
            return err_set(AIO_E_BADFILE, "overlapping mapped files at 0x%llx",
                           (unsigned long long)c->fmaps[i].start);
        if (c->fmaps[i].offset == 0 && !f->has_hdr) {
            f->has_hdr = true;
            f->hdr_addr = c->fmaps[i].start;
        }
    }
    return 0;
}

/* ---- the executable ---- */

char *
core_host_path(const char *sysroot, const char *path)
{
    char buf[PATH_MAX];
    int n;

    if (path[0] != '/')
        return NULL;
    n = snprintf(buf, sizeof(buf), "%s%s", sysroot, path);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return NULL;
    return xstrdup(buf);
}

static const char *
core_basename(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

/* NT_FILE present: serve the executable's mappings from exe. */
int
core_exe_override(struct core *c)
{
    const struct core_fmap *fm = c->at_entry ? core_fmap_find(c, c->at_entry) : NULL;
    size_t i, idx = SIZE_MAX;
    int rc;

    if (fm) {
        idx = fm->file;
    } else if (c->info.fname[0]) {
        /* no auxv: the file whose name starts with the (truncated) comm */
        for (i = 0; i < c->nfiles && idx == SIZE_MAX; i++) {
            if (strncmp(core_basename(c->files[i].path), c->info.fname,
                        strlen(c->info.fname)) == 0)
                idx = i;
        }
    }
    if (idx == SIZE_MAX)
        return err_set(AIO_E_BADFILE, "cannot tell which mapped file of the core is the "
                       "executable (no AT_ENTRY in NT_AUXV)");
    free(c->files[idx].host);
    c->files[idx].host = xstrdup(c->exe);
    rc = core_file_fd(c, idx);
    if (rc == -AIO_E_CORRUPT)
        return err_set(AIO_E_BADFILE, "%s is not the executable of the core (%s): "
                       "its first page differs", c->exe, c->files[idx].path);
    if (rc < 0)
        return err_set(AIO_E_IO, "cannot open executable %s", c->exe);
    return 0;
}

/* No NT_FILE: rebuild the executable's mappings from its program headers and AT_ENTRY. */
int
core_exe_synth(struct core *c)
{
    char abs[PATH_MAX];
    GElf_Ehdr eh;
    size_t phnum, i;
    uint64_t bias;
    Elf *elf = NULL;
    int fd, rc = 0;
    long s;

    if (!c->at_entry)
        return err_set(AIO_E_BADFILE, "the core has neither NT_FILE nor AT_ENTRY: cannot place "
                       "executable %s", c->exe);
    if (!realpath(c->exe, abs))
        return err_set(AIO_E_IO, "cannot open executable %s: %s", c->exe, strerror(errno));
    c->files = xcalloc(1, sizeof(*c->files));
    c->files[0].path = xstrdup(abs);
    c->files[0].host = xstrdup(c->exe);
    c->files[0].fd = -1;
    c->nfiles = 1;
    c->files[0].checked = true;     /* compared below, once placed */
    fd = core_file_fd(c, 0);
    if (fd < 0)
        return err_set(AIO_E_IO, "cannot open executable %s", c->exe);
    elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
        elf_getphdrnum(elf, &phnum) != 0) {
        rc = err_set(AIO_E_BADFILE, "executable %s is not an ELF file", c->exe);
        goto out;
    }
    bias = c->at_entry - eh.e_entry;
    if (phnum > CORE_MAX_FILE_PHDRS)
        phnum = CORE_MAX_FILE_PHDRS;
    c->fmaps = xcalloc(CORE_MAX_FILE_LOADS, sizeof(*c->fmaps));
    for (i = 0; i < phnum && c->nfmaps < CORE_MAX_FILE_LOADS; i++) {
        uint64_t pg = c->page_size, va, start, end, off;
        struct core_fmap *fm;
        GElf_Phdr ph;

        if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_filesz == 0)
            continue;
        va = ph.p_vaddr + bias;     /* wraps like the loader's arithmetic */
        start = va & ~(pg - 1);
        off = ph.p_offset & ~(pg - 1);
        if (ph.p_filesz > UINT64_MAX - pg || va > UINT64_MAX - ph.p_filesz - pg ||
            (va - start) != (ph.p_offset - off))
            continue;
        end = (va + ph.p_filesz + pg - 1) & ~(pg - 1);
        if (c->nfmaps && start < c->fmaps[c->nfmaps - 1].end)
            continue;   /* overlaps the previous segment (unsorted headers): skip */
        fm = &c->fmaps[c->nfmaps++];
        fm->start = start;
        fm->end = end;
        fm->offset = off;
        fm->file = 0;
    }
    rc = core_fmaps_finish(c);
    if (rc < 0)
        goto out;
    /* where its headers land, the core must have had a mapping, holding the same bytes */
    s = c->files[0].has_hdr ? core_seg_le(c, c->files[0].hdr_addr) : -1;
    if (s < 0 || c->files[0].hdr_addr - c->segs[s].vaddr >= c->segs[s].memsz)
        rc = err_set(AIO_E_BADFILE, "%s is not the executable of the core: nothing was mapped "
                     "where it would load", c->exe);
    else if (!core_file_matches(c, &c->files[0]))
        rc = err_set(AIO_E_BADFILE, "%s is not the executable of the core: its first page "
                     "differs", c->exe);
out:
    if (elf)
        elf_end(elf);
    return rc;
}

/* ---- maps and threads for the source ---- */

static int
core_map_cmp(const void *a, const void *b)
{
    const struct map_entry *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

void
core_build_maps(struct core *c, struct maps *m)
{
    size_t i, n = 0;

    memset(m, 0, sizeof(*m));
    m->cap = c->nfmaps + c->nsegs;
    if (m->cap == 0)
        return;
    m->v = xcalloc(m->cap, sizeof(*m->v));
    for (i = 0; i < c->nfmaps; i++) {
        const struct core_fmap *fm = &c->fmaps[i];
        struct map_entry *e = &m->v[n++];
        long s = core_seg_le(c, fm->start);

        e->start = fm->start;
        e->end = fm->end;
        e->offset = fm->offset;
        e->path = xstrdup(c->files[fm->file].path);
        if (s >= 0 && c->segs[s].vaddr == fm->start)
            core_perms(e->perms, c->segs[s].flags);
        else
            core_fmap_perms(c, fm, e->perms);
    }
    /* the rest of the address space the core describes: anonymous */
    for (i = 0; i < c->nsegs; i++) {
        const struct core_seg *s = &c->segs[i];
        struct map_entry *e;

        if (core_fmap_overlaps(c, s->vaddr, s->vaddr + s->memsz))
            continue;
        e = &m->v[n++];
        e->start = s->vaddr;
        e->end = s->vaddr + s->memsz;
        e->offset = 0;
        e->path = xstrdup("");
        core_perms(e->perms, s->flags);
    }
    m->n = n;
    if (m->n > 1)
        qsort(m->v, m->n, sizeof(*m->v), core_map_cmp);
}
