/*
 * source.h - where target memory and threads come from.
 *
 * A source is a live process (live.c: ptrace + process_vm_readv), a core
 * file (core.c) or a memory image (image.c).  Walkers see only this
 * interface, so they cannot tell which one they run on.  This is the ONLY
 * code that touches target memory: every read either fills the whole buffer
 * or fails with a negative AIO_E_* code (a short read is an error).  What
 * only one kind knows (the command line, thread CPU times, whether the
 * target is still there, how it holds still, where its files are seen from
 * here) is an operation too, so that no caller asks which kind it holds.
 */
#ifndef AIO_ATTACH_SOURCE_H
#define AIO_ATTACH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "maps.h"

struct source;

/* How a target holds still for a walk. */
enum source_motion {
    SOURCE_STATIC,              /* it never changes: a core, an image */
    SOURCE_STOPPED,             /* it runs, and source_stop stops it: a live process */
    SOURCE_RUNNING,             /* it runs and is read running: a live process, --nonblocking */
    SOURCE_HELD,                /* it runs between walks, and a tracer of ours holds it stopped
                                 * for this one (--run): source_stop does nothing */
};

struct source_ops {
    /* Read len bytes at addr into buf; 0 or -AIO_E_FAULT / -AIO_E_EXITED. */
    int (*read)(struct source *src, uint64_t addr, void *buf, size_t len);
    /* Stop every thread (no-op for static sources). */
    int (*stop)(struct source *src);
    /* Let every thread go exactly as it was. Must be safe to call twice. */
    void (*resume)(struct source *src);
    void (*close)(struct source *src);
    /* Name of thread tid into buf ("" if unknown); may be NULL. */
    void (*thread_name)(struct source *src, long tid, char *buf, size_t size);
    /*
     * General registers of a stopped thread as the kernel's struct
     * user_regs_struct (x86_64) into regs; 0 or negative AIO_E_*.  May be NULL.
     */
    int (*thread_regs)(struct source *src, long tid, void *regs, size_t size);
    /*
     * Read n (<= SOURCE_IOV_MAX) separate ranges in one go, like
     * process_vm_readv: returns the number of bytes read, which covers whole
     * elements and stops at the first that cannot be read, or a negative
     * AIO_E_* code.  May be NULL (then each range is read on its own).
     */
    long (*readv)(struct source *src, const struct iovec *local, const struct iovec *remote,
                  size_t n);
    /*
     * The tid as seen from here of a thread whose tid the target knows in its
     * own PID namespace (containers); may be NULL (identity).
     */
    long (*host_tid)(struct source *src, long ns_tid);
    /*
     * Where this side opens the target's file path (see source_host_path);
     * NULL: nowhere (the source has no files).
     */
    int (*host_path)(struct source *src, const char *path, char *out, size_t size);
    /* Read the memory map again (before a stop, never under it); may be NULL. */
    int (*refresh_maps)(struct source *src);
    /*
     * The command line, argv joined by spaces, into buf (raw target bytes,
     * not NUL-terminated): the number of bytes, 0 when unknown.  May be NULL.
     */
    size_t (*cmdline)(struct source *src, char *buf, size_t size);
    /* CPU time thread tid used so far, in ns; 0 or negative AIO_E_*.  May be NULL. */
    int (*thread_cpu)(struct source *src, long tid, uint64_t *ns);
    /*
     * false once the target has gone (a live process that exited); NULL:
     * it cannot go (a core, an image).
     */
    bool (*alive)(struct source *src);
    /* How the target holds still for a walk (enum source_motion); NULL: SOURCE_STATIC. */
    enum source_motion (*motion)(struct source *src);
};

struct source_stats {
    uint64_t read_calls;        /* reads issued to the backend */
    uint64_t bytes_read;
    uint64_t cache_hits;
    uint64_t refreshed_pages;   /* pages re-read in batches by source_cache_refresh */
    uint64_t stopped_ns;        /* time between stop and resume */
};

#define SOURCE_PAGE 4096
#define SOURCE_IOV_MAX 1024     /* ranges per readv call (the kernel's UIO_MAXIOV) */
#define SOURCE_CACHE_PAGES 65536 /* 256 MiB of cached target pages at most (source_cache.c) */

struct source_page {
    uint64_t base;              /* page address */
    uint32_t gen;               /* valid only when equal to source.cache_gen */
    uint32_t data;              /* its copy: data page index in source.cache_data */
    int err;                    /* 0, or the error reading that page gave (no copy) */
};

struct source {
    const struct source_ops *ops;
    int pid;                    /* process id (0 for images) */
    struct maps maps;           /* owned: mappings of the target */
    long *tids;                 /* owned: thread ids, main thread first */
    size_t ntids;
    bool cache_on;              /* page cache valid only while the target is stopped */
    struct source_page *cache;  /* owned: hash table of the cached pages, allocated on first use */
    unsigned char *cache_data;  /* owned, SOURCE_CACHE_PAGES pages, touched by the walk before the stop */
    bool cache_mapped;          /* cache_data came from mmap (else malloc) */
    void *cache_runs;           /* owned: scratch of source_cache_refresh */
    uint32_t cache_gen;         /* bumped to drop the whole cache in O(1) */
    uint32_t cache_used;        /* data pages of this generation */
    uint32_t cache_slots_used;  /* table slots of this generation */
    bool cache_full;            /* a page did not fit: read uncached */
    uint64_t *cache_kept_pages; /* owned: the pages source_cache_suspend kept, by address */
    size_t cache_nkept;
    bool cache_kept_full;       /* the kept generation did not fit the cache */
    bool cache_frozen;          /* the target runs again: the cache is the snapshot */
    uint64_t frozen_misses;     /* reads the frozen copy could not serve */
    /*
     * Set by the caller: up to this many walks from the copy taken under a
     * stop, after the resume (source_walk_stopped); 0: walk under the stop.
     */
    unsigned frozen_rounds;
    void *regs_memo;            /* owned: the threads' registers of the last frozen stop */
    bool regs_memo_on;
    struct source_stats stats;
    void *priv;                 /* owned by the implementation */
};

/*
 * Read through the page cache when it is on (target stopped, or its copy
 * frozen), else straight from the backend.  0 on success, negative AIO_E_*
 * otherwise.
 */
int source_read(struct source *src, uint64_t addr, void *buf, size_t len);

/* Typed helpers over source_read. */
int source_read_ptr(struct source *src, uint64_t addr, uint64_t *out);
int source_read_u32(struct source *src, uint64_t addr, uint32_t *out);
int source_read_i32(struct source *src, uint64_t addr, int32_t *out);
int source_read_i64(struct source *src, uint64_t addr, int64_t *out);

/*
 * Read a NUL-terminated string of at most max-1 bytes; out is always
 * NUL-terminated.  Reads never cross into an unmapped page needlessly.
 */
int source_read_cstr(struct source *src, uint64_t addr, char *out, size_t max);

/* Allocate the page cache (call before stopping the target; pages fault in as first used). */
void source_cache_prepare(struct source *src);

/* Free the page cache (source_close does). */
void source_cache_free(struct source *src);

/* Pages kept by source_cache_suspend for the next refresh? */
bool source_cache_has_kept(const struct source *src);

/*
 * The target runs again: reads from now on count in src->frozen_misses what
 * the cache (the copy taken under the stop) lacked; they still read the
 * running target, so that the walk learns the pages to copy next time.
 */
void source_cache_freeze(struct source *src);

/* Turn the page cache on (after stop) or off (before resume); off drops it. */
void source_cache_enable(struct source *src, bool on);

/*
 * Turn the page cache off but keep the list of pages it holds: the next
 * source_cache_refresh re-reads exactly those.  A walk done while the target
 * runs (results thrown away) thus tells which pages the walk under the stop
 * will need, so that they are copied in a few large batches instead of one
 * call per miss, and touched once before the stop (the first touch of
 * another process's page is what costs most on virtual machines).
 */
void source_cache_suspend(struct source *src);

/*
 * Turn the page cache on with fresh contents: every page kept by
 * source_cache_suspend is re-read now, in batches of SOURCE_IOV_MAX; a page
 * that can no longer be read is dropped (a later read of it reports the
 * error).  Without kept pages this is source_cache_enable(src, true).
 * Returns the number of pages re-read.
 */
size_t source_cache_refresh(struct source *src);

int source_stop(struct source *src);
void source_resume(struct source *src);

/* Name of a thread (kernel comm for live processes); "" when unknown. */
void source_thread_name(struct source *src, long tid, char *buf, size_t size);

/* Registers of a stopped thread (see source_ops.thread_regs); -AIO_E_FAULT when unavailable. */
int source_thread_regs(struct source *src, long tid, void *regs, size_t size);

/*
 * Where this side can open the target's file `path` (as the target names it,
 * or as its memory map does) into out, libdwfl's find_elf idea: every reader
 * that opens a target file asks here, and never prefixes paths itself.
 *
 * A live process (live.c): the first candidate that is the very file the
 * target maps (same device and inode, when the memory map gives them) wins:
 * /proc/PID/root + path (a container), path itself (a chroot in this mount
 * namespace: the map's paths are this side's), /proc/PID/map_files/START-END
 * (a file since replaced or deleted).  0 when one fits; otherwise out is
 * /proc/PID/root + path and the result is negative.  A file the target does
 * not map (a Python source file, a debug file) is /proc/PID/root + path.
 * A core (core.c): the file its notes name, --exe for its executable, else
 * sysroot + path.  An image: it holds no files, -AIO_E_IO and out "".
 * A directory path is translated the same way (a debug directory).
 */
int source_host_path(struct source *src, const char *path, char *out, size_t size);

/* The target's memory map as it is now (call while it runs: before a stop); 0 or AIO_E_*. */
int source_refresh_maps(struct source *src);

/* The command line, argv joined by spaces (see source_ops.cmdline); 0 when unknown. */
size_t source_cmdline(struct source *src, char *buf, size_t size);

/* CPU time of thread tid so far (ns); 0, or negative AIO_E_* when unknown. */
int source_thread_cpu(struct source *src, long tid, uint64_t *ns);

/* false once a live target has exited; a core or an image is always there. */
bool source_alive(struct source *src);

/* How the target holds still for a walk (see enum source_motion). */
enum source_motion source_motion(struct source *src);

/* Where the time of one source_walk_stopped went (CLOCK_MONOTONIC ns; for -v). */
struct source_walk_stats {
    uint64_t start;             /* the call began (the pre-walk, if any, starts here) */
    uint64_t stop;              /* the stop was asked for */
    uint64_t stopped;           /* every thread stopped */
    uint64_t refreshed;         /* the batched re-read of the kept pages done */
    uint64_t walked;            /* the walk under the stop done (before the resume) */
    long faults;                /* page faults the walk under the stop took (ours) */
    uint64_t refreshed_pages;   /* pages the batched re-read brought in */
    uint64_t misses;            /* backend reads the walk under the stop still issued */
    unsigned rounds;            /* stops taken (one, or more when a copy lacked pages) */
    bool frozen;                /* the walk read the copy after the resume */
};

/*
 * A walk of the target: fn reads through src (source_read and friends) and
 * returns 0 or a negative AIO_E_*; arg is the caller's.
 */
typedef int (*source_walk_fn)(struct source *src, void *arg);

/*
 * The whole choreography of one consistent read, so that no mode drives it
 * step by step:
 *   1. prewalk (when not NULL, and the target is SOURCE_STOPPED; a held
 *      target is already stopped, so nothing is gained by reading it before):
 *      called while the target runs, with the page cache on; what it reads
 *      is kept as the list of pages to re-read under the stop (see
 *      source_cache_suspend); its result is ignored.  The caller decides when
 *      one is worth it (first walk, or the last walk missed many pages).
 *   2. the memory map read again (while the target still runs);
 *   3. stop (a no-op for a core, an image, --nonblocking);
 *   4. SOURCE_STOPPED, SOURCE_HELD: the kept pages re-read in batches
 *      (source_cache_refresh); SOURCE_STATIC: a fresh cache; SOURCE_RUNNING:
 *      no cache (a running target's pages go stale at once);
 *   5. fn, under the stop;
 *   6. SOURCE_STOPPED, SOURCE_HELD: the cache suspended (its pages are the ones to
 *      re-read next time), else dropped; the target resumed.
 * With src->frozen_rounds > 0 and a SOURCE_STOPPED target whose kept pages
 * fit the cache, 5 and 6 swap: the threads' registers are noted, the target
 * resumed, and fn walks the copy (source_cache_freeze), so that the target
 * is stopped only while its pages are copied.  A copy that lacked pages
 * (the target changed since they were learnt) is taken again with them, up
 * to frozen_rounds times; then fn runs under the stop as above.  fn must
 * thus start its results afresh on every call.
 * st (may be NULL) receives the times and counts; it is zeroed first.
 * Returns fn's result, or the stop's error (then fn never ran).
 */
int source_walk_stopped(struct source *src, source_walk_fn prewalk, source_walk_fn fn, void *arg,
                        struct source_walk_stats *st);

/*
 * The thread whose thread pointer (x86_64 fs_base: the address of libc's
 * struct pthread, i.e. its pthread_t) is tp, among src->tids; 0 if none or if
 * registers cannot be read (a running target, a source without registers).
 * *memo caches every thread's pointer for one stop: pass the same (zeroed at
 * first) struct source_tp_memo for all the threads of one walk, free it with
 * source_tp_memo_free.
 */
struct source_tp_memo {
    uint64_t *tp;               /* owned: fs_base per src->tids entry, 0 unknown */
    size_t n;
    bool filled;
};
long source_tid_by_thread_pointer(struct source *src, uint64_t tp, struct source_tp_memo *memo);
void source_tp_memo_free(struct source_tp_memo *memo);

/* Translate a tid of the target's PID namespace to ours (identity when unknown). */
long source_host_tid(struct source *src, long ns_tid);

/* Release everything; NULL is accepted.  Resumes a live target first. */
void source_close(struct source *src);

/* Common initialisation used by implementations. */
void source_init(struct source *src, const struct source_ops *ops, int pid);

#endif
