#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "common/err.h"
#include "common/escape.h"
#include "metrics_http.h"
#include "track/script.h"
#include "view/metrics.h"

/* The one version string: the Makefile passes it from the file VERSION. */
#ifndef AIOMON_VERSION
#error "AIOMON_VERSION is not defined: build with make (it passes -DAIOMON_VERSION from VERSION)"
#endif

/* --help, around the line of the formats, which the writer table gives. */
static const char options_usage_head[] =
    "usage: aiomon-attach [OPTIONS] PID             live view on a terminal, else a dump\n"
    "       aiomon-attach --dump [--format FMT] [-o FILE] [--stacks] [--native] PID\n"
    "       aiomon-attach --watch [--interval MS] [--record FILE] PID\n"
    "       aiomon-attach --core CORE [--exe PATH] [--sysroot DIR] [--dump [--format FMT]]\n"
    "       aiomon-attach --run [--timeout SECS] [--on-signal] [-o DIR] -- CMD ARGS...\n"
    "       aiomon-attach --load FILE [--dump [--format FMT]]\n"
    "       aiomon-attach --track [--dump] PID | --untrack PID   (CPython 3.14+)\n"
    "       aiomon-attach --run --track -- CMD ARGS...\n"
    "\n"
    "Attach to a running CPython process (3.8-3.15) from outside and show what every\n"
    "thread and every asyncio task is doing.  The process is stopped only while its\n"
    "memory is read (the live view: every refresh).\n"
    "\n"
    "  -d, --dump              print one snapshot and exit\n";
static const char options_usage_tail[] =
    "  -j, --json              the same as --format json\n"
    "  -o, --output FILE       write the snapshot to FILE (atomically, mode 0600);\n"
    "                          with --run: the directory for snapshots\n"
    "  -s, --stacks            text: print every task's whole coroutine stack\n"
    "      --where=FRAME       a task's WHERE: user (default; the innermost frame of\n"
    "                          your code) or innermost\n"
    "      --lib-path PREFIX   files under PREFIX are library code, not yours; repeatable\n"
    "      --no-group          text: do not fold similar tasks into one line\n"
    "  -n, --nonblocking       read without stopping the process (results may be torn)\n"
    "      --native            native stacks merged with the Python frames\n"
    "      --native-all        native stacks with every native frame kept\n"
    "      --subprocesses      --dump, --watch: also every Python process below PID,\n"
    "                          each on its own (JSON: a list, one per process);\n"
    "                          the live view: one at a time, < > switch, P lists\n"
    "      --locals            every Python frame's arguments and locals (safe\n"
    "                          renderings read from memory; text: with --stacks)\n"
    "      --layout=SOURCE     structure layouts from: auto (default), dwarf,\n"
    "                          debug-offsets, table\n"
    "      --load FILE         read a snapshot (--dump --format json) or a record\n"
    "      --core CORE         read a core dump instead of a live process\n"
    "      --exe PATH          the executable of the core (if the core does not name it)\n"
    "      --sysroot DIR       look for the core's files under DIR\n"
    "      --run               run CMD under the watchdog (after --)\n"
    "      --timeout SECS      --run: snapshot and stop the tree after SECS seconds\n"
    "      --on-signal         --run: snapshot a Python process on a fatal signal\n"
    "      --keep-running      --run: at the timeout, snapshot but do not kill\n"
    "  -w, --watch             sample repeatedly: terminated, stuck, cancelled tasks\n"
    "  -i, --interval MS       sampling / refresh interval (default 1000 for --watch,\n"
    "                          2000 for the live view)\n"
    "      --record FILE       --watch: append each changed snapshot as a JSON line\n"
    "      --history N         terminated tasks kept (default 1000)\n"
    "      --critical PATTERN  tasks (name or coroutine, fnmatch) never dropped from\n"
    "                          the history and flagged when they end; repeatable\n"
    "      --stuck SECS        a task whose stack did not change this long is stuck\n"
    "                          (default 10)\n"
    "      --samples N         --watch: stop after N samples\n"
    "      --metrics ADDR:PORT --watch: serve task health to Prometheus on\n"
    "                          http://ADDR:PORT/metrics (e.g. 127.0.0.1:9464)\n"
    "      --metrics-file PATH --watch: write the same text to PATH after each\n"
    "                          sample (node_exporter's textfile collector)\n"
    "      --metrics-top N     --metrics: task groups named per process (default 20)\n"
    "      --track             load aiomon-attach's tracker into the process (PID:\n"
    "                          3.14+, PEP 768; --run: every Python of CMD's tree,\n"
    "                          3.8+); it changes the process: see the man page\n"
    "      --untrack           remove the tracker from PID (3.14+)\n"
    "      --track-keep N      ended tasks the tracker keeps (default 1000)\n"
    "      --track-wait SECS   --track, --untrack: wait SECS for the process to run\n"
    "                          the request (default 10)\n"
    "  -v, --verbose           explain what is being done on stderr\n"
    "  -h, --help              this help\n"
    "  -V, --version           print the version\n"
    "\n"
    "Exit status: 0 complete snapshot, 1 partial snapshot (see its diagnostics),\n"
    "2 nothing could be read (no such process, not Python, permission, ...), 64 usage.\n"
    "With --run: the command's own exit status.\n";

static void
options_help(void)
{
    char names[128];

    view_format_names(names, sizeof(names));
    fputs(options_usage_head, stdout);
    printf("      --format FMT        output format: %s (default text)\n", names);
    fputs(options_usage_tail, stdout);
}

/*
 * "aiomon-attach: BEFORE'ARG'AFTER" on stderr, ARG escaped (a control byte
 * typed or pasted into argv never reaches the terminal raw); -AIO_E_USAGE.
 */
static int
options_bad(const char *before, const char *arg, const char *after)
{
    fprintf(stderr, "aiomon-attach: %s'", before);
    escape_text(stderr, arg, strlen(arg), 200);
    fprintf(stderr, "'%s\n", after);
    return -AIO_E_USAGE;
}

static int
options_number(const char *opt, const char *arg, double min, double max, double *out)
{
    char *end, what[96];
    double v = strtod(arg, &end);

    if (*arg == '\0' || *end != '\0' || !(v >= min && v <= max)) {
        snprintf(what, sizeof(what), "%s needs a number between %g and %g, not ", opt, min, max);
        return options_bad(what, arg, "");
    }
    *out = v;
    return 0;
}

static int
options_format(struct options *o, const char *name)
{
    char names[128], tail[160];
    int fmt = view_format_find(name);

    if (fmt < 0) {
        view_format_names(names, sizeof(names));
        snprintf(tail, sizeof(tail), " (%s)", names);
        return options_bad("unknown format ", name, tail);
    }
    o->format = (enum snap_format)fmt;
    o->dump = true;
    return 0;
}

static int
options_usage_error(const char *msg)
{
    fprintf(stderr, "aiomon-attach: %s (see --help)\n", msg);
    return -AIO_E_USAGE;
}

/* --track and --untrack: a live process (or --run for --track), one at a time. */
static int
options_track(const struct options *o, bool run, bool watch, bool keep_given, bool wait_given)
{
    if (o->track && o->untrack)
        return options_usage_error("--track and --untrack exclude each other");
    if ((o->track || o->untrack) && (o->load_path || o->core_path))
        return options_usage_error("--track and --untrack change a running process: not "
                                   "with --load or --core");
    if ((o->track || o->untrack) && o->subprocesses)
        return options_usage_error("--track and --untrack act on one process: not with "
                                   "--subprocesses (--run --track reaches every process of "
                                   "a tree)");
    if (o->untrack && (run || watch || o->dump || o->output))
        return options_usage_error("--untrack takes a PID and nothing else to do");
    if (keep_given && !o->track)
        return options_usage_error("--track-keep needs --track");
    if (wait_given && (run || !(o->track || o->untrack)))
        return options_usage_error("--track-wait needs --track PID or --untrack PID");
    return 0;
}

int
options_parse(struct options *o, int argc, char **argv)
{
    enum {
        OPT_LAYOUT = 256, OPT_LOAD, OPT_NATIVE, OPT_NATIVE_ALL, OPT_CORE, OPT_EXE, OPT_SYSROOT,
        OPT_RUN, OPT_TIMEOUT, OPT_ON_SIGNAL, OPT_KEEP, OPT_RECORD, OPT_HISTORY, OPT_CRITICAL,
        OPT_STUCK, OPT_SAMPLES, OPT_FORMAT, OPT_SUBPROCESSES, OPT_LOCALS, OPT_WHERE,
        OPT_LIB_PATH, OPT_NO_GROUP, OPT_TRACK, OPT_UNTRACK, OPT_TRACK_KEEP, OPT_TRACK_WAIT,
        OPT_METRICS, OPT_METRICS_FILE, OPT_METRICS_TOP,
    };
    static const struct option longopts[] = {
        { "dump", no_argument, NULL, 'd' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "json", no_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'o' },
        { "stacks", no_argument, NULL, 's' },
        { "nonblocking", no_argument, NULL, 'n' },
        { "native", no_argument, NULL, OPT_NATIVE },
        { "native-all", no_argument, NULL, OPT_NATIVE_ALL },
        { "subprocesses", no_argument, NULL, OPT_SUBPROCESSES },
        { "locals", no_argument, NULL, OPT_LOCALS },
        { "layout", required_argument, NULL, OPT_LAYOUT },
        { "load", required_argument, NULL, OPT_LOAD },
        { "core", required_argument, NULL, OPT_CORE },
        { "exe", required_argument, NULL, OPT_EXE },
        { "sysroot", required_argument, NULL, OPT_SYSROOT },
        { "run", no_argument, NULL, OPT_RUN },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "on-signal", no_argument, NULL, OPT_ON_SIGNAL },
        { "keep-running", no_argument, NULL, OPT_KEEP },
        { "watch", no_argument, NULL, 'w' },
        { "interval", required_argument, NULL, 'i' },
        { "record", required_argument, NULL, OPT_RECORD },
        { "history", required_argument, NULL, OPT_HISTORY },
        { "critical", required_argument, NULL, OPT_CRITICAL },
        { "stuck", required_argument, NULL, OPT_STUCK },
        { "samples", required_argument, NULL, OPT_SAMPLES },
        { "where", required_argument, NULL, OPT_WHERE },
        { "lib-path", required_argument, NULL, OPT_LIB_PATH },
        { "no-group", no_argument, NULL, OPT_NO_GROUP },
        { "track", no_argument, NULL, OPT_TRACK },
        { "untrack", no_argument, NULL, OPT_UNTRACK },
        { "track-keep", required_argument, NULL, OPT_TRACK_KEEP },
        { "track-wait", required_argument, NULL, OPT_TRACK_WAIT },
        { "metrics", required_argument, NULL, OPT_METRICS },
        { "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
        { "metrics-top", required_argument, NULL, OPT_METRICS_TOP },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    bool run = false, watch = false, keep_given = false, wait_given = false, top_given = false;
    char host[256];
    unsigned port;
    double v;
    int ch;

    memset(o, 0, sizeof(*o));
    o->stuck = 10;
    o->history = 1000;
    o->track_keep = TRACK_DEFAULT_KEEP;
    o->track_wait = 10;
    opterr = 0;
    /* "+": stop at the first non-option, so `--run -- cmd -x` keeps cmd's options */
    while ((ch = getopt_long(argc, argv, "+:djo:snwi:vhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': o->dump = true; break;
        case 'j': o->format = SNAP_FMT_JSON; o->dump = true; break;
        case OPT_FORMAT:
            if (options_format(o, optarg) < 0)
                return -AIO_E_USAGE;
            break;
        case 'o': o->output = optarg; break;
        case 's': o->stacks = true; break;
        case 'n': o->nonblocking = true; break;
        case 'v': o->verbose = true; break;
        case 'w': watch = true; break;
        case OPT_NATIVE: o->native = true; break;
        case OPT_NATIVE_ALL: o->native = o->native_all = true; break;
        case OPT_SUBPROCESSES: o->subprocesses = true; break;
        case OPT_LOCALS: o->locals = true; break;
        case OPT_LOAD: o->load_path = optarg; break;
        case OPT_CORE: o->core_path = optarg; break;
        case OPT_EXE: o->exe_path = optarg; break;
        case OPT_SYSROOT: o->sysroot = optarg; break;
        case OPT_RUN: run = true; break;
        case OPT_ON_SIGNAL: o->on_signal = true; break;
        case OPT_KEEP: o->keep_running = true; break;
        case OPT_RECORD: o->record_path = optarg; break;
        case 'i':
            if (options_number("--interval", optarg, 10, 3600000, &v) < 0)
                return -AIO_E_USAGE;
            o->interval = v / 1000;
            break;
        case OPT_TIMEOUT:
            if (options_number("--timeout", optarg, 0.001, 1e7, &o->timeout) < 0)
                return -AIO_E_USAGE;
            break;
        case OPT_STUCK:
            if (options_number("--stuck", optarg, 0.001, 1e7, &o->stuck) < 0)
                return -AIO_E_USAGE;
            break;
        case OPT_HISTORY:
            if (options_number("--history", optarg, 1, 1e7, &v) < 0)
                return -AIO_E_USAGE;
            o->history = (long)v;
            break;
        case OPT_SAMPLES:
            if (options_number("--samples", optarg, 1, 1e9, &v) < 0)
                return -AIO_E_USAGE;
            o->samples = (long)v;
            break;
        case OPT_CRITICAL:
            if (o->ncritical >= OPT_MAX_CRITICAL)
                return options_usage_error("too many --critical patterns");
            o->critical[o->ncritical++] = optarg;
            break;
        case OPT_WHERE:
            if (strcmp(optarg, "user") == 0)
                o->where_innermost = false;
            else if (strcmp(optarg, "innermost") == 0)
                o->where_innermost = true;
            else
                return options_bad("unknown --where ", optarg, " (user, innermost)");
            break;
        case OPT_LIB_PATH:
            if (o->nlib_paths >= OPT_MAX_LIB_PATHS)
                return options_usage_error("too many --lib-path prefixes");
            if (optarg[0] == '\0')
                return options_usage_error("--lib-path needs a non-empty prefix");
            o->lib_paths[o->nlib_paths++] = optarg;
            break;
        case OPT_NO_GROUP: o->no_group = true; break;
        case OPT_TRACK: o->track = true; break;
        case OPT_UNTRACK: o->untrack = true; break;
        case OPT_TRACK_KEEP:
            if (options_number("--track-keep", optarg, 1, TRACK_MAX_KEEP, &v) < 0)
                return -AIO_E_USAGE;
            o->track_keep = (long)v;
            keep_given = true;
            break;
        case OPT_TRACK_WAIT:
            if (options_number("--track-wait", optarg, 0.1, 3600, &o->track_wait) < 0)
                return -AIO_E_USAGE;
            wait_given = true;
            break;
        case OPT_METRICS:
            if (metrics_addr_split(optarg, host, sizeof(host), &port) < 0)
                return options_bad("--metrics needs ADDR:PORT (127.0.0.1:9464, [::1]:9464, "
                                   ":9464), not ", optarg, "");
            o->metrics_addr = optarg;
            break;
        case OPT_METRICS_FILE: o->metrics_file = optarg; break;
        case OPT_METRICS_TOP:
            if (options_number("--metrics-top", optarg, 1, METRICS_MAX_TOP, &v) < 0)
                return -AIO_E_USAGE;
            o->metrics_top = (long)v;
            top_given = true;
            break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "auto") == 0)
                o->layout = PY_LAYOUT_AUTO;
            else if (strcmp(optarg, "dwarf") == 0)
                o->layout = PY_LAYOUT_DWARF;
            else if (strcmp(optarg, "debug-offsets") == 0)
                o->layout = PY_LAYOUT_DEBUG_OFFSETS;
            else if (strcmp(optarg, "table") == 0)
                o->layout = PY_LAYOUT_TABLE;
            else
                return options_bad("unknown layout source ", optarg,
                                   " (auto, dwarf, debug-offsets, table)");
            break;
        case 'h':
            options_help();
            return 1;
        case 'V':
            printf("aiomon-attach %s\n", AIOMON_VERSION);
            return 1;
        case ':':
            return options_bad("option ", argv[optind - 1], " needs an argument (see --help)");
        default:
            return options_bad("unknown option ", argv[optind - 1], " (see --help)");
        }
    }
    if (o->native && o->nonblocking)
        return options_usage_error("--native needs the threads stopped: not with --nonblocking");
    if (o->subprocesses && (run || o->load_path || o->core_path))
        return options_usage_error("--subprocesses is for a PID (the live view, --dump, --watch)");
    if (o->subprocesses && o->record_path)
        return options_usage_error("--record keeps one process: not with --subprocesses");
    if ((run + watch + (o->load_path != NULL) + (o->core_path != NULL)) > 1)
        return options_usage_error("--run, --watch, --load and --core exclude each other");
    if (options_track(o, run, watch, keep_given, wait_given) < 0)
        return -AIO_E_USAGE;
    if ((o->metrics_addr || o->metrics_file) && !watch)
        return options_usage_error("--metrics and --metrics-file need --watch");
    if (top_given && !o->metrics_addr && !o->metrics_file)
        return options_usage_error("--metrics-top needs --metrics or --metrics-file");
    if (run) {
        if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && argv[optind][0] == '-')
            return options_usage_error("--run needs '--' before the command");
        if (optind >= argc)
            return options_usage_error("--run needs a command after '--'");
        o->run_argv = argv + optind;
        o->mode = OPT_MODE_RUN;
        return 0;
    }
    if (o->load_path || o->core_path) {
        if (optind != argc)
            return options_usage_error(o->load_path ? "--load takes a file, not a PID" :
                                       "--core takes a core file, not a PID");
        o->mode = o->load_path ? OPT_MODE_LOAD : o->dump || o->output ? OPT_MODE_DUMP :
                  OPT_MODE_VIEW;
        return 0;
    }
    if (optind + 1 != argc)
        return options_usage_error(optind == argc ? "missing PID" : "too many arguments");
    {
        char *end;
        long pid = strtol(argv[optind], &end, 10);

        if (*argv[optind] == '\0' || *end != '\0' || pid <= 0 || pid > 0x3fffffff)
            return options_bad("", argv[optind], " is not a process id");
        o->pid = (int)pid;
    }
    if (watch)
        o->mode = OPT_MODE_WATCH;
    else
        o->mode = o->dump || o->output ? OPT_MODE_DUMP : OPT_MODE_VIEW;
    return 0;
}

void
options_capture(const struct options *o, struct capture_opts *co)
{
    memset(co, 0, sizeof(*co));
    co->nonblocking = o->nonblocking;
    co->layout = o->layout;
    co->verbose = o->verbose;
    co->native = o->native;
    co->native_all = o->native_all;
    co->locals = o->locals;
    co->lib_paths = o->lib_paths;
    co->nlib_paths = (size_t)o->nlib_paths;
}
