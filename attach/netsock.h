/*
 * netsock.h - the addresses of a live target's socket from /proc
 * (netsock.c): /proc/PID/fd/FD names the socket's inode, and
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix} (the target's own network
 * namespace) give its local and peer addresses.  Nothing of the target is
 * run; a core or image has no /proc: unknown.
 */
#ifndef AIO_ATTACH_NETSOCK_H
#define AIO_ATTACH_NETSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

#define NETSOCK_ADDR 112        /* "[v6]:port" fits; a Unix path is cut here */

struct netsock {
    char proto[8];              /* "tcp", "udp", "unix" */
    char local[NETSOCK_ADDR];   /* "IP:PORT", "[IPv6]:PORT", a Unix path or "" */
    char peer[NETSOCK_ADDR];
    bool have_peer;             /* TCP/UDP: always; Unix: unknown from /proc */
};

/*
 * The socket that is file descriptor fd of the live target src: 0, or a
 * negative AIO_E_* (not a live process, not a socket, not found).
 */
int netsock_lookup(struct source *src, int fd, struct netsock *out);

/*
 * Parsers of one line of /proc/net/tcp|udp (v6: tcp6|udp6) and
 * /proc/net/unix, exposed for the unit tests: 1 when the line is the socket
 * with inode, 0 when another, -1 when malformed.
 */
int netsock_parse_inet(const char *line, bool v6, uint64_t inode, struct netsock *out);
int netsock_parse_unix(const char *line, uint64_t inode, struct netsock *out);

#endif
