/*
 * json_scan.h - the JSON scanner of the snapshot loader (internal to snapshot/).
 *
 * A scanner walks a borrowed buffer.  Every function returns 0 (or true) on
 * success; on failure the first error is recorded once with err_set()
 * (AIO_E_BADFILE, naming the file and the byte offset) and -1 is returned,
 * so callers only propagate it.
 */
#ifndef AIO_SNAPSHOT_JSON_SCAN_H
#define AIO_SNAPSHOT_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_JSON_FILE    ((size_t)1 << 30)     /* 1 GiB */
#define MAX_JSON_DEPTH   32
#define MAX_JSON_STRING  ((size_t)16 << 20)    /* decoded bytes */

struct jscan {
    const char *path;           /* borrowed: for messages */
    const char *base, *p, *end; /* borrowed: the file contents */
    int depth;
    bool failed;
    char *str;                  /* owned; the last string decoded, NUL-terminated */
    size_t str_len, str_cap;
};

/* Record the error (the first one only) and return -1. */
int jscan_fail(struct jscan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The next significant byte (whitespace skipped), or -1 at the end. */
int jscan_peek(struct jscan *sc);

/* Consume the literal lit ("null", "true", ...) if it is next. */
bool jscan_lit(struct jscan *sc, const char *lit);

/* A string into sc->str (NUL-terminated, may contain NULs; escapes decoded). */
int jscan_string(struct jscan *sc);

/* Whether the last string decoded is k. */
bool jscan_str_is(const struct jscan *sc, const char *k);

/* A non-negative integer at most max. */
int jscan_uint(struct jscan *sc, uint64_t max, uint64_t *out);

int jscan_bool(struct jscan *sc, bool *out);

/* An id "0x..." (1 to 16 hex digits), or null = 0 when nullable. */
int jscan_hex(struct jscan *sc, bool nullable, uint64_t *out);

/* Consume '{' or '[' and count the nesting. */
int jscan_open(struct jscan *sc, char open);

/*
 * Inside an object or array opened by jscan_open: 1 when another element
 * follows (after its ',' when *n > 0), 0 at close (consumed), -1 on error.
 */
int jscan_next(struct jscan *sc, char close, size_t *n);

/* Skip any value, iteratively, within the nesting bound. */
int jscan_skip(struct jscan *sc);

/*
 * The whole file into *buf (the caller frees it), at most MAX_JSON_FILE
 * bytes; "-" is standard input.  Only a regular file is read (a FIFO or
 * device is refused before any read); a file whose first significant byte is
 * not '{' is refused after its first 64 KiB.  Returns 0 or a negative AIO_E_*.
 */
int jscan_slurp(const char *path, char **buf, size_t *len);

#endif
