#include "unwind.h"

#include <elf.h>
#include <libunwind.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/err.h"
#include "../common/xalloc.h"
#include "merge.h"
#include "symbolize.h"

/* Program headers read from a module's ELF header in the target, at most. */
#define UW_MAX_PHDRS 128
/* .eh_frame_hdr search tables larger than this are taken as corrupt. */
#define UW_MAX_FDES (1u << 24)

/*
 * libunwind's own search of a remote .eh_frame_hdr table: exported by
 * libunwind-generic for libunwind-ptrace and libunwind-coredump (both call it
 * as tdep_search_unwind_table), but absent from its public headers before
 * 1.7 (unw_get_proc_info_in_range).  We give it the table of the module that
 * holds ip, read from the target's memory, exactly as _UPT_find_proc_info
 * does from the file.
 */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

struct uw_pc {
    uint64_t pc;
    bool exact;                 /* the instruction itself, not a return address */
};

/* What capture found for one snapshot thread. */
struct uw_thread {
    long tid;
    size_t first, n;            /* range of uw_pcs */
    int err;                    /* negative AIO_E_* when nothing was unwound */
    int step_err;               /* libunwind's error that ended the walk, 0 if it ended cleanly */
    bool truncated;             /* cut at MAX_NATIVE_FRAMES */
};

struct unwinder {
    struct source *src;         /* borrowed */
    struct symbolizer *sym;     /* owned */
    bool debuginfo;
    bool use_ptrace;            /* libunwind-ptrace accessors (PTRACE_PEEKDATA) for memory */
    unw_addr_space_t as;        /* owned; our accessors over the source */
    unw_addr_space_t as_ptrace; /* owned; _UPT_accessors, created on first use */
    const struct snap *captured;/* the snapshot the capture below belongs to (identity only) */
    size_t captured_threads;
    struct uw_thread *th;       /* owned, one per thread of the captured snapshot */
    size_t cap_th;
    struct uw_pc *pcs;          /* owned */
    size_t npcs, cap_pcs;
    struct snap_frame *native;  /* owned scratch for finish */
    size_t cap_native;
    struct unwind_stats stats;
};

/* Arguments of one thread's walk, handed to the accessors by libunwind. */
struct uw_ctx {
    struct unwinder *u;
    struct user_regs_struct regs;
};

/* ---- .eh_frame_hdr of a module, from the target's memory ---- */

/* Size of a DW_EH_PE value of encoding enc; 0 if unsupported (LEB128) or omitted. */
static size_t
uw_enc_size(uint8_t enc)
{
    if (enc == 0xff)
        return 0;               /* DW_EH_PE_omit */
    switch (enc & 0x0f) {
    case 0x00: return 8;        /* absptr */
    case 0x02: case 0x0a: return 2;
    case 0x03: case 0x0b: return 4;
    case 0x04: case 0x0c: return 8;
    default: return 0;
    }
}

static int
uw_read_phdrs(struct source *src, uint64_t base, Elf64_Phdr *ph, size_t *nph)
{
    Elf64_Ehdr eh;

    if (source_read(src, base, &eh, sizeof(eh)) < 0)
        return -AIO_E_FAULT;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > UW_MAX_PHDRS ||
        eh.e_phoff > SOURCE_PAGE * 16)
        return -AIO_E_CORRUPT;
    if (source_read(src, base + eh.e_phoff, ph, eh.e_phnum * sizeof(*ph)) < 0)
        return -AIO_E_FAULT;
    *nph = eh.e_phnum;
    return 0;
}

/*
 * Find the module's .eh_frame_hdr through the program headers mapped with
 * its ELF header (this works for files deleted or replaced on disk, for the
 * vdso, and for any source that has the pages) and check its search table.
 */
static int
uw_module_table(struct source *src, struct sym_module *m)
{
    Elf64_Phdr ph[UW_MAX_PHDRS];
    size_t nph = 0, i, off;
    uint64_t bias = 0, hdr = 0, count = 0;
    bool have_load = false;
    uint8_t h[4 + 8 + 8];

    if (m->eh_state)
        return m->eh_state;
    m->eh_state = -1;
    if (uw_read_phdrs(src, m->base, ph, &nph) < 0)
        return -1;
    for (i = 0; i < nph; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            /* base is file offset 0: the first PT_LOAD gives the load bias */
            bias = m->base - (ph[i].p_vaddr - ph[i].p_offset);
            have_load = true;
        }
        if (ph[i].p_type == PT_GNU_EH_FRAME)
            hdr = ph[i].p_vaddr;
    }
    if (!have_load || !hdr)
        return -1;
    hdr += bias;
    if (source_read(src, hdr, h, sizeof(h)) < 0 || h[0] != 1)
        return -1;
    /* libunwind's table lookup takes only datarel|sdata4 entries (8 bytes each) */
    if (h[3] != 0x3b || uw_enc_size(h[1]) == 0 || (h[2] & 0xf0) != 0 || uw_enc_size(h[2]) == 0)
        return -1;
    off = 4 + uw_enc_size(h[1]);
    switch (uw_enc_size(h[2])) {
    case 2: { uint16_t v; memcpy(&v, h + off, 2); count = v; break; }
    case 4: { uint32_t v; memcpy(&v, h + off, 4); count = v; break; }
    default: memcpy(&count, h + off, 8); break;
    }
    if (h[2] & 0x08)
        count &= 0x7fffffffffffffffull;    /* signed form: a negative count is nonsense */
    if (count == 0 || count > UW_MAX_FDES)
        return -1;
    m->eh_hdr = hdr;
    m->eh_table = hdr + off + uw_enc_size(h[2]);
    m->eh_fde_count = count;
    m->eh_state = 1;
    return 1;
}

/* ---- libunwind accessors over the source ---- */

static int
uw_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info,
                  void *arg)
{
    struct uw_ctx *c = arg;
    struct sym_module *m = sym_module_at(c->u->sym, ip);
    unw_dyn_info_t di;

    if (!m || uw_module_table(c->u->src, m) < 0)
        return -UNW_ENOINFO;
    memset(&di, 0, sizeof(di));
    di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    di.start_ip = m->lo;
    di.end_ip = m->hi;
    di.u.rti.segbase = m->eh_hdr;
    di.u.rti.table_data = m->eh_table;
    di.u.rti.table_len = m->eh_fde_count * 8 / sizeof(unw_word_t);
    return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

static void
uw_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
    /* only called for dynamic (JIT-registered) info, which we never return */
    (void)as; (void)pi; (void)arg;
}

static int
uw_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
    (void)as; (void)dilap; (void)arg;
    return -UNW_ENOINFO;
}

static int
uw_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp, int write, void *arg)
{
    struct uw_ctx *c = arg;

    (void)as;
    if (write)
        return -UNW_EINVAL;
    if (source_read(c->u->src, addr, valp, sizeof(*valp)) < 0)
        return -UNW_EINVAL;
    return 0;
}

static int
uw_access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *valp, int write, void *arg)
{
    const struct user_regs_struct *r = &((struct uw_ctx *)arg)->regs;

    (void)as;
    if (write)
        return -UNW_EREADONLYREG;
    switch (reg) {
    case UNW_X86_64_RAX: *valp = r->rax; break;
    case UNW_X86_64_RDX: *valp = r->rdx; break;
    case UNW_X86_64_RCX: *valp = r->rcx; break;
    case UNW_X86_64_RBX: *valp = r->rbx; break;
    case UNW_X86_64_RSI: *valp = r->rsi; break;
    case UNW_X86_64_RDI: *valp = r->rdi; break;
    case UNW_X86_64_RBP: *valp = r->rbp; break;
    case UNW_X86_64_RSP: *valp = r->rsp; break;
    case UNW_X86_64_R8: *valp = r->r8; break;
    case UNW_X86_64_R9: *valp = r->r9; break;
    case UNW_X86_64_R10: *valp = r->r10; break;
    case UNW_X86_64_R11: *valp = r->r11; break;
    case UNW_X86_64_R12: *valp = r->r12; break;
    case UNW_X86_64_R13: *valp = r->r13; break;
    case UNW_X86_64_R14: *valp = r->r14; break;
    case UNW_X86_64_R15: *valp = r->r15; break;
    case UNW_X86_64_RIP: *valp = r->rip; break;
    default: return -UNW_EBADREG;
    }
    return 0;
}

static int
uw_access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
    (void)as; (void)reg; (void)val; (void)write; (void)arg;
    return -UNW_EBADREG;
}

static int
uw_resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
    (void)as; (void)c; (void)arg;
    return -UNW_EINVAL;         /* we only look */
}

static int
uw_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len, unw_word_t *offp,
                 void *arg)
{
    (void)as; (void)addr; (void)buf; (void)len; (void)offp; (void)arg;
    return -UNW_ENOINFO;        /* names come from symbolize.c */
}

static unw_accessors_t uw_accessors = {
    .find_proc_info = uw_find_proc_info,
    .put_unwind_info = uw_put_unwind_info,
    .get_dyn_info_list_addr = uw_get_dyn_info_list_addr,
    .access_mem = uw_access_mem,
    .access_reg = uw_access_reg,
    .access_fpreg = uw_access_fpreg,
    .resume = uw_resume,
    .get_proc_name = uw_get_proc_name,
};

/* ---- the unwinder ---- */

struct unwinder *
unwind_new(struct source *src)
{
    struct unwinder *u = xcalloc(1, sizeof(*u));

    u->src = src;
    u->debuginfo = true;
    u->sym = sym_new(src, true);
    u->as = unw_create_addr_space(&uw_accessors, 0);
    if (!u->sym || !u->as) {
        unwind_free(u);
        return NULL;
    }
    /*
     * Code does not change under us: keep what libunwind learns of each pc
     * across walks (flushed when the maps change).  Per-thread, because the
     * global cache takes a lock that costs two sigprocmask() calls per step;
     * a libunwind built without __thread falls back to global anyway.
     */
    unw_set_caching_policy(u->as, UNW_CACHE_PER_THREAD);
    return u;
}

void
unwind_free(struct unwinder *u)
{
    if (!u)
        return;
    if (u->as)
        unw_destroy_addr_space(u->as);
    if (u->as_ptrace)
        unw_destroy_addr_space(u->as_ptrace);
    sym_free(u->sym);
    free(u->th);
    free(u->pcs);
    free(u->native);
    free(u);
}

void
unwind_set_debuginfo(struct unwinder *u, bool on)
{
    struct symbolizer *y;

    if (on == u->debuginfo)
        return;
    y = sym_new(u->src, on);
    if (!y)
        return;
    sym_free(u->sym);
    u->sym = y;
    u->debuginfo = on;
    unw_flush_cache(u->as, 0, 0);   /* it borrowed the old module table */
}

void
unwind_set_ptrace(struct unwinder *u, bool on)
{
    u->use_ptrace = on;
}

void
unwind_get_stats(const struct unwinder *u, struct unwind_stats *out)
{
    *out = u->stats;
    out->sym_misses = sym_misses(u->sym);
}

static void
uw_push_pc(struct unwinder *u, uint64_t pc, bool exact)
{
    xgrow((void **)&u->pcs, &u->cap_pcs, u->npcs + 1, sizeof(*u->pcs));
    u->pcs[u->npcs].pc = pc;
    u->pcs[u->npcs].exact = exact;
    u->npcs++;
}

/* Walk one thread from registers already in ctx (or through ptrace); fills t. */
static void
uw_walk(struct unwinder *u, unw_addr_space_t as, void *arg, struct uw_thread *t)
{
    unw_cursor_t cur;
    unw_word_t ip = 0, sp = 0, prev_ip = 0, prev_sp = 0;
    bool prev_signal = false;
    size_t depth;
    int r;

    r = unw_init_remote(&cur, as, arg);
    if (r < 0) {
        t->err = -AIO_E_FAULT;
        t->step_err = r;
        return;
    }
    for (depth = 0; depth < MAX_NATIVE_FRAMES; depth++) {
        bool signal;

        if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || unw_get_reg(&cur, UNW_REG_SP, &sp) < 0)
            break;
        if (ip == 0 || (depth > 0 && ip == prev_ip && sp == prev_sp))
            break;              /* end of the stack, or no progress */
        /*
         * A pc is a return address (look up pc - 1) except in the innermost
         * frame, in a signal trampoline (the kernel "returns" to its first
         * byte) and in the frame the signal interrupted.
         */
        signal = unw_is_signal_frame(&cur) > 0;
        uw_push_pc(u, ip, depth == 0 || signal || prev_signal);
        prev_signal = signal;
        t->n++;
        prev_ip = ip;
        prev_sp = sp;
        r = unw_step(&cur);
        if (r <= 0) {
            t->step_err = r;
            return;
        }
    }
    if (depth == MAX_NATIVE_FRAMES)
        t->truncated = true;
}

static void
uw_capture_thread(struct unwinder *u, struct uw_thread *t)
{
    struct uw_ctx ctx;
    int rc;

    t->first = u->npcs;
    if (t->tid <= 0) {
        t->err = -AIO_E_FAULT;
        return;
    }
    if (u->use_ptrace) {
        void *upt = _UPT_create((pid_t)t->tid);

        if (!upt) {
            t->err = -AIO_E_NOMEM;
            return;
        }
        uw_walk(u, u->as_ptrace, upt, t);
        _UPT_destroy(upt);
    } else {
        ctx.u = u;
        rc = source_thread_regs(u->src, t->tid, &ctx.regs, sizeof(ctx.regs));
        if (rc < 0) {
            t->err = rc;
            return;
        }
        uw_walk(u, u->as, &ctx, t);
    }
    if (t->n == 0 && t->err == 0)
        t->err = -AIO_E_FAULT;
}

int
unwind_capture(struct unwinder *u, struct snap *s)
{
    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);
    size_t i, ok = 0, errs = 0;
    int first_err = 0;

    if (sym_refresh(u->sym)) {
        /* libunwind's caches hold what it learnt from the old modules */
        unw_flush_cache(u->as, 0, 0);
        if (u->as_ptrace)
            unw_flush_cache(u->as_ptrace, 0, 0);
    }
    if (u->use_ptrace && !u->as_ptrace) {
        u->as_ptrace = unw_create_addr_space(&_UPT_accessors, 0);
        if (u->as_ptrace)
            unw_set_caching_policy(u->as_ptrace, UNW_CACHE_PER_THREAD);
        else
            u->use_ptrace = false;
    }
    xgrow((void **)&u->th, &u->cap_th, s->nthreads + 1, sizeof(*u->th));
    u->npcs = 0;
    u->captured = s;
    u->captured_threads = s->nthreads;
    for (i = 0; i < s->nthreads; i++) {
        struct uw_thread *t = &u->th[i];

        memset(t, 0, sizeof(*t));
        t->tid = s->threads[i].tid;
        uw_capture_thread(u, t);
        if (t->err == 0)
            ok++;
        else if (!first_err)
            first_err = t->err;
        if (t->err == 0 && t->step_err < 0)
            errs++;
    }
    u->stats.capture_ns = clock_now_ns(CLOCK_MONOTONIC) - t0;
    u->stats.frames = u->npcs;
    u->stats.threads = ok;
    u->stats.walk_errors = errs;
    if (s->nthreads > 0 && ok == 0) {
        u->captured = NULL;     /* nothing for unwind_finish() to do */
        snap_diag_add(s, SNAP_DIAG_PROCESS, 0, first_err,
                      "native stacks unavailable: no thread could be unwound (%s)",
                      err_str(first_err));
        return first_err;
    }
    return 0;
}

static struct snap_str
uw_str(struct snap *s, const char *c)
{
    struct snap_str none = { NULL, 0 };

    return c ? snap_str_cstr(s, c) : none;
}

void
unwind_finish(struct unwinder *u, struct snap *s, enum unwind_merge mode)
{
    uint64_t t0 = clock_now_ns(CLOCK_MONOTONIC);
    size_t i, j;

    if (u->captured != s || u->captured_threads != s->nthreads)
        return;
    for (i = 0; i < s->nthreads; i++) {
        const struct uw_thread *t = &u->th[i];

        if (t->tid != s->threads[i].tid)
            continue;
        if (t->err) {
            snap_diag_add(s, SNAP_DIAG_THREAD, i, t->err,
                          "cannot unwind the native stack of thread %ld: %s", t->tid,
                          err_str(t->err));
            continue;
        }
        xgrow((void **)&u->native, &u->cap_native, t->n, sizeof(*u->native));
        for (j = 0; j < t->n; j++) {
            const struct uw_pc *p = &u->pcs[t->first + j];
            struct snap_frame *f = &u->native[j];
            struct sym_result r;

            sym_lookup(u->sym, p->pc, p->exact, &r);
            memset(f, 0, sizeof(*f));
            f->kind = SNAP_FRAME_NATIVE;
            f->function = uw_str(s, r.function);
            f->file = uw_str(s, r.file);
            f->line = r.line;
            f->module = uw_str(s, r.module);
            f->pc = p->pc;
            f->offset = r.offset;
        }
        merge_thread(s, i, u->native, t->n, mode, NULL);
        if (t->truncated)
            s->threads[i].truncated = true;
        if (t->step_err < 0)
            snap_diag_add(s, SNAP_DIAG_THREAD, i, AIO_E_FAULT,
                          "native stack of thread %ld stops after %zu frames: %s", t->tid,
                          t->n, unw_strerror(t->step_err));
    }
    u->captured = NULL;
    u->stats.finish_ns = clock_now_ns(CLOCK_MONOTONIC) - t0;
}

int
unwind_snapshot(struct unwinder *u, struct snap *s, enum unwind_merge mode)
{
    int rc = unwind_capture(u, s);

    if (rc < 0)
        return rc;
    unwind_finish(u, s, mode);
    return 0;
}
