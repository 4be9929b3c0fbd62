#include "merge.h"

#include <string.h>

#include "../common/err.h"

#define MERGE_EVAL_NAME "_PyEval_EvalFrameDefault"

bool
merge_is_eval(const char *function)
{
    size_t n = sizeof(MERGE_EVAL_NAME) - 1;

    if (!function || strncmp(function, MERGE_EVAL_NAME, n) != 0)
        return false;
    /* GCC names the parts it splits off "<name>.cold", "<name>.part.0", ... */
    return function[n] == '\0' || function[n] == '.';
}

/* Append a copy of frame i of s (copied first: appending may move s->frames). */
static void
merge_copy(struct snap *s, size_t i)
{
    struct snap_frame f = s->frames[i];

    *snap_frame_add(s) = f;
}

static size_t
merge_count_runs(const struct snap *s, size_t first, size_t n)
{
    size_t i, runs = 0;

    for (i = 0; i < n; i++) {
        if (s->frames[first + i].py_entry || i + 1 == n)
            runs++;
    }
    return runs;
}

void
merge_thread(struct snap *s, size_t ti, const struct snap_frame *native, size_t nnative,
             enum unwind_merge mode, struct merge_result *out)
{
    size_t py_first = s->threads[ti].frame_first;
    size_t py_n = s->threads[ti].frame_count;
    size_t new_first = s->nframes, p = 0, i;
    struct merge_result r = { 0, 0, 0, 0 };

    r.runs = merge_count_runs(s, py_first, py_n);
    for (i = 0; i < nnative; i++) {
        bool eval = native[i].kind == SNAP_FRAME_NATIVE && merge_is_eval(native[i].function.s);

        if (eval)
            r.eval_frames++;
        if (!eval || p == py_n || mode == UNWIND_ALL)
            *snap_frame_add(s) = native[i];
        if (!eval || p == py_n)
            continue;
        r.matched++;
        /* the run: up to and including the next entry frame (bounded by py_n) */
        while (p < py_n) {
            bool entry = s->frames[py_first + p].py_entry;

            merge_copy(s, py_first + p);
            p++;
            if (entry)
                break;
        }
    }
    r.py_left = py_n - p;
    for (; p < py_n; p++)
        merge_copy(s, py_first + p);
    s->threads[ti].frame_first = new_first;
    s->threads[ti].frame_count = s->nframes - new_first;
    if (r.eval_frames == 0 && r.py_left > 0)
        snap_diag_add(s, SNAP_DIAG_THREAD, ti, AIO_E_LAYOUT,
                      "native stack of thread %ld: no frame of the eval loop (%s) can be named, "
                      "the interpreter is stripped (install its -dbg package); its %zu Python "
                      "frames are appended outermost", s->threads[ti].tid, MERGE_EVAL_NAME,
                      r.py_left);
    else if (r.matched < r.eval_frames || r.py_left > 0)
        snap_diag_add(s, SNAP_DIAG_THREAD, ti, AIO_E_CORRUPT,
                      "native stack of thread %ld has %zu eval-loop frames for %zu Python runs; "
                      "%zu unmatched eval-loop frames kept, %zu Python frames appended outermost",
                      s->threads[ti].tid, r.eval_frames, r.runs, r.eval_frames - r.matched,
                      r.py_left);
    if (out)
        *out = r;
}
