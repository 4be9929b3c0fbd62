#include "maps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define MAPS_MAX_ENTRIES 1000000

static int
maps_parse_line(struct map_entry *e, char *line)
{
    unsigned long long start, end, off, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[8];
    int pathpos = 0;
    char *path, *nl;

    if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &major,
               &minor, &inode, &pathpos) < 7 || pathpos == 0 || start >= end)
        return -AIO_E_BADFILE;
    path = line + pathpos;
    nl = strchr(path, '\n');
    if (nl)
        *nl = '\0';
    e->start = start;
    e->end = end;
    e->offset = off;
    memcpy(e->perms, perms, 4);
    e->perms[4] = '\0';
    e->dev = makedev(major, minor);
    e->inode = inode;
    e->path = xstrdup(path);
    return 0;
}

static int
maps_entry_cmp(const void *a, const void *b)
{
    const struct map_entry *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

int
maps_parse(struct maps *m, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    while ((n = getline(&line, &cap, f)) > 0) {
        if (m->n >= MAPS_MAX_ENTRIES) {
            rc = -AIO_E_BOUND;
            break;
        }
        xgrow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v));
        rc = maps_parse_line(&m->v[m->n], line);
        if (rc < 0)
            break;
        m->n++;
    }
    free(line);
    if (rc < 0) {
        maps_free(m);
        return rc;
    }
    if (m->n > 1)
        qsort(m->v, m->n, sizeof(*m->v), maps_entry_cmp);
    return 0;
}

int
maps_read_pid(struct maps *m, int pid)
{
    char path[64];
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "/proc/%d/maps", pid);
    f = fopen(path, "re");
    if (!f) {
        memset(m, 0, sizeof(*m));
        return errno == EACCES || errno == EPERM ? -AIO_E_PERM : -AIO_E_NOPROC;
    }
    rc = maps_parse(m, f);
    fclose(f);
    return rc;
}

void
maps_free(struct maps *m)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

const struct map_entry *
maps_find(const struct maps *m, uint64_t addr)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (addr < m->v[mid].start)
            hi = mid;
        else if (addr >= m->v[mid].end)
            lo = mid + 1;
        else
            return &m->v[mid];
    }
    return NULL;
}

uint64_t
maps_file_base(const struct maps *m, const char *path)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].path, path) == 0)
            return m->v[i].start - m->v[i].offset;
    }
    return 0;
}
