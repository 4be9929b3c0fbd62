/*
 * core.c - the core-file source (see core.h): the core's headers and notes
 * (threads, auxv, NT_FILE), the source operations; its memory is core_mem.c's.
 *
 * Layout of what we read (x86_64 Linux, include/uapi/linux/elfcore.h and
 * fs/binfmt_elf.c): one PT_LOAD per mapping (gdb's gcore leaves out mappings
 * it does not dump; the kernel writes them with p_filesz 0), one PT_NOTE
 * holding NT_PRPSINFO, then per thread NT_PRSTATUS (+ FP/xstate notes), then
 * NT_SIGINFO, NT_AUXV and NT_FILE.  The kernel writes the dumping thread
 * first, which is not always the main thread.
 */
#include "core_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

_Static_assert(sizeof(struct user_regs_struct) == PRSTATUS_REG_SIZE,
               "user_regs_struct is not the x86_64 elf_gregset_t");

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
