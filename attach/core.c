/*
 * core.c - the core-file source (see core.h).
 *
 * Layout of what we read (x86_64 Linux, include/uapi/linux/elfcore.h and
 * fs/binfmt_elf.c): one PT_LOAD per mapping (gdb's gcore leaves out mappings
 * it does not dump; the kernel writes them with p_filesz 0), one PT_NOTE
 * holding NT_PRPSINFO, then per thread NT_PRSTATUS (+ FP/xstate notes), then
 * NT_SIGINFO, NT_AUXV and NT_FILE.  The kernel writes the dumping thread
 * first, which is not always the main thread.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

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

_Static_assert(sizeof(struct user_regs_struct) == PRSTATUS_REG_SIZE,
               "user_regs_struct is not the x86_64 elf_gregset_t");

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

static const struct source_ops core_ops;

static struct core *
core_of(struct source *src)
{
    return src && src->ops == &core_ops ? src->priv : NULL;
}

static uint64_t
core_get_u64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static int32_t
core_get_i32(const unsigned char *p)
{
    int32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

/* Read exactly len bytes at off; false on error or end of file. */
static bool
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

static void
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
static long
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

static const struct core_fmap *
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
static uint64_t
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
static int
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
static int
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

static int
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

/* ---- notes ---- */

static int
core_note_prstatus(struct core *c, const unsigned char *d, size_t n)
{
    struct core_thread *t;
    int32_t pid;
    int16_t sig;

    if (n < PRSTATUS_REG_OFF + PRSTATUS_REG_SIZE)
        return err_set(AIO_E_BADFILE, "NT_PRSTATUS note too short (%zu bytes)", n);
    if (c->nthreads >= CORE_MAX_THREADS)
        return err_set(AIO_E_BADFILE, "more than %u threads in the core", CORE_MAX_THREADS);
    pid = core_get_i32(d + PRSTATUS_PID_OFF);
    if (pid <= 0)
        return err_set(AIO_E_BADFILE, "NT_PRSTATUS with thread id %d", (int)pid);
    memcpy(&sig, d + PRSTATUS_CURSIG_OFF, sizeof(sig));
    xgrow((void **)&c->threads, &c->capthreads, c->nthreads + 1, sizeof(*c->threads));
    t = &c->threads[c->nthreads++];
    t->tid = pid;
    t->cursig = sig;
    memcpy(t->regs, d + PRSTATUS_REG_OFF, PRSTATUS_REG_SIZE);
    return 0;
}

static void
core_copy_str(char *dst, const unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && s[i]; i++)
        dst[i] = (char)s[i];
    dst[i] = '\0';
}

static int
core_note_prpsinfo(struct core *c, const unsigned char *d, size_t n)
{
    int32_t pid;

    if (c->psinfo_pid)
        return 0;           /* the first one counts */
    if (n < PRPSINFO_SIZE)
        return err_set(AIO_E_BADFILE, "NT_PRPSINFO note too short (%zu bytes)", n);
    pid = core_get_i32(d + PRPSINFO_PID_OFF);
    if (pid <= 0)
        return err_set(AIO_E_BADFILE, "NT_PRPSINFO with process id %d", (int)pid);
    c->psinfo_pid = pid;
    core_copy_str(c->info.fname, d + PRPSINFO_FNAME_OFF, PRPSINFO_FNAME_SIZE);
    core_copy_str(c->info.psargs, d + PRPSINFO_ARGS_OFF, PRPSINFO_ARGS_SIZE);
    return 0;
}

static void
core_note_auxv(struct core *c, const unsigned char *d, size_t n)
{
    size_t i;

    for (i = 0; i + 16 <= n && i / 16 < CORE_MAX_AUXV; i += 16) {
        uint64_t type = core_get_u64(d + i), val = core_get_u64(d + i + 8);

        if (type == AT_NULL)
            break;
        if (type == AT_ENTRY)
            c->at_entry = val;
        if (type == AT_PAGESZ && val >= CORE_DEFAULT_PAGE && val <= (1u << 30) &&
            (val & (val - 1)) == 0)
            c->page_size = val;
    }
}

struct core_name {
    const char *path;
    size_t entry;
};

static int
core_name_cmp(const void *a, const void *b)
{
    const struct core_name *x = a, *y = b;
    int r = strcmp(x->path, y->path);

    return r ? r : (x->entry < y->entry ? -1 : x->entry > y->entry);
}

static int
core_fmap_cmp(const void *a, const void *b)
{
    const struct core_fmap *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort the file mappings, refuse overlaps, note each file's offset-0 mapping. */
static int
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

/*
 * NT_FILE: count, page size, count x (start, end, page offset), then count
 * NUL-terminated paths.
 */
static int
core_note_file(struct core *c, const unsigned char *d, size_t n)
{
    struct core_name *names = NULL;
    uint64_t count, page;
    const char *p, *endp;
    size_t i, k;
    int rc = 0;

    if (c->info.has_nt_file)
        return 0;           /* the first one counts */
    if (n < NT_FILE_HDR)
        return err_set(AIO_E_BADFILE, "NT_FILE note too short (%zu bytes)", n);
    count = core_get_u64(d);
    page = core_get_u64(d + 8);
    if (count > (n - NT_FILE_HDR) / NT_FILE_ENTRY || count > CORE_MAX_FILE_MAPS)
        return err_set(AIO_E_BADFILE, "NT_FILE note claims %llu mappings in %zu bytes",
                       (unsigned long long)count, n);
    if (page == 0 || (page & (page - 1)) != 0 || page > (1u << 30))
        return err_set(AIO_E_BADFILE, "NT_FILE note with page size %llu",
                       (unsigned long long)page);
    /* the kernel counts offsets in pages, gdb in bytes (page size 1) */
    c->info.has_nt_file = true;
    if (count == 0)
        return 0;
    c->fmaps = xcalloc((size_t)count, sizeof(*c->fmaps));
    names = xcalloc((size_t)count, sizeof(*names));
    p = (const char *)d + NT_FILE_HDR + count * NT_FILE_ENTRY;
    endp = (const char *)d + n;
    for (i = 0; i < count; i++) {
        const unsigned char *e = d + NT_FILE_HDR + i * NT_FILE_ENTRY;
        uint64_t start = core_get_u64(e), end = core_get_u64(e + 8), pg = core_get_u64(e + 16);
        const char *nul = memchr(p, '\0', (size_t)(endp - p));

        if (!nul) {
            rc = err_set(AIO_E_BADFILE, "NT_FILE note: path %zu of %llu is missing", i,
                         (unsigned long long)count);
            goto out;
        }
        if (start >= end || pg > UINT64_MAX / page) {
            rc = err_set(AIO_E_BADFILE, "NT_FILE note: bad mapping 0x%llx-0x%llx at page %llu",
                         (unsigned long long)start, (unsigned long long)end,
                         (unsigned long long)pg);
            goto out;
        }
        c->fmaps[i].start = start;
        c->fmaps[i].end = end;
        c->fmaps[i].offset = pg * page;
        names[i].path = p;
        names[i].entry = i;
        p = nul + 1;
    }
    c->nfmaps = (size_t)count;
    /* one core_file per distinct path */
    qsort(names, (size_t)count, sizeof(*names), core_name_cmp);
    c->files = xcalloc((size_t)count, sizeof(*c->files));
    for (i = 0, k = 0; i < count; i++) {
        if (i == 0 || strcmp(names[i].path, names[i - 1].path) != 0) {
            c->files[k].path = xstrdup(names[i].path);
            c->files[k].fd = -1;
            k++;
        }
        c->fmaps[names[i].entry].file = k - 1;
    }
    c->nfiles = k;
    rc = core_fmaps_finish(c);
out:
    free(names);
    return rc;
}

static int
core_note(struct core *c, const GElf_Nhdr *nh, const char *name, const unsigned char *desc)
{
    bool core = nh->n_namesz == sizeof("CORE") && memcmp(name, "CORE", sizeof("CORE")) == 0;

    if (!core)
        return 0;           /* LINUX (xstate), GDB (target description), ... */
    switch (nh->n_type) {
    case NT_PRSTATUS:
        return core_note_prstatus(c, desc, nh->n_descsz);
    case NT_PRPSINFO:
        return core_note_prpsinfo(c, desc, nh->n_descsz);
    case NT_AUXV:
        core_note_auxv(c, desc, nh->n_descsz);
        return 0;
    case NT_FILE:
        return core_note_file(c, desc, nh->n_descsz);
    default:
        return 0;
    }
}

static int
core_notes(struct core *c, Elf *elf, const GElf_Phdr *ph, size_t *nnotes)
{
    Elf_Data *data;
    size_t pos = 0, next;
    GElf_Nhdr nh;
    size_t name_off, desc_off;
    int rc;

    data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
    if (!data || !data->d_buf)
        return err_set(AIO_E_BADFILE, "cannot read the notes at offset %llu: %s",
                       (unsigned long long)ph->p_offset, elf_errmsg(-1));
    while (pos < data->d_size) {
        next = gelf_getnote(data, pos, &nh, &name_off, &desc_off);
        if (next == 0 || next <= pos) {
            if (data->d_size - pos < sizeof(Elf64_Nhdr))
                break;      /* trailing padding */
            return err_set(AIO_E_BADFILE, "malformed note at offset %llu",
                           (unsigned long long)(ph->p_offset + pos));
        }
        if (++*nnotes > CORE_MAX_NOTES)
            return err_set(AIO_E_BADFILE, "more than %u notes", CORE_MAX_NOTES);
        rc = core_note(c, &nh, (const char *)data->d_buf + name_off,
                       (const unsigned char *)data->d_buf + desc_off);
        if (rc < 0)
            return rc;
        pos = next;
    }
    return 0;
}

/* ---- program headers ---- */

static int
core_seg_cmp(const void *a, const void *b)
{
    const struct core_seg *x = a, *y = b;

    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int
core_phdrs(struct core *c, Elf *elf)
{
    size_t phnum, i, nnotes = 0;
    int rc;

    if (elf_getphdrnum(elf, &phnum) != 0)
        return err_set(AIO_E_BADFILE, "cannot read the program headers: %s", elf_errmsg(-1));
    if (phnum > CORE_MAX_PHDRS)
        return err_set(AIO_E_BADFILE, "%zu program headers (at most %u)", phnum,
                       CORE_MAX_PHDRS);
    for (i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        struct core_seg *s;

        if (!gelf_getphdr(elf, (int)i, &ph))
            return err_set(AIO_E_BADFILE, "cannot read program header %zu: %s", i,
                           elf_errmsg(-1));
        if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
            continue;
        if (ph.p_filesz && (ph.p_offset > c->size || ph.p_filesz > c->size - ph.p_offset))
            return err_set(AIO_E_BADFILE, "core truncated: segment %zu needs bytes up to %llu, "
                           "the file has %llu", i,
                           (unsigned long long)ph.p_offset + ph.p_filesz,
                           (unsigned long long)c->size);
        if (ph.p_type == PT_NOTE) {
            if (ph.p_filesz == 0)
                continue;
            if (ph.p_filesz > CORE_MAX_NOTE_BYTES)
                return err_set(AIO_E_BADFILE, "note segment of %llu bytes",
                               (unsigned long long)ph.p_filesz);
            rc = core_notes(c, elf, &ph, &nnotes);
            if (rc < 0)
                return rc;
            continue;
        }
        if (ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_vaddr > UINT64_MAX - ph.p_memsz)
            return err_set(AIO_E_BADFILE, "bad PT_LOAD %zu (0x%llx, memsz %llu, filesz %llu)", i,
                           (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz,
                           (unsigned long long)ph.p_filesz);
        xgrow((void **)&c->segs, &c->capsegs, c->nsegs + 1, sizeof(*c->segs));
        s = &c->segs[c->nsegs++];
        s->vaddr = ph.p_vaddr;
        s->memsz = ph.p_memsz;
        s->filesz = ph.p_filesz;
        s->offset = ph.p_offset;
        s->flags = ph.p_flags;
    }
    if (c->nsegs > 1)
        qsort(c->segs, c->nsegs, sizeof(*c->segs), core_seg_cmp);
    for (i = 1; i < c->nsegs; i++) {
        if (c->segs[i].vaddr < c->segs[i - 1].vaddr + c->segs[i - 1].memsz)
            return err_set(AIO_E_BADFILE, "overlapping PT_LOAD segments at 0x%llx",
                           (unsigned long long)c->segs[i].vaddr);
    }
    return 0;
}

/* ---- the executable ---- */

static char *
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
static int
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
static int
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

static void
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

static int
core_tid_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return x < y ? -1 : x > y;
}

/* pid, and the thread list with the main thread (tid == pid) first. */
static int
core_build_threads(struct core *c, struct source *src)
{
    long *sorted;
    size_t i, n = 0;

    if (c->nthreads == 0)
        return err_set(AIO_E_BADFILE, "the core has no NT_PRSTATUS note (no threads)");
    src->pid = (int)(c->psinfo_pid ? c->psinfo_pid : c->threads[0].tid);
    src->tids = xcalloc(c->nthreads, sizeof(*src->tids));
    for (i = 0; i < c->nthreads; i++) {
        if (c->threads[i].tid == src->pid)
            src->tids[n++] = c->threads[i].tid;
    }
    for (i = 0; i < c->nthreads; i++) {
        if (c->threads[i].tid != src->pid)
            src->tids[n++] = c->threads[i].tid;
    }
    src->ntids = n;
    sorted = xcalloc(n, sizeof(*sorted));
    memcpy(sorted, src->tids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), core_tid_cmp);
    for (i = 1; i < n; i++) {
        if (sorted[i] == sorted[i - 1]) {
            long dup = sorted[i];

            free(sorted);
            return err_set(AIO_E_BADFILE, "thread %ld has two NT_PRSTATUS notes", dup);
        }
    }
    free(sorted);
    c->info.first_tid = c->threads[0].tid;
    c->info.signo = c->threads[0].cursig;
    return 0;
}

/* ---- source ops ---- */

static void
core_free(struct core *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->nfiles; i++) {
        if (c->files[i].fd >= 0)
            close(c->files[i].fd);
        free(c->files[i].path);
        free(c->files[i].host);
        free(c->files[i].loads);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c->files);
    free(c->fmaps);
    free(c->segs);
    free(c->threads);
    free(c->sysroot);
    free(c->exe);
    free(c);
}

static void
core_close(struct source *src)
{
    core_free(src->priv);
    src->priv = NULL;
}

static int
core_stop(struct source *src)
{
    (void)src;
    return 0;
}

static void
core_resume(struct source *src)
{
    (void)src;
}

static void
core_thread_name(struct source *src, long tid, char *buf, size_t size)
{
    struct core *c = core_of(src);

    if (size == 0)
        return;
    buf[0] = '\0';
    if (c && tid == src->pid)
        snprintf(buf, size, "%s", c->info.fname);
}

int
core_thread_regs(struct source *src, long tid, void *user_regs_struct_out, size_t size)
{
    struct core *c = core_of(src);
    size_t i;

    if (!c)
        return -AIO_E_USAGE;
    if (size < PRSTATUS_REG_SIZE)
        return -AIO_E_FAULT;
    for (i = 0; i < c->nthreads; i++) {
        if (c->threads[i].tid == tid) {
            memcpy(user_regs_struct_out, c->threads[i].regs, PRSTATUS_REG_SIZE);
            return 0;
        }
    }
    return -AIO_E_FAULT;
}

/* PRPSINFO's pr_psargs: argv joined by spaces, truncated (raw target bytes). */
static size_t
core_cmdline(struct source *src, char *buf, size_t size)
{
    struct core *c = core_of(src);
    size_t n;

    if (!c)
        return 0;
    n = strnlen(c->info.psargs, sizeof(c->info.psargs));
    if (n > size)
        n = size;
    memcpy(buf, c->info.psargs, n);
    return n;
}

static const struct source_ops core_ops = {
    .read = core_read,
    .stop = core_stop,
    .resume = core_resume,
    .close = core_close,
    .thread_name = core_thread_name,
    .thread_regs = core_thread_regs,
    .host_path = core_host_file,
    .cmdline = core_cmdline,
};

int
core_get_info(struct source *src, struct core_info *info)
{
    struct core *c = core_of(src);

    if (!c)
        return -AIO_E_USAGE;
    *info = c->info;
    info->nfiles = c->nfiles;
    return 0;
}

int
core_addr_origin(struct source *src, uint64_t addr, char *path, size_t size)
{
    struct core *c = core_of(src);
    const struct core_fmap *fm;
    unsigned char byte;
    size_t done;
    uint64_t off;
    int fd;

    if (!c)
        return -AIO_E_USAGE;
    if (path && size)
        path[0] = '\0';
    if (core_dumped_at(c, addr, &off, NULL) > 0)
        return CORE_FROM_DUMP;
    fm = core_fmap_find(c, addr);
    if (!fm)
        return -AIO_E_FAULT;
    if (path && size)
        snprintf(path, size, "%s", c->files[fm->file].host ? c->files[fm->file].host : "");
    fd = core_file_fd(c, fm->file);
    if (fd < 0)
        return fd;
    return core_read_file(c, fm, addr, &byte, 1, &done) < 0 ? -AIO_E_FAULT : CORE_FROM_FILE;
}

int
core_host_file(struct source *src, const char *target_path, char *buf, size_t size)
{
    struct core *c = core_of(src);
    const char *host = NULL;
    char *tmp = NULL;
    size_t i;
    int n;

    if (!c)
        return -AIO_E_USAGE;
    if (size)
        buf[0] = '\0';
    for (i = 0; i < c->nfiles && !host; i++) {
        if (strcmp(c->files[i].path, target_path) == 0)
            host = c->files[i].host;
    }
    if (!host)
        host = tmp = core_host_path(c->sysroot, target_path);
    n = host ? snprintf(buf, size, "%s", host) : -1;
    free(tmp);
    return n < 0 || (size_t)n >= size ? -AIO_E_IO : 0;
}

/* Parse the core's headers and notes into c. */
static int
core_parse(struct core *c, const char *core_path)
{
    struct stat st;
    GElf_Ehdr eh;
    Elf *elf = NULL;
    int rc;

    if (elf_version(EV_CURRENT) == EV_NONE)
        return err_set(AIO_E_INTERNAL, "libelf is too old: %s", elf_errmsg(-1));
    /* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer for ever */
    c->fd = open(core_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (c->fd < 0)
        return err_set(AIO_E_IO, "cannot open core file %s: %s", core_path, strerror(errno));
    if (fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return err_set(AIO_E_IO, "core file %s is not a regular file", core_path);
    c->size = (uint64_t)st.st_size;
    elf = elf_begin(c->fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
        rc = err_set(AIO_E_BADFILE, "%s is not an ELF file", core_path);
        goto out;
    }
    if (eh.e_type != ET_CORE) {
        rc = err_set(AIO_E_BADFILE, "%s is not a core file (ELF type %u)", core_path,
                     (unsigned)eh.e_type);
        goto out;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64) {
        rc = err_set(AIO_E_BADFILE, "core file %s is not an x86_64 core (machine %u)",
                     core_path, (unsigned)eh.e_machine);
        goto out;
    }
    rc = core_phdrs(c, elf);
out:
    if (elf)
        elf_end(elf);
    return rc;
}

int
core_open(struct source *src, const char *core_path, const char *exe, const char *sysroot)
{
    struct core *c;
    size_t i;
    int rc;

    source_init(src, &core_ops, 0);
    c = xcalloc(1, sizeof(*c));
    c->fd = -1;
    c->page_size = CORE_DEFAULT_PAGE;
    c->sysroot = xstrdup(sysroot ? sysroot : "");
    c->exe = exe && exe[0] ? xstrdup(exe) : NULL;
    rc = core_parse(c, core_path);
    if (rc < 0)
        goto fail;
    for (i = 0; i < c->nfiles; i++)
        c->files[i].host = core_host_path(c->sysroot, c->files[i].path);
    if (c->exe) {
        rc = c->info.has_nt_file ? core_exe_override(c) : core_exe_synth(c);
        if (rc < 0)
            goto fail;
    }
    src->priv = c;
    rc = core_build_threads(c, src);
    if (rc < 0)
        goto fail;
    core_build_maps(c, &src->maps);
    return 0;
fail:
    free(src->tids);
    core_free(c);
    source_init(src, &core_ops, 0);
    return rc;
}
