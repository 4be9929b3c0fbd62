/*
 * options.h - the command line, parsed once into one const struct.
 */
#ifndef AIO_OPTIONS_H
#define AIO_OPTIONS_H

#include <stdbool.h>

#include "pyframes/pyframes.h"
#include "view/write.h"

struct capture_opts;

/* The modes, one file each (mode.h); main.c dispatches on it. */
enum opt_mode {
    OPT_MODE_VIEW = 0,          /* the live view of a pid, the read-only view of a core (view.c) */
    OPT_MODE_DUMP,              /* one snapshot of a pid or a core, printed (dump.c) */
    OPT_MODE_LOAD,              /* a saved snapshot or record, in the view or printed (load.c) */
    OPT_MODE_WATCH,             /* sample a pid repeatedly (watch.c) */
    OPT_MODE_RUN,               /* watchdog: run a command (run.c) */
    OPT_MODE__COUNT
};

#define OPT_MAX_CRITICAL 64
#define OPT_MAX_LIB_PATHS 64

struct options {
    enum opt_mode mode;
    int pid;                    /* the target, unless core_path */
    bool dump;                  /* --dump, --format or --json given: print, no view */
    enum snap_format format;    /* --format NAME (--json: json); default text */
    bool stacks;
    bool nonblocking;
    bool verbose;
    bool native;                /* --native: merged native + Python stacks */
    bool native_all;            /* --native-all: every native frame */
    bool subprocesses;          /* --subprocesses: every Python process of the tree below pid */
    bool locals;                /* --locals: every Python frame's arguments and locals */
    const char *output;         /* -o FILE (or DIR with --run), NULL = stdout */
    const char *load_path;      /* --load FILE */
    const char *core_path;      /* --core FILE */
    const char *exe_path;       /* --exe PATH */
    const char *sysroot;        /* --sysroot DIR */
    enum py_layout_choice layout;
    bool where_innermost;       /* --where=innermost: a task's WHERE is its innermost frame */
    bool no_group;              /* --no-group: text folds no similar tasks */
    const char *lib_paths[OPT_MAX_LIB_PATHS];   /* --lib-path PREFIX: not user code */
    int nlib_paths;
    /* --run */
    char **run_argv;            /* borrowed from argv, NULL-terminated */
    double timeout;             /* seconds, 0 = none */
    bool on_signal;
    bool keep_running;
    /* --watch and the live view */
    double interval;            /* seconds between samples / refreshes */
    const char *record_path;    /* --record FILE */
    long history;               /* --history N */
    const char *critical[OPT_MAX_CRITICAL];
    int ncritical;
    double stuck;               /* --stuck SECS */
    long samples;               /* --samples N, 0 = until interrupted */
    const char *metrics_addr;   /* --metrics ADDR:PORT: serve GET /metrics (--watch) */
    const char *metrics_file;   /* --metrics-file PATH: the same text after each sample */
    long metrics_top;           /* --metrics-top N: aiomon_tasks_by_group series per process */
    /* --track, --untrack (track/track.h) */
    bool track;                 /* --run: a sitecustomize loads the tracker; PID: PEP 768 */
    bool untrack;               /* --untrack PID: the tracker's untrack() */
    long track_keep;            /* --track-keep N: ended tasks the tracker keeps */
    double track_wait;          /* --track-wait SECS: how long to wait for the target */
};

/*
 * Parse argv.  Returns 0 to go on, 1 when --help/--version was handled
 * (exit 0), or -AIO_E_USAGE after printing a one-line error (argv's bytes
 * escaped).  The mode is OPT_MODE_VIEW when no output was asked for (a pid
 * or --core): main.c makes it OPT_MODE_DUMP off a terminal.
 */
int options_parse(struct options *o, int argc, char **argv);

/* The capture options the parsed options ask for: the one builder, for every mode. */
void options_capture(const struct options *o, struct capture_opts *co);

#endif
