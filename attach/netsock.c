/*
 * netsock.c - a live target's socket addresses from /proc (see netsock.h).
 * Lines are parsed field by field with bounds; a malformed line is skipped.
 */
#include "netsock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"

#define MAX_NET_LINES (1u << 20)    /* lines read per /proc/net file */

/* A hex number of exactly n digits at *p (n 0: at least one, up to 16); advances *p. */
static bool
ns_hex(const char **p, unsigned n, uint64_t *out)
{
    uint64_t v = 0;
    unsigned k = 0;

    while (**p && (n == 0 ? k < 16 : k < n)) {
        char ch = **p;
        unsigned d;

        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else
            break;
        v = v << 4 | d;
        (*p)++;
        k++;
    }
    *out = v;
    return k > 0 && (n == 0 || k == n);
}

static void
ns_skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Skip one whitespace-separated field. */
static bool
ns_skip_field(const char **p)
{
    ns_skip_space(p);
    if (!**p || **p == '\n')
        return false;
    while (**p && **p != ' ' && **p != '\t' && **p != '\n')
        (*p)++;
    return true;
}

/*
 * "0100007F:1F90" (IPv4: one 32-bit word as the kernel prints it, in host
 * order of a little-endian machine) or 32 hex digits (IPv6: four such words).
 */
static bool
ns_addr(const char **p, bool v6, char *out, size_t size)
{
    unsigned char b[16];
    uint64_t w, port;
    unsigned i, nw = v6 ? 4 : 1;

    for (i = 0; i < nw; i++) {
        if (!ns_hex(p, 8, &w))
            return false;
        b[4 * i] = (unsigned char)(w & 0xff);
        b[4 * i + 1] = (unsigned char)(w >> 8 & 0xff);
        b[4 * i + 2] = (unsigned char)(w >> 16 & 0xff);
        b[4 * i + 3] = (unsigned char)(w >> 24 & 0xff);
    }
    if (**p != ':')
        return false;
    (*p)++;
    if (!ns_hex(p, 4, &port))
        return false;
    if (!v6) {
        snprintf(out, size, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3], (unsigned)port);
        return true;
    }
    if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {     /* v4-mapped */
        snprintf(out, size, "[::ffff:%u.%u.%u.%u]:%u", b[12], b[13], b[14], b[15],
                 (unsigned)port);
        return true;
    }
    {
        /* RFC 5952: the longest run (>= 2) of zero groups becomes "::" */
        unsigned g[8], best = 8, bestlen = 0, run = 0, k;
        size_t n = 0;

        for (k = 0; k < 8; k++)
            g[k] = (unsigned)b[2 * k] << 8 | b[2 * k + 1];
        for (k = 0; k < 8; k++) {
            run = g[k] == 0 ? run + 1 : 0;
            if (run > bestlen && run >= 2) {
                bestlen = run;
                best = k + 1 - run;
            }
        }
        n += (size_t)snprintf(out + n, size - n, "[");
        for (k = 0; k < 8 && n < size; k++) {
            if (k == best) {
                n += (size_t)snprintf(out + n, size - n, "::");
                k += bestlen - 1;
                continue;
            }
            n += (size_t)snprintf(out + n, size - n, "%s%x",
                                  k == 0 || k == best + bestlen ? "" : ":", g[k]);
        }
        if (n < size)
            snprintf(out + n, size - n, "]:%u", (unsigned)port);
    }
    return true;
}

int
netsock_parse_inet(const char *line, bool v6, uint64_t inode, struct netsock *out)
{
    const char *p = line;
    uint64_t ino;
    int i;

    /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
    ns_skip_space(&p);
    if (!ns_skip_field(&p))
        return -1;
    ns_skip_space(&p);
    if (!ns_addr(&p, v6, out->local, sizeof(out->local)))
        return -1;
    ns_skip_space(&p);
    if (!ns_addr(&p, v6, out->peer, sizeof(out->peer)))
        return -1;
    for (i = 0; i < 6; i++) {
        if (!ns_skip_field(&p))
            return -1;
    }
    ns_skip_space(&p);
    if (*p < '0' || *p > '9')
        return -1;
    ino = strtoull(p, NULL, 10);
    if (ino != inode)
        return 0;
    out->have_peer = true;
    return 1;
}

int
netsock_parse_unix(const char *line, uint64_t inode, struct netsock *out)
{
    const char *p = line;
    uint64_t ino;
    size_t n;
    int i;

    /* Num RefCount Protocol Flags Type St Inode [Path] */
    for (i = 0; i < 6; i++) {
        if (!ns_skip_field(&p))
            return -1;
    }
    ns_skip_space(&p);
    if (*p < '0' || *p > '9')
        return -1;
    ino = strtoull(p, (char **)&p, 10);
    if (ino != inode)
        return 0;
    ns_skip_space(&p);
    n = strcspn(p, "\n");
    if (n >= sizeof(out->local))
        n = sizeof(out->local) - 1;
    memcpy(out->local, p, n);
    out->local[n] = '\0';
    out->peer[0] = '\0';
    out->have_peer = false;
    return 1;
}

static int
ns_scan(int pid, const char *name, uint64_t inode, struct netsock *out)
{
    char path[64], line[512];
    unsigned n = 0;
    FILE *f;
    int r = 0;
    bool v6 = strchr(name, '6') != NULL, unx = strcmp(name, "unix") == 0;

    snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, name);
    if (!(f = fopen(path, "re")))
        return 0;
    if (!fgets(line, sizeof(line), f)) {       /* the header */
        fclose(f);
        return 0;
    }
    while (r != 1 && n++ < MAX_NET_LINES && fgets(line, sizeof(line), f)) {
        if (!strchr(line, '\n'))        /* longer than a line can be: skip the rest */
            continue;
        r = unx ? netsock_parse_unix(line, inode, out) : netsock_parse_inet(line, v6, inode, out);
    }
    fclose(f);
    if (r == 1) {
        snprintf(out->proto, sizeof(out->proto), "%.*s", unx ? 4 : 3, name);
        return 1;
    }
    return 0;
}

int
netsock_lookup(struct source *src, int fd, struct netsock *out)
{
    static const char *const files[] = { "tcp", "tcp6", "udp", "udp6", "unix" };
    char path[64], link[128];
    unsigned long long inode;
    ssize_t n;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (source_motion(src) == SOURCE_STATIC || src->pid <= 0 || fd < 0)
        return -AIO_E_IO;
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", src->pid, fd);
    n = readlink(path, link, sizeof(link) - 1);
    if (n < 0)
        return -AIO_E_IO;
    link[n] = '\0';
    if (sscanf(link, "socket:[%llu]", &inode) != 1)
        return -AIO_E_IO;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (ns_scan(src->pid, files[i], inode, out) == 1)
            return 0;
    }
    return -AIO_E_IO;
}
