/*
 * options.h - the command line, parsed once into one const struct.
 */
#ifndef AIO_OPTIONS_H
#define AIO_OPTIONS_H

#include <stdbool.h>

#include "pyframes/pyframes.h"

enum opt_mode {
    OPT_MODE_TUI = 0,           /* default on a terminal */
    OPT_MODE_DUMP,              /* one snapshot of a pid */
    OPT_MODE_LOAD,              /* a saved snapshot or record, in the view or dumped */
    OPT_MODE_CORE,              /* a core file */
    OPT_MODE_RUN,               /* watchdog: run a command */
    OPT_MODE_WATCH,             /* sample a pid repeatedly */
};

#define OPT_MAX_CRITICAL 64

struct options {
    enum opt_mode mode;
    int pid;
    bool dump;                  /* --dump given (with --load / --core: print, no view) */
    bool json;
    bool stacks;
    bool nonblocking;
    bool verbose;
    bool native;                /* --native: merged native + Python stacks */
    bool native_all;            /* --native-all: every native frame */
    const char *output;         /* -o FILE (or DIR with --run), NULL = stdout */
    const char *load_path;      /* --load FILE */
    const char *core_path;      /* --core FILE */
    const char *exe_path;       /* --exe PATH */
    const char *sysroot;        /* --sysroot DIR */
    enum py_layout_choice layout;
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
};

/*
 * Parse argv.  Returns 0 to go on, 1 when --help/--version was handled
 * (exit 0), or -AIO_E_USAGE after printing a one-line error.
 */
int options_parse(struct options *o, int argc, char **argv);

#endif
