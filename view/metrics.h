/*
 * metrics.h - task health in the Prometheus text exposition format (0.0.4,
 * what node_exporter's textfile collector reads too): --watch --metrics
 * serves it, --metrics-file writes it.
 *
 * Pure: the last snapshot, the history and the sampler's counters of each
 * process in, text out.  Every series is labelled pid="N".  Target strings
 * (coroutine names, files, functions) reach a label value only escaped
 * twice: common/escape.h (valid UTF-8, no control characters, capped at
 * METRICS_LABEL_BYTES), then the format's own escapes (\\, \", \n).
 * Label cardinality is bounded: per process at most top + 1 group series.
 */
#ifndef AIO_VIEW_METRICS_H
#define AIO_VIEW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../snapshot/history.h"
#include "../snapshot/snapshot.h"

#define METRICS_DEFAULT_TOP 20      /* aiomon_tasks_by_group series per process */
#define METRICS_MAX_TOP     1000
#define METRICS_LABEL_BYTES 160     /* target bytes of one label value, then "…" */
#define METRICS_NBUCKETS    10      /* aiomon_target_stop_seconds buckets, +Inf aside */

/* One process's counters across samples (owned by the sampler): monotonic. */
struct metrics_counts {
    uint64_t samples;           /* samples taken, read or failed */
    uint64_t errors;            /* samples that failed */
    uint64_t stop_bucket[METRICS_NBUCKETS + 1];  /* samples read by stop time: bucket k
                                                  * holds (bound k-1, bound k], the last
                                                  * one what is above every bound */
    uint64_t stop_sum_ns;       /* stop time of every sample read */
    bool up;                    /* the last sample was read */
};

/* Count one sample: s the snapshot read, NULL when the sample failed. */
void metrics_note(struct metrics_counts *c, const struct snap *s);

/* One process as shown: every pointer borrowed. */
struct metrics_proc {
    int pid;
    const struct metrics_counts *counts;
    const struct history *h;    /* its history (the last sample folded in) */
    const struct snap *last;    /* the last snapshot read, NULL none yet; its gauges are
                                 * shown only while counts->up */
};

/* A zeroed struct gives the defaults. */
struct metrics_opts {
    size_t top;                 /* groups shown by name, 0 = METRICS_DEFAULT_TOP; the rest
                                 * are summed into coroutine="other",where="other" */
    bool where_innermost;       /* --where=innermost: where = the innermost frame */
};

/*
 * The exposition of the n processes of v to f: HELP and TYPE lines, then
 * each family's series, process after process.  No flush, no error check.
 */
void metrics_write(FILE *f, const struct metrics_proc *v, size_t n, const struct metrics_opts *o);

/*
 * A label value of s[0..len): escaped, capped, then the format's escapes,
 * into dst (always NUL-terminated when size > 0; size >= 2 * (4 *
 * METRICS_LABEL_BYTES + 4) never cuts).  Returns its length.
 */
size_t metrics_label(char *dst, size_t size, const char *s, size_t len);

#endif
