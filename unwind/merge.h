/*
 * merge.h - merge a thread's native stack with its Python frames.  Pure: no
 * libunwind, no target; only the snapshot model.
 *
 * Rules (both lists innermost first):
 *  - A native frame is an eval-loop frame when its function is CPython's
 *    _PyEval_EvalFrameDefault (or a compiler split of it, ".cold" ...): the
 *    only function that runs bytecode in every version 3.8-3.13.  The
 *    wrappers PyEval_EvalFrame(Ex), _PyEval_EvalCode(WithName),
 *    _PyEval_Vector and the inline _PyEval_EvalFrame only call it.
 *  - Each eval-loop frame stands for the thread's next run of Python frames:
 *    up to and including the next frame with py_entry set (3.8-3.10: one
 *    frame; 3.11+: every frame the loop runs without a C call between).
 *  - UNWIND_MERGE: the eval-loop frame is replaced by its run.  UNWIND_ALL:
 *    it is kept and its run follows it (on its outer side).  Every other
 *    native frame is kept as it is.
 *  - Mismatch: an eval-loop frame left without a run is kept as a native
 *    frame; Python frames left without an eval-loop frame are appended after
 *    the native stack (outermost).  Either adds one SNAP_DIAG_THREAD
 *    diagnostic.  Python frames are never dropped.
 */
#ifndef AIO_UNWIND_MERGE_H
#define AIO_UNWIND_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../snapshot/snapshot.h"
#include "unwind.h"

/* Whether a native function name is CPython's eval loop (NULL: no). */
bool merge_is_eval(const char *function);

struct merge_result {
    size_t eval_frames;         /* eval-loop frames in the native stack */
    size_t runs;                /* Python runs in the thread's stack */
    size_t matched;             /* eval-loop frames that received a run */
    size_t py_left;             /* Python frames appended without an eval-loop frame */
};

/*
 * Replace the frame range of thread ti of s with native[0..nnative) merged
 * with the thread's current (Python) range, appended at the end of s->frames.
 * native must not point into s->frames; its strings must live as long as s
 * (the snapshot's arena).  Adds a diagnostic on a mismatch.  out may be NULL.
 */
void merge_thread(struct snap *s, size_t ti, const struct snap_frame *native, size_t nnative,
                  enum unwind_merge mode, struct merge_result *out);

#endif
