/*
 * unwind.h - native stacks of the target's threads, merged with their
 * Python frames.
 *
 * source (stopped) -> unwind_capture (libunwind over source_read +
 * source_thread_regs) -> unwind_finish (libdw/libelf symbols, merge) -> snap
 *
 * unwind_snapshot() does both; callers that care about how long the target
 * stays stopped call unwind_capture() while it is stopped and
 * unwind_finish() after resuming it: symbolising (the first time, loading
 * DWARF) touches only files, never the target.
 */
#ifndef AIO_UNWIND_H
#define AIO_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "../attach/source.h"
#include "../snapshot/snapshot.h"

/* Deepest native stack walked per thread; deeper stacks are cut and marked truncated. */
#define MAX_NATIVE_FRAMES 1024

enum unwind_merge {
    UNWIND_MERGE = 0,           /* eval-loop frames replaced by the Python frames they run */
    UNWIND_ALL = 1,             /* --native-all: keep every native frame */
};

struct unwinder;

/*
 * A new unwinder for src (borrowed: it must outlive the unwinder).  It
 * caches, across snapshots, the target's modules (ELF, symbols, DWARF, unwind
 * tables) and the symbol of every pc seen; the caches are rebuilt when
 * src->maps changes.  NULL on failure (libunwind or libdw could not start).
 */
struct unwinder *unwind_new(struct source *src);

/* Release u and its caches; NULL is accepted. */
void unwind_free(struct unwinder *u);

/*
 * Whether to look for separate debug information (/usr/lib/debug,
 * .gnu_debuglink) for file:line and the names of static functions; on by
 * default.  Off, names come only from the mapped files' own .symtab/.dynsym.
 */
void unwind_set_debuginfo(struct unwinder *u, bool on);

/*
 * Read target memory with libunwind-ptrace's accessors (PTRACE_PEEKDATA, one
 * word per call; live sources only) instead of source_read(); off by
 * default.  For comparison and as a fallback.
 */
void unwind_set_ptrace(struct unwinder *u, bool on);

/*
 * Walk the native stack of every thread of s (s->threads[i].tid) with
 * libunwind, reading only through source_read() and source_thread_regs();
 * the threads must be stopped.  Keeps the raw pcs inside u for
 * unwind_finish(); does not change s except for diagnostics.  Returns 0 when
 * at least one thread was unwound (or s has no threads), else a negative
 * AIO_E_* (FAULT: no registers, e.g. a source without thread_regs).
 */
int unwind_capture(struct unwinder *u, struct snap *s);

/*
 * Symbolise what unwind_capture() took for this same s and replace every
 * unwound thread's frame range by a merged one appended at the end of
 * s->frames (the old range is left unused; tasks' ranges are untouched).
 * Merge rules: merge.h.  Threads that could not be unwound keep their Python
 * frames and get a diagnostic.  Does not read the target.
 */
void unwind_finish(struct unwinder *u, struct snap *s, enum unwind_merge mode);

/*
 * unwind_capture() then unwind_finish().  Returns unwind_capture()'s
 * result; on failure s is unchanged except for diagnostics.
 */
int unwind_snapshot(struct unwinder *u, struct snap *s, enum unwind_merge mode);

/* Time spent in the last capture (target stopped) and finish, nanoseconds. */
struct unwind_stats {
    uint64_t capture_ns;
    uint64_t finish_ns;
    uint64_t frames;            /* native frames captured */
    uint64_t threads;           /* threads unwound */
    uint64_t walk_errors;       /* of those, walks that ended on an unwinding error, not at the
                                 * outermost frame (their stacks may lack outer frames) */
    uint64_t sym_misses;        /* pcs symbolised (not found in the pc cache) */
};
void unwind_get_stats(const struct unwinder *u, struct unwind_stats *out);

#endif
