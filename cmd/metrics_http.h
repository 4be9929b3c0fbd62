/*
 * metrics_http.h - --watch --metrics ADDR:PORT: the smallest HTTP server
 * that Prometheus can scrape.  GET (or HEAD) /metrics answers the text last
 * published; anything else is 404.  A scrape never takes a sample: the
 * target never pays for one.
 *
 * One listening socket, served by one thread (all signals blocked there, so
 * ^C still reaches the sampler), one connection at a time: a request is at
 * most METRICS_HTTP_MAX_REQUEST bytes and a connection lasts at most
 * METRICS_HTTP_TIMEOUT_MS, so a slow or hostile client only delays other
 * scrapes, never the samples.  The thread never touches the target.
 */
#ifndef AIO_CMD_METRICS_HTTP_H
#define AIO_CMD_METRICS_HTTP_H

#include <stddef.h>

#define METRICS_HTTP_MAX_REQUEST 8192   /* bytes of a request's line and headers */
#define METRICS_HTTP_TIMEOUT_MS  2000   /* a connection, from accept to the last byte sent */

struct metrics_http;

/*
 * Split "ADDR:PORT" ("127.0.0.1:9464", "[::1]:9464", "localhost:9464",
 * ":9464" for every address) into host (a NUL-terminated copy in size bytes,
 * "" for every address) and port (0-65535, 0: any free one).  0, or -1 when
 * malformed.
 */
int metrics_addr_split(const char *spec, char *host, size_t size, unsigned *port);

/*
 * Listen on spec and start serving an empty text.  NULL and *err on failure:
 * -AIO_E_USAGE for a malformed spec, -AIO_E_IO when it cannot listen (a
 * port in use, an address not of this host), with err_set() context.
 */
struct metrics_http *metrics_http_open(const char *spec, int *err);

/* The port it listens on (the one chosen for port 0). */
unsigned metrics_http_port(const struct metrics_http *m);

/* Serve text[0..len) from now on (copied). */
void metrics_http_publish(struct metrics_http *m, const char *text, size_t len);

/* Stop serving (a connection being served is dropped) and free; NULL is accepted. */
void metrics_http_close(struct metrics_http *m);

#endif
