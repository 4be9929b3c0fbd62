/*
 * model.h - the pure logic of the live view that is not the rows (rows.h):
 * how old each task is, what the history says of it, each thread's CPU
 * share, the collapsed tasks, scrolling, glyphs and short text formats.
 * No curses and no I/O here, so all of it is unit-tested
 * (tests/unit/check_ui.c).
 *
 * Task identities survive refreshes as (task address, coroutine address):
 * indices into snap.tasks do not.
 */
#ifndef AIO_UI_MODEL_H
#define AIO_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"
#include "../snapshot/tree.h"

/* ------------------------------------------------------------ first seen */

struct ui_seen {
    uint64_t addr, coro;        /* identity: the task's and its coroutine's addresses, */
    uint64_t names;             /* and a hash of its name and coroutine name (addresses are
                                 * reused by the next task of the same size) */
    uint64_t first_ns;          /* time of the first snapshot it was in */
};

struct ui_ages {
    struct ui_seen *sorted;     /* owned; by (addr, coro): the tasks of the last update */
    size_t nsorted;
    uint64_t *first;            /* owned; per task index of the last snapshot passed in */
    size_t nfirst;
};

/*
 * Record the tasks of s: a task already seen keeps its first-seen time, a
 * new one gets now_ns.  A task is the one seen before when its address,
 * its coroutine's address, its name and its coroutine's name are all the
 * same (a churning loop reuses both addresses for the next task at once;
 * names, "Task-N" by default, differ).  Tasks absent from s are forgotten.
 * After the call first[i] is task i's time.
 */
void ui_ages_update(struct ui_ages *a, const struct snap *s, uint64_t now_ns);
void ui_ages_free(struct ui_ages *a);

/* ------------------------------------------------------------ activity */

#define UI_ACT_KNOWN    0x1u    /* the task is in the history */
#define UI_ACT_STUCK    0x2u    /* stack unchanged for longer than --stuck */
#define UI_ACT_SWALLOW  0x4u    /* cancellation requested, yet it kept running */
#define UI_ACT_CRITICAL 0x8u    /* matches a --critical pattern */

/* What the history says about one task of the snapshot shown. */
struct ui_act {
    unsigned flags;             /* UI_ACT_* */
    unsigned samples, running;  /* samples it was in, and running in */
    uint64_t idle_ns;           /* since its stack last changed */
};

/*
 * out[0 .. s->ntasks): each task of s looked up in h by (address,
 * coroutine address).  h must have been updated with s last (its `live`
 * list is then s's tasks); a task not found gets flags 0.
 */
void ui_act_build(struct ui_act *out, const struct history *h, const struct snap *s);

/* The running share in tenths of a percent (0 .. 1000); 0 with no samples. */
unsigned ui_act_permille(const struct ui_act *a);

/* ------------------------------------------------------------ thread CPU */

/*
 * CPU share of each thread between two snapshots, from their cpu_ns.
 * Keep one struct across refreshes (zero-initialise it first).
 */
struct ui_cpu {
    long *tid;                  /* owned; the previous snapshot's threads, ascending */
    uint64_t *ns;               /* owned; their cpu_ns */
    size_t n;
    uint64_t t_ns;              /* taken_at_ns of the previous snapshot */
    double *pct;                /* owned; per thread of the last snapshot, < 0: unknown */
    size_t npct;
};

/*
 * pct[i] for thread i of s: CPU time used since the previous snapshot over
 * the wall time between the two, in percent (a thread on one CPU: <= 100).
 * Unknown (-1) for the first snapshot, a new thread, a thread without
 * cpu_ns, or time not moving forward.
 */
void ui_cpu_update(struct ui_cpu *c, const struct snap *s);
void ui_cpu_free(struct ui_cpu *c);

/* ------------------------------------------------------------ address set */

/* A sorted set of task addresses (collapsed tasks survive refreshes by address). */
struct ui_addrset {
    uint64_t *v;                /* owned; ascending, unique */
    size_t n, cap;
};

bool ui_addrset_has(const struct ui_addrset *set, uint64_t addr);
void ui_addrset_add(struct ui_addrset *set, uint64_t addr);
void ui_addrset_del(struct ui_addrset *set, uint64_t addr);
void ui_addrset_clear(struct ui_addrset *set);
void ui_addrset_free(struct ui_addrset *set);

/*
 * Fill flags[0 .. s->ntasks) with 1 for every task whose address is in set
 * (the tree_view.collapsed array).
 */
void ui_addrset_mark(const struct ui_addrset *set, const struct snap *s, unsigned char *flags);

/* The glyphs drawn before a row's name. */
struct ui_glyphs {
    const char *vert, *blank, *tee, *ell;       /* 2 columns each */
    const char *collapsed, *expanded, *leaf;    /* 1 column each */
    const char *times;                          /* "×" or "x" */
    const char *ellipsis;                       /* "…" or "~" */
};

/* The UTF-8 line-drawing set, or the ASCII fallback for other locales. */
const struct ui_glyphs *ui_glyphs_get(bool utf8);

/*
 * Scrolling: the first row shown so that `sel` is visible in a pane of
 * `height` rows, moving `top` as little as possible.
 */
size_t ui_scroll_fit(size_t top, size_t sel, size_t nrows, size_t height);

/* ------------------------------------------------------------ text */

/* "0s" "59s" "3m04s" "2h05m" "3d04h": an age for a fixed-width column (<= 6 columns). */
void ui_fmt_age(char *buf, size_t size, uint64_t ns);

/* "850us" "12.3ms" "1.25s" "3m04s": a duration with useful precision. */
void ui_fmt_dur(char *buf, size_t size, uint64_t ns);

/* The last path component of a file name (bytes, not escaped). */
const char *ui_basename(const char *path, size_t len, size_t *outlen);

#endif
