/*
 * image.c - the memory-image source and its writer (format in image.h).
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/xalloc.h"

#define IMAGE_HEADER 16
#define IMAGE_REC_HEADER 8
#define IMAGE_INFO_LEN 120
#define IMAGE_FIELD_FIXED 16
#define IMAGE_THREAD_FIXED 16
#define IMAGE_RANGE_FIXED 8
#define IMAGE_MAX_TID 0x7fffffffL

struct image_range {
    uint64_t addr, end;         /* [addr, end) */
    const uint8_t *bytes;       /* into image.data */
};

struct image_thread {
    long tid, ns_tid;
    char name[IMAGE_NAME_MAX];
};

struct image {
    uint8_t *data;              /* owned copy of the file */
    struct image_range *r;      /* owned, sorted by addr, disjoint */
    size_t nr, capr;
    struct image_thread *t;     /* owned */
    size_t nt, capt;
    struct image_field *f;      /* owned */
    size_t nf, capf;
};

/* ------------------------------------------------------------------ reading */

static uint16_t
image_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
image_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t
image_get64(const uint8_t *p)
{
    return (uint64_t)image_get32(p) | ((uint64_t)image_get32(p + 4) << 32);
}

/* Index of the first range whose end is above addr (nr if none). */
static size_t
image_first_after(const struct image *im, uint64_t addr)
{
    size_t lo = 0, hi = im->nr;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (im->r[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
image_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    const struct image *im = src->priv;
    uint8_t *out = buf;
    uint64_t end, page;
    size_t i;

    if (len == 0)
        return 0;
    if (!im || addr > UINT64_MAX - len)
        return -AIO_E_FAULT;
    end = addr + len;
    /* every page touched must hold some byte of a range */
    page = addr & ~(uint64_t)(SOURCE_PAGE - 1);
    i = image_first_after(im, page);
    for (;;) {
        while (i < im->nr && im->r[i].end <= page)
            i++;
        if (i == im->nr || (im->r[i].addr > page && im->r[i].addr - page >= SOURCE_PAGE))
            return -AIO_E_FAULT;
        if (end - page <= SOURCE_PAGE)
            break;
        page += SOURCE_PAGE;
    }
    memset(out, 0, len);
    for (i = image_first_after(im, addr); i < im->nr && im->r[i].addr < end; i++) {
        uint64_t lo = im->r[i].addr > addr ? im->r[i].addr : addr;
        uint64_t hi = im->r[i].end < end ? im->r[i].end : end;

        memcpy(out + (lo - addr), im->r[i].bytes + (lo - im->r[i].addr), (size_t)(hi - lo));
    }
    return 0;
}

static void
image_thread_name(struct source *src, long tid, char *buf, size_t size)
{
    const struct image *im = src->priv;
    size_t i;

    if (!im || size == 0)
        return;
    for (i = 0; i < im->nt; i++) {
        if (im->t[i].tid == tid) {
            snprintf(buf, size, "%s", im->t[i].name);
            return;
        }
    }
}

static long
image_host_tid(struct source *src, long ns_tid)
{
    const struct image *im = src->priv;
    size_t i;

    for (i = 0; im && i < im->nt; i++) {
        if (im->t[i].ns_tid != 0 && im->t[i].ns_tid == ns_tid)
            return im->t[i].tid;
    }
    return ns_tid;
}

static void
image_free(struct image *im)
{
    if (!im)
        return;
    free(im->data);
    free(im->r);
    free(im->t);
    free(im->f);
    free(im);
}

static void
image_close(struct source *src)
{
    image_free(src->priv);
    src->priv = NULL;
}

static const struct source_ops image_ops = {
    .read = image_read,
    .close = image_close,
    .thread_name = image_thread_name,
    .host_tid = image_host_tid,
};

/* Copy a NUL-padded fixed string field; the result is always terminated. */
static void
image_fixed_str(char *dst, size_t size, const uint8_t *p, size_t n)
{
    size_t k = strnlen((const char *)p, n < size - 1 ? n : size - 1);

    memcpy(dst, p, k);
    dst[k] = '\0';
}

static int
image_parse_info(struct image_runtime *rt, const uint8_t *p, uint32_t len)
{
    int64_t pid;
    int32_t toff;

    /* the length first: nothing of a record is read before it is known to be there */
    if (len != IMAGE_INFO_LEN)
        return err_set(AIO_E_BADFILE, "image: INFO record of %u bytes, expected %u", len,
                       IMAGE_INFO_LEN);
    pid = (int32_t)image_get32(p);
    toff = (int32_t)image_get32(p + 4);
    if (pid < 0)
        return err_set(AIO_E_BADFILE, "image: negative pid %lld", (long long)pid);
    if (toff < -1 || toff >= 65536)
        return err_set(AIO_E_BADFILE, "image: pthread tid offset %d out of range", (int)toff);
    rt->pid = (int)pid;
    rt->pthread_tid_off = toff;
    rt->runtime_addr = image_get64(p + 8);
    rt->version_hex = image_get64(p + 16);
    image_fixed_str(rt->version, sizeof(rt->version), p + 24, 32);
    image_fixed_str(rt->layout_source, sizeof(rt->layout_source), p + 56, 64);
    return 0;
}

static int
image_parse_field(struct image *im, const uint8_t *p, uint32_t len)
{
    struct image_field *f;
    size_t n, i;

    if (len <= IMAGE_FIELD_FIXED || len - IMAGE_FIELD_FIXED >= IMAGE_NAME_MAX)
        return err_set(AIO_E_BADFILE, "image: FIELD record of %u bytes", len);
    if (im->nf >= IMAGE_MAX_FIELDS)
        return err_set(AIO_E_BADFILE, "image: more than %u fields", IMAGE_MAX_FIELDS);
    n = len - IMAGE_FIELD_FIXED;
    for (i = 0; i < n; i++) {
        uint8_t c = p[IMAGE_FIELD_FIXED + i];

        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return err_set(AIO_E_BADFILE, "image: field name with byte 0x%02x", c);
    }
    xgrow((void **)&im->f, &im->capf, im->nf + 1, sizeof(*im->f));
    f = &im->f[im->nf++];
    memset(f, 0, sizeof(*f));
    f->off = image_get32(p);
    f->size = image_get32(p + 4);
    f->bit_off = image_get16(p + 8);
    f->bit_size = image_get16(p + 10);
    f->src = p[12];
    memcpy(f->name, p + IMAGE_FIELD_FIXED, n);
    return 0;
}

static int
image_parse_thread(struct image *im, const uint8_t *p, uint32_t len)
{
    struct image_thread *t;
    int64_t tid, ns;
    size_t n;

    if (len < IMAGE_THREAD_FIXED || len - IMAGE_THREAD_FIXED >= IMAGE_NAME_MAX)
        return err_set(AIO_E_BADFILE, "image: THREAD record of %u bytes", len);
    tid = (int64_t)image_get64(p);
    ns = (int64_t)image_get64(p + 8);
    if (im->nt >= IMAGE_MAX_THREADS)
        return err_set(AIO_E_BADFILE, "image: more than %u threads", IMAGE_MAX_THREADS);
    if (tid <= 0 || tid > IMAGE_MAX_TID || ns < 0 || ns > IMAGE_MAX_TID)
        return err_set(AIO_E_BADFILE, "image: thread id %lld (namespace %lld) out of range",
                       (long long)tid, (long long)ns);
    n = len - IMAGE_THREAD_FIXED;
    xgrow((void **)&im->t, &im->capt, im->nt + 1, sizeof(*im->t));
    t = &im->t[im->nt++];
    t->tid = (long)tid;
    t->ns_tid = (long)ns;
    memcpy(t->name, p + IMAGE_THREAD_FIXED, n);
    t->name[n] = '\0';
    return 0;
}

static int
image_parse_range(struct image *im, const uint8_t *p, uint32_t len)
{
    struct image_range *r;
    uint64_t addr, n;

    if (len <= IMAGE_RANGE_FIXED || len - IMAGE_RANGE_FIXED > IMAGE_MAX_RANGE)
        return err_set(AIO_E_BADFILE, "image: RANGE record of %u bytes", len);
    addr = image_get64(p);
    if (im->nr >= IMAGE_MAX_RANGES)
        return err_set(AIO_E_BADFILE, "image: more than %u ranges", IMAGE_MAX_RANGES);
    n = len - IMAGE_RANGE_FIXED;
    if (addr > UINT64_MAX - n)
        return err_set(AIO_E_BADFILE, "image: range at 0x%llx of %llu bytes wraps around",
                       (unsigned long long)addr, (unsigned long long)n);
    xgrow((void **)&im->r, &im->capr, im->nr + 1, sizeof(*im->r));
    r = &im->r[im->nr++];
    r->addr = addr;
    r->end = addr + n;
    r->bytes = p + IMAGE_RANGE_FIXED;
    return 0;
}

static int
image_range_cmp(const void *a, const void *b)
{
    const struct image_range *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int
image_parse(struct image *im, size_t len, struct image_runtime *rt)
{
    const uint8_t *d = im->data;
    bool have_info = false, have_note = false;
    size_t off = IMAGE_HEADER, i;
    int rc = 0;

    if (len < IMAGE_HEADER || memcmp(d, IMAGE_MAGIC, 8) != 0)
        return err_set(AIO_E_BADFILE, "not a memory image (no \"AIOMIMG\" header)");
    if (image_get32(d + 8) != IMAGE_VERSION)
        return err_set(AIO_E_BADFILE, "memory image version %u, this reads version %u",
                       image_get32(d + 8), IMAGE_VERSION);
    while (off < len && rc == 0) {
        uint32_t type, rlen;
        const uint8_t *p;

        if (len - off < IMAGE_REC_HEADER)
            return err_set(AIO_E_BADFILE, "image: truncated record header at offset %zu", off);
        type = image_get32(d + off);
        rlen = image_get32(d + off + 4);
        if (rlen > len - off - IMAGE_REC_HEADER)
            return err_set(AIO_E_BADFILE, "image: record at offset %zu claims %u bytes, %zu left",
                           off, rlen, len - off - IMAGE_REC_HEADER);
        p = d + off + IMAGE_REC_HEADER;
        switch (type) {
        case IMAGE_REC_INFO:
            if (have_info)
                return err_set(AIO_E_BADFILE, "image: second INFO record at offset %zu", off);
            have_info = true;
            rc = image_parse_info(rt, p, rlen);
            break;
        case IMAGE_REC_FIELD:
            rc = image_parse_field(im, p, rlen);
            break;
        case IMAGE_REC_THREAD:
            rc = image_parse_thread(im, p, rlen);
            break;
        case IMAGE_REC_RANGE:
            rc = image_parse_range(im, p, rlen);
            break;
        case IMAGE_REC_NOTE:
            if (have_note)
                return err_set(AIO_E_BADFILE, "image: second NOTE record at offset %zu", off);
            have_note = true;
            rt->note = p;
            rt->note_len = rlen;
            break;
        default:
            break;
        }
        /* the payload, then padding to 8 (a missing final padding is forgiven) */
        off += IMAGE_REC_HEADER + (size_t)rlen;
        off = (len - off < (8 - off % 8) % 8) ? len : off + (8 - off % 8) % 8;
    }
    if (rc < 0)
        return rc;
    if (!have_info)
        return err_set(AIO_E_BADFILE, "image: no INFO record");
    if (im->nr > 1)
        qsort(im->r, im->nr, sizeof(*im->r), image_range_cmp);
    for (i = 1; i < im->nr; i++) {
        if (im->r[i - 1].end > im->r[i].addr)
            return err_set(AIO_E_BADFILE, "image: ranges overlap at 0x%llx",
                           (unsigned long long)im->r[i].addr);
    }
    return 0;
}

int
image_open_mem(struct source *src, const uint8_t *data, size_t len, struct image_runtime *rt)
{
    struct image *im;
    size_t i;
    int rc;

    source_init(src, &image_ops, 0);
    memset(rt, 0, sizeof(*rt));
    rt->pthread_tid_off = -1;
    if (len > IMAGE_MAX_FILE)
        return err_set(AIO_E_BADFILE, "memory image of %zu bytes, the limit is %u", len,
                       IMAGE_MAX_FILE);
    im = xcalloc(1, sizeof(*im));
    im->data = xmalloc(len ? len : 1);
    if (len)
        memcpy(im->data, data, len);
    rc = image_parse(im, len, rt);
    if (rc < 0) {
        image_free(im);
        memset(rt, 0, sizeof(*rt));
        rt->pthread_tid_off = -1;
        source_init(src, &image_ops, 0);
        return rc;
    }
    rt->fields = im->f;
    rt->nfields = im->nf;
    src->pid = rt->pid;
    src->priv = im;
    if (im->nt) {
        src->tids = xcalloc(im->nt, sizeof(*src->tids));
        for (i = 0; i < im->nt; i++)
            src->tids[i] = im->t[i].tid;
        src->ntids = im->nt;
    }
    return 0;
}

int
image_open(struct source *src, const char *path, struct image_runtime *rt)
{
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int fd, rc;

    source_init(src, &image_ops, 0);
    memset(rt, 0, sizeof(*rt));
    rt->pthread_tid_off = -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(AIO_E_IO, "cannot open %s: %s", path, strerror(errno));
    for (;;) {
        ssize_t n;

        if (len == cap) {
            if (cap > IMAGE_MAX_FILE) {
                close(fd);
                free(buf);
                return err_set(AIO_E_BADFILE, "%s: larger than %u bytes", path, IMAGE_MAX_FILE);
            }
            xgrow((void **)&buf, &cap, len + 65536, 1);
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_set(AIO_E_IO, "cannot read %s: %s", path, strerror(errno));
            close(fd);
            free(buf);
            return rc;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    rc = image_open_mem(src, buf, len, rt);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ writing */

struct image_wpage {
    uint64_t base;              /* page address; UINT64_MAX = empty slot */
    uint8_t *data;              /* owned, SOURCE_PAGE bytes */
    uint8_t mask[SOURCE_PAGE / 8];  /* bit set: byte known */
};

struct image_writer {
    struct image_runtime rt;
    struct image_field *fields; /* owned copy */
    uint8_t *note;              /* owned copy */
    struct image_wpage *pages;  /* owned, open addressing, cap a power of two */
    size_t npages, cap;
    struct image_thread *t;     /* owned */
    size_t nt, capt;
    size_t bytes;
};

struct image_writer *
image_writer_new(const struct image_runtime *rt)
{
    struct image_writer *w = xcalloc(1, sizeof(*w));

    w->rt = *rt;
    if (rt->nfields) {
        w->fields = xcalloc(rt->nfields, sizeof(*w->fields));
        memcpy(w->fields, rt->fields, rt->nfields * sizeof(*w->fields));
    }
    w->rt.fields = w->fields;
    if (rt->note_len) {
        w->note = xmalloc(rt->note_len);
        memcpy(w->note, rt->note, rt->note_len);
    }
    w->rt.note = w->note;
    return w;
}

static size_t
image_wslot(const struct image_writer *w, uint64_t base)
{
    uint64_t h = (base / SOURCE_PAGE) * 0x9e3779b97f4a7c15ull;

    return (size_t)(h >> 20) & (w->cap - 1);
}

static struct image_wpage *
image_wpage(struct image_writer *w, uint64_t base)
{
    size_t i;

    if ((w->npages + 1) * 2 > w->cap) {
        struct image_wpage *old = w->pages;
        size_t oldcap = w->cap, j;

        w->cap = w->cap ? w->cap * 2 : 1024;
        w->pages = xcalloc(w->cap, sizeof(*w->pages));
        for (j = 0; j < w->cap; j++)
            w->pages[j].base = UINT64_MAX;
        for (j = 0; j < oldcap; j++) {
            if (old[j].base == UINT64_MAX)
                continue;
            for (i = image_wslot(w, old[j].base); w->pages[i].base != UINT64_MAX;
                 i = (i + 1) & (w->cap - 1))
                ;
            w->pages[i] = old[j];
        }
        free(old);
    }
    for (i = image_wslot(w, base); w->pages[i].base != UINT64_MAX; i = (i + 1) & (w->cap - 1)) {
        if (w->pages[i].base == base)
            return &w->pages[i];
    }
    w->pages[i].base = base;
    w->pages[i].data = xcalloc(1, SOURCE_PAGE);
    memset(w->pages[i].mask, 0, sizeof(w->pages[i].mask));
    w->npages++;
    return &w->pages[i];
}

void
image_writer_add(struct image_writer *w, uint64_t addr, const void *bytes, size_t len)
{
    const uint8_t *in = bytes;

    if (len == 0 || addr > UINT64_MAX - len)
        return;
    while (len) {
        uint64_t base = addr & ~(uint64_t)(SOURCE_PAGE - 1);
        size_t off = (size_t)(addr - base), n = SOURCE_PAGE - off, k;
        struct image_wpage *pg = image_wpage(w, base);

        if (n > len)
            n = len;
        memcpy(pg->data + off, in, n);
        for (k = off; k < off + n; k++) {
            if (!(pg->mask[k / 8] & (1u << (k % 8)))) {
                pg->mask[k / 8] |= (uint8_t)(1u << (k % 8));
                w->bytes++;
            }
        }
        in += n;
        addr += n;
        len -= n;
    }
}

void
image_writer_note(struct image_writer *w, const void *bytes, size_t len)
{
    free(w->note);
    w->note = NULL;
    if (len) {
        w->note = xmalloc(len);
        memcpy(w->note, bytes, len);
    }
    w->rt.note = w->note;
    w->rt.note_len = len;
}

void
image_writer_thread(struct image_writer *w, long tid, long ns_tid, const char *name)
{
    struct image_thread *t = NULL;
    size_t i;

    if (tid <= 0 || tid > IMAGE_MAX_TID || ns_tid < 0 || ns_tid > IMAGE_MAX_TID)
        return;
    for (i = 0; i < w->nt; i++) {
        if (w->t[i].tid == tid)
            t = &w->t[i];
    }
    if (!t) {
        if (w->nt >= IMAGE_MAX_THREADS)
            return;
        xgrow((void **)&w->t, &w->capt, w->nt + 1, sizeof(*w->t));
        t = &w->t[w->nt++];
        memset(t, 0, sizeof(*t));
        t->tid = tid;
    }
    if (ns_tid && ns_tid != tid)
        t->ns_tid = ns_tid;
    if (name)
        snprintf(t->name, sizeof(t->name), "%s", name);
}

size_t
image_writer_bytes(const struct image_writer *w)
{
    return w->bytes;
}

static void
image_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void
image_put64(uint8_t *p, uint64_t v)
{
    image_put32(p, (uint32_t)v);
    image_put32(p + 4, (uint32_t)(v >> 32));
}

/* One record: header, fixed part, variable part, padding. */
static void
image_rec(FILE *f, uint32_t type, const void *fixed, size_t nfixed, const void *var, size_t nvar)
{
    static const uint8_t zeros[8];
    uint8_t h[IMAGE_REC_HEADER];
    size_t len = nfixed + nvar;

    image_put32(h, type);
    image_put32(h + 4, (uint32_t)len);
    fwrite(h, 1, sizeof(h), f);
    if (nfixed)
        fwrite(fixed, 1, nfixed, f);
    if (nvar)
        fwrite(var, 1, nvar, f);
    if (len % 8)
        fwrite(zeros, 1, 8 - len % 8, f);
}

static int
image_page_cmp(const void *a, const void *b)
{
    const struct image_wpage *const *x = a, *const *y = b;

    return (*x)->base < (*y)->base ? -1 : (*x)->base > (*y)->base;
}

/* Emit every run of known bytes as a RANGE, merging runs across page boundaries. */
static void
image_write_ranges(FILE *f, struct image_writer *w)
{
    struct image_wpage **order = xcalloc(w->npages ? w->npages : 1, sizeof(*order));
    uint8_t *run = xmalloc(IMAGE_RANGE_FIXED + IMAGE_MAX_RANGE);
    uint64_t run_addr = 0;
    size_t run_len = 0, n = 0, i, k;

    for (i = 0; i < w->cap; i++) {
        if (w->pages[i].base != UINT64_MAX)
            order[n++] = &w->pages[i];
    }
    qsort(order, n, sizeof(*order), image_page_cmp);
    for (i = 0; i < n; i++) {
        const struct image_wpage *pg = order[i];

        for (k = 0; k < SOURCE_PAGE; k++) {
            bool known = pg->mask[k / 8] & (1u << (k % 8));

            if (known && run_len && run_addr + run_len == pg->base + k &&
                run_len < IMAGE_MAX_RANGE) {
                run[IMAGE_RANGE_FIXED + run_len++] = pg->data[k];
                continue;
            }
            if (run_len) {
                image_put64(run, run_addr);
                image_rec(f, IMAGE_REC_RANGE, run, IMAGE_RANGE_FIXED + run_len, NULL, 0);
                run_len = 0;
            }
            if (known) {
                run_addr = pg->base + k;
                run[IMAGE_RANGE_FIXED + run_len++] = pg->data[k];
            }
        }
    }
    if (run_len) {
        image_put64(run, run_addr);
        image_rec(f, IMAGE_REC_RANGE, run, IMAGE_RANGE_FIXED + run_len, NULL, 0);
    }
    free(run);
    free(order);
}

static void
image_write_all(FILE *f, struct image_writer *w)
{
    uint8_t hdr[IMAGE_HEADER] = { 0 }, info[IMAGE_INFO_LEN] = { 0 }, fx[IMAGE_FIELD_FIXED];
    const struct image_runtime *rt = &w->rt;
    size_t i;

    memcpy(hdr, IMAGE_MAGIC, 8);
    image_put32(hdr + 8, IMAGE_VERSION);
    fwrite(hdr, 1, sizeof(hdr), f);
    image_put32(info, (uint32_t)rt->pid);
    image_put32(info + 4, (uint32_t)rt->pthread_tid_off);
    image_put64(info + 8, rt->runtime_addr);
    image_put64(info + 16, rt->version_hex);
    memcpy(info + 24, rt->version, strnlen(rt->version, 31));
    memcpy(info + 56, rt->layout_source, strnlen(rt->layout_source, 63));
    image_rec(f, IMAGE_REC_INFO, info, sizeof(info), NULL, 0);
    for (i = 0; i < rt->nfields; i++) {
        const struct image_field *lf = &rt->fields[i];

        memset(fx, 0, sizeof(fx));
        image_put32(fx, lf->off);
        image_put32(fx + 4, lf->size);
        fx[8] = (uint8_t)lf->bit_off;
        fx[9] = (uint8_t)(lf->bit_off >> 8);
        fx[10] = (uint8_t)lf->bit_size;
        fx[11] = (uint8_t)(lf->bit_size >> 8);
        fx[12] = lf->src;
        image_rec(f, IMAGE_REC_FIELD, fx, sizeof(fx), lf->name,
                  strnlen(lf->name, IMAGE_NAME_MAX - 1));
    }
    for (i = 0; i < w->nt; i++) {
        uint8_t tx[IMAGE_THREAD_FIXED];

        image_put64(tx, (uint64_t)w->t[i].tid);
        image_put64(tx + 8, (uint64_t)w->t[i].ns_tid);
        image_rec(f, IMAGE_REC_THREAD, tx, sizeof(tx), w->t[i].name,
                  strnlen(w->t[i].name, IMAGE_NAME_MAX - 1));
    }
    if (rt->note_len && rt->note_len <= UINT32_MAX - 8)
        image_rec(f, IMAGE_REC_NOTE, rt->note, rt->note_len, NULL, 0);
    image_write_ranges(f, w);
}

int
image_writer_save(struct image_writer *w, const char *path)
{
    char tmp[PATH_MAX];
    FILE *f;
    int fd;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
        return err_set(AIO_E_IO, "path too long: %s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(AIO_E_IO, "cannot create %s: %s", tmp, strerror(errno));
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return err_set(AIO_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    image_write_all(f, w);
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return err_set(AIO_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return err_set(AIO_E_IO, "cannot write %s: %s", path, strerror(errno));
    }
    return 0;
}

void
image_writer_free(struct image_writer *w)
{
    size_t i;

    if (!w)
        return;
    for (i = 0; i < w->cap; i++)
        free(w->pages[i].data);
    free(w->pages);
    free(w->t);
    free(w->fields);
    free(w->note);
    free(w);
}
