/*
 * linebuf.c - what every pane's lines are made of: the line buffers
 * (escaped segments), the source-line cache, a frame's line with its
 * source line.  The panes' contents are built in lines.c, lines_end.c
 * and locals.c.
 */
#include "lines.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/escape.h"
#include "../common/xalloc.h"
#include "../common/err.h"

/* Bytes of one target string put on a line (names can be 4,000 characters). */
#define UI_LINE_CAP 1024
/* Bytes of a source line shown */
#define UI_SRC_LINE_CAP 300

/* ------------------------------------------------------------ line buffers */

void
ui_lines_reset(struct ui_lines *L)
{
    L->tlen = 0;
    L->nsegs = 0;
    L->nlines = 0;
}

void
ui_lines_free(struct ui_lines *L)
{
    free(L->text);
    free(L->segs);
    free(L->lines);
    memset(L, 0, sizeof(*L));
}

void
ui_lines_begin(struct ui_lines *L)
{
    struct ui_line *ln;

    xgrow((void **)&L->lines, &L->lcap, L->nlines + 1, sizeof(*L->lines));
    ln = &L->lines[L->nlines++];
    ln->seg = L->nsegs;
    ln->nseg = 0;
    ln->task = TREE_NONE;
}

/* The n bytes just written at the end of L->text become the current line's last segment. */
static void
ui_lines_commit(struct ui_lines *L, enum ui_color c, size_t n)
{
    struct ui_seg *sg;

    if (n == 0)
        return;
    /* merge with the previous segment of the line when the colour is the same */
    if (L->lines[L->nlines - 1].nseg > 0 && L->segs[L->nsegs - 1].color == c &&
        L->segs[L->nsegs - 1].off + L->segs[L->nsegs - 1].len == L->tlen) {
        L->segs[L->nsegs - 1].len += n;
        L->tlen += n;
        return;
    }
    xgrow((void **)&L->segs, &L->scap, L->nsegs + 1, sizeof(*L->segs));
    sg = &L->segs[L->nsegs++];
    sg->off = L->tlen;
    sg->len = n;
    sg->color = c;
    L->tlen += n;
    L->lines[L->nlines - 1].nseg++;
}

void
ui_lines_add_bytes(struct ui_lines *L, enum ui_color c, const char *s, size_t len, size_t cap)
{
    size_t in, room, n;

    if (!s || len == 0)
        return;
    if (L->nlines == 0)
        ui_lines_begin(L);
    if (cap == 0)
        cap = UI_LINE_CAP;
    in = len < cap ? len : cap;
    /* worst case 4 output bytes per input byte ("\xNN"), plus "…" and the NUL */
    room = in * 4 + 8;
    xgrow((void **)&L->text, &L->tcap, L->tlen + room, 1);
    n = escape_text_buf(L->text + L->tlen, room, s, len, cap);
    ui_lines_commit(L, c, n);
}

void
ui_lines_add(struct ui_lines *L, enum ui_color c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    ui_lines_add_bytes(L, c, buf, (size_t)n, sizeof(buf));
}

void
ui_lines_add_str(struct ui_lines *L, enum ui_color c, const struct snap_str *str,
                 const char *null_text)
{
    if (!str->s)
        ui_lines_add(L, c, "%s", null_text);
    else
        ui_lines_add_bytes(L, c, str->s, str->len, UI_LINE_CAP);
}

size_t
ui_lines_text(const struct ui_lines *L, size_t k, char *buf, size_t size)
{
    const struct ui_line *ln;
    size_t i, used = 0, n;

    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (k >= L->nlines)
        return 0;
    ln = &L->lines[k];
    for (i = 0; i < ln->nseg; i++) {
        const struct ui_seg *sg = &L->segs[ln->seg + i];

        n = sg->len < size - 1 - used ? sg->len : size - 1 - used;
        memcpy(buf + used, L->text + sg->off, n);
        used += n;
    }
    buf[used] = '\0';
    return used;
}

/* ------------------------------------------------------------ wrapping */

/* Append n bytes of already escaped text (a segment of another buffer) to the current line. */
static void
ui_lines_put(struct ui_lines *L, enum ui_color c, const char *s, size_t n)
{
    xgrow((void **)&L->text, &L->tcap, L->tlen + n, 1);
    memcpy(L->text + L->tlen, s, n);
    ui_lines_commit(L, c, n);
}

/* Terminal columns of escaped UTF-8 text: one per character (our own text is narrow). */
static int
ui_cols_of(const char *s, size_t n)
{
    int w = 0;
    size_t i;

    for (i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xc0u) != 0x80u;
    return w;
}

/*
 * Where continuation lines of line k start: after a first segment ending in
 * a blank (a key or label column, "  PgDn Space    "), else after
 * UI_WRAP_INDENT blanks; never past half the width.
 */
static int
ui_wrap_indent(const struct ui_lines *src, size_t k, int cols)
{
    const struct ui_line *ln = &src->lines[k];
    const struct ui_seg *sg;
    int w = UI_WRAP_INDENT;

    if (ln->nseg > 1) {
        sg = &src->segs[ln->seg];
        if (sg->len > 0 && src->text[sg->off + sg->len - 1] == ' ')
            w = ui_cols_of(src->text + sg->off, sg->len);
    }
    return w <= cols / 2 && w <= UI_WRAP_INDENT_MAX ? w : UI_WRAP_INDENT;
}

/* Line k of src into dst, broken before the words that would pass `cols`. */
static void
ui_wrap_line(struct ui_lines *dst, const struct ui_lines *src, size_t k, int cols)
{
    const struct ui_line *ln = &src->lines[k];
    int indent = ui_wrap_indent(src, k, cols), col = 0, w;
    bool after_blank = false;
    char blanks[UI_WRAP_INDENT_MAX];
    size_t i, a, b, e;

    memset(blanks, ' ', sizeof(blanks));
    ui_lines_begin(dst);
    dst->lines[dst->nlines - 1].task = ln->task;
    for (i = 0; i < ln->nseg; i++) {
        const struct ui_seg *sg = &src->segs[ln->seg + i];
        const char *t = src->text + sg->off;

        /* words with the blanks before them: t[a..b) blanks, t[b..e) the word */
        for (a = 0; a < sg->len; a = e) {
            for (b = a; b < sg->len && t[b] == ' '; b++)
                ;
            for (e = b; e < sg->len && t[e] != ' '; e++)
                ;
            w = ui_cols_of(t + a, e - a);
            /* break only at a blank, and only where the line has something */
            if (col + w > cols && col > indent && (b > a || after_blank)) {
                ui_lines_begin(dst);
                ui_lines_put(dst, UI_C_NORMAL, blanks, (size_t)indent);
                col = indent;
                a = b;
                w = ui_cols_of(t + a, e - a);
            }
            ui_lines_put(dst, sg->color, t + a, e - a);
            col += w;
            after_blank = e > b ? false : b > a;
        }
    }
}

void
ui_lines_wrap(struct ui_lines *dst, const struct ui_lines *src, int cols)
{
    size_t k;

    ui_lines_reset(dst);
    for (k = 0; k < src->nlines; k++)
        ui_wrap_line(dst, src, k, cols);
}

/* ------------------------------------------------------------ source lines */

static void
ui_srcfile_clear(struct ui_srcfile *f)
{
    free(f->path);
    free(f->data);
    free(f->line_off);
    memset(f, 0, sizeof(*f));
}

/* Read a regular file of at most UI_SRC_MAX_SIZE bytes; NULL otherwise. */
static char *
ui_src_read(const char *path, size_t *size)
{
    struct stat st;
    char *data = NULL;
    size_t got = 0;
    ssize_t n;
    int fd;

    /* stat first: opening a FIFO or a device could block or have effects */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (unsigned long long)st.st_size > UI_SRC_MAX_SIZE)
        return NULL;
    fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (unsigned long long)st.st_size > UI_SRC_MAX_SIZE)
        goto fail;
    data = xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        n = read(fd, data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;          /* shrank meanwhile: keep what was read */
        got += (size_t)n;
    }
    close(fd);
    data[got] = '\0';
    *size = got;
    return data;
fail:
    close(fd);
    return NULL;
}

static void
ui_src_index(struct ui_srcfile *f)
{
    size_t i, n = 1, k = 0;

    for (i = 0; i < f->size; i++)
        n += f->data[i] == '\n';
    f->line_off = xreallocarray(NULL, n + 1, sizeof(*f->line_off));
    f->line_off[k++] = 0;
    for (i = 0; i < f->size; i++) {
        if (f->data[i] == '\n')
            f->line_off[k++] = i + 1;
    }
    /* a final line end does not start a line */
    if (f->size > 0 && f->data[f->size - 1] == '\n')
        k--;
    f->nlines = f->size == 0 ? 0 : k;
    f->line_off[f->nlines] = f->size;
}

static struct ui_srcfile *
ui_src_get(struct ui_srccache *c, const char *path)
{
    struct ui_srcfile *f, *victim = &c->files[0];
    size_t i;

    c->clock++;
    for (i = 0; i < UI_SRC_CACHE; i++) {
        f = &c->files[i];
        if (f->path && strcmp(f->path, path) == 0) {
            f->used = c->clock;
            return f;
        }
        if (!f->path || f->used < victim->used)
            victim = f;
        if (!f->path)
            break;
    }
    ui_srcfile_clear(victim);
    victim->path = xstrdup(path);
    victim->used = c->clock;
    if (c->host_path && path[0] == '/') {
        char full[PATH_MAX + 256];

        if (c->host_path(c->host_arg, path, full, sizeof(full)) == 0)
            victim->data = ui_src_read(full, &victim->size);
    } else {
        victim->data = ui_src_read(path, &victim->size);
    }
    if (victim->data)
        ui_src_index(victim);
    return victim;
}

const char *
ui_src_line(struct ui_srccache *c, const char *path, size_t pathlen, int line, size_t *len)
{
    struct ui_srcfile *f;
    size_t a, b;

    *len = 0;
    if (!c || !path || pathlen == 0 || line <= 0 || strlen(path) != pathlen || path[0] == '<')
        return NULL;
    f = ui_src_get(c, path);
    if (!f->data || (size_t)line > f->nlines)
        return NULL;
    a = f->line_off[line - 1];
    b = f->line_off[line];
    while (b > a && (f->data[b - 1] == '\n' || f->data[b - 1] == '\r'))
        b--;
    *len = b - a;
    return f->data + a;
}

void
ui_srccache_free(struct ui_srccache *c)
{
    size_t i;

    for (i = 0; i < UI_SRC_CACHE; i++)
        ui_srcfile_clear(&c->files[i]);
    c->clock = 0;
}

/* The source line file:line, trimmed, tabs as blanks; nothing if unreadable. */
void
ui_src_add(struct ui_lines *L, struct ui_srccache *src, const char *file, size_t filelen,
           int line, const char *indent)
{
    char buf[UI_SRC_LINE_CAP];
    const char *p;
    size_t len, i, n = 0;

    if (!src || !file || line <= 0)
        return;
    p = ui_src_line(src, file, filelen, line, &len);
    if (!p)
        return;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    if (len == 0)
        return;
    for (i = 0; i < len && n < sizeof(buf); i++)
        buf[n++] = p[i] == '\t' ? ' ' : p[i];
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_NORMAL, "%s", indent);
    ui_lines_add_bytes(L, UI_C_SOURCE, buf, n, sizeof(buf));
    if (len > n)
        ui_lines_add(L, UI_C_DIM, " ...");
}

/* One frame: "#k function  file:line" (python) or "#k symbol+0xoff  (module)" (native). */
void
ui_frame_add(struct ui_lines *L, const struct snap_frame *f, size_t k,
             struct ui_srccache *src)
{
    char num[32];

    snprintf(num, sizeof(num), "#%zu", k);
    ui_lines_begin(L);
    ui_lines_add(L, UI_C_DIM, "  %-3s ", num);
    if (f->kind == SNAP_FRAME_NATIVE) {
        ui_lines_add(L, UI_C_DIM, "[native] ");
        ui_lines_add_str(L, UI_C_NATIVE, &f->function, "??");
        if (f->offset)
            ui_lines_add(L, UI_C_NATIVE, "+0x%llx", (unsigned long long)f->offset);
        if (f->module.s) {
            size_t bl;
            const char *b = ui_basename(f->module.s, f->module.len, &bl);

            ui_lines_add(L, UI_C_DIM, "  (");
            ui_lines_add_bytes(L, UI_C_FILE, b, bl, 0);
            ui_lines_add(L, UI_C_DIM, ")");
        } else if (f->pc) {
            ui_lines_add(L, UI_C_DIM, "  (pc 0x%llx)", (unsigned long long)f->pc);
        }
        if (f->file.s) {
            ui_lines_add(L, UI_C_DIM, "  ");
            ui_lines_add_str(L, UI_C_FILE, &f->file, "");
            if (f->line > 0)
                ui_lines_add(L, UI_C_FILE, ":%d", f->line);
        }
        return;
    }
    ui_lines_add_str(L, UI_C_FUNC, f->qualname.s ? &f->qualname : &f->function, "??");
    ui_lines_add(L, UI_C_NORMAL, "  ");
    ui_lines_add_str(L, UI_C_FILE, &f->file, "??");
    if (f->line > 0)
        ui_lines_add(L, UI_C_FILE, ":%d", f->line);
    ui_src_add(L, src, f->file.s, f->file.len, f->line, "        ");
}

