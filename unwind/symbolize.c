#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../attach/maps.h"
#include "../common/xalloc.h"

/* Most distinct pcs kept; past it the cache starts over (a sane process has far fewer). */
#define SYM_MAX_CACHED 65536
/* Most modules taken from the maps (the rest are ignored, their pcs stay unnamed). */
#define SYM_MAX_MODULES 4096
/* Largest vdso image we read (it is two pages on x86_64). */
#define SYM_MAX_VDSO (64 * 1024)

struct sym_entry {
    uint64_t key;               /* (pc << 1 | exact) + 1; 0 = empty slot */
    char *function;             /* owned */
    char *file;                 /* owned */
    int line;
    const char *module;         /* borrowed from the module table */
    uint64_t offset;
};

struct symbolizer {
    struct source *src;         /* borrowed */
    bool debuginfo;
    Dwfl *dwfl;                 /* owned */
    struct sym_module *mods;    /* owned, sorted by lo, disjoint */
    size_t nmods;
    bool have_maps;
    uint64_t maps_hash;         /* of the maps the table was built from */
    size_t maps_n;
    struct sym_entry *cache;    /* owned, open addressing, cache_cap slots */
    size_t cache_cap, cache_n;
    uint64_t misses;
};

static char *sym_debuginfo_path;   /* NULL: libdwfl's default search path */
/*
 * A target with a root of its own (a container) keeps its debug files in its
 * own /usr/lib/debug: searched first, then this side's (same build-ids only).
 */
static char sym_debuginfo_buf[4200];

/* Separate debug information disabled: only the file's own symbols. */
static int
sym_no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                 const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                 char **debuginfo_file_name)
{
    (void)mod; (void)userdata; (void)modname; (void)base; (void)file_name;
    (void)debuglink_file; (void)debuglink_crc; (void)debuginfo_file_name;
    return -1;
}

/*
 * Only the vdso is reported without a file (sym_report): its ELF is the
 * image read from the target, which the module's userdata points to.
 */
static int
sym_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
             char **file_name, Elf **elfp)
{
    const struct sym_module *m = *userdata;

    (void)mod; (void)modname; (void)base;
    *file_name = NULL;
    if (m && m->image)
        *elfp = elf_memory((char *)m->image, m->image_size);
    return -1;
}

static const Dwfl_Callbacks sym_cb_debuginfo = {
    .find_elf = sym_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &sym_debuginfo_path,
};

static const Dwfl_Callbacks sym_cb_plain = {
    .find_elf = sym_find_elf,
    .find_debuginfo = sym_no_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &sym_debuginfo_path,
};

struct symbolizer *
sym_new(struct source *src, bool debuginfo)
{
    struct symbolizer *y = xcalloc(1, sizeof(*y));

    y->src = src;
    y->debuginfo = debuginfo;
    if (debuginfo) {
        char dir[4096];

        /* the target's /usr/lib/debug as seen from here, when it is not ours */
        if (source_host_path(src, "/usr/lib/debug", dir, sizeof(dir)) == 0 &&
            strcmp(dir, "/usr/lib/debug") != 0 &&
            (size_t)snprintf(sym_debuginfo_buf, sizeof(sym_debuginfo_buf),
                             ":.debug:%s:/usr/lib/debug", dir) < sizeof(sym_debuginfo_buf))
            sym_debuginfo_path = sym_debuginfo_buf;
    }
    y->dwfl = dwfl_begin(debuginfo ? &sym_cb_debuginfo : &sym_cb_plain);
    if (!y->dwfl) {
        free(y);
        return NULL;
    }
    return y;
}

static void
sym_cache_clear(struct symbolizer *y)
{
    size_t i;

    if (!y->cache)
        return;
    for (i = 0; i < y->cache_cap; i++) {
        free(y->cache[i].function);
        free(y->cache[i].file);
    }
    memset(y->cache, 0, y->cache_cap * sizeof(*y->cache));
    y->cache_n = 0;
}

static void
sym_mods_free(struct sym_module *mods, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(mods[i].path);
        free(mods[i].image);
    }
    free(mods);
}

void
sym_free(struct symbolizer *y)
{
    if (!y)
        return;
    sym_cache_clear(y);
    free(y->cache);
    dwfl_end(y->dwfl);      /* first: the vdso's Elf is over a module's image */
    sym_mods_free(y->mods, y->nmods);
    free(y);
}

uint64_t
sym_misses(const struct symbolizer *y)
{
    return y->misses;
}

/* FNV-1a over the fields of the maps that decide the module table. */
static uint64_t
sym_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t
sym_maps_hash(const struct maps *m)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;

    for (i = 0; i < m->n; i++) {
        const struct map_entry *e = &m->v[i];

        h = sym_hash(h, &e->start, sizeof(e->start));
        h = sym_hash(h, &e->end, sizeof(e->end));
        h = sym_hash(h, &e->offset, sizeof(e->offset));
        h = sym_hash(h, e->perms, sizeof(e->perms));
        if (e->path)
            h = sym_hash(h, e->path, strlen(e->path) + 1);
    }
    return h;
}

static bool
sym_wanted_path(const char *path)
{
    return path && (path[0] == '/' || strcmp(path, "[vdso]") == 0);
}

static int
sym_mod_cmp(const void *a, const void *b)
{
    const struct sym_module *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Modules of maps m into *out (sorted by lo); returns how many. */
static size_t
sym_build(const struct maps *m, struct sym_module **out)
{
    struct sym_module *v = NULL;
    size_t n = 0, cap = 0, i, j, keep;

    for (i = 0; i < m->n; i++) {
        const struct map_entry *e = &m->v[i];
        struct sym_module *mod = NULL;

        if (!sym_wanted_path(e->path))
            continue;
        /* mappings of one file are nearly always adjacent: look from the end */
        for (j = n; j-- > 0;) {
            if (strcmp(v[j].path, e->path) == 0) {
                mod = &v[j];
                break;
            }
        }
        if (!mod) {
            if (n == SYM_MAX_MODULES)
                continue;
            xgrow((void **)&v, &cap, n + 1, sizeof(*v));
            mod = &v[n++];
            memset(mod, 0, sizeof(*mod));
            mod->path = xstrdup(e->path);
            mod->lo = UINT64_MAX;
            mod->base = e->start - e->offset;     /* maps are sorted: the first mapping */
        }
        if (e->perms[2] == 'x') {
            if (e->start < mod->lo)
                mod->lo = e->start;
            if (e->end > mod->hi)
                mod->hi = e->end;
        }
    }
    /* only modules with code; then sort and make the spans disjoint */
    for (i = keep = 0; i < n; i++) {
        if (v[i].lo < v[i].hi)
            v[keep++] = v[i];
        else
            free(v[i].path);
    }
    n = keep;
    if (n)
        qsort(v, n, sizeof(*v), sym_mod_cmp);
    for (i = 1; i < n; i++) {
        if (v[i].lo < v[i - 1].hi)
            v[i - 1].hi = v[i].lo;  /* interleaved files (rare): the later one wins */
    }
    *out = v;
    return n;
}

static Dwfl_Module *
sym_report(struct symbolizer *y, struct sym_module *m)
{
    char full[4096];

    if (m->image) {
        Dwfl_Module *dm = dwfl_report_module(y->dwfl, m->path, m->base,
                                             m->base + m->image_size);
        void **slot = NULL;

        if (dm && dwfl_module_info(dm, &slot, NULL, NULL, NULL, NULL, NULL, NULL) && slot)
            *slot = m;
        return dm;
    }
    if (m->path[0] != '/')
        return NULL;
    source_host_path(y->src, m->path, full, sizeof(full));
    /*
     * base is where file offset 0 is mapped; with add_p_vaddr false libdwfl
     * takes it as the address of the first PT_LOAD (p_offset 0 in practice),
     * and ignores it for ET_EXEC.
     */
    return dwfl_report_elf(y->dwfl, m->path, full, -1, m->base, false);
}

/* The vdso has no file: keep a copy of its ELF image for its symbols. */
static void
sym_read_image(struct symbolizer *y, struct sym_module *m)
{
    size_t size;

    if (strcmp(m->path, "[vdso]") != 0 || m->hi <= m->base || m->hi - m->base > SYM_MAX_VDSO)
        return;
    size = (size_t)(m->hi - m->base);
    m->image = xmalloc(size);
    if (source_read(y->src, m->base, m->image, size) < 0 ||
        memcmp(m->image, "\177ELF", 4) != 0) {
        free(m->image);
        m->image = NULL;
        return;
    }
    m->image_size = size;
}

bool
sym_refresh(struct symbolizer *y)
{
    const struct maps *m = &y->src->maps;
    uint64_t h = sym_maps_hash(m);
    struct sym_module *mods = NULL;
    size_t n, i, j;

    if (y->have_maps && h == y->maps_hash && m->n == y->maps_n)
        return false;
    n = sym_build(m, &mods);
    /*
     * Keep what we know of modules that are still mapped at the same place:
     * re-reporting a module to libdwfl with the same name and range keeps its
     * loaded ELF, symbols and DWARF; the others are dropped by report_end.
     */
    dwfl_report_begin(y->dwfl);
    for (i = 0; i < n; i++) {
        for (j = 0; j < y->nmods; j++) {
            const struct sym_module *o = &y->mods[j];

            if (o->base != mods[i].base || strcmp(o->path, mods[i].path) != 0 || o->image)
                continue;   /* the vdso is read again: its Dwfl module points at the old image */
            mods[i].eh_state = o->eh_state;
            mods[i].eh_hdr = o->eh_hdr;
            mods[i].eh_table = o->eh_table;
            mods[i].eh_fde_count = o->eh_fde_count;
            if (o->dwfl_tried) {
                mods[i].dwfl_mod = o->dwfl_mod ? sym_report(y, &mods[i]) : NULL;
                mods[i].dwfl_tried = true;
            }
            break;
        }
    }
    dwfl_report_end(y->dwfl, NULL, NULL);
    for (i = 0; i < n; i++)
        sym_read_image(y, &mods[i]);
    sym_mods_free(y->mods, y->nmods);
    y->mods = mods;
    y->nmods = n;
    y->maps_hash = h;
    y->maps_n = m->n;
    y->have_maps = true;
    sym_cache_clear(y);
    return true;
}

struct sym_module *
sym_module_at(struct symbolizer *y, uint64_t addr)
{
    size_t lo = 0, hi = y->nmods;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct sym_module *m = &y->mods[mid];

        if (addr < m->lo)
            hi = mid;
        else if (addr >= m->hi)
            lo = mid + 1;
        else
            return m;
    }
    return NULL;
}

static Dwfl_Module *
sym_dwfl_module(struct symbolizer *y, struct sym_module *m)
{
    if (!m->dwfl_tried) {
        m->dwfl_tried = true;
        dwfl_report_begin_add(y->dwfl);
        m->dwfl_mod = sym_report(y, m);
        dwfl_report_end(y->dwfl, NULL, NULL);
    }
    return m->dwfl_mod;
}

static size_t
sym_slot(const struct symbolizer *y, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;

    return (size_t)(h >> 32) & (y->cache_cap - 1);
}

/* The slot for key: its entry, or the empty slot where it belongs. */
static struct sym_entry *
sym_find(struct symbolizer *y, uint64_t key)
{
    size_t i = sym_slot(y, key), probes;

    for (probes = 0; probes < y->cache_cap; probes++) {
        struct sym_entry *e = &y->cache[i];

        if (e->key == key || e->key == 0)
            return e;
        i = (i + 1) & (y->cache_cap - 1);
    }
    return NULL;    /* not reached: the table is never full */
}

/* Make room for one more entry: grow to keep the load under 1/2, or start over at the bound. */
static void
sym_cache_reserve(struct symbolizer *y)
{
    struct sym_entry *old = y->cache;
    size_t old_cap = y->cache_cap, i;

    if (y->cache_n + 1 <= y->cache_cap / 2)
        return;
    if (y->cache_cap >= 2 * SYM_MAX_CACHED) {
        sym_cache_clear(y);
        return;
    }
    y->cache_cap = old_cap ? 2 * old_cap : 1024;
    y->cache = xcalloc(y->cache_cap, sizeof(*y->cache));
    for (i = 0; i < old_cap; i++) {
        if (old[i].key)
            *sym_find(y, old[i].key) = old[i];
    }
    free(old);
}

/* DIEs looked at per level, and levels, when looking for the inlined call that holds a pc. */
#define SYM_MAX_SIBLINGS (1u << 20)
#define SYM_MAX_DIE_DEPTH 64

/*
 * The outermost inlined call (DW_TAG_inlined_subroutine) holding pc in the
 * function that holds it: walk down from the CU through the one child at
 * each level whose ranges hold pc.  Iterative and bounded (DWARF is hostile
 * input too).  libdw's dwarf_getscopes would do, but 0.188 leaks and gives
 * up on LTO builds (abstract origins in another CU), which this avoids: the
 * call site is on the concrete DIE.
 */
static bool
sym_find_inline(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
    Dwarf_Die die = *cu, child;
    bool in_function = false;
    unsigned depth, n;
    int tag = 0;

    for (depth = 0; depth < SYM_MAX_DIE_DEPTH; depth++) {
        if (dwarf_child(&die, &child) != 0)
            return false;
        for (n = 0;; n++) {
            if (n == SYM_MAX_SIBLINGS)
                return false;
            tag = dwarf_tag(&child);
            if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
                 tag == DW_TAG_lexical_block) && dwarf_haspc(&child, pc) > 0)
                break;
            if (dwarf_siblingof(&child, &child) != 0)
                return false;
        }
        if (tag == DW_TAG_inlined_subroutine && in_function) {
            *out = child;
            return true;
        }
        in_function = in_function || tag == DW_TAG_subprogram;
        die = child;
    }
    return false;
}

/*
 * When look is in code inlined into the symbol's function, the line table
 * gives the inlined function's source ("pycore_call.h:92" for a pc of
 * PyObject_Vectorcall).  Take instead the call site of the outermost inlined
 * call, so function and file:line name the same function.
 */
static void
sym_outer_line(Dwfl_Module *dm, uint64_t look, struct sym_entry *e)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(dm, look, &bias);
    Dwarf_Die inl;
    Dwarf_Attribute attr;
    Dwarf_Word line = 0, idx = 0;
    Dwarf_Files *files;
    size_t nfiles = 0;
    const char *file;

    if (!cu || !sym_find_inline(cu, look - bias, &inl))
        return;
    if (dwarf_formudata(dwarf_attr(&inl, DW_AT_call_line, &attr), &line) == 0 &&
        dwarf_formudata(dwarf_attr(&inl, DW_AT_call_file, &attr), &idx) == 0 &&
        dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && idx < nfiles && line > 0 &&
        line <= 0x7fffffff && (file = dwarf_filesrc(files, idx, NULL, NULL)) != NULL &&
        file[0]) {
        free(e->file);
        e->file = xstrdup(file);
        e->line = (int)line;
    }
}

static void
sym_resolve(struct symbolizer *y, uint64_t pc, bool exact, struct sym_entry *e)
{
    uint64_t look = exact || pc == 0 ? pc : pc - 1;
    struct sym_module *m = sym_module_at(y, look);
    Dwfl_Module *dm;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name;
    Dwfl_Line *ln;

    e->offset = pc;
    if (!m)
        return;
    e->module = m->path;
    e->offset = pc - m->base;
    dm = sym_dwfl_module(y, m);
    if (!dm)
        return;
    name = dwfl_module_addrinfo(dm, look, &off, &sym, NULL, NULL, NULL);
    if (name && name[0]) {
        size_t n = strcspn(name, "@");

        /* "clock_nanosleep@GLIBC_2.2.5": the symbol version is not part of the name */
        e->function = xstrndup(name, n ? n : strlen(name));
        e->offset = pc - (look - off);
    }
    ln = dwfl_module_getsrc(dm, look);
    if (ln) {
        int lineno = 0;
        const char *file = dwfl_lineinfo(ln, NULL, &lineno, NULL, NULL, NULL);

        if (file && file[0]) {
            e->file = xstrdup(file);
            e->line = lineno > 0 ? lineno : 0;
            sym_outer_line(dm, look, e);
        }
    }
}

void
sym_lookup(struct symbolizer *y, uint64_t pc, bool exact, struct sym_result *out)
{
    uint64_t key = ((pc << 1) | (exact ? 1u : 0u)) + 1;
    struct sym_entry *e;

    sym_cache_reserve(y);
    e = sym_find(y, key);
    if (e->key != key) {
        memset(e, 0, sizeof(*e));
        e->key = key;
        y->cache_n++;
        y->misses++;
        sym_resolve(y, pc, exact, e);
    }
    out->function = e->function;
    out->file = e->file;
    out->line = e->line;
    out->module = e->module;
    out->offset = e->offset;
}
