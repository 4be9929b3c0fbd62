/*
 * json_write.c - the JSON view of a snapshot (schema: docs/snapshot-format.md),
 * and the format-independent entry points snap_write / snap_write_path.
 */
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/escape.h"
#include "../common/xalloc.h"
#include "tree.h"

#define MAX_TMP_TRIES 100

static void
json_str(FILE *f, struct snap_str v)
{
    if (v.s)
        escape_json(f, v.s, v.len, 0);
    else
        fputs("null", f);
}

static void
json_cstr(FILE *f, const char *c)
{
    if (c)
        escape_json(f, c, strlen(c), 0);
    else
        fputs("null", f);
}

/*
 * Numbers are formatted here rather than by fprintf: a 10,000-task snapshot
 * writes some 100,000 of them, and printf's parser was a third of the time.
 */
static void
json_hex(FILE *f, uint64_t v, bool zero_is_null)
{
    char b[24], *p = b + sizeof(b);

    if (zero_is_null && v == 0) {
        fputs("null", f);
        return;
    }
    *--p = '"';
    do {
        *--p = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    fwrite(p, 1, (size_t)(b + sizeof(b) - p), f);
}

static void
json_int(FILE *f, int64_t v)
{
    char b[24], *p = b + sizeof(b);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    fwrite(p, 1, (size_t)(b + sizeof(b) - p), f);
}

static const char *
json_bool(bool b)
{
    return b ? "true" : "false";
}

static void
json_frame(FILE *f, const struct snap_frame *fr)
{
    fputs("{\"function\": ", f);
    json_str(f, fr->function);
    fputs(", \"qualname\": ", f);
    json_str(f, fr->qualname);
    fputs(", \"file\": ", f);
    json_str(f, fr->file);
    fputs(", \"line\": ", f);
    json_int(f, fr->line);
    if (fr->kind == SNAP_FRAME_NATIVE) {
        fputs(", \"kind\": \"native\", \"symbol\": ", f);
        json_str(f, fr->function);
        fputs(", \"module\": ", f);
        json_str(f, fr->module);
        fprintf(f, ", \"offset\": %" PRIu64 ", \"pc\": ", fr->offset);
        json_hex(f, fr->pc, false);
    }
    fputc('}', f);
}

/* A stack, innermost first. */
static void
json_frames(FILE *f, const struct snap *s, size_t first, size_t count, const char *indent)
{
    const struct snap_frame *fr = tree_frames(s, first, count, &count);
    size_t i;

    if (count == 0) {
        fputs("[]", f);
        return;
    }
    fputs("[\n", f);
    for (i = 0; i < count; i++) {
        fputs(indent, f);
        fputs("  ", f);
        json_frame(f, &fr[i]);
        fputs(i + 1 < count ? ",\n" : "\n", f);
    }
    fprintf(f, "%s]", indent);
}

/* The ids at the far end of edge list list[first..end) of the graph. */
static void
json_ids(FILE *f, const struct snap *s, const size_t *list, size_t first, size_t end,
         bool awaited_end)
{
    size_t i;

    fputc('[', f);
    for (i = first; i < end; i++) {
        const struct snap_edge *e = &s->edges[list[i]];

        if (i > first)
            fputs(", ", f);
        json_hex(f, s->tasks[awaited_end ? e->awaited : e->waiter].addr, false);
    }
    fputc(']', f);
}

static const char *
json_scope_name(enum snap_diag_scope sc)
{
    switch (sc) {
    case SNAP_DIAG_PROCESS: return "process";
    case SNAP_DIAG_THREAD: return "thread";
    case SNAP_DIAG_TASK: return "task";
    }
    return "process";
}

static const char *const json_code_names[] = {
#define AIO_X_NAME(name, code, msg) #name,
    AIO_ERRORS(AIO_X_NAME)
#undef AIO_X_NAME
};

const char *
snap_code_name(int code)
{
    if (code < 0)
        code = -code;
    if (code >= AIO_E__COUNT)
        code = AIO_E_INTERNAL;
    return json_code_names[code];
}

static void
json_diags(FILE *f, const struct snap *s)
{
    size_t i;

    if (s->ndiags == 0) {
        fputs("  \"diagnostics\": [],\n", f);
        return;
    }
    fputs("  \"diagnostics\": [\n", f);
    for (i = 0; i < s->ndiags; i++) {
        const struct snap_diag *d = &s->diags[i];

        fprintf(f, "    {\"scope\": \"%s\", \"index\": %zu, \"code\": \"%s\", \"message\": ",
                json_scope_name(d->scope), d->index, snap_code_name(d->code));
        json_cstr(f, d->message);
        if (d->scope == SNAP_DIAG_THREAD && d->index < s->nthreads)
            fprintf(f, ", \"tid\": %ld", s->threads[d->index].tid);
        if (d->scope == SNAP_DIAG_TASK && d->index < s->ntasks) {
            fputs(", \"task\": ", f);
            json_hex(f, s->tasks[d->index].addr, false);
        }
        fputs(i + 1 < s->ndiags ? "},\n" : "}\n", f);
    }
    fputs("  ],\n", f);
}

static void
json_threads(FILE *f, const struct snap *s)
{
    size_t i;

    if (s->nthreads == 0) {
        fputs("  \"threads\": [],\n", f);
        return;
    }
    fputs("  \"threads\": [\n", f);
    for (i = 0; i < s->nthreads; i++) {
        const struct snap_thread *t = &s->threads[i];

        fprintf(f, "    {\n      \"tid\": %ld,\n      \"thread_id\": %" PRIu64 ",\n"
                "      \"name\": ", t->tid, t->thread_id);
        json_str(f, t->name);
        fprintf(f, ",\n      \"holds_gil\": %s,\n      \"is_main\": %s,\n"
                "      \"truncated\": %s,\n      \"cpu_ns\": ",
                json_bool(t->holds_gil), json_bool(t->is_main), json_bool(t->truncated));
        if (t->cpu_known)
            json_int(f, (int64_t)t->cpu_ns);
        else
            fputs("null", f);
        fputs(",\n      \"frames\": ", f);
        json_frames(f, s, t->frame_first, t->frame_count, "      ");
        fputs(i + 1 < s->nthreads ? "\n    },\n" : "\n    }\n", f);
    }
    fputs("  ],\n", f);
}

static void
json_tasks(FILE *f, const struct snap *s, const struct tree_graph *g)
{
    size_t i;

    if (s->ntasks == 0) {
        fputs("  \"tasks\": [],\n", f);
        return;
    }
    fputs("  \"tasks\": [\n", f);
    for (i = 0; i < s->ntasks; i++) {
        const struct snap_task *t = &s->tasks[i];

        fputs("    {\n      \"id\": ", f);
        json_hex(f, t->addr, false);
        fputs(",\n      \"name\": ", f);
        json_str(f, t->name);
        fputs(",\n      \"state\": \"", f);
        fputs(snap_task_state_name(t->state), f);
        fputs("\",\n      \"coroutine\": ", f);
        json_str(f, t->coro);
        fputs(",\n      \"coroutine_id\": ", f);
        json_hex(f, t->coro_addr, true);
        fputs(",\n      \"running\": ", f);
        fputs(json_bool(t->running), f);
        fputs(",\n      \"cancel_requests\": ", f);
        json_int(f, t->cancel_requests);
        fputs(",\n      \"must_cancel\": ", f);
        fputs(json_bool(t->must_cancel), f);
        fputs(",\n      \"thread\": ", f);
        if (t->thread_tid)
            json_int(f, t->thread_tid);
        else
            fputs("null", f);
        fputs(",\n      \"loop\": ", f);
        json_hex(f, t->loop, true);
        fputs(",\n      \"group\": ", f);
        json_hex(f, t->group, true);
        fputs(",\n      \"stack_truncated\": ", f);
        fputs(json_bool(t->stack_truncated), f);
        fputs(",\n      \"stack\": ", f);
        json_frames(f, s, t->frame_first, t->frame_count, "      ");
        fputs(",\n      \"awaiting\": ", f);
        json_ids(f, s, g->out, g->out_first[i], g->out_first[i + 1], true);
        fputs(",\n      \"awaited_by\": ", f);
        json_ids(f, s, g->in, g->in_first[i], g->in_first[i + 1], false);
        fputs(i + 1 < s->ntasks ? "\n    },\n" : "\n    }\n", f);
    }
    fputs("  ],\n", f);
}

static void
json_edges(FILE *f, const struct snap *s)
{
    size_t i, n = 0;

    fputs("  \"edges\": [", f);
    for (i = 0; i < s->nedges; i++) {
        const struct snap_edge *e = &s->edges[i];

        if (e->waiter >= s->ntasks || e->awaited >= s->ntasks)
            continue;
        fputs(n++ ? ",\n    {\"waiter\": " : "\n    {\"waiter\": ", f);
        json_hex(f, s->tasks[e->waiter].addr, false);
        fputs(", \"awaited\": ", f);
        json_hex(f, s->tasks[e->awaited].addr, false);
        fputs(", \"kind\": \"", f);
        fputs(snap_edge_kind_name(e->kind), f);
        fputs("\"}", f);
    }
    fputs(n ? "\n  ]\n" : "]\n", f);
}

void
snap_write_json(FILE *f, const struct snap *s)
{
    struct tree_graph g;

    tree_graph_build(&g, s);
    fprintf(f, "{\n  \"format\": \"aiomon-snapshot\",\n  \"format_version\": 1,\n"
            "  \"pid\": %d,\n  \"python_version\": ", s->pid);
    escape_json(f, s->python_version, strnlen(s->python_version, sizeof(s->python_version)), 0);
    fprintf(f, ",\n  \"py_version_hex\": %" PRIu64 ",\n  \"layout_source\": ",
            s->py_version_hex);
    json_cstr(f, s->layout_source);
    fputs(",\n  \"cmdline\": ", f);
    json_str(f, s->cmdline);
    fprintf(f, ",\n  \"flags\": {\"partial\": %s, \"torn\": %s, \"loaded\": %s, \"core\": %s, "
            "\"no_tasks\": %s},\n",
            json_bool(s->flags & SNAP_F_PARTIAL), json_bool(s->flags & SNAP_F_TORN),
            json_bool(s->flags & SNAP_F_LOADED), json_bool(s->flags & SNAP_F_CORE),
            json_bool(s->flags & SNAP_F_NO_TASKS));
    fprintf(f, "  \"taken_at_ns\": %" PRIu64 ",\n  \"stopped_us\": %" PRIu64 ",\n"
            "  \"read_us\": %" PRIu64 ",\n  \"bytes_read\": %" PRIu64 ",\n"
            "  \"read_calls\": %" PRIu64 ",\n",
            s->taken_at_ns, s->stopped_ns / 1000, s->read_ns / 1000, s->bytes_read,
            s->read_calls);
    json_diags(f, s);
    json_threads(f, s);
    json_tasks(f, s, &g);
    json_edges(f, s);
    fputs("}\n", f);
    tree_graph_free(&g);
}

int
snap_write(FILE *f, const struct snap *s, enum snap_format fmt, const struct write_opts *o)
{
    static const struct write_opts defaults;

    if (fmt == SNAP_FMT_JSON)
        snap_write_json(f, s);
    else
        snap_write_text(f, s, o ? o : &defaults);
    if (fflush(f) != 0 || ferror(f))
        return err_set(AIO_E_IO, "cannot write the snapshot: %s", strerror(errno));
    return 0;
}

/* A random name for the temp file; falls back to time and pid if getrandom fails. */
static uint64_t
json_tmp_nonce(unsigned attempt)
{
    uint64_t r;
    struct timespec ts;

    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
        return r;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)getpid() << 40) ^ ((uint64_t)ts.tv_nsec << 8) ^ attempt;
}

/* Best effort: make the rename durable.  Errors are ignored (the data is written). */
static void
json_sync_dir(const char *path, size_t dirlen)
{
    char *dir = dirlen ? xstrndup(path, dirlen) : xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

static int
json_write_special(const char *path, const struct snap *s, enum snap_format fmt,
                   const struct write_opts *o)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC), rc;
    FILE *f;

    if (fd < 0)
        return err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    }
    rc = snap_write(f, s, fmt, o);
    if (fclose(f) != 0 && rc == 0)
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    return rc;
}

int
snap_write_path(const char *path, const struct snap *s, enum snap_format fmt,
                const struct write_opts *o)
{
    const char *slash;
    char *tmp = NULL;
    size_t dirlen;
    unsigned attempt;
    int fd = -1, rc = 0, saved;
    bool created = false;
    FILE *f = NULL;

    if (strcmp(path, "-") == 0)
        return snap_write(stdout, s, fmt, o);
    /*
     * A device or a pipe (-o /dev/null, -o /dev/stdout, a FIFO) is written in
     * place: renaming a temporary file over it would replace the device node.
     */
    {
        struct stat st;

        if (lstat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
            return json_write_special(path, s, fmt, o);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return err_set(AIO_E_IO, "cannot write \"%s\": it is a directory", path);
    }
    slash = strrchr(path, '/');
    if (path[0] == '\0' || (slash && slash[1] == '\0'))
        return err_set(AIO_E_IO, "cannot write \"%s\": not a file name", path);
    dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    tmp = xmalloc(dirlen + 40);
    memcpy(tmp, path, dirlen);
    for (attempt = 0; attempt < MAX_TMP_TRIES; attempt++) {
        snprintf(tmp + dirlen, 40, ".aiomon-%016" PRIx64 ".tmp", json_tmp_nonce(attempt));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = err_set(AIO_E_IO, "cannot create a temporary file next to \"%s\": %s", path,
                     strerror(errno));
        goto out;
    }
    created = true;
    f = fdopen(fd, "w");
    if (!f) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
        goto out;
    }
    fd = -1;    /* owned by f now */
    rc = snap_write(f, s, fmt, o);
    if (rc < 0)
        goto out;
    if (fsync(fileno(f)) != 0) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": fsync: %s", path, strerror(errno));
        goto out;
    }
    rc = fclose(f);
    f = NULL;
    if (rc != 0) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
        goto out;
    }
    /* rename() replaces a symlink at path itself; it never follows it. */
    if (rename(tmp, path) != 0) {
        rc = err_set(AIO_E_IO, "cannot rename the temporary file to \"%s\": %s", path,
                     strerror(errno));
        goto out;
    }
    created = false;
    json_sync_dir(path, dirlen);
out:
    saved = errno;
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmp);
    free(tmp);
    errno = saved;
    return rc;
}
