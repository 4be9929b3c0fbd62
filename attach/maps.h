/*
 * maps.h - the target's memory mappings (/proc/PID/maps, later NT_FILE).
 */
#ifndef AIO_ATTACH_MAPS_H
#define AIO_ATTACH_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct map_entry {
    uint64_t start, end;        /* [start, end) */
    uint64_t offset;            /* file offset of start */
    char perms[5];              /* "r-xp" */
    uint64_t dev;               /* device of the mapped file (makedev(major, minor)), 0 none */
    uint64_t inode;             /* its inode, 0 for anonymous mappings and cores */
    char *path;                 /* owned; "" for anonymous, "[heap]" etc. kept as is */
};

struct maps {
    struct map_entry *v;        /* owned, sorted by start */
    size_t n, cap;
};

/* Parse maps text from f.  0 or -AIO_E_BADFILE (malformed line); partial results are freed. */
int maps_parse(struct maps *m, FILE *f);

/* Read /proc/PID/maps.  0, -AIO_E_NOPROC, -AIO_E_PERM or -AIO_E_BADFILE. */
int maps_read_pid(struct maps *m, int pid);

void maps_free(struct maps *m);

/* The mapping containing addr, or NULL. */
const struct map_entry *maps_find(const struct maps *m, uint64_t addr);

/*
 * Lowest mapped address of the file at path (the ELF load base candidate):
 * start - offset of the first mapping of that path, or 0 if not mapped.
 */
uint64_t maps_file_base(const struct maps *m, const char *path);

#endif
