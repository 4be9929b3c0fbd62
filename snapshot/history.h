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
    enum snap_task_state state;
    uint64_t first_seen_ns, last_seen_ns, last_change_ns;
    uint64_t stack_hash;
    unsigned samples, running;  /* samples it was in, and running in */
    int cancel_requests;
    unsigned cancel_samples;    /* consecutive samples with a cancellation pending */
    bool critical;
    bool ended;                 /* already in the terminated list (it finished while still
                                 * referenced, so it is still listed as done/cancelled) */
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
    uint64_t stuck_ns;          /* unchanged stack for longer than this = stuck */
    unsigned nsamples;
    uint64_t last_ns;           /* time of the last sample */
    uint64_t stop_ns_total, stop_ns_max;    /* target stop time per sample */
};

void history_init(struct history *h, size_t max_ended, uint64_t stuck_ns);
void history_free(struct history *h);

/* Add a --critical pattern (fnmatch, matched on names and coroutine qualnames); -1 if full. */
int history_add_critical(struct history *h, const char *pattern);

/* Fold one snapshot in (uses s->taken_at_ns as its time). */
void history_update(struct history *h, const struct snap *s);

bool history_task_stuck(const struct history *h, const struct hist_task *t);
bool history_task_swallowing(const struct hist_task *t);
/* A flood: its count grew in each of the last HISTORY_FLOOD_WINDOW samples; *rate per second. */
bool history_flood_growing(const struct hist_flood *f, double *rate);

/* Reports (target strings escaped). */
void history_write_text(FILE *f, const struct history *h);
void history_write_json(FILE *f, const struct history *h);

#endif
