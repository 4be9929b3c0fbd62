/*
 * history.h - what consecutive snapshots say together: tasks tracked across
 * samples, terminated tasks with their last-seen stack, stuck tasks,
 * swallowed cancellations, floods, and how often each task was running.
 *
 * Pure: it reads snapshots (const) and owns copies of what it keeps, so a
 * snapshot can be freed right after history_update().
 */
#ifndef AIO_SNAPSHOT_HISTORY_H
#define AIO_SNAPSHOT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

#define HISTORY_DEFAULT_MAX 1000
#define HISTORY_FLOOD_WINDOW 4      /* samples a flood must have grown in a row */
#define HISTORY_MAX_CRITICAL 64
#define HISTORY_REASON_BYTES 512  /* a kept reason line, cut */

struct hist_frame {
    char *function;             /* owned */
    char *file;                 /* owned */
    int line;
};

struct hist_task {
    uint64_t id;                /* task address */
    uint64_t coro_id;           /* coroutine address: with id, the task's identity */
    char *name;                 /* owned, NUL-terminated (may be cut at NUL bytes) */
    char *coro;                 /* owned */
    struct hist_frame *stack;   /* owned, innermost first */
    size_t nstack;
    size_t user_frame;          /* index into stack of its user frame, SNAP_NO_FRAME none */
    uint64_t waiter;            /* the future it awaited in the last sample, 0 none */
    bool was_running;           /* it was running in the last sample */
    char *reason;               /* owned: why it ended (snapshot/reason.h), as last seen
                                 * while its object was still readable; NULL none */
    char *created_by;           /* owned: the tracker's creation chain ("a ← b"), NULL none */
    char *cancelled_by;         /* owned: the tracker's "b at app.py:7", NULL none */
    enum snap_task_state state;
    uint64_t first_seen_ns, last_seen_ns, last_change_ns;
    uint64_t stack_hash;
    unsigned samples, running;  /* samples it was in, and running in */
    int cancel_requests;
    unsigned cancel_samples;    /* consecutive samples with a cancellation pending */
    bool critical;
    bool ended;                 /* already in the terminated list (it finished while still
                                 * referenced, so it is still listed as done/cancelled) */
    bool said_stuck;            /* events: its stuck / swallowed event was given */
    bool said_swallowing;
    bool seen;                  /* scratch during an update */
};

struct hist_flood {
    char *coro;                 /* owned */
    char *file;                 /* owned */
    int line;
    size_t count[HISTORY_FLOOD_WINDOW + 1];    /* pending tasks per sample, newest first */
    uint64_t t_ns[HISTORY_FLOOD_WINDOW + 1];   /* time of each of those samples */
    unsigned nsamples;
    bool seen;
    bool said_growing;          /* events: its flood event was given (until it stops growing) */
};

/*
 * Events (--watch streams them): what changed in a sample, in the order
 * found.  Only kept after history_events_enable(); the caller takes them
 * with history_events_take() after each history_update().
 */
enum hist_event_kind {
    HIST_EV_ENDED = 0,          /* finished (done), or gone from the registry */
    HIST_EV_CANCELLED,          /* ended cancelled */
    HIST_EV_SWALLOWED,          /* a cancellation was requested and it kept running */
    HIST_EV_STUCK,              /* its stack has not changed for --stuck */
    HIST_EV_FLOOD,              /* pending tasks of one kind grew HISTORY_FLOOD_WINDOW samples */
    HIST_EV__COUNT
};

struct hist_event {
    enum hist_event_kind kind;
    uint64_t at_ns;             /* the sample's time (CLOCK_REALTIME) */
    char *name;                 /* owned; "" for a flood */
    char *coro;                 /* owned */
    char *where;                /* owned: "function file:line" of the innermost frame, or "" */
    char *reason;               /* owned: why it ended (reason.h), or "" */
    enum snap_task_state state; /* ended: its last state (pending = it vanished) */
    bool critical;
    size_t count;               /* flood: pending tasks now */
    double rate;                /* flood: per second */
};

#define HISTORY_MAX_EVENTS 100000   /* kept between two takes; more are counted, not kept */

/* How an ended task ended, as known when the history filed it (history_task_outcome). */
enum hist_outcome {
    HIST_OUT_OK = 0,            /* done with a result */
    HIST_OUT_EXCEPTION,         /* done with an exception */
    HIST_OUT_CANCELLED,
    HIST_OUT_UNKNOWN,           /* gone between two samples: how it ended was not seen */
    HIST_OUT__COUNT
};

struct history {
    struct hist_task *live;     /* owned, sorted by (id, coro_id) */
    size_t nlive, cap_live;
    struct hist_task *ended;    /* owned, terminated tasks, oldest first */
    size_t nended, cap_ended;
    size_t max_ended;           /* bound on non-critical ended tasks */
    struct hist_flood *floods;  /* owned */
    size_t nfloods, cap_floods;
    char *critical[HISTORY_MAX_CRITICAL];   /* owned fnmatch patterns */
    size_t ncritical;
    uint64_t stuck_ns;          /* inactive for longer than this = stuck: its stack did not
                                 * change, it did not start or stop running between two
                                 * samples, and the future it awaits stayed the same (a
                                 * periodic sleep is active; a loop spinning on one line,
                                 * running in every sample, is stuck) */
    unsigned nsamples;
    uint64_t last_ns;           /* time of the last sample */
    uint64_t stop_ns_total, stop_ns_max;    /* target stop time per sample */
    bool events_on;
    struct hist_event *events;  /* owned, since the last take */
    size_t nevents, cap_events;
    size_t events_dropped;      /* beyond HISTORY_MAX_EVENTS since the last take */
    uint64_t track_seen_ns;     /* the newest tracker record folded in (history_track.c) */
    uint64_t ended_total[HIST_OUT__COUNT];  /* tasks filed as ended, by outcome, each once:
                                             * monotonic (the terminated list is bounded) */
};

void history_init(struct history *h, size_t max_ended, uint64_t stuck_ns);
void history_free(struct history *h);

/* Add a --critical pattern (fnmatch, matched on names and coroutine qualnames); -1 if full. */
int history_add_critical(struct history *h, const char *pattern);

/* Fold one snapshot in (uses s->taken_at_ns as its time). */
void history_update(struct history *h, const struct snap *s);

bool history_task_stuck(const struct history *h, const struct hist_task *t);
bool history_task_swallowing(const struct hist_task *t);
/* How t ended: its last state, and its reason for a done task; HIST_OUT_UNKNOWN when it vanished. */
enum hist_outcome history_task_outcome(const struct hist_task *t);
/* "ok", "exception", "cancelled", "unknown" */
const char *history_outcome_name(enum hist_outcome o);
/* A flood: its count grew in each of the last HISTORY_FLOOD_WINDOW samples; *rate per second. */
bool history_flood_growing(const struct hist_flood *f, double *rate);

/* Keep events from now on (history_events.c). */
void history_events_enable(struct history *h);
/*
 * The events since the last take: *v (owned by the caller now: free with
 * history_events_free), *n of them; *dropped counts those beyond the bound.
 */
void history_events_take(struct history *h, struct hist_event **v, size_t *n, size_t *dropped);
void history_events_free(struct hist_event *v, size_t n);
const char *history_event_kind_name(enum hist_event_kind k);

/*
 * history_track.c, for history.c: the tasks the tracker (--track) saw end
 * since the last call.  A task already in the terminated list gets the
 * tracker's reason and its creation and cancel records there; one never
 * sampled alive is returned in *out (owned by the caller: *out and what each
 * holds), to be added with samples 0.  Returns how many.
 */
size_t hist_track_collect(struct history *h, const struct snap *s, struct hist_task **out);
/* history.c's hooks into history_events.c (not for other callers). */
void hist_event_ended(struct history *h, const struct hist_task *t);
void hist_events_scan(struct history *h);

/* Reports (target strings escaped). */
void history_write_text(FILE *f, const struct history *h);
void history_write_json(FILE *f, const struct history *h);

#endif
