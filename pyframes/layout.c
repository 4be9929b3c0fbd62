#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"

const struct layout_desc layout_descs[PYF__COUNT] = {
#define S(id, owner, structs) [PYF_##id] = { #id, LAYOUT_##owner, true, structs, NULL },
#define F(id, owner, structs, members) \
    [PYF_##id] = { #id, LAYOUT_##owner, false, structs, members },
#include "fields.def"
#undef S
#undef F
};

/* Largest offset or struct size we believe (PyInterpreterState is ~100 KiB in 3.12). */
#define LAYOUT_MAX_OFF (1u << 20)

int
layout_field_by_name(const char *name)
{
    int i;

    for (i = 0; i < PYF__COUNT; i++) {
        if (strcmp(layout_descs[i].name, name) == 0)
            return i;
    }
    return -1;
}

const char *
layout_src_name(enum layout_src s)
{
    switch (s) {
    case LAYOUT_SRC_NONE: return "none";
    case LAYOUT_SRC_DWARF: return "dwarf";
    case LAYOUT_SRC_DEBUG_OFFSETS: return "debug-offsets";
    case LAYOUT_SRC_TABLE: return "table";
    case LAYOUT_SRC_CACHE: return "dwarf";
    }
    return "none";
}

void
layout_merge(struct layout *to, const struct layout *from, enum layout_owner owner)
{
    int i;

    for (i = 0; i < PYF__COUNT; i++) {
        if (layout_descs[i].owner == owner && !to->f[i].present && from->f[i].present)
            to->f[i] = from->f[i];
    }
}

/* The first name of a "|"-separated struct list, into buf. */
static void
layout_first_struct(const char *structs, char *buf, size_t size)
{
    size_t n = strcspn(structs, "|");

    if (n >= size)
        n = size - 1;
    memcpy(buf, structs, n);
    buf[n] = '\0';
}

/* The S() entry (struct size) of the struct member i belongs to, or -1. */
static int
layout_owner_size(int i)
{
    char name[64];
    int j;

    layout_first_struct(layout_descs[i].structs, name, sizeof(name));
    for (j = 0; j < PYF__COUNT; j++) {
        const char *s = layout_descs[j].structs;
        size_t n = strlen(name);

        if (!layout_descs[j].is_size)
            continue;
        /* name is one of the "|"-separated names of the S() entry */
        while (*s) {
            size_t k = strcspn(s, "|");

            if (k == n && memcmp(s, name, n) == 0)
                return j;
            s += k + (s[k] == '|');
        }
    }
    return -1;
}

/*
 * Whether field i of L is believable; when not, why (a sentence naming the
 * field, its offset and what it breaks) goes to why.
 */
static bool
layout_field_ok(const struct layout *L, int i, char *why, size_t len)
{
    const struct layout_field *lf = &L->f[i];
    const char *name = layout_descs[i].name;
    uint32_t bytes, unit;
    int s;

    if (lf->off >= LAYOUT_MAX_OFF || lf->size >= LAYOUT_MAX_OFF ||
        (layout_descs[i].is_size && lf->off == 0) || lf->bit_off >= 64 || lf->bit_size > 64) {
        snprintf(why, len, "%s: offset %u, size %u, bits %u+%u out of range", name, lf->off,
                 lf->size, lf->bit_off, lf->bit_size);
        return false;
    }
    if (layout_descs[i].is_size)
        return true;
    /* the bytes the member occupies: a bit-field its bits, a flexible array none */
    bytes = lf->bit_size ? (uint32_t)(lf->bit_off + lf->bit_size + 7) / 8 : lf->size;
    s = layout_owner_size(i);
    if (s >= 0 && L->f[s].present && lf->off + bytes > L->f[s].off) {
        char sname[64];

        layout_first_struct(layout_descs[i].structs, sname, sizeof(sname));
        snprintf(why, len, "%s at offset %u (%u bytes) lies outside %s (%u bytes)", name,
                 lf->off, bytes, sname, L->f[s].off);
        return false;
    }
    /* a scalar member is at a multiple of its size (x86-64 System V ABI) */
    unit = lf->size;
    if (!lf->bit_size && (unit == 2 || unit == 4 || unit == 8) && lf->off % unit != 0) {
        snprintf(why, len, "%s at offset %u is not aligned to its %u bytes", name, lf->off,
                 unit);
        return false;
    }
    return true;
}

int
layout_check(const struct layout *L, const char *source)
{
    char why[200];
    int i;

    for (i = 0; i < PYF__COUNT; i++) {
        if (L->f[i].present && !layout_field_ok(L, i, why, sizeof(why)))
            return err_set(AIO_E_CORRUPT, "the %s layout is refused: %s", source, why);
    }
    return 0;
}

int
layout_validate(struct layout *L)
{
    char why[200];
    int i, dropped = 0;

    for (i = 0; i < PYF__COUNT; i++) {
        struct layout_field *lf = &L->f[i];

        if (lf->present && !layout_field_ok(L, i, why, sizeof(why))) {
            lf->present = false;
            dropped++;
        }
    }
    return dropped;
}

/*
 * The field list this binary knows (names, owners, structs, members): part
 * of a cache file's name, so that a cache written by a build that knew fewer
 * fields is not taken for a complete one.
 */
static uint32_t
layout_fields_hash(void)
{
    uint32_t h = 2166136261u;
    int i;

    for (i = 0; i < PYF__COUNT; i++) {
        const char *parts[3] = { layout_descs[i].name, layout_descs[i].structs,
                                 layout_descs[i].members };
        int k;

        for (k = 0; k < 3; k++) {
            const char *p = parts[k] ? parts[k] : "";

            for (; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
            h = (h ^ '/') * 16777619u;
        }
        h = (h ^ (uint32_t)layout_descs[i].owner) * 16777619u;
    }
    return h;
}

static void
layout_cache_path(char *buf, size_t size, enum layout_owner owner, const char *build_id,
                  bool mkdirs)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[512];

    if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof(dir), "%s/aiomon-attach", xdg);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof(dir), "%s/.cache/aiomon-attach", home);
    else {
        buf[0] = '\0';
        return;
    }
    if (mkdirs) {
        char parent[512];

        snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
        mkdir(parent, 0700);
        mkdir(dir, 0700);
    }
    snprintf(buf, size, "%s/%s.%s.%08x", dir, build_id, owner == LAYOUT_CORE ? "core" : "asyncio",
             (unsigned)layout_fields_hash());
}

int
layout_cache_load(struct layout *L, enum layout_owner owner, const char *build_id)
{
    char path[700], name[64];
    FILE *f;
    unsigned off, size, bo, bs;
    int n = 0;

    layout_cache_path(path, sizeof(path), owner, build_id, false);
    if (!path[0] || !(f = fopen(path, "re")))
        return -AIO_E_LAYOUT;
    while (fscanf(f, "%63s %u %u %u %u", name, &off, &size, &bo, &bs) == 5) {
        int id = layout_field_by_name(name);

        if (id < 0 || layout_descs[id].owner != owner)
            continue;
        L->f[id].present = true;
        L->f[id].src = LAYOUT_SRC_CACHE;
        L->f[id].off = off;
        L->f[id].size = size;
        L->f[id].bit_off = (uint16_t)bo;
        L->f[id].bit_size = (uint16_t)bs;
        n++;
    }
    fclose(f);
    return n > 0 ? 0 : -AIO_E_LAYOUT;
}

void
layout_dump(FILE *f, const struct layout *L, enum layout_owner owner)
{
    int i;

    for (i = 0; i < PYF__COUNT; i++) {
        const struct layout_field *lf = &L->f[i];

        if (lf->present && layout_descs[i].owner == owner)
            fprintf(f, "%s %u %u %u %u\n", layout_descs[i].name, lf->off, lf->size,
                    lf->bit_off, lf->bit_size);
    }
}

void
layout_cache_store(const struct layout *L, enum layout_owner owner, const char *build_id)
{
    char path[700], tmp[720];
    int fd;
    FILE *f;

    layout_cache_path(path, sizeof(path), owner, build_id, true);
    if (!path[0])
        return;
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    layout_dump(f, L, owner);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}
