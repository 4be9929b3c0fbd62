/*
 * json_read.c - --load: a snapshot written by json_write.c, read back.
 *
 * The file is hostile input.  The parser is a schema-driven recursive
 * descent over a buffer whose nesting is bounded by MAX_JSON_DEPTH (unknown
 * values are skipped iteratively), every string, count and the file itself
 * have a named bound, numbers are parsed exactly as integers with overflow
 * checks, and every id is resolved before it is used.  Unknown keys are
 * ignored; missing optional keys keep their zero value.
 */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define MAX_JSON_FILE    ((size_t)1 << 30)     /* 1 GiB */
#define MAX_JSON_DEPTH   32
#define MAX_JSON_STRING  ((size_t)16 << 20)    /* decoded bytes */
#define MAX_LOAD_THREADS ((size_t)1 << 16)
#define MAX_LOAD_TASKS   ((size_t)1 << 21)
#define MAX_LOAD_FRAMES  ((size_t)1 << 22)     /* all stacks together */
#define MAX_LOAD_EDGES   ((size_t)1 << 22)
#define MAX_LOAD_DIAGS   ((size_t)1 << 16)

/* An edge by task ids, resolved once every task is known. */
struct jr_edge {
    uint64_t waiter, awaited;
    enum snap_edge_kind kind;
    bool from_awaiting;         /* from a task's "awaiting" list, not "edges" */
};

struct jr {
    const char *path;           /* borrowed */
    const char *base, *p, *end; /* borrowed: the file contents */
    int depth;
    bool failed;
    struct snap *s;             /* owned until returned */
    char *str;                  /* owned; the last string decoded, NUL-terminated */
    size_t str_len, str_cap;
    struct jr_edge *edges;      /* owned */
    size_t nedges, cap_edges;
    bool have_pid, have_threads, have_edges;
    unsigned flags;
};

static int
jr_fail(struct jr *jr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
jr_fail(struct jr *jr, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (jr->failed)
        return -1;
    jr->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_set(AIO_E_BADFILE, "cannot load \"%s\": byte %zu: %s", jr->path,
            (size_t)(jr->p - jr->base), msg);
    return -1;
}

/* The next significant byte (whitespace skipped), or -1 at the end. */
static int
jr_peek(struct jr *jr)
{
    while (jr->p < jr->end &&
           (*jr->p == ' ' || *jr->p == '\n' || *jr->p == '\r' || *jr->p == '\t'))
        jr->p++;
    return jr->p < jr->end ? (unsigned char)*jr->p : -1;
}

static bool
jr_lit(struct jr *jr, const char *lit)
{
    size_t n = strlen(lit);

    if (jr_peek(jr) < 0 || (size_t)(jr->end - jr->p) < n || memcmp(jr->p, lit, n) != 0)
        return false;
    jr->p += n;
    return true;
}

static int
jr_str_put(struct jr *jr, const char *b, size_t n)
{
    if (n > MAX_JSON_STRING - jr->str_len)
        return jr_fail(jr, "string longer than %zu bytes", MAX_JSON_STRING);
    xgrow((void **)&jr->str, &jr->str_cap, jr->str_len + n + 1, 1);
    memcpy(jr->str + jr->str_len, b, n);
    jr->str_len += n;
    return 0;
}

static int
jr_hex4(struct jr *jr, unsigned *out)
{
    unsigned v = 0;
    int i;

    if (jr->end - jr->p < 4)
        return jr_fail(jr, "truncated \\u escape");
    for (i = 0; i < 4; i++) {
        char c = *jr->p++;

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return jr_fail(jr, "bad \\u escape");
    }
    *out = v;
    return 0;
}

/* Append code point cp as UTF-8; lone surrogates become U+FFFD. */
static int
jr_put_cp(struct jr *jr, unsigned cp)
{
    char u[4];

    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    if (cp < 0x80) {
        u[0] = (char)cp;
        return jr_str_put(jr, u, 1);
    }
    if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        return jr_str_put(jr, u, 2);
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        return jr_str_put(jr, u, 3);
    }
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    return jr_str_put(jr, u, 4);
}

static int
jr_escape(struct jr *jr)
{
    unsigned cp, lo;
    char c;

    if (jr->p >= jr->end)
        return jr_fail(jr, "unterminated string");
    c = *jr->p++;
    switch (c) {
    case '"': case '\\': case '/': return jr_str_put(jr, &c, 1);
    case 'b': return jr_str_put(jr, "\b", 1);
    case 'f': return jr_str_put(jr, "\f", 1);
    case 'n': return jr_str_put(jr, "\n", 1);
    case 'r': return jr_str_put(jr, "\r", 1);
    case 't': return jr_str_put(jr, "\t", 1);
    case 'u': break;
    default: return jr_fail(jr, "bad escape '\\%c'", c);
    }
    if (jr_hex4(jr, &cp) < 0)
        return -1;
    if (cp >= 0xd800 && cp <= 0xdbff && jr->end - jr->p >= 6 && jr->p[0] == '\\' &&
        jr->p[1] == 'u') {
        const char *save = jr->p;

        jr->p += 2;
        if (jr_hex4(jr, &lo) < 0)
            return -1;
        if (lo >= 0xdc00 && lo <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else
            jr->p = save;   /* lone high surrogate; the next escape stands alone */
    }
    return jr_put_cp(jr, cp);
}

/* A string into jr->str (NUL-terminated, may contain NULs). */
static int
jr_string(struct jr *jr)
{
    const char *run;

    if (jr_peek(jr) != '"')
        return jr_fail(jr, "expected a string");
    jr->p++;
    jr->str_len = 0;
    if (jr_str_put(jr, "", 0) < 0)
        return -1;
    for (;;) {
        run = jr->p;
        while (jr->p < jr->end && *jr->p != '"' && *jr->p != '\\' &&
               (unsigned char)*jr->p >= 0x20)
            jr->p++;
        if (jr->p > run && jr_str_put(jr, run, (size_t)(jr->p - run)) < 0)
            return -1;
        if (jr->p >= jr->end)
            return jr_fail(jr, "unterminated string");
        if (*jr->p == '"')
            break;
        if (*jr->p != '\\')
            return jr_fail(jr, "control character in string");
        jr->p++;
        if (jr_escape(jr) < 0)
            return -1;
    }
    jr->p++;
    jr->str[jr->str_len] = '\0';
    return 0;
}

static bool
jr_str_is(const struct jr *jr, const char *k)
{
    return jr->str_len == strlen(k) && memcmp(jr->str, k, jr->str_len) == 0;
}

/* An unsigned integer magnitude with its sign; fractions and exponents are refused. */
static int
jr_number(struct jr *jr, bool *neg, uint64_t *mag)
{
    uint64_t v = 0;
    unsigned d;

    if (jr_peek(jr) < 0)
        return jr_fail(jr, "expected an integer");
    *neg = *jr->p == '-';
    if (*neg)
        jr->p++;
    if (jr->p >= jr->end || *jr->p < '0' || *jr->p > '9')
        return jr_fail(jr, "expected an integer");
    if (*jr->p == '0' && jr->end - jr->p > 1 && jr->p[1] >= '0' && jr->p[1] <= '9')
        return jr_fail(jr, "leading zero in a number");
    while (jr->p < jr->end && *jr->p >= '0' && *jr->p <= '9') {
        d = (unsigned)(*jr->p++ - '0');
        if (v > (UINT64_MAX - d) / 10)
            return jr_fail(jr, "integer out of range");
        v = v * 10 + d;
    }
    if (jr->p < jr->end && (*jr->p == '.' || *jr->p == 'e' || *jr->p == 'E'))
        return jr_fail(jr, "expected an integer");
    *mag = v;
    return 0;
}

static int
jr_uint(struct jr *jr, uint64_t max, uint64_t *out)
{
    bool neg = false;
    uint64_t v = 0;

    if (jr_number(jr, &neg, &v) < 0)
        return -1;
    if ((neg && v) || v > max)
        return jr_fail(jr, "integer out of range");
    *out = v;
    return 0;
}

static int
jr_bool(struct jr *jr, bool *out)
{
    if (jr_lit(jr, "true"))
        *out = true;
    else if (jr_lit(jr, "false"))
        *out = false;
    else
        return jr_fail(jr, "expected true or false");
    return 0;
}

/* A string or null into the snapshot's arena. */
static int
jr_sstr(struct jr *jr, struct snap_str *out)
{
    if (jr_lit(jr, "null")) {
        out->s = NULL;
        out->len = 0;
        return 0;
    }
    if (jr_string(jr) < 0)
        return -1;
    *out = snap_str_from(jr->s, jr->str, jr->str_len);
    return 0;
}

/* An id "0x..." (1 to 16 hex digits), or null = 0 when nullable. */
static int
jr_hex(struct jr *jr, bool nullable, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (nullable && jr_lit(jr, "null")) {
        *out = 0;
        return 0;
    }
    if (jr_string(jr) < 0)
        return -1;
    if (jr->str_len < 3 || jr->str_len > 18 || jr->str[0] != '0' || jr->str[1] != 'x')
        return jr_fail(jr, "expected an id like \"0x7f3a2c1b0e50\"");
    for (i = 2; i < jr->str_len; i++) {
        char c = jr->str[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint64_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint64_t)(c - 'A' + 10);
        else
            return jr_fail(jr, "expected an id like \"0x7f3a2c1b0e50\"");
    }
    *out = v;
    return 0;
}

/* Consume '{' or '[' and count the nesting. */
static int
jr_open(struct jr *jr, char open)
{
    if (jr_peek(jr) != open)
        return jr_fail(jr, open == '{' ? "expected an object" : "expected an array");
    if (++jr->depth > MAX_JSON_DEPTH)
        return jr_fail(jr, "nested deeper than %d levels", MAX_JSON_DEPTH);
    jr->p++;
    return 0;
}

/*
 * Step to the next element of the open container whose closing byte is
 * `close`: 1 = there is one (for an object its key is in jr->str and the ':'
 * is consumed), 0 = the container is closed, -1 = error.  *n counts elements.
 */
static int
jr_next(struct jr *jr, char close, size_t *n)
{
    int c = jr_peek(jr);

    if (c == close) {
        jr->p++;
        jr->depth--;
        return 0;
    }
    if (*n > 0) {
        if (c != ',')
            return jr_fail(jr, "expected ',' or '%c'", close);
        jr->p++;
    }
    (*n)++;
    if (close == '}') {
        if (jr_string(jr) < 0)
            return -1;
        if (jr_peek(jr) != ':')
            return jr_fail(jr, "expected ':'");
        jr->p++;
    }
    return 1;
}

static int
jr_skip_scalar(struct jr *jr)
{
    int c = jr_peek(jr);

    if (c == '"')
        return jr_string(jr);
    if (jr_lit(jr, "null") || jr_lit(jr, "true") || jr_lit(jr, "false"))
        return 0;
    if (c != '-' && (c < '0' || c > '9'))
        return jr_fail(jr, "expected a value");
    /* -?digits(.digits)?([eE][+-]?digits)? loosely: the grammar's bytes only */
    jr->p++;
    while (jr->p < jr->end && ((*jr->p >= '0' && *jr->p <= '9') || *jr->p == '.' ||
                               *jr->p == 'e' || *jr->p == 'E' || *jr->p == '+' ||
                               *jr->p == '-'))
        jr->p++;
    return 0;
}

/* Skip any value, iteratively, within the nesting bound. */
static int
jr_skip(struct jr *jr)
{
    char close[MAX_JSON_DEPTH];
    size_t count[MAX_JSON_DEPTH];
    int sp = 0, c, r;

    for (;;) {
        c = jr_peek(jr);
        if (c == '{' || c == '[') {
            if (jr_open(jr, (char)c) < 0)
                return -1;
            if (sp >= MAX_JSON_DEPTH)
                return jr_fail(jr, "nested deeper than %d levels", MAX_JSON_DEPTH);
            close[sp] = c == '{' ? '}' : ']';
            count[sp++] = 0;
        } else if (jr_skip_scalar(jr) < 0) {
            return -1;
        }
        /* Close what is finished; stop at the next element to skip. */
        while (sp > 0) {
            r = jr_next(jr, close[sp - 1], &count[sp - 1]);
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

static int
jr_frames(struct jr *jr, size_t *first, size_t *count)
{
    size_t n = 0, m;
    int r;

    if (jr_open(jr, '[') < 0)
        return -1;
    *first = jr->s->nframes;
    *count = 0;
    while ((r = jr_next(jr, ']', &n)) > 0) {
        struct snap_frame fr;
        struct snap_str symbol = { NULL, 0 };

        memset(&fr, 0, sizeof(fr));
        if (jr->s->nframes >= MAX_LOAD_FRAMES)
            return jr_fail(jr, "more than %zu frames", MAX_LOAD_FRAMES);
        if (jr_open(jr, '{') < 0)
            return -1;
        m = 0;
        while ((r = jr_next(jr, '}', &m)) > 0) {
            uint64_t v;

            if (jr_str_is(jr, "function")) {
                r = jr_sstr(jr, &fr.function);
            } else if (jr_str_is(jr, "qualname")) {
                r = jr_sstr(jr, &fr.qualname);
            } else if (jr_str_is(jr, "file")) {
                r = jr_sstr(jr, &fr.file);
            } else if (jr_str_is(jr, "line")) {
                r = jr_uint(jr, INT_MAX, &v);
                fr.line = (int)v;
            } else if (jr_str_is(jr, "kind")) {
                r = jr_string(jr);
                if (r == 0 && jr_str_is(jr, "native"))
                    fr.kind = SNAP_FRAME_NATIVE;
                else if (r == 0 && !jr_str_is(jr, "python"))
                    r = jr_fail(jr, "unknown frame kind");
            } else if (jr_str_is(jr, "symbol")) {
                r = jr_sstr(jr, &symbol);
            } else if (jr_str_is(jr, "module")) {
                r = jr_sstr(jr, &fr.module);
            } else if (jr_str_is(jr, "offset")) {
                r = jr_uint(jr, UINT64_MAX, &fr.offset);
            } else if (jr_str_is(jr, "pc")) {
                r = jr_hex(jr, true, &fr.pc);
            } else {
                r = jr_skip(jr);
            }
            if (r < 0)
                return -1;
        }
        if (r < 0)
            return -1;
        if (!fr.function.s)
            fr.function = symbol;
        *snap_frame_add(jr->s) = fr;
        (*count)++;
    }
    return r;
}

static int
jr_edge_push(struct jr *jr, uint64_t waiter, uint64_t awaited, enum snap_edge_kind kind,
             bool from_awaiting)
{
    struct jr_edge *e;

    if (jr->nedges >= MAX_LOAD_EDGES)
        return jr_fail(jr, "more than %zu edges", MAX_LOAD_EDGES);
    xgrow((void **)&jr->edges, &jr->cap_edges, jr->nedges + 1, sizeof(*jr->edges));
    e = &jr->edges[jr->nedges++];
    e->waiter = waiter;
    e->awaited = awaited;
    e->kind = kind;
    e->from_awaiting = from_awaiting;
    return 0;
}

static int
jr_awaiting(struct jr *jr, uint64_t waiter)
{
    size_t n = 0;
    uint64_t id;
    int r;

    if (jr_open(jr, '[') < 0)
        return -1;
    while ((r = jr_next(jr, ']', &n)) > 0) {
        if (jr_hex(jr, false, &id) < 0 ||
            jr_edge_push(jr, waiter, id, SNAP_EDGE_AWAIT, true) < 0)
            return -1;
    }
    return r;
}

static int
jr_state(struct jr *jr, enum snap_task_state *st)
{
    if (jr_string(jr) < 0)
        return -1;
    if (jr_str_is(jr, "pending"))
        *st = SNAP_TASK_PENDING;
    else if (jr_str_is(jr, "done"))
        *st = SNAP_TASK_DONE;
    else if (jr_str_is(jr, "cancelled"))
        *st = SNAP_TASK_CANCELLED;
    else
        return jr_fail(jr, "unknown task state");
    return 0;
}

/* One task.  "awaiting" is parsed after "id" is known only if the id came first. */
static int
jr_task(struct jr *jr)
{
    struct snap_task t;
    size_t m = 0;
    bool have_id = false;
    uint64_t v;
    int r;

    memset(&t, 0, sizeof(t));
    if (jr->s->ntasks >= MAX_LOAD_TASKS)
        return jr_fail(jr, "more than %zu tasks", MAX_LOAD_TASKS);
    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &m)) > 0) {
        if (jr_str_is(jr, "id")) {
            r = jr_hex(jr, false, &t.addr);
            have_id = true;
        } else if (jr_str_is(jr, "name")) {
            r = jr_sstr(jr, &t.name);
        } else if (jr_str_is(jr, "state")) {
            r = jr_state(jr, &t.state);
        } else if (jr_str_is(jr, "coroutine")) {
            r = jr_sstr(jr, &t.coro);
        } else if (jr_str_is(jr, "coroutine_id")) {
            r = jr_hex(jr, true, &t.coro_addr);
        } else if (jr_str_is(jr, "running")) {
            r = jr_bool(jr, &t.running);
        } else if (jr_str_is(jr, "must_cancel")) {
            r = jr_bool(jr, &t.must_cancel);
        } else if (jr_str_is(jr, "stack_truncated")) {
            r = jr_bool(jr, &t.stack_truncated);
        } else if (jr_str_is(jr, "cancel_requests")) {
            r = jr_uint(jr, INT_MAX, &v);
            t.cancel_requests = (int)v;
        } else if (jr_str_is(jr, "thread")) {
            v = 0;
            r = jr_lit(jr, "null") ? 0 : jr_uint(jr, LONG_MAX, &v);
            t.thread_tid = (long)v;
        } else if (jr_str_is(jr, "loop")) {
            r = jr_hex(jr, true, &t.loop);
        } else if (jr_str_is(jr, "group")) {
            r = jr_hex(jr, true, &t.group);
        } else if (jr_str_is(jr, "stack")) {
            r = jr_frames(jr, &t.frame_first, &t.frame_count);
        } else if (jr_str_is(jr, "awaiting") && have_id) {
            r = jr_awaiting(jr, t.addr);
        } else if (jr_str_is(jr, "awaiting")) {
            r = jr_fail(jr, "\"awaiting\" before \"id\"");
        } else {
            r = jr_skip(jr);    /* "awaited_by" is derived */
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!have_id)
        return jr_fail(jr, "task without \"id\"");
    if (jr->s->ntasks > 0 && jr->s->tasks[jr->s->ntasks - 1].addr >= t.addr)
        return jr_fail(jr, "tasks not in ascending id order, or a duplicate id");
    *snap_task_add(jr->s) = t;
    return 0;
}

static int
jr_thread(struct jr *jr)
{
    struct snap_thread t;
    size_t m = 0;
    uint64_t v;
    int r;

    memset(&t, 0, sizeof(t));
    if (jr->s->nthreads >= MAX_LOAD_THREADS)
        return jr_fail(jr, "more than %zu threads", MAX_LOAD_THREADS);
    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &m)) > 0) {
        if (jr_str_is(jr, "tid")) {
            r = jr_uint(jr, LONG_MAX, &v);
            t.tid = (long)v;
        } else if (jr_str_is(jr, "thread_id")) {
            r = jr_uint(jr, UINT64_MAX, &t.thread_id);
        } else if (jr_str_is(jr, "name")) {
            r = jr_sstr(jr, &t.name);
        } else if (jr_str_is(jr, "comm")) {
            r = jr_sstr(jr, &t.comm);
        } else if (jr_str_is(jr, "holds_gil")) {
            r = jr_bool(jr, &t.holds_gil);
        } else if (jr_str_is(jr, "is_main")) {
            r = jr_bool(jr, &t.is_main);
        } else if (jr_str_is(jr, "python")) {
            bool py = true;

            r = jr_bool(jr, &py);
            t.native_only = !py;
        } else if (jr_str_is(jr, "truncated")) {
            r = jr_bool(jr, &t.truncated);
        } else if (jr_str_is(jr, "cpu_ns")) {
            t.cpu_known = !jr_lit(jr, "null");
            r = t.cpu_known ? jr_uint(jr, INT64_MAX, &t.cpu_ns) : 0;
        } else if (jr_str_is(jr, "frames")) {
            r = jr_frames(jr, &t.frame_first, &t.frame_count);
        } else {
            r = jr_skip(jr);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    *snap_thread_add(jr->s) = t;
    return 0;
}

static int
jr_edge(struct jr *jr)
{
    uint64_t waiter = 0, awaited = 0;
    enum snap_edge_kind kind = SNAP_EDGE_AWAIT;
    unsigned seen = 0;
    size_t m = 0;
    int r;

    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &m)) > 0) {
        if (jr_str_is(jr, "waiter")) {
            r = jr_hex(jr, false, &waiter);
            seen |= 1;
        } else if (jr_str_is(jr, "awaited")) {
            r = jr_hex(jr, false, &awaited);
            seen |= 2;
        } else if (jr_str_is(jr, "kind")) {
            r = jr_string(jr);
            if (r == 0 && jr_str_is(jr, "gather"))
                kind = SNAP_EDGE_GATHER;
            else if (r == 0 && jr_str_is(jr, "taskgroup"))
                kind = SNAP_EDGE_TASKGROUP;
            else if (r == 0 && !jr_str_is(jr, "await"))
                r = jr_fail(jr, "unknown edge kind");
        } else {
            r = jr_skip(jr);
        }
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (seen != 3)
        return jr_fail(jr, "edge without \"waiter\" and \"awaited\"");
    return jr_edge_push(jr, waiter, awaited, kind, false);
}

static int
jr_diag(struct jr *jr)
{
    enum snap_diag_scope scope = SNAP_DIAG_PROCESS;
    uint64_t index = 0;
    int code = AIO_E_INTERNAL, k;
    char *msg = NULL;
    size_t m = 0;
    int r;

    if (jr->s->ndiags >= MAX_LOAD_DIAGS)
        return jr_fail(jr, "more than %zu diagnostics", MAX_LOAD_DIAGS);
    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &m)) > 0) {
        if (jr_str_is(jr, "scope")) {
            r = jr_string(jr);
            if (r == 0 && jr_str_is(jr, "thread"))
                scope = SNAP_DIAG_THREAD;
            else if (r == 0 && jr_str_is(jr, "task"))
                scope = SNAP_DIAG_TASK;
            else if (r == 0 && !jr_str_is(jr, "process"))
                r = jr_fail(jr, "unknown diagnostic scope");
        } else if (jr_str_is(jr, "index")) {
            r = jr_uint(jr, SIZE_MAX, &index);
        } else if (jr_str_is(jr, "code")) {
            r = jr_string(jr);
            for (k = 0; r == 0 && k < AIO_E__COUNT; k++) {
                if (jr_str_is(jr, err_code_name(k)))
                    code = k;
            }
        } else if (jr_str_is(jr, "message")) {
            r = jr_string(jr);
            if (r == 0) {
                free(msg);
                msg = xstrdup(jr->str);
            }
        } else {
            r = jr_skip(jr);
        }
        if (r < 0)
            break;
    }
    if (r == 0)
        snap_diag_add(jr->s, scope, (size_t)index, code, "%s", msg ? msg : "");
    free(msg);
    return r;
}

/* An array of elements, each parsed by fn. */
static int
jr_array(struct jr *jr, int (*fn)(struct jr *))
{
    size_t n = 0;
    int r;

    if (jr_open(jr, '[') < 0)
        return -1;
    while ((r = jr_next(jr, ']', &n)) > 0) {
        if (fn(jr) < 0)
            return -1;
    }
    return r;
}

static int
jr_flags(struct jr *jr)
{
    static const struct { const char *key; unsigned bit; } names[] = {
        { "partial", SNAP_F_PARTIAL }, { "torn", SNAP_F_TORN }, { "loaded", SNAP_F_LOADED },
        { "core", SNAP_F_CORE }, { "no_tasks", SNAP_F_NO_TASKS },
    };
    size_t m = 0, i;
    bool b = false;
    int r;

    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &m)) > 0) {
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (jr_str_is(jr, names[i].key))
                break;
        }
        if (i == sizeof(names) / sizeof(names[0])) {
            r = jr_skip(jr);
        } else {
            r = jr_bool(jr, &b);
            jr->flags = b ? jr->flags | names[i].bit : jr->flags & ~names[i].bit;
        }
        if (r < 0)
            return -1;
    }
    return r;
}

/* A duration in microseconds into nanoseconds. */
static int
jr_us(struct jr *jr, uint64_t *ns)
{
    uint64_t us;

    if (jr_uint(jr, UINT64_MAX / 1000, &us) < 0)
        return -1;
    *ns = us * 1000;
    return 0;
}

static int
jr_top_value(struct jr *jr)
{
    struct snap *s = jr->s;
    uint64_t u = 0;
    int r;

    if (jr_str_is(jr, "format")) {
        if (jr_string(jr) < 0)
            return -1;
        if (!jr_str_is(jr, "aiomon-snapshot"))
            return jr_fail(jr, "not an aiomon snapshot");
        return 0;
    }
    if (jr_str_is(jr, "format_version")) {
        if (jr_uint(jr, UINT64_MAX, &u) < 0)
            return -1;
        return u == 1 ? 0 : jr_fail(jr, "unsupported format_version %llu",
                                    (unsigned long long)u);
    }
    if (jr_str_is(jr, "pid")) {
        jr->have_pid = true;
        r = jr_uint(jr, INT_MAX, &u);
        s->pid = (int)u;
        return r;
    }
    if (jr_str_is(jr, "python_version")) {
        if (jr_string(jr) < 0)
            return -1;
        if (jr->str_len >= sizeof(s->python_version) || strlen(jr->str) != jr->str_len)
            return jr_fail(jr, "bad python_version");
        memcpy(s->python_version, jr->str, jr->str_len + 1);
        return 0;
    }
    if (jr_str_is(jr, "layout_source")) {
        if (jr_lit(jr, "null")) {
            s->layout_source = NULL;
            return 0;
        }
        if (jr_string(jr) < 0)
            return -1;
        s->layout_source = arena_strdup(&s->arena, jr->str);
        return 0;
    }
    if (jr_str_is(jr, "py_version_hex"))
        return jr_uint(jr, UINT64_MAX, &s->py_version_hex);
    if (jr_str_is(jr, "cmdline"))
        return jr_sstr(jr, &s->cmdline);
    if (jr_str_is(jr, "flags"))
        return jr_flags(jr);
    if (jr_str_is(jr, "taken_at_ns"))
        return jr_uint(jr, UINT64_MAX, &s->taken_at_ns);
    if (jr_str_is(jr, "stopped_us"))
        return jr_us(jr, &s->stopped_ns);
    if (jr_str_is(jr, "read_us"))
        return jr_us(jr, &s->read_ns);
    if (jr_str_is(jr, "bytes_read"))
        return jr_uint(jr, UINT64_MAX, &s->bytes_read);
    if (jr_str_is(jr, "read_calls"))
        return jr_uint(jr, UINT64_MAX, &s->read_calls);
    if (jr_str_is(jr, "diagnostics"))
        return jr_array(jr, jr_diag);
    if (jr_str_is(jr, "threads")) {
        jr->have_threads = true;
        return jr_array(jr, jr_thread);
    }
    if (jr_str_is(jr, "tasks"))
        return jr_array(jr, jr_task);
    if (jr_str_is(jr, "edges")) {
        jr->have_edges = true;
        return jr_array(jr, jr_edge);
    }
    return jr_skip(jr);
}

/* Resolve edges by id (the explicit "edges" win over "awaiting" lists) and check indices. */
static int
jr_finish(struct jr *jr)
{
    struct snap *s = jr->s;
    size_t i, w, a;

    if (!jr->have_pid || !jr->have_threads)
        return jr_fail(jr, "not a snapshot: \"pid\" or \"threads\" missing");
    for (i = 0; i < jr->nedges; i++) {
        const struct jr_edge *e = &jr->edges[i];

        if (e->from_awaiting == jr->have_edges)
            continue;
        w = snap_task_find(s, e->waiter);
        a = snap_task_find(s, e->awaited);
        if (w == (size_t)-1 || a == (size_t)-1)
            return jr_fail(jr, "edge between unknown tasks 0x%llx and 0x%llx",
                           (unsigned long long)e->waiter, (unsigned long long)e->awaited);
        snap_edge_add(s, w, a, e->kind);
    }
    snap_edges_finish(s);
    snap_cycles_find(s);
    for (i = 0; i < s->ndiags; i++) {
        if ((s->diags[i].scope == SNAP_DIAG_THREAD && s->diags[i].index >= s->nthreads) ||
            (s->diags[i].scope == SNAP_DIAG_TASK && s->diags[i].index >= s->ntasks))
            return jr_fail(jr, "diagnostic for an unknown thread or task");
    }
    s->flags = jr->flags | SNAP_F_LOADED;
    return 0;
}

static int
jr_parse(struct jr *jr)
{
    size_t n = 0;
    int r;

    if (jr_open(jr, '{') < 0)
        return -1;
    while ((r = jr_next(jr, '}', &n)) > 0) {
        if (jr_top_value(jr) < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (jr_peek(jr) >= 0)
        return jr_fail(jr, "trailing data after the snapshot");
    return jr_finish(jr);
}

/* Whether the first non-blank byte, if among the first n + got read, is '{'. */
static bool
jr_may_be_json(const char *b, size_t n, size_t got)
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
static int
jr_slurp(const char *path, char **buf, size_t *len)
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
        if (!jr_may_be_json(b, n, (size_t)got)) {
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

struct snap *
snap_read_json_mem(const char *buf, size_t len, const char *name, int *err)
{
    struct jr jr;

    memset(&jr, 0, sizeof(jr));
    jr.path = name;
    jr.base = jr.p = buf;
    jr.end = buf + len;
    jr.s = snap_new(0);
    if (jr_parse(&jr) < 0) {
        snap_free(jr.s);
        jr.s = NULL;
        *err = -AIO_E_BADFILE;
    } else {
        *err = 0;
    }
    free(jr.edges);
    free(jr.str);
    return jr.s;
}

struct snap *
snap_read_json(const char *path, int *err)
{
    struct snap *s;
    char *buf = NULL;
    size_t len = 0;
    int rc;

    rc = jr_slurp(path, &buf, &len);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    s = snap_read_json_mem(buf, len, path, err);
    free(buf);
    return s;
}

int
snap_read_json_each(const char *path, int (*fn)(struct snap *s, void *arg), void *arg,
                    struct snap_load_info *info)
{
    char *buf = NULL, *p, *nl;
    size_t len = 0, n = 0, line = 0;
    int rc, err;

    memset(info, 0, sizeof(*info));
    rc = jr_slurp(path, &buf, &len);
    if (rc < 0)
        return rc;
    nl = memchr(buf, '\n', len);
    info->record = nl && nl != buf && nl[-1] == '}';
    /* a pretty-printed snapshot opens with "{" alone on its first line; a record line is whole */
    if (!nl || nl == buf || nl[-1] != '}') {
        struct snap *s = snap_read_json_mem(buf, len, path, &err);

        free(buf);
        if (!s)
            return err;
        rc = fn(s, arg);
        return rc < 0 ? rc : 1;
    }
    for (p = buf; p < buf + len; p = nl + 1) {
        struct snap *s;

        bool last;

        nl = memchr(p, '\n', (size_t)(buf + len - p));
        last = !nl;
        if (!nl)
            nl = buf + len;
        line++;
        if (nl == p)
            continue;
        s = snap_read_json_mem(p, (size_t)(nl - p), path, &err);
        if (!s && last && n > 0) {
            /* a line without its end: the writer was killed while appending it */
            info->cut = true;
            info->cut_line = line;
            break;
        }
        if (!s) {
            char why[256];

            snprintf(why, sizeof(why), "%s", err_msg(err));
            free(buf);
            return err_set(AIO_E_BADFILE, "%s: record line %zu is not a snapshot: %s", path,
                           line, why[0] ? why : "malformed");
        }
        n++;
        rc = fn(s, arg);
        if (rc < 0) {
            free(buf);
            return rc;
        }
    }
    free(buf);
    return (int)n;
}
