/*
 * metrics_http.c - the --metrics server (metrics_http.h): a listening
 * socket, a thread that answers GET /metrics with the text last published.
 */
#include "metrics_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/xalloc.h"

struct metrics_http {
    int lfd;                    /* listening socket */
    int wake[2];                /* a byte on wake[1]: the thread returns */
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;       /* guards text and len */
    char *text;                 /* owned: what GET /metrics answers */
    size_t len;
};

int
metrics_addr_split(const char *spec, char *host, size_t size, unsigned *port)
{
    const char *colon = strrchr(spec, ':'), *h = spec;
    size_t hl;
    char *end;
    unsigned long p;

    if (!colon || colon[1] == '\0' || size == 0)
        return -1;
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        h = spec + 1;
        hl -= 2;
    } else if (memchr(spec, ':', hl)) {
        return -1;              /* an IPv6 address needs its brackets */
    }
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || errno || p > 65535 || colon[1] < '0' || colon[1] > '9' || hl >= size)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* ms left until deadline (CLOCK_MONOTONIC ns), 0 when past. */
static int
http_left_ms(uint64_t deadline)
{
    uint64_t now = clock_now_ns(CLOCK_MONOTONIC);

    return now >= deadline ? 0 : (int)((deadline - now) / 1000000 + 1);
}

/* Wait for ev on fd until deadline; false on timeout, error or a wake request. */
static bool
http_wait(const struct metrics_http *m, int fd, short ev, uint64_t deadline)
{
    struct pollfd p[2] = { { fd, ev, 0 }, { m->wake[0], POLLIN, 0 } };
    int left, rc;

    while ((left = http_left_ms(deadline)) > 0) {
        rc = poll(p, 2, left);
        if (rc < 0 && errno == EINTR)
            continue;
        return rc > 0 && !p[1].revents && (p[0].revents & (ev | POLLHUP | POLLERR));
    }
    return false;
}

static void
http_send(const struct metrics_http *m, int fd, const char *p, size_t n, uint64_t deadline)
{
    ssize_t w;

    while (n > 0 && http_wait(m, fd, POLLOUT, deadline)) {
        w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void
http_status(const struct metrics_http *m, int fd, const char *status, uint64_t deadline)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\nContent-Type: text/plain; charset=utf-8"
                     "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s\n", status,
                     strlen(status) + 1, status);

    http_send(m, fd, buf, (size_t)n, deadline);
}

/* The request's line and headers into buf, NUL-terminated; its length, 0 when not whole. */
static size_t
http_read_request(const struct metrics_http *m, int fd, char *buf, size_t size,
                  uint64_t deadline)
{
    size_t used = 0;
    ssize_t r;

    while (used + 1 < size && http_wait(m, fd, POLLIN, deadline)) {
        r = recv(fd, buf + used, size - 1 - used, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return 0;
        used += (size_t)r;
        buf[used] = '\0';
        if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
            return used;
    }
    return 0;
}

static void
http_serve(struct metrics_http *m, int fd)
{
    uint64_t deadline = clock_now_ns(CLOCK_MONOTONIC) + (uint64_t)METRICS_HTTP_TIMEOUT_MS * 1000000;
    char *req = xmalloc(METRICS_HTTP_MAX_REQUEST + 1), *body, head[256];
    const char *path;
    size_t plen, len;
    bool get, head_only;
    int n;

    if (http_read_request(m, fd, req, METRICS_HTTP_MAX_REQUEST + 1, deadline) == 0) {
        http_status(m, fd, "400 Bad Request", deadline);
        free(req);
        return;
    }
    get = strncmp(req, "GET ", 4) == 0;
    head_only = strncmp(req, "HEAD ", 5) == 0;
    path = req + (get ? 4 : head_only ? 5 : 0);
    plen = strcspn(path, " ?\r\n");
    if (!(get || head_only) || plen != 8 || strncmp(path, "/metrics", 8) != 0) {
        http_status(m, fd, "404 Not Found", deadline);
        free(req);
        return;
    }
    free(req);
    pthread_mutex_lock(&m->lock);
    len = m->len;
    body = xmalloc(len + 1);
    memcpy(body, m->text, len);
    pthread_mutex_unlock(&m->lock);
    n = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: text/plain; "
                 "version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\nConnection: close"
                 "\r\n\r\n", len);
    http_send(m, fd, head, (size_t)n, deadline);
    if (!head_only)
        http_send(m, fd, body, len, deadline);
    free(body);
}

/* The thread: one connection at a time, until a byte on the wake pipe. */
static void *
http_run(void *arg)
{
    struct metrics_http *m = arg;
    struct pollfd p[2] = { { m->lfd, POLLIN, 0 }, { m->wake[0], POLLIN, 0 } };
    int c;

    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        c = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            /* out of fds or memory: the connection stays queued, so wait, do not spin */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                poll(&p[1], 1, 100);
            continue;           /* (or the client gave up) */
        }
        http_serve(m, c);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

/* A listening socket on host:port; the fd, or -1 with errno and *what failed. */
static int
http_listen(const char *host, unsigned port, const char **what)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ps[8];
    int fd = -1, one = 1, rc, saved = EADDRNOTAVAIL;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ps, sizeof(ps), "%u", port);
    rc = getaddrinfo(host[0] ? host : NULL, ps, &hints, &res);
    if (rc != 0) {
        *what = gai_strerror(rc);
        return -1;
    }
    *what = NULL;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        /* a restart finds its port in TIME_WAIT; a port someone listens on stays refused */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        errno = saved;
    return fd;
}

static unsigned
http_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

struct metrics_http *
metrics_http_open(const char *spec, int *err)
{
    struct metrics_http *m;
    char host[256];
    unsigned port;
    const char *what = NULL;
    sigset_t all, old;
    int fd, rc;

    if (metrics_addr_split(spec, host, sizeof(host), &port) < 0) {
        *err = err_set(AIO_E_USAGE, "--metrics needs ADDR:PORT (127.0.0.1:9464, [::1]:9464, "
                       ":9464), not \"%s\"", spec);
        return NULL;
    }
    fd = http_listen(host, port, &what);
    if (fd < 0) {
        *err = err_set(AIO_E_IO, "cannot listen on \"%s\" for --metrics: %s%s", spec,
                       what ? what : strerror(errno),
                       errno == EADDRINUSE && !what ? " (choose another port)" : "");
        return NULL;
    }
    m = xcalloc(1, sizeof(*m));
    m->lfd = fd;
    m->port = http_bound_port(fd);
    m->text = xstrdup("");
    if (pipe2(m->wake, O_CLOEXEC) < 0) {
        *err = err_set(AIO_E_IO, "cannot serve --metrics: pipe: %s", strerror(errno));
        goto fail;
    }
    pthread_mutex_init(&m->lock, NULL);
    /* every signal for the sampler: ^C and SIGTERM must interrupt its sleep */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&m->thread, NULL, http_run, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        *err = err_set(AIO_E_IO, "cannot serve --metrics: thread: %s", strerror(rc));
        pthread_mutex_destroy(&m->lock);
        close(m->wake[0]);
        close(m->wake[1]);
        goto fail;
    }
    return m;
fail:
    close(m->lfd);
    free(m->text);
    free(m);
    return NULL;
}

unsigned
metrics_http_port(const struct metrics_http *m)
{
    return m->port;
}

void
metrics_http_publish(struct metrics_http *m, const char *text, size_t len)
{
    char *copy = xmalloc(len + 1), *old;

    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&m->lock);
    old = m->text;
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->lock);
    free(old);
}

void
metrics_http_close(struct metrics_http *m)
{
    ssize_t w;

    if (!m)
        return;
    do
        w = write(m->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->lock);
    close(m->wake[0]);
    close(m->wake[1]);
    close(m->lfd);
    free(m->text);
    free(m);
}
