/*
 * layout_dwarf.c - the DWARF layout provider (libdw).
 *
 * Scans the top-level DIEs of every unit for the wanted struct and typedef
 * names, stops as soon as all are found, then resolves member paths.  The
 * DWARF comes from the target's own file or its separate debug file.
 */
#include "layout.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../attach/elfsym.h"
#include "../common/err.h"

#define DWARF_MAX_NAMES 96
#define DWARF_MAX_DEPTH 8       /* typedef / qualifier chains, nested member paths */

struct dwarf_want {
    char name[64];
    bool found;
    Dwarf_Die die;              /* the struct/union DIE (typedefs resolved) */
};

struct dwarf_scan {
    struct dwarf_want w[DWARF_MAX_NAMES];
    int n, left;
};

/* Follow typedefs and qualifiers to the underlying type. */
static bool
dwarf_strip(Dwarf_Die *die, Dwarf_Die *out)
{
    Dwarf_Die cur = *die;
    int i;

    for (i = 0; i < DWARF_MAX_DEPTH; i++) {
        int tag = dwarf_tag(&cur);
        Dwarf_Attribute at;

        if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
            tag != DW_TAG_atomic_type && tag != DW_TAG_restrict_type) {
            *out = cur;
            return true;
        }
        if (!dwarf_attr_integrate(&cur, DW_AT_type, &at) || !dwarf_formref_die(&at, &cur))
            return false;
    }
    return false;
}

static void
dwarf_want_add(struct dwarf_scan *sc, const char *names)
{
    const char *p = names;

    while (*p) {
        size_t len = strcspn(p, "|");
        int i;

        if (len > 0 && len < sizeof(sc->w[0].name)) {
            for (i = 0; i < sc->n; i++) {
                if (strlen(sc->w[i].name) == len && memcmp(sc->w[i].name, p, len) == 0)
                    break;
            }
            if (i == sc->n && sc->n < DWARF_MAX_NAMES) {
                memcpy(sc->w[sc->n].name, p, len);
                sc->w[sc->n].name[len] = '\0';
                sc->n++;
                sc->left++;
            }
        }
        p += len;
        if (*p == '|')
            p++;
    }
}

static void
dwarf_scan_die(struct dwarf_scan *sc, Dwarf_Die *die)
{
    int tag = dwarf_tag(die), i;
    const char *name;
    Dwarf_Die t;
    bool decl = false;

    if (tag != DW_TAG_structure_type && tag != DW_TAG_typedef && tag != DW_TAG_union_type)
        return;
    name = dwarf_diename(die);
    if (!name)
        return;
    for (i = 0; i < sc->n; i++) {
        if (sc->w[i].found || strcmp(sc->w[i].name, name) != 0)
            continue;
        if (!dwarf_strip(die, &t))
            return;
        if (dwarf_tag(&t) != DW_TAG_structure_type && dwarf_tag(&t) != DW_TAG_union_type)
            return;
        if (dwarf_hasattr(&t, DW_AT_declaration)) {
            Dwarf_Attribute at;

            decl = dwarf_formflag(dwarf_attr(&t, DW_AT_declaration, &at), &decl) == 0 && decl;
        }
        if (decl || !dwarf_hasattr(&t, DW_AT_byte_size))
            return;
        sc->w[i].die = t;
        sc->w[i].found = true;
        sc->left--;
        return;
    }
}

static void
dwarf_scan_all(struct dwarf_scan *sc, Dwarf *dw)
{
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie, subdie;
    uint8_t unit_type;

    while (sc->left > 0 && dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, &subdie) == 0) {
        Dwarf_Die child;

        if (dwarf_child(&cudie, &child) != 0)
            continue;
        do {
            dwarf_scan_die(sc, &child);
        } while (sc->left > 0 && dwarf_siblingof(&child, &child) == 0);
    }
}

static struct dwarf_want *
dwarf_lookup(struct dwarf_scan *sc, const char *names)
{
    const char *p = names;

    while (*p) {
        size_t len = strcspn(p, "|");
        int i;

        for (i = 0; i < sc->n; i++) {
            if (sc->w[i].found && strlen(sc->w[i].name) == len &&
                memcmp(sc->w[i].name, p, len) == 0)
                return &sc->w[i];
        }
        p += len;
        if (*p == '|')
            p++;
    }
    return NULL;
}

/*
 * Find a member named `name` in struct/union `st`, looking into anonymous
 * struct/union members too.  On success *off is added the member's offset.
 */
static bool
dwarf_find_member(Dwarf_Die *st, const char *name, size_t nlen, Dwarf_Die *out, uint64_t *off,
                  int depth)
{
    Dwarf_Die m;

    if (depth > DWARF_MAX_DEPTH || dwarf_child(st, &m) != 0)
        return false;
    do {
        const char *mn;
        Dwarf_Word moff = 0;
        Dwarf_Attribute at;

        if (dwarf_tag(&m) != DW_TAG_member)
            continue;
        if (dwarf_attr(&m, DW_AT_data_member_location, &at))
            dwarf_formudata(&at, &moff);
        mn = dwarf_diename(&m);
        if (mn && strlen(mn) == nlen && memcmp(mn, name, nlen) == 0) {
            *out = m;
            *off += moff;
            return true;
        }
        if (!mn) {
            Dwarf_Die t, tt;

            if (dwarf_attr_integrate(&m, DW_AT_type, &at) && dwarf_formref_die(&at, &t) &&
                dwarf_strip(&t, &tt)) {
                uint64_t sub = *off + moff;

                if (dwarf_find_member(&tt, name, nlen, out, &sub, depth + 1)) {
                    *off = sub;
                    return true;
                }
            }
        }
    } while (dwarf_siblingof(&m, &m) == 0);
    return false;
}

static bool
dwarf_resolve_path(Dwarf_Die *st, const char *path, size_t plen, struct layout_field *lf)
{
    Dwarf_Die cur = *st, m, t;
    uint64_t off = 0;
    size_t pos = 0;
    int depth = 0;

    while (pos < plen && depth++ < DWARF_MAX_DEPTH) {
        const char *seg = path + pos;
        size_t slen = 0;
        Dwarf_Attribute at;

        while (pos + slen < plen && seg[slen] != '.')
            slen++;
        if (!dwarf_find_member(&cur, seg, slen, &m, &off, 0))
            return false;
        pos += slen + (pos + slen < plen ? 1 : 0);
        if (!dwarf_attr_integrate(&m, DW_AT_type, &at) || !dwarf_formref_die(&at, &t) ||
            !dwarf_strip(&t, &cur))
            return false;
    }
    memset(lf, 0, sizeof(*lf));
    lf->present = true;
    lf->src = LAYOUT_SRC_DWARF;
    {
        Dwarf_Attribute at;
        Dwarf_Word v;
        int sz = dwarf_bytesize(&cur);

        if (dwarf_tag(&cur) == DW_TAG_array_type)
            sz = 0;     /* flexible/inline arrays: the offset is what matters */
        lf->size = sz > 0 ? (uint32_t)sz : 0;
        if (dwarf_attr(&m, DW_AT_bit_size, &at) && dwarf_formudata(&at, &v) == 0) {
            Dwarf_Word bo = 0;

            lf->bit_size = (uint16_t)v;
            if (dwarf_attr(&m, DW_AT_data_bit_offset, &at) && dwarf_formudata(&at, &bo) == 0) {
                off += bo / 8;
                lf->bit_off = (uint16_t)(bo % 8);
            }
        }
    }
    lf->off = (uint32_t)off;
    return true;
}

static int
dwarf_fill(struct layout *L, enum layout_owner owner, Dwarf *dw)
{
    struct dwarf_scan sc;
    int i, found = 0;

    memset(&sc, 0, sizeof(sc));
    for (i = 0; i < PYF__COUNT; i++) {
        if (layout_descs[i].owner == owner)
            dwarf_want_add(&sc, layout_descs[i].structs);
    }
    dwarf_scan_all(&sc, dw);
    for (i = 0; i < PYF__COUNT; i++) {
        const struct layout_desc *d = &layout_descs[i];
        struct dwarf_want *w;
        const char *p;

        if (d->owner != owner || L->f[i].present)
            continue;
        w = dwarf_lookup(&sc, d->structs);
        if (!w)
            continue;
        if (d->is_size) {
            int sz = dwarf_bytesize(&w->die);

            if (sz > 0) {
                L->f[i].present = true;
                L->f[i].src = LAYOUT_SRC_DWARF;
                L->f[i].off = (uint32_t)sz;
                L->f[i].size = (uint32_t)sz;
                found++;
            }
            continue;
        }
        for (p = d->members; *p;) {
            size_t len = strcspn(p, "|");

            if (dwarf_resolve_path(&w->die, p, len, &L->f[i])) {
                found++;
                break;
            }
            p += len;
            if (*p == '|')
                p++;
        }
    }
    return found;
}

static int
dwarf_try_file(struct layout *L, enum layout_owner owner, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), n;
    Dwarf *dw;

    if (fd < 0)
        return -AIO_E_LAYOUT;
    dw = dwarf_begin(fd, DWARF_C_READ);
    if (!dw) {
        close(fd);
        return -AIO_E_LAYOUT;
    }
    n = dwarf_fill(L, owner, dw);
    dwarf_end(dw);
    close(fd);
    return n > 0 ? n : -AIO_E_LAYOUT;
}

/* Where this side opens the target's path p (the paths as named without a host function). */
static bool
dwarf_host(layout_host_fn host, void *arg, const char *p, char *out, size_t size)
{
    if (host)
        return host(arg, p, out, size) == 0 && out[0];
    return (size_t)snprintf(out, size, "%s", p) < size;
}

/* Try the debug file at host path `cand` unless it was tried just before (in `last`). */
static int
dwarf_try_cand(struct layout *L, enum layout_owner owner, const char *cand, char *last,
               size_t lastsize)
{
    if (strcmp(cand, last) == 0)
        return -AIO_E_LAYOUT;
    snprintf(last, lastsize, "%s", cand);
    return dwarf_try_file(L, owner, cand);
}

int
layout_from_dwarf(struct layout *L, enum layout_owner owner, const char *file, const char *path,
                  layout_host_fn host, void *arg, char *from, size_t fromsize)
{
    struct elfsym *e;
    char buf[4096], tp[4096], last[4096] = "", id[130], link[256], dir[1024], fdir[1024];
    int err, n = -AIO_E_LAYOUT;
    bool has;

    snprintf(buf, sizeof(buf), "%s", file);
    e = elfsym_open(buf, &err);
    if (!e)
        return -AIO_E_LAYOUT;
    has = elfsym_has_dwarf(e);
    if (has)
        n = dwarf_try_file(L, owner, buf);
    if (n < 0 && elfsym_build_id(e, id, sizeof(id)) && strlen(id) > 2) {
        snprintf(tp, sizeof(tp), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
        if (dwarf_host(host, arg, tp, buf, sizeof(buf)))
            n = dwarf_try_file(L, owner, buf);
    }
    if (n < 0 && elfsym_debuglink(e, link, sizeof(link)) && !strchr(link, '/')) {
        const char *slash = strrchr(path, '/'), *fslash = strrchr(file, '/');

        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
        snprintf(fdir, sizeof(fdir), "%.*s", fslash ? (int)(fslash - file) : 1,
                 fslash ? file : ".");
        /* next to the file opened (libdwfl's rule: --exe's own directory), then the target's */
        snprintf(buf, sizeof(buf), "%s/%s", fdir, link);
        n = dwarf_try_cand(L, owner, buf, last, sizeof(last));
        if (n < 0) {
            snprintf(buf, sizeof(buf), "%s/.debug/%s", fdir, link);
            n = dwarf_try_cand(L, owner, buf, last, sizeof(last));
        }
        if (n < 0) {
            snprintf(tp, sizeof(tp), "%s/%s", dir, link);
            if (dwarf_host(host, arg, tp, buf, sizeof(buf)))
                n = dwarf_try_cand(L, owner, buf, last, sizeof(last));
        }
        if (n < 0) {
            snprintf(tp, sizeof(tp), "%s/.debug/%s", dir, link);
            if (dwarf_host(host, arg, tp, buf, sizeof(buf)))
                n = dwarf_try_cand(L, owner, buf, last, sizeof(last));
        }
        if (n < 0) {
            snprintf(tp, sizeof(tp), "/usr/lib/debug%s/%s", dir, link);
            if (dwarf_host(host, arg, tp, buf, sizeof(buf)))
                n = dwarf_try_cand(L, owner, buf, last, sizeof(last));
        }
    }
    elfsym_close(e);
    if (n > 0 && from)
        snprintf(from, fromsize, "%s", buf);   /* buf: the file that was read last */
    return n;
}
