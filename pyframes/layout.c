#include "layout.h"

#include <errno.h>
#include <fcntl.h>
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

int
layout_validate(struct layout *L)
{
    int i, dropped = 0;

    for (i = 0; i < PYF__COUNT; i++) {
        struct layout_field *lf = &L->f[i];

        if (!lf->present)
            continue;
        if (lf->off >= LAYOUT_MAX_OFF || lf->size >= LAYOUT_MAX_OFF ||
            (layout_descs[i].is_size && lf->off == 0) || lf->bit_off >= 64 ||
            lf->bit_size > 64) {
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
