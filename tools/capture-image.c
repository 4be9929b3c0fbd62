/*
 * capture-image - record what one snapshot's walk reads from a live Python
 * process into a memory image (attach/image.h), for unit tests and as
 * fuzzing seeds.
 *
 * usage: capture-image [--pages] [--layout=auto|dwarf|debug-offsets|table]
 *                      [--json FILE] PID OUT
 *
 * It attaches like --dump does (live source, py_runtime_open), stops the
 * process, and walks it through a recording source: every read is forwarded
 * to the live source, and the bytes it returned are kept (with --pages, the
 * whole pages they lie in, so a later walker that reads more of the same
 * objects still finds them).  The threads' names and namespace tids the walk
 * asked for are kept too.  The image's NOTE holds the JSON of that same live
 * snapshot, so a replay can be compared with it (tests/unit/check_image.c).
 *
 * Exit status: 0 written, 1 written from a partial snapshot, 2 error, 64 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/image.h"
#include "attach/live.h"
#include "attach/source.h"
#include "common/err.h"
#include "pyframes/layout.h"
#include "pyframes/pyframes.h"
#include "snapshot/snapshot.h"
#include "view/write.h"

struct rec_state {
    struct source *live;        /* borrowed */
    struct image_writer *w;     /* borrowed */
    bool pages;
};

static int
rec_read(struct source *src, uint64_t addr, void *buf, size_t len)
{
    struct rec_state *st = src->priv;
    int rc = st->live->ops->read(st->live, addr, buf, len);

    if (rc < 0)
        return rc;
    image_writer_add(st->w, addr, buf, len);
    if (st->pages) {
        static unsigned char page[SOURCE_PAGE];
        uint64_t p = addr & ~(uint64_t)(SOURCE_PAGE - 1);

        /* the pages of a successful read are mapped: keep them whole */
        for (; p < addr + len; p += SOURCE_PAGE) {
            if (st->live->ops->read(st->live, p, page, SOURCE_PAGE) == 0)
                image_writer_add(st->w, p, page, SOURCE_PAGE);
        }
    }
    return 0;
}

static void
rec_thread_name(struct source *src, long tid, char *buf, size_t size)
{
    struct rec_state *st = src->priv;

    source_thread_name(st->live, tid, buf, size);
    image_writer_thread(st->w, tid, 0, buf);
}

static long
rec_host_tid(struct source *src, long ns_tid)
{
    struct rec_state *st = src->priv;
    long tid = source_host_tid(st->live, ns_tid);

    image_writer_thread(st->w, tid, ns_tid, NULL);
    return tid;
}

static const struct source_ops rec_ops = {
    .read = rec_read,
    .thread_name = rec_thread_name,
    .host_tid = rec_host_tid,
};

/* The facts of rt as an image header (fields point into buf, PYF__COUNT rows). */
static void
image_facts_from(const struct py_runtime *rt, int pid, struct image_field *buf,
                 struct image_runtime *ir)
{
    int i;

    memset(ir, 0, sizeof(*ir));
    ir->pid = pid;
    ir->pthread_tid_off = rt->pthread_tid_off;
    ir->runtime_addr = rt->runtime_addr;
    ir->version_hex = rt->version_hex;
    snprintf(ir->version, sizeof(ir->version), "%s", rt->version);
    snprintf(ir->layout_source, sizeof(ir->layout_source), "%s", rt->layout_source);
    for (i = 0; i < PYF__COUNT; i++) {
        const struct layout_field *lf = &rt->L.f[i];
        struct image_field *f;

        if (!lf->present)
            continue;
        f = &buf[ir->nfields++];
        memset(f, 0, sizeof(*f));
        snprintf(f->name, sizeof(f->name), "%s", layout_descs[i].name);
        f->off = lf->off;
        f->size = lf->size;
        f->bit_off = lf->bit_off;
        f->bit_size = lf->bit_size;
        f->src = lf->src;
    }
    ir->fields = buf;
}

static int
usage(void)
{
    fprintf(stderr, "usage: capture-image [--pages] [--layout=auto|dwarf|debug-offsets|table] "
            "[--json FILE] PID OUT\n");
    return 64;
}

static int
fail(int rc)
{
    fprintf(stderr, "capture-image: %s\n", err_msg(rc));
    return 2;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "pages", no_argument, NULL, 'p' },
        { "layout", required_argument, NULL, 'l' },
        { "json", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    static struct image_field fields[PYF__COUNT];
    enum py_layout_choice layout = PY_LAYOUT_AUTO;
    struct source live, rec;
    struct rec_state st = { 0 };
    struct image_runtime ir;
    struct py_runtime *rt = calloc(1, sizeof(*rt));
    struct image_writer *w = NULL;
    struct snap *s = NULL;
    const char *json_path = NULL, *out;
    char *note = NULL, name[64];
    size_t note_len = 0, i;
    FILE *mf;
    long pid;
    char *end;
    int c, rc, status = 2;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            st.pages = true;
            break;
        case 'l':
            if (strcmp(optarg, "auto") == 0)
                layout = PY_LAYOUT_AUTO;
            else if (strcmp(optarg, "dwarf") == 0)
                layout = PY_LAYOUT_DWARF;
            else if (strcmp(optarg, "debug-offsets") == 0)
                layout = PY_LAYOUT_DEBUG_OFFSETS;
            else if (strcmp(optarg, "table") == 0)
                layout = PY_LAYOUT_TABLE;
            else
                return usage();
            break;
        case 'j':
            json_path = optarg;
            break;
        default:
            return usage();
        }
    }
    if (argc - optind != 2 || !rt)
        return usage();
    errno = 0;
    pid = strtol(argv[optind], &end, 10);
    if (errno || *end || pid <= 0 || pid > 0x7fffffff)
        return usage();
    out = argv[optind + 1];

    rc = live_open(&live, (int)pid, false);
    if (rc < 0) {
        source_close(&live);
        free(rt);
        return fail(rc);
    }
    rc = py_runtime_open(&live, layout, rt);
    if (rc < 0)
        goto out;
    image_facts_from(rt, (int)pid, fields, &ir);
    w = image_writer_new(&ir);
    source_init(&rec, &rec_ops, (int)pid);
    st.live = &live;
    st.w = w;
    rec.priv = &st;

    /* the page cache stays off: every read reaches rec_read with its exact bytes */
    s = snap_new((int)pid);
    rc = source_stop(&live);
    if (rc < 0)
        goto out;
    rc = py_snapshot_read(&rec, rt, s);
    for (i = 0; i < live.ntids; i++) {
        source_thread_name(&live, live.tids[i], name, sizeof(name));
        image_writer_thread(w, live.tids[i], 0, name);
    }
    source_resume(&live);
    if (rc < 0)
        goto out;

    mf = open_memstream(&note, &note_len);
    if (!mf) {
        rc = err_set(AIO_E_IO, "open_memstream: %s", strerror(errno));
        goto out;
    }
    snap_write_json(mf, s, NULL);
    if (fclose(mf) != 0) {
        rc = err_set(AIO_E_IO, "cannot format the snapshot");
        goto out;
    }
    image_writer_note(w, note, note_len);
    rc = image_writer_save(w, out);
out:
    source_close(&live);
    if (rc == 0 && json_path)
        rc = snap_write_path(json_path, s, SNAP_FMT_JSON, NULL);
    if (rc < 0) {
        status = fail(rc);
    } else {
        fprintf(stderr, "capture-image: Python %s (layout %s): %zu threads, %zu tasks, "
                "%zu bytes recorded -> %s\n", rt->version, rt->layout_source, s->nthreads,
                s->ntasks, w ? image_writer_bytes(w) : 0, out);
        status = (s->flags & SNAP_F_PARTIAL) ? 1 : 0;
    }
    snap_free(s);
    image_writer_free(w);
    free(note);
    free(rt);
    return status;
}
