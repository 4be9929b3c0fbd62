/*
 * task_where.c - where a task is, past what its coroutine chain says:
 *   - a running task's whole stack: the frames its thread executes above
 *     the task's innermost coroutine frame (plain calls made by the
 *     coroutine) are put in front of its stack (snap_task.thread_frames);
 *   - every task's user frame: the innermost frame outside the target's
 *     standard library, its site-/dist-packages directories and the
 *     --lib-path prefixes (snap_task.user_frame).
 * The standard library's directory comes from the target's own modules
 * (the __file__ of asyncio, os, threading in sys.modules), never from this
 * host's Python.  Runs after the tasks and threads are read.
 */
#include <string.h>

#include "pyint.h"

/* Directories of the standard library kept (one per module probed). */
#define MAX_STDLIB_DIRS 4

struct tw_libs {
    struct snap_str dir[MAX_STDLIB_DIRS];   /* each ends with '/' */
    size_t n;
    const char *const *prefixes;            /* --lib-path, borrowed */
    size_t nprefixes;
};

/* ---- a running task's thread frames ---- */

static bool
tw_str_same(const struct snap_str *a, const struct snap_str *b)
{
    if (!a->s || !b->s)
        return !a->s && !b->s;
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static bool
tw_frame_same(const struct snap_frame *a, const struct snap_frame *b)
{
    return a->kind == SNAP_FRAME_PYTHON && b->kind == SNAP_FRAME_PYTHON &&
           a->line == b->line && tw_str_same(&a->function, &b->function) &&
           tw_str_same(&a->file, &b->file);
}

static const struct snap_thread *
tw_thread_of(const struct snap *s, long tid)
{
    size_t i;

    for (i = 0; tid && i < s->nthreads; i++) {
        if (s->threads[i].tid == tid)
            return &s->threads[i];
    }
    return NULL;
}

/*
 * The running task's innermost coroutine frame is in its thread's stack;
 * the thread's newer frames go in front of the task's own, as a fresh
 * contiguous copy at the end of snap.frames.
 */
static void
tw_thread_frames(struct snap *s, size_t task)
{
    struct snap_task *t = &s->tasks[task];
    const struct snap_thread *th = tw_thread_of(s, t->thread_tid);
    size_t tf, k, n, first, i;

    if (!th || !t->frame_count || t->frame_first >= s->nframes ||
        t->frame_count > s->nframes - t->frame_first ||
        th->frame_first > s->nframes || th->frame_count > s->nframes - th->frame_first)
        return;
    tf = t->frame_first;
    for (k = 0; k < th->frame_count; k++) {
        if (tw_frame_same(&s->frames[th->frame_first + k], &s->frames[tf]))
            break;
    }
    if (k == 0 || k == th->frame_count || k + t->frame_count > MAX_FRAMES)
        return;
    n = t->frame_count;
    first = s->nframes;
    /* indices, not pointers: snap_frame_add may move the array */
    for (i = 0; i < k + n; i++) {
        struct snap_frame fr = s->frames[i < k ? th->frame_first + i : tf + i - k];

        *snap_frame_add(s) = fr;
    }
    t = &s->tasks[task];
    t->frame_first = first;
    t->frame_count = k + n;
    t->thread_frames = k;
}

/* ---- the user frame ---- */

/* Directory of a module's __file__, `up` levels above the file itself, into the libs. */
static void
tw_stdlib_from(struct py_ctx *c, uint64_t modules, const char *name, int up, struct tw_libs *L)
{
    uint64_t mod = 0, mdict = 0, file = 0;
    struct snap_str path;
    bool cut = false;
    size_t len, i;

    if (L->n >= MAX_STDLIB_DIRS ||
        py_dict_get_str(c, modules, name, &mod) < 0 || !mod ||
        py_read_ptr(c, mod, PYF_MOD_DICT, &mdict) < 0 || !mdict ||
        py_dict_get_str(c, mdict, "__file__", &file) < 0 || !file ||
        py_read_str(c, file, MAX_NAME_BYTES, &path, &cut) < 0 || cut || !path.s ||
        path.s[0] != '/')
        return;
    len = path.len;
    for (; up > 0; up--) {
        while (len > 0 && path.s[len - 1] != '/')
            len--;
        if (len <= 1)
            return;
        len--;          /* the '/' itself */
    }
    len++;              /* keep the trailing '/' */
    for (i = 0; i < L->n; i++) {
        if (L->dir[i].len == len && memcmp(L->dir[i].s, path.s, len) == 0)
            return;
    }
    L->dir[L->n++] = snap_str_from(c->snap, path.s, len);
}

static void
tw_libs_find(struct py_ctx *c, struct tw_libs *L)
{
    uint64_t interp = 0, modules = 0;

    if (!layout_has(c->L, PYF_MOD_DICT) || !layout_has(c->L, PYF_DK_INDICES) ||
        py_read_ptr(c, c->runtime, PYF_RT_INTERP_HEAD, &interp) < 0 || !interp ||
        py_read_ptr(c, interp, PYF_IS_MODULES, &modules) < 0 || !modules)
        return;
    /* asyncio/__init__.py: two levels; os.py, threading.py: one (os may be frozen: no __file__) */
    tw_stdlib_from(c, modules, "asyncio", 2, L);
    tw_stdlib_from(c, modules, "os", 1, L);
    tw_stdlib_from(c, modules, "threading", 1, L);
}

static bool
tw_has_prefix(const struct snap_str *f, const char *p, size_t n)
{
    return n && f->len >= n && memcmp(f->s, p, n) == 0;
}

/* Whether a frame's file belongs to the standard library or a library. */
static bool
tw_is_library(const struct tw_libs *L, const struct snap_str *f)
{
    size_t i;

    if (!f->s)
        return true;
    if (tw_has_prefix(f, "<frozen ", 8) ||
        memmem(f->s, f->len, "/site-packages/", 15) || memmem(f->s, f->len, "/dist-packages/", 15))
        return true;
    for (i = 0; i < L->n; i++) {
        if (tw_has_prefix(f, L->dir[i].s, L->dir[i].len))
            return true;
    }
    for (i = 0; i < L->nprefixes; i++) {
        if (tw_has_prefix(f, L->prefixes[i], strlen(L->prefixes[i])))
            return true;
    }
    return false;
}

static void
tw_user_frame(struct snap *s, const struct tw_libs *L, struct snap_task *t)
{
    size_t i;

    t->user_frame = SNAP_NO_FRAME;
    for (i = 0; i < t->frame_count && t->frame_first + i < s->nframes; i++) {
        const struct snap_frame *fr = &s->frames[t->frame_first + i];

        if (fr->kind == SNAP_FRAME_PYTHON && !tw_is_library(L, &fr->file)) {
            t->user_frame = i;
            return;
        }
    }
}

void
py_tasks_where(struct py_ctx *c)
{
    struct snap *s = c->snap;
    struct tw_libs L = { .prefixes = c->lib_prefixes, .nprefixes = c->nlib_prefixes };
    size_t i;

    for (i = 0; i < s->ntasks; i++) {
        if (s->tasks[i].running && s->tasks[i].state == SNAP_TASK_PENDING)
            tw_thread_frames(s, i);
    }
    if (!s->ntasks)
        return;
    tw_libs_find(c, &L);
    for (i = 0; i < s->ntasks; i++)
        tw_user_frame(s, &L, &s->tasks[i]);
}
