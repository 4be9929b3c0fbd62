/*
 * pyint.h - shared internals of the pyframes readers (not for other modules).
 *
 * A struct py_ctx is everything one snapshot's walk needs: the source to read
 * from, the layout, the version family's behaviour (py_ops), the snapshot
 * being built and per-snapshot caches.
 */
#ifndef AIO_PYFRAMES_PYINT_H
#define AIO_PYFRAMES_PYINT_H

#include <stdbool.h>
#include <stdint.h>

#include "../attach/source.h"
#include "../snapshot/snapshot.h"
#include "layout.h"

/* Named bounds for every walk over target data. */
#define MAX_INTERPRETERS   64
#define MAX_THREADS        10000
#define MAX_FRAMES         4096     /* per thread or task stack */
#define MAX_STR_BYTES      (1u << 20)   /* longest string copied from the target */
#define MAX_NAME_BYTES     4096     /* names, qualnames, file names */
#define MAX_THREAD_NAME    256      /* characters of a Python thread name */
#define MAX_LINETABLE      (1u << 20)
#define MAX_CODE_CACHE     (1u << 16)
#define MAX_DICT_ENTRIES   (1u << 20)
#define MAX_SET_SLOTS      (1u << 22)
#define MAX_LIST_ITEMS     (1u << 22)
#define MAX_TASKS          (1u << 20)
#define MAX_AWAIT_DEPTH    1024     /* coroutine await chain per task */
#define MAX_TYPE_DEPTH     32       /* tp_base chain */
#define MAX_TYPE_CACHE     4096

struct py_ctx;

/* One decoded frame. */
struct py_frame {
    uint64_t code;              /* code object address */
    int64_t lasti_bytes;        /* offset of the current instruction in bytes; <0 = unknown */
    uint64_t previous;          /* next older frame, 0 at the bottom */
    bool skip;                  /* not a Python frame to report (C-stack shim, incomplete) */
    bool entry;                 /* run by its own C call of the eval loop (3.11 is_entry, <= 3.10) */
    bool boundary;              /* a C-stack shim: the frame before it (newer) is an entry */
};

/* A cached code object, strings already copied into the snapshot arena. */
struct py_code {
    uint64_t addr;
    struct snap_str name, qualname, filename;
    int firstlineno;
    const uint8_t *linetable;   /* arena copy, may be NULL */
    size_t linetable_len;
    bool ok;
    bool locals_read;           /* --locals: names read (locals.c), locals NULL if unreadable */
    const struct py_code_locals *locals;
};

/*
 * --locals (locals.c): the arguments and locals of a code object, in the
 * order shown, each with the frame slot (index into localsplus) holding it.
 * At most PY_LOCALS_MAX a frame (the rest are not shown), names cut after
 * PY_LOCAL_MAX_NAME characters.
 */
#define PY_LOCALS_MAX      64
#define PY_LOCAL_MAX_NAME  100
struct py_local_name {
    struct snap_str name;
    uint32_t slot;
    uint8_t kind;               /* enum snap_local_kind */
    bool cell;                  /* the slot may hold a cell: its content is the value */
};
struct py_code_locals {
    struct py_local_name *v;
    size_t n;
};

/*
 * Behaviour that differs by CPython version family, chosen once at attach
 * from the version registry (versions.h).  Walkers call these; they never
 * see a version number (struct py_ctx carries none).
 */
struct py_ops {
    const char *family;
    /* Top (innermost) frame of a thread state; *frame = 0 if none. */
    int (*thread_top_frame)(struct py_ctx *c, uint64_t tstate, uint64_t *frame);
    /* Decode the frame at addr. */
    int (*frame_read)(struct py_ctx *c, uint64_t addr, struct py_frame *out);
    /* Line for a code object at lasti_bytes (mirrors PyCode_Addr2Line). */
    int (*code_line)(const struct py_code *co, int64_t lasti_bytes);
    /* Address of the GIL state struct (holds GIL_LOCKED / GIL_HOLDER), 0 if unknown. */
    uint64_t (*gil_addr)(struct py_ctx *c, uint64_t interp);
    /* Native (kernel) thread id of a thread state; 0 if unknown. */
    long (*thread_native_id)(struct py_ctx *c, uint64_t tstate, uint64_t thread_id);
    /*
     * The frame of a generator/coroutine object and whether it is live
     * (created or suspended, not running-finished or cleared).
     */
    int (*gen_frame)(struct py_ctx *c, uint64_t gen, uint64_t *frame, bool *live);
    /* What a suspended generator is awaiting (yield from / await), 0 if nothing. */
    int (*gen_awaiting)(struct py_ctx *c, uint64_t gen, uint64_t frame, uint64_t *yf);
    /* Address of the slot holding local variable i of a frame (i = 0 is `self` of a method). */
    uint64_t (*frame_local_addr)(struct py_ctx *c, uint64_t frame, unsigned i);
    /*
     * Where an instance keeps its attributes: *dict (a dict object), or
     * *values + the type's cached keys (split/inline values).  Both 0 if none.
     */
    int (*instance_dict)(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict,
                         uint64_t *values);
    /* Name and state values that differ by version (data, chosen with the ops). */
    int8_t fs_created, fs_suspended_yf, fs_cleared;
    uint8_t resume_ops[2];      /* RESUME opcodes (incl. quickened/instrumented), 3.11/3.12 */
    /*
     * Task discovery (task_find.c): find every asyncio task, read it into
     * the snapshot with its stack, then the await edges.  Every version has
     * one: py_tasks_from_registries (asyncio's registries in the
     * asyncio.tasks module, 3.8-3.13) or py_tasks_from_lists (the runtime's
     * own task lists, 3.14+).  0, or a negative AIO_E_* when nothing at all
     * could be read (what could not be read is a diagnostic in the snapshot).
     */
    int (*tasks_discover)(struct py_ctx *c);
    /*
     * --locals: the names, kinds and slots of a code object's arguments and
     * locals into out (room for PY_LOCALS_MAX): py_code_locals_311 (3.11+:
     * co_localsplusnames/kinds) or py_code_locals_38 (co_varnames, co_cellvars,
     * co_freevars).  0 or a negative AIO_E_*.
     */
    int (*code_locals)(struct py_ctx *c, uint64_t code, struct py_code_locals *out);
    /* Low bits of a frame slot that tag a _PyStackRef (3.14+), not address; 0 before. */
    uint64_t slot_tag_mask;
    /*
     * A coroutine suspended in SEND keeps a NULL stack reference on top, the
     * awaited object below it (3.15); false: the awaited object is on top.
     */
    bool yf_under_null;
};

extern const struct py_ops py_ops_38;
extern const struct py_ops py_ops_310;
/*
 * Shared by the 3.11+ families (ops_311.c): the native tid field of the
 * thread state, lines from the 3.11+ location table, the GIL's address, and
 * the frame embedded in a generator with its state.
 */
long ops311_thread_native_id(struct py_ctx *c, uint64_t tstate, uint64_t thread_id);
int ops311_code_line(const struct py_code *co, int64_t lasti_bytes);
uint64_t ops311_gil_addr(struct py_ctx *c, uint64_t interp);
int ops311_gen_frame(struct py_ctx *c, uint64_t gen, uint64_t *frame, bool *live);

extern const struct py_ops py_ops_311;
extern const struct py_ops py_ops_312;
extern const struct py_ops py_ops_313;
extern const struct py_ops py_ops_314;
extern const struct py_ops py_ops_315;

struct py_code_slot {
    uint64_t addr;
    struct py_code *co;
};

struct py_type_slot {
    uint64_t addr;
    char name[48];              /* tp_name, cut */
    int8_t is_task;             /* -1 unknown, else an enum py_task_kind */
};

struct py_ctx {
    struct source *src;         /* borrowed */
    const struct layout *L;     /* borrowed */
    const struct py_ops *ops;   /* static */
    struct snap *snap;          /* borrowed: being built */
    uint64_t runtime;           /* address of _PyRuntime */
    struct py_code_slot *codes; /* owned: open-addressing cache of code objects */
    size_t ncodes, cap_codes;
    struct py_type_slot *types; /* owned: cache of type names, MAX_TYPE_CACHE slots */
    struct py_line_memo *lines; /* owned: last lines computed, by (code, offset); lazily */
    uint64_t *loop_tids;        /* owned: pairs (loop address, native tid) seen in thread stacks */
    long cur_tid;               /* thread whose stack is being walked, 0 for task stacks */
    bool locals;                /* --locals: each Python frame's locals are read */
    int pthread_tid_off;        /* offset of the tid in glibc's struct pthread, -1 unknown */
    size_t nloops, cap_loops;
    struct source_tp_memo tps;  /* owned: threads' fs_base, when pthread_tid_off is unknown */
    bool frames_looped;         /* the last py_frames_walk met a frame chain that loops */
    const char *const *lib_prefixes;    /* borrowed: --lib-path, files there are not user code */
    size_t nlib_prefixes;
    const uint64_t *recheck;    /* borrowed: tasks pending in the last snapshot (pyframes.h) */
    size_t nrecheck;
};

void py_ctx_init(struct py_ctx *c, struct source *src, const struct layout *L,
                 const struct py_ops *ops, struct snap *snap);
void py_ctx_done(struct py_ctx *c);

/*
 * The event loop at address loop runs in thread tid (from a run_forever
 * frame, or the thread state's running loop); the first word wins, at most
 * MAX_LOOPS loops are kept.
 */
#define MAX_LOOPS 4096
void py_note_loop_thread(struct py_ctx *c, uint64_t loop, long tid);

/* Read a field of the struct at base; sizes come from the caller's type. */
int py_read_ptr(struct py_ctx *c, uint64_t base, enum py_field f, uint64_t *out);
int py_read_int(struct py_ctx *c, uint64_t base, enum py_field f, int64_t *out);

/* Copy a field's value out of a local buffer holding the struct (no remote read). */
uint64_t py_buf_ptr(const struct py_ctx *c, const void *buf, size_t buflen, enum py_field f);
int64_t py_buf_int(const struct py_ctx *c, const void *buf, size_t buflen, enum py_field f);

/*
 * Read a str object as UTF-8 into the snapshot arena (Latin-1/UCS-2/UCS-4 are
 * converted; lone surrogates are kept as WTF-8 and later escaped).  At most
 * max_chars characters are read; *truncated says if it was cut.
 */
int py_read_str(struct py_ctx *c, uint64_t obj, size_t max_chars, struct snap_str *out,
                bool *truncated);

/* Read a bytes object's contents into the snapshot arena (at most max bytes). */
int py_read_bytes(struct py_ctx *c, uint64_t obj, size_t max, const uint8_t **data, size_t *len);

/* Whether the object at addr is a code object (its type is named "code"). */
bool py_is_code(struct py_ctx *c, uint64_t addr);

/* The code object at addr, from the cache or read now; NULL if unreadable. */
const struct py_code *py_code_get(struct py_ctx *c, uint64_t addr);

/* Whether a code object is function `name` of a file ending in file_suffix. */
bool py_code_is(const struct py_code *co, const char *name, const char *file_suffix);

/* Append one Python frame to the snapshot for (code, lasti). */
void py_frame_emit(struct py_ctx *c, const struct py_code *co, int64_t lasti_bytes);

/*
 * With --locals (c->locals), the arguments and locals of the frame at
 * address frame running co, for the frame just emitted (locals.c).
 */
void py_frame_locals(struct py_ctx *c, const struct py_code *co, uint64_t frame);
/* The ops' code_locals readers (locals.c). */
int py_code_locals_311(struct py_ctx *c, uint64_t code, struct py_code_locals *out);
int py_code_locals_38(struct py_ctx *c, uint64_t code, struct py_code_locals *out);

/*
 * Walk a frame chain from `frame` (innermost) and append its frames to the
 * snapshot.  stop_at_base: stop after the first frame that is a generator's
 * own frame chain end.  Returns the number of frames appended; *truncated set
 * when MAX_FRAMES was hit.
 */
size_t py_frames_walk(struct py_ctx *c, uint64_t frame, bool *truncated);

/* Walk every interpreter's threads into the snapshot. */
int py_threads_walk(struct py_ctx *c);

/* Every asyncio task into the snapshot (tasks, stacks, edges): the ops' task discovery. */
int py_tasks_walk(struct py_ctx *c);
/*
 * After the tasks are read (task_where.c): a running task's thread frames in
 * front of its stack (thread_frames), then every task's user frame.
 */
void py_tasks_where(struct py_ctx *c);
/* The two task discoveries (task_find.c), for the py_ops tables. */
int py_tasks_from_registries(struct py_ctx *c);
int py_tasks_from_lists(struct py_ctx *c);

/* Type name of an object's type (cached); "" when unreadable.  Valid until py_ctx_done. */
const char *py_type_name(struct py_ctx *c, uint64_t type);
/* ob_type of obj, 0 when unreadable. */
uint64_t py_type_of(struct py_ctx *c, uint64_t obj);
/* What kind of task a type makes (cached). */
enum py_task_kind {
    PY_TASK_NONE = 0,
    PY_TASK_C,                  /* _asyncio.Task or a subclass: TaskObj */
    PY_TASK_PY,                 /* asyncio.tasks._PyTask ("Task" on a Python "Future") or a
                                 * subclass: attributes in the instance dict */
};
enum py_task_kind py_type_task_kind(struct py_ctx *c, uint64_t type);

typedef int (*py_pair_fn)(struct py_ctx *c, uint64_t key, uint64_t value, void *arg);
typedef int (*py_item_fn)(struct py_ctx *c, uint64_t item, void *arg);

/* Every (key, value) of a dict; the callback returns nonzero to stop.  Bounded. */
int py_dict_items(struct py_ctx *c, uint64_t dict, py_pair_fn fn, void *arg);
/* Value of the str key `name` in a dict, 0 if absent. */
int py_dict_get_str(struct py_ctx *c, uint64_t dict, const char *name, uint64_t *value);
/* Every key of a set (dummies and empties skipped).  Bounded. */
int py_set_items(struct py_ctx *c, uint64_t set, py_item_fn fn, void *arg);
/* Every item of a list or tuple.  Bounded. */
int py_seq_items(struct py_ctx *c, uint64_t seq, py_item_fn fn, void *arg);
/*
 * The first (at most max) items of a list or tuple into out, *n of them;
 * 0 or a negative AIO_E_* (not a list or tuple, unreadable).
 */
int py_seq_read(struct py_ctx *c, uint64_t seq, uint64_t *out, size_t max, size_t *n);
/* Attribute `name` from an instance's __dict__ (managed, inline or tp_dictoffset); 0 if absent. */
int py_attr_get(struct py_ctx *c, uint64_t obj, const char *name, uint64_t *value);
/* Several attributes in one pass over the instance's __dict__; absent ones are 0. */
int py_attrs_get(struct py_ctx *c, uint64_t obj, const char *const *names, uint64_t *values,
                 size_t n);
/* Instance dict through tp_dictoffset (types without a managed dict); *dict 0 if none. */
int py_instance_dict_offset(struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t *dict);
/* Whether tp_flags has Py_TPFLAGS_MANAGED_DICT (3.11+); *flags gets tp_flags. */
bool py_type_managed_dict(struct py_ctx *c, uint64_t type, uint64_t *flags);
/* Whether the str object at obj equals the C string s. */
bool py_str_eq(struct py_ctx *c, uint64_t obj, const char *s);
/* An int object's value (small ints; false when it does not fit or is not an int). */
bool py_long_value(struct py_ctx *c, uint64_t obj, int64_t *out);
/*
 * An int (or bool) object's 30-bit digits, least significant first, at most
 * max of them (-AIO_E_BOUND beyond), *n of them, and its sign.
 */
int py_long_digits(struct py_ctx *c, uint64_t obj, uint32_t *digits, size_t max, size_t *n,
                   bool *negative);

/*
 * Safe renderings of target objects (repr.c), never running target code:
 * Python's repr() for None, bool, int, float, str and bytes (str and bytes
 * cut after PY_REPR_MAX_CHARS characters, ints after PY_REPR_MAX_DIGITS
 * digits: a cut rendering ends with "…" and has no closing quote);
 * "<list len=3>" for list, tuple, dict, set, frozenset and deque;
 * "<TypeName at 0x…>" for anything else.  *type gets the type's name.
 * 0, or a negative AIO_E_* when obj is not a readable object.
 */
#define PY_REPR_MAX_CHARS  200
#define PY_REPR_MAX_DIGITS 100
int py_repr(struct py_ctx *c, uint64_t obj, struct snap_str *type, struct snap_str *value);
/* str(obj) where it is simple: a str's own text (capped as above), else py_repr's. */
int py_str_of(struct py_ctx *c, uint64_t obj, struct snap_str *value);

#endif
