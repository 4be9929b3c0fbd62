/*
 * json_scan.c - the bounded JSON scanner under --load (json_scan.h).
 *
 * The input is hostile: nesting is bounded by MAX_JSON_DEPTH (unknown values
 * are skipped iteratively), strings by MAX_JSON_STRING, the file by
 * MAX_JSON_FILE; numbers are exact integers with overflow checks.
 */
#include "json_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

int
jscan_fail(struct jscan *sc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (sc->failed)
        return -1;
    sc->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_set(AIO_E_BADFILE, "cannot load \"%s\": byte %zu: %s", sc->path,
            (size_t)(sc->p - sc->base), msg);
    return -1;
}

/* The next significant byte (whitespace skipped), or -1 at the end. */
int
jscan_peek(struct jscan *sc)
{
    while (sc->p < sc->end &&
           (*sc->p == ' ' || *sc->p == '\n' || *sc->p == '\r' || *sc->p == '\t'))
        sc->p++;
    return sc->p < sc->end ? (unsigned char)*sc->p : -1;
}

bool
jscan_lit(struct jscan *sc, const char *lit)
{
    size_t n = strlen(lit);

    if (jscan_peek(sc) < 0 || (size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
        return false;
    sc->p += n;
    return true;
}

static int
jscan_str_put(struct jscan *sc, const char *b, size_t n)
{
    if (n > MAX_JSON_STRING - sc->str_len)
        return jscan_fail(sc, "string longer than %zu bytes", MAX_JSON_STRING);
    xgrow((void **)&sc->str, &sc->str_cap, sc->str_len + n + 1, 1);
    memcpy(sc->str + sc->str_len, b, n);
    sc->str_len += n;
    return 0;
}

static int
jscan_hex4(struct jscan *sc, unsigned *out)
{
    unsigned v = 0;
    int i;

    if (sc->end - sc->p < 4)
        return jscan_fail(sc, "truncated \\u escape");
    for (i = 0; i < 4; i++) {
        char c = *sc->p++;

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return jscan_fail(sc, "bad \\u escape");
    }
    *out = v;
    return 0;
}

/* Append code point cp as UTF-8; lone surrogates become U+FFFD. */
static int
jscan_put_cp(struct jscan *sc, unsigned cp)
{
    char u[4];

    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    if (cp < 0x80) {
        u[0] = (char)cp;
        return jscan_str_put(sc, u, 1);
    }
    if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        return jscan_str_put(sc, u, 2);
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        return jscan_str_put(sc, u, 3);
    }
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    return jscan_str_put(sc, u, 4);
}

static int
jscan_escape(struct jscan *sc)
{
    unsigned cp, lo;
    char c;

    if (sc->p >= sc->end)
        return jscan_fail(sc, "unterminated string");
    c = *sc->p++;
    switch (c) {
    case '"': case '\\': case '/': return jscan_str_put(sc, &c, 1);
    case 'b': return jscan_str_put(sc, "\b", 1);
    case 'f': return jscan_str_put(sc, "\f", 1);
    case 'n': return jscan_str_put(sc, "\n", 1);
    case 'r': return jscan_str_put(sc, "\r", 1);
    case 't': return jscan_str_put(sc, "\t", 1);
    case 'u': break;
    default: return jscan_fail(sc, "bad escape '\\%c'", c);
    }
    if (jscan_hex4(sc, &cp) < 0)
        return -1;
    if (cp >= 0xd800 && cp <= 0xdbff && sc->end - sc->p >= 6 && sc->p[0] == '\\' &&
        sc->p[1] == 'u') {
        const char *save = sc->p;

        sc->p += 2;
        if (jscan_hex4(sc, &lo) < 0)
            return -1;
        if (lo >= 0xdc00 && lo <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else
            sc->p = save;   /* lone high surrogate; the next escape stands alone */
    }
    return jscan_put_cp(sc, cp);
}

/* A string into sc->str (NUL-terminated, may contain NULs). */
int
jscan_string(struct jscan *sc)
{
    const char *run;

    if (jscan_peek(sc) != '"')
        return jscan_fail(sc, "expected a string");
    sc->p++;
    sc->str_len = 0;
    if (jscan_str_put(sc, "", 0) < 0)
        return -1;
    for (;;) {
        run = sc->p;
        while (sc->p < sc->end && *sc->p != '"' && *sc->p != '\\' &&
               (unsigned char)*sc->p >= 0x20)
            sc->p++;
        if (sc->p > run && jscan_str_put(sc, run, (size_t)(sc->p - run)) < 0)
            return -1;
        if (sc->p >= sc->end)
            return jscan_fail(sc, "unterminated string");
        if (*sc->p == '"')
            break;
        if (*sc->p != '\\')
            return jscan_fail(sc, "control character in string");
        sc->p++;
        if (jscan_escape(sc) < 0)
            return -1;
    }
    sc->p++;
    sc->str[sc->str_len] = '\0';
    return 0;
}

bool
jscan_str_is(const struct jscan *sc, const char *k)
{
    return sc->str_len == strlen(k) && memcmp(sc->str, k, sc->str_len) == 0;
}

/* An unsigned integer magnitude with its sign; fractions and exponents are refused. */
static int
jscan_number(struct jscan *sc, bool *neg, uint64_t *mag)
{
    uint64_t v = 0;
    unsigned d;

    if (jscan_peek(sc) < 0)
        return jscan_fail(sc, "expected an integer");
    *neg = *sc->p == '-';
    if (*neg)
        sc->p++;
    if (sc->p >= sc->end || *sc->p < '0' || *sc->p > '9')
        return jscan_fail(sc, "expected an integer");
    if (*sc->p == '0' && sc->end - sc->p > 1 && sc->p[1] >= '0' && sc->p[1] <= '9')
        return jscan_fail(sc, "leading zero in a number");
    while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9') {
        d = (unsigned)(*sc->p++ - '0');
        if (v > (UINT64_MAX - d) / 10)
            return jscan_fail(sc, "integer out of range");
        v = v * 10 + d;
    }
    if (sc->p < sc->end && (*sc->p == '.' || *sc->p == 'e' || *sc->p == 'E'))
        return jscan_fail(sc, "expected an integer");
    *mag = v;
    return 0;
}

int
jscan_uint(struct jscan *sc, uint64_t max, uint64_t *out)
{
    bool neg = false;
    uint64_t v = 0;

    if (jscan_number(sc, &neg, &v) < 0)
        return -1;
    if ((neg && v) || v > max)
        return jscan_fail(sc, "integer out of range");
    *out = v;
    return 0;
}

int
jscan_bool(struct jscan *sc, bool *out)
{
    if (jscan_lit(sc, "true"))
        *out = true;
    else if (jscan_lit(sc, "false"))
        *out = false;
    else
        return jscan_fail(sc, "expected true or false");
    return 0;
}

/* An id "0x..." (1 to 16 hex digits), or null = 0 when nullable. */
int
jscan_hex(struct jscan *sc, bool nullable, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (nullable && jscan_lit(sc, "null")) {
        *out = 0;
        return 0;
    }
    if (jscan_string(sc) < 0)
        return -1;
    if (sc->str_len < 3 || sc->str_len > 18 || sc->str[0] != '0' || sc->str[1] != 'x')
        return jscan_fail(sc, "expected an id like \"0x7f3a2c1b0e50\"");
    for (i = 2; i < sc->str_len; i++) {
        char c = sc->str[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint64_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint64_t)(c - 'A' + 10);
        else
            return jscan_fail(sc, "expected an id like \"0x7f3a2c1b0e50\"");
    }
    *out = v;
    return 0;
}

/* Consume '{' or '[' and count the nesting. */
int
jscan_open(struct jscan *sc, char open)
{
    if (jscan_peek(sc) != open)
        return jscan_fail(sc, open == '{' ? "expected an object" : "expected an array");
    if (++sc->depth > MAX_JSON_DEPTH)
        return jscan_fail(sc, "nested deeper than %d levels", MAX_JSON_DEPTH);
    sc->p++;
    return 0;
}

/*
 * Step to the next element of the open container whose closing byte is
 * `close`: 1 = there is one (for an object its key is in sc->str and the ':'
 * is consumed), 0 = the container is closed, -1 = error.  *n counts elements.
 */
int
jscan_next(struct jscan *sc, char close, size_t *n)
{
    int c = jscan_peek(sc);

    if (c == close) {
        sc->p++;
        sc->depth--;
        return 0;
    }
    if (*n > 0) {
        if (c != ',')
            return jscan_fail(sc, "expected ',' or '%c'", close);
        sc->p++;
    }
    (*n)++;
    if (close == '}') {
        if (jscan_string(sc) < 0)
            return -1;
        if (jscan_peek(sc) != ':')
            return jscan_fail(sc, "expected ':'");
        sc->p++;
    }
    return 1;
}

static int
jscan_skip_scalar(struct jscan *sc)
{
    int c = jscan_peek(sc);

    if (c == '"')
        return jscan_string(sc);
    if (jscan_lit(sc, "null") || jscan_lit(sc, "true") || jscan_lit(sc, "false"))
        return 0;
    if (c != '-' && (c < '0' || c > '9'))
        return jscan_fail(sc, "expected a value");
    /* -?digits(.digits)?([eE][+-]?digits)? loosely: the grammar's bytes only */
    sc->p++;
    while (sc->p < sc->end && ((*sc->p >= '0' && *sc->p <= '9') || *sc->p == '.' ||
                               *sc->p == 'e' || *sc->p == 'E' || *sc->p == '+' ||
                               *sc->p == '-'))
        sc->p++;
    return 0;
}

/* Skip any value, iteratively, within the nesting bound. */
int
jscan_skip(struct jscan *sc)
{
    char close[MAX_JSON_DEPTH];
    size_t count[MAX_JSON_DEPTH];
    int sp = 0, c, r;

    for (;;) {
        c = jscan_peek(sc);
        if (c == '{' || c == '[') {
            if (jscan_open(sc, (char)c) < 0)
                return -1;
            if (sp >= MAX_JSON_DEPTH)
                return jscan_fail(sc, "nested deeper than %d levels", MAX_JSON_DEPTH);
            close[sp] = c == '{' ? '}' : ']';
            count[sp++] = 0;
        } else if (jscan_skip_scalar(sc) < 0) {
            return -1;
        }
        /* Close what is finished; stop at the next element to skip. */
        while (sp > 0) {
            r = jscan_next(sc, close[sp - 1], &count[sp - 1]);
            if (r < 0)
                return -1;
            if (r > 0)
                break;
            sp--;
        }
        if (sp == 0)
            return 0;
    }
}

/* Whether the first non-blank byte, if among the first n + got read, is '{'. */
static bool
jscan_may_be_json(const char *b, size_t n, size_t got)
{
    size_t i;

    for (i = 0; i < n + got; i++) {
        if (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')
            continue;
        return b[i] == '{';
    }
    return true;
}

/* The whole file into *buf, at most MAX_JSON_FILE bytes ("-" = stdin). */
int
jscan_slurp(const char *path, char **buf, size_t *len)
{
    int fd, rc = 0, saved;
    size_t cap = 65536, n = 0;
    ssize_t got;
    char *b = NULL;

    fd = strcmp(path, "-") == 0 ? STDIN_FILENO
                                : open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return err_set(AIO_E_IO, "cannot open \"%s\": %s", path, strerror(errno));
    if (fd != STDIN_FILENO) {
        struct stat st;

        /* O_NONBLOCK: opening a FIFO never waits for a writer; it is refused here */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return err_set(AIO_E_BADFILE, "cannot load \"%s\": not a regular file", path);
        }
        if ((uint64_t)st.st_size > MAX_JSON_FILE) {
            close(fd);
            return err_set(AIO_E_BADFILE, "cannot load \"%s\": larger than %zu bytes", path,
                           MAX_JSON_FILE);
        }
        if (st.st_size > 0 && (size_t)st.st_size + 1 > cap)
            cap = (size_t)st.st_size + 1;
    }
    b = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > MAX_JSON_FILE) {
                rc = err_set(AIO_E_BADFILE, "cannot load \"%s\": larger than %zu bytes", path,
                             MAX_JSON_FILE);
                goto out;
            }
            /* One byte past the bound is enough to tell the file is too large. */
            cap = cap * 2 > MAX_JSON_FILE + 1 ? MAX_JSON_FILE + 1 : cap * 2;
            b = xreallocarray(b, cap, 1);
        }
        /* the first 64 KiB alone: a file that is not JSON is refused before the rest */
        got = read(fd, b + n, n == 0 && cap > 65536 ? 65536 : cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = err_set(AIO_E_IO, "cannot read \"%s\": %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        /* fail fast: a snapshot or a record starts with '{' (after blanks) */
        if (!jscan_may_be_json(b, n, (size_t)got)) {
            rc = err_set(AIO_E_BADFILE, "cannot load \"%s\": not JSON (it does not start "
                         "with '{')", path);
            goto out;
        }
        n += (size_t)got;
    }
out:
    saved = errno;
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc < 0) {
        free(b);
        b = NULL;
    }
    *buf = b;
    *len = n;
    errno = saved;
    return rc;
}
