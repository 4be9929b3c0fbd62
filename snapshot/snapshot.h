/*
 * snapshot.h - the in-memory model of one snapshot of a Python process.
 *
 * attach -> readers (pyframes, unwind) -> THIS MODEL -> views (text, JSON, TUI)
 *
 * Readers build a snapshot with the snap_* builder functions; views receive a
 * `const struct snap *` and only read it.  Everything a snapshot points to is
 * owned by the snapshot's arena and lives until snap_free().
 *
 * Strings that came from the target are stored as struct snap_str: raw bytes
 * with a length (they may contain NULs or invalid UTF-8).  They must reach
 * output only through common/escape.h.  A NULL .s means "unknown / null".
 */
#ifndef AIO_SNAPSHOT_H
#define AIO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"

struct snap_str {
    const char *s;      /* owned by the arena; NUL-terminated; NULL = null */
    size_t len;
};

enum snap_frame_kind {
    SNAP_FRAME_PYTHON = 0,
    SNAP_FRAME_NATIVE = 1,
};

struct snap_frame {
    enum snap_frame_kind kind;
    struct snap_str function;   /* co_name (python) or symbol name (native) */
    struct snap_str qualname;   /* co_qualname; null before 3.11 */
    struct snap_str file;       /* co_filename, or source file of a native frame */
    int line;                   /* 1-based; 0 = unknown */
    bool py_entry;              /* python: the first frame run by its own C call of the
                                 * eval loop (the place a native merge cuts) */
    /* native frames only */
    struct snap_str module;     /* object file the pc belongs to */
    uint64_t pc;
    uint64_t offset;            /* pc - symbol start, or pc - module base */
    /* python frames, with --locals: snap.locals[local_first .. +local_count] */
    size_t local_first;
    size_t local_count;
};

enum snap_local_kind {
    SNAP_LOCAL_ARG = 0,         /* a parameter (positional, keyword-only, *args, **kwargs) */
    SNAP_LOCAL_LOCAL = 1,
    SNAP_LOCAL_CELL = 2,        /* a local captured by an inner function */
    SNAP_LOCAL_FREE = 3,        /* a variable of an enclosing function */
    SNAP_LOCAL__COUNT
};

/* One argument or local variable of a frame (--locals), rendered without running target code. */
struct snap_local {
    struct snap_str name;
    struct snap_str type;       /* the value's type name; null when unbound */
    struct snap_str value;      /* safe rendering (repr-like, capped); null when unbound */
    enum snap_local_kind kind;
};

/* A list of frames in snap.frames: [first .. first+count-1], innermost first. */
struct snap_frames {
    size_t first;
    size_t count;
};

/* The exception a done task raised. */
struct snap_exc {
    struct snap_str type;       /* the class's __qualname__ */
    struct snap_str module;     /* its __module__ ("builtins" for built-in exceptions) */
    struct snap_str message;    /* what str(exc) gives for the usual cases, capped */
    struct snap_frames traceback;   /* where it was raised, innermost first */
    bool retrieved;             /* result()/exception() was called: it will not be logged */
    struct snap_exc *cause;     /* __cause__ (raise ... from), or NULL */
};

#define SNAP_MAX_CAUSES 8       /* __cause__ links kept (read, written, loaded) */

/* How a cancelled task was cancelled. */
struct snap_cancel {
    struct snap_str message;    /* cancel(msg=...), null when none */
    struct snap_frames traceback;   /* of the CancelledError, where CPython keeps it */
};

enum snap_task_state {
    SNAP_TASK_PENDING = 0,
    SNAP_TASK_DONE = 1,
    SNAP_TASK_CANCELLED = 2,
};

/*
 * Who cancelled a task: the tracker's record of the first cancel() call
 * that took effect (--track).
 */
struct snap_cancel_by {
    uint64_t task;              /* the task that called cancel(), 0 = not called from a task */
    struct snap_frames stack;   /* where cancel() was called, innermost first */
    struct snap_str message;    /* cancel(msg), null when none */
    uint64_t at_ns;             /* CLOCK_REALTIME of the call, 0 unknown */
};

/* What the tracker (--track) recorded about a task: where it came from, who cancelled it. */
struct snap_track {
    int64_t serial;             /* the tracker's creation number (1, 2, ...), 0 unknown */
    uint64_t created_by;        /* the task that created it, 0 = none (made outside a task) */
    int64_t creator_serial;     /* the creator's serial: tells it from a later task at the same
                                 * address; 0 unknown */
    struct snap_frames creation_stack;  /* where it was created, innermost first */
    const struct snap_cancel_by *cancelled_by;  /* NULL: not cancelled by a recorded call */
};

/* A task the tracker saw end (its ring of the last N, and every critical one). */
struct snap_ended {
    uint64_t addr;              /* the task's id (its address then; it may be reused since) */
    struct snap_str name;
    struct snap_str coro;       /* coroutine qualname, null unknown */
    enum snap_task_state state;  /* done or cancelled */
    uint64_t ended_at_ns;       /* CLOCK_REALTIME */
    const struct snap_exc *exception;   /* done with an exception, else NULL */
    const struct snap_track *track;     /* its creation and cancel records, NULL none */
    bool critical;              /* its name or coroutine matched --critical */
};

/* The tracker's own state in the target (--track), as read. */
struct snap_tracker {
    bool present;               /* the tracker is loaded in the target */
    bool enabled;               /* and recording */
    struct snap_str error;      /* why it disabled itself, null none */
    int64_t keep;               /* size of its ring of ended tasks */
    int64_t created, ended;     /* tasks it saw created / end since it was installed */
    uint64_t installed_ns;      /* CLOCK_REALTIME */
};

struct snap_thread {
    long tid;                   /* native (kernel) thread id */
    uint64_t thread_id;         /* Python's threading.get_ident() */
    struct snap_str name;       /* threading's name (Thread.name) when known, else comm */
    struct snap_str comm;       /* the kernel's name: /proc/PID/task/TID/comm */
    bool holds_gil;
    bool is_main;
    bool truncated;             /* frames were cut at the depth bound */
    bool native_only;           /* no Python thread state: listed (with --native) for its
                                 * native stack; thread_id is 0 */
    bool cpu_known;             /* cpu_ns was read */
    uint64_t cpu_ns;            /* user + system CPU time so far (/proc/PID/task/TID/stat) */
    size_t frame_first;         /* index into snap.frames */
    size_t frame_count;         /* innermost first */
};


enum snap_wait_kind {
    SNAP_WAIT_TASK = 0,         /* another task (the awaited ids are the task's edges) */
    SNAP_WAIT_GATHER,           /* a gather()'s future */
    SNAP_WAIT_TASKGROUP,        /* TaskGroup.__aexit__: the group's tasks */
    SNAP_WAIT_LOCK,             /* Lock.acquire */
    SNAP_WAIT_SEMAPHORE,        /* (Bounded)Semaphore.acquire */
    SNAP_WAIT_EVENT,            /* Event.wait */
    SNAP_WAIT_CONDITION,        /* Condition.wait */
    SNAP_WAIT_QUEUE_GET,        /* Queue.get (and Priority/Lifo) */
    SNAP_WAIT_QUEUE_PUT,        /* Queue.put */
    SNAP_WAIT_SLEEP,            /* asyncio.sleep's timer */
    SNAP_WAIT_EXECUTOR,         /* a run_in_executor / to_thread job */
    SNAP_WAIT_SOCKET,           /* a stream, sock_* call or transport */
    SNAP_WAIT_SUBPROCESS,       /* Process.wait / communicate */
    SNAP_WAIT_FUTURE,           /* a plain future */
    SNAP_WAIT_UNKNOWN,          /* anything else: detail is the awaited object's type */
    SNAP_WAIT__COUNT            /* a new kind: a value above, its name in snapshot.c */
};

/* Which facts of a snap_wait are known (SNAP_WK_*), one bit each. */
#define SNAP_WK_LOCKED       0x0001u
#define SNAP_WK_WAITERS      0x0002u
#define SNAP_WK_VALUE        0x0004u
#define SNAP_WK_IS_SET       0x0008u
#define SNAP_WK_QSIZE        0x0010u
#define SNAP_WK_MAXSIZE      0x0020u
#define SNAP_WK_SECONDS_LEFT 0x0040u
#define SNAP_WK_THREAD       0x0080u    /* thread known: tid (0 = the job is still queued) */
#define SNAP_WK_FD           0x0100u
#define SNAP_WK_LOCAL        0x0200u
#define SNAP_WK_PEER         0x0400u
#define SNAP_WK_DIRECTION    0x0800u
#define SNAP_WK_PID          0x1000u
#define SNAP_WK_TIMEOUT_IN   0x2000u

enum snap_wait_dir { SNAP_WAIT_READ = 0, SNAP_WAIT_WRITE = 1 };

/* What a pending task waits on (the innermost awaited object) and the facts read about it. */
struct snap_wait {
    enum snap_wait_kind kind;
    uint64_t object;            /* the primitive (Lock, Queue, ...) or awaited future; 0 none */
    struct snap_str detail;     /* the object's type name, a short note; null when none */
    unsigned known;             /* SNAP_WK_* */
    bool locked;                /* lock: held; condition: its lock is held */
    bool is_set;                /* event */
    int64_t waiters;            /* futures queued on the primitive (getters/putters of a queue) */
    int64_t value;              /* semaphore */
    int64_t qsize, maxsize;     /* queue; maxsize 0 = unbounded */
    double seconds_left;        /* sleep: until its timer fires (< 0: overdue) */
    double timeout_in;          /* an enclosing asyncio.timeout()/wait_for deadline */
    long thread;                /* executor: the worker's native tid, 0 = queued */
    int fd;                     /* socket */
    struct snap_str local, peer;    /* socket: "IP:PORT", "[IPv6]:PORT" or a Unix path */
    enum snap_wait_dir direction;
    int pid;                    /* subprocess */
};

struct snap_task {
    uint64_t addr;              /* address of the task object (its id) */
    struct snap_str name;
    enum snap_task_state state;
    struct snap_str coro;       /* coroutine qualname */
    uint64_t coro_addr;
    uint64_t loop;              /* address of its event loop, 0 = unknown */
    long thread_tid;            /* native tid running its loop, 0 = unknown */
    bool running;               /* it is the current task of its loop */
    bool must_cancel;
    int cancel_requests;        /* task_num_cancels_requested */
    bool stack_truncated;       /* coroutine stack was cut at the bound */
    uint64_t group;             /* TaskGroup it was created in, 0 = none known */
    bool in_cycle;              /* on an await cycle (a deadlock), see snap.cycles */
    size_t frame_first;         /* index into snap.frames */
    size_t frame_count;         /* innermost first */
    size_t thread_frames;       /* running task: its first frames are what its thread runs
                                 * above the coroutine (plain calls), not awaits */
    size_t user_frame;          /* index into its stack of the user frame, SNAP_NO_FRAME none */
    uint64_t waiter;            /* the future it awaits (fut_waiter), 0 none */
    const struct snap_exc *exception;   /* done with an exception, else NULL */
    const struct snap_cancel *cancelled; /* cancelled, else NULL */
    struct snap_frames created_at;      /* _source_traceback (debug mode); count 0 = none */
    const struct snap_wait *waiting_on; /* pending: what it waits on (arena), NULL none known */
    const struct snap_track *track;     /* the tracker's records (--track), NULL none */
};

#define SNAP_NO_FRAME ((size_t)-1)

enum snap_edge_kind {
    SNAP_EDGE_AWAIT = 0,        /* waiter's fut_waiter is the awaited task */
    SNAP_EDGE_GATHER = 1,       /* via a _GatheringFuture's children */
    SNAP_EDGE_TASKGROUP = 2,    /* waiter in TaskGroup.__aexit__ of the group */
    SNAP_EDGE__COUNT            /* a new kind: a value above, its name in snapshot.c */
};

struct snap_edge {
    size_t waiter;              /* index into snap.tasks */
    size_t awaited;             /* index into snap.tasks */
    enum snap_edge_kind kind;
};

enum snap_diag_scope {
    SNAP_DIAG_PROCESS = 0,
    SNAP_DIAG_THREAD = 1,
    SNAP_DIAG_TASK = 2,
};

struct snap_diag {
    enum snap_diag_scope scope;
    size_t index;               /* thread or task index, per scope */
    int code;                   /* AIO_E_* (positive) */
    const char *message;        /* owned by the arena; our own text, plain ASCII */
};

#define SNAP_F_PARTIAL   0x1u   /* some part could not be read (see diags) */
#define SNAP_F_TORN      0x2u   /* read without stopping the target */
#define SNAP_F_LOADED    0x4u   /* read back from a file (--load) */
#define SNAP_F_CORE      0x8u   /* taken from a core file */
#define SNAP_F_NO_TASKS  0x10u  /* asyncio not imported / tasks not read */
#define SNAP_F_LOCALS    0x20u  /* --locals: Python frames carry their locals (set before the
                                 * read: the readers read them; JSON then writes them) */

/* An await cycle: tasks cycle_tasks[first .. first+n-1], each awaiting the next, the last the first. */
struct snap_cycle {
    size_t first;
    size_t n;
};

#define SNAP_MAX_CYCLES 256     /* cycles kept (each once); more are counted in a diagnostic */

struct snap {
    struct arena arena;         /* owns every string and array below */
    int pid;
    char python_version[32];    /* "3.12.1" */
    uint64_t py_version_hex;    /* PY_VERSION_HEX */
    const char *layout_source;  /* "dwarf", "debug-offsets", "table" */
    struct snap_str cmdline;    /* /proc/PID/cmdline, NULs replaced by spaces */
    unsigned flags;             /* SNAP_F_* */
    uint64_t taken_at_ns;       /* CLOCK_REALTIME when the read started */
    uint64_t stopped_ns;        /* how long the target was stopped */
    uint64_t read_ns;           /* wall time of the whole read */
    uint64_t bytes_read, read_calls;

    struct snap_thread *threads;  size_t nthreads, cap_threads;
    struct snap_frame *frames;    size_t nframes, cap_frames;
    struct snap_local *locals;    size_t nlocals, cap_locals;     /* with --locals */
    struct snap_task *tasks;      size_t ntasks, cap_tasks;
    struct snap_edge *edges;      size_t nedges, cap_edges;
    struct snap_diag *diags;      size_t ndiags, cap_diags;
    struct snap_ended *ended;     size_t nended, cap_ended;       /* the tracker's, newest first */
    struct snap_tracker tracker;
    struct snap_cycle *cycles;    size_t ncycles;       /* by snap_cycles_find */
    size_t *cycle_tasks;          size_t ncycle_tasks;  /* task indices of every cycle */
};

/* A new, empty snapshot for pid.  Never fails (dies on OOM). */
struct snap *snap_new(int pid);

/* Free a snapshot and everything it owns.  NULL is accepted. */
void snap_free(struct snap *s);

/* Copy n target bytes into the arena as a snap_str (NUL-terminated copy). */
struct snap_str snap_str_from(struct snap *s, const char *bytes, size_t n);
struct snap_str snap_str_cstr(struct snap *s, const char *cstr);

/* Append a zeroed element and return it (valid until the next add of that kind). */
struct snap_thread *snap_thread_add(struct snap *s);
struct snap_frame *snap_frame_add(struct snap *s);
struct snap_local *snap_local_add(struct snap *s);
struct snap_task *snap_task_add(struct snap *s);
void snap_edge_add(struct snap *s, size_t waiter, size_t awaited, enum snap_edge_kind kind);
struct snap_ended *snap_ended_add(struct snap *s);

/* Record a diagnostic; sets SNAP_F_PARTIAL.  code is an AIO_E_* value (sign ignored). */
void snap_diag_add(struct snap *s, enum snap_diag_scope scope, size_t index, int code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Sort tasks by address.  Call once after every task is added and before any
 * edge is added (edges refer to tasks by index).
 */
void snap_tasks_sort(struct snap *s);

/* Index of the task with this address, or (size_t)-1.  Needs snap_tasks_sort(). */
size_t snap_task_find(const struct snap *s, uint64_t addr);

/* Sort edges by (waiter, awaited) and drop duplicates.  Call once, after the last edge. */
void snap_edges_finish(struct snap *s);

/*
 * The await cycles among the edges (cycles.c; call after snap_edges_finish):
 * every cycle found by a depth-first walk, each once, rotated to start at
 * the task with the smallest id, sorted; their tasks get in_cycle.  Bounded
 * by SNAP_MAX_CYCLES, iterative (chains may be a million tasks deep).
 */
void snap_cycles_find(struct snap *s);

const char *snap_task_state_name(enum snap_task_state st);
const char *snap_local_kind_name(enum snap_local_kind k);

/* The kind named name (as snap_local_kind_name gives it): 0, or -1 when none is. */
int snap_local_kind_from_name(const char *name, enum snap_local_kind *k);
const char *snap_edge_kind_name(enum snap_edge_kind k);

/* The kind named name (as snap_edge_kind_name gives it): 0, or -1 when none is. */
int snap_edge_kind_from_name(const char *name, enum snap_edge_kind *k);
const char *snap_wait_kind_name(enum snap_wait_kind k);

/* The kind named name (as snap_wait_kind_name gives it): 0, or -1 when none is. */
int snap_wait_kind_from_name(const char *name, enum snap_wait_kind *k);

/* A zeroed wait in the snapshot's arena, for a task's waiting_on. */
struct snap_wait *snap_wait_new(struct snap *s);

#endif
