#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define AIOMON_VERSION "0.1.0"

static const char options_usage[] =
    "usage: aiomon-attach [OPTIONS] PID\n"
    "       aiomon-attach --dump [--json] [-o FILE] [--stacks] PID\n"
    "       aiomon-attach --load FILE [--dump [--json]]\n"
    "\n"
    "Attach to a running CPython process (3.11-3.13) from outside and show what every\n"
    "thread and every asyncio task is doing.  The process is stopped only while its\n"
    "memory is read.\n"
    "\n"
    "  -d, --dump              print one snapshot and exit (default when not on a terminal)\n"
    "  -j, --json              JSON output (with --dump)\n"
    "  -o, --output FILE       write the snapshot to FILE (atomically, mode 0600)\n"
    "  -s, --stacks            text: print every task's whole coroutine stack\n"
    "  -n, --nonblocking       read without stopping the process (results may be torn)\n"
    "      --layout=SOURCE     structure layouts from: auto (default), dwarf,\n"
    "                          debug-offsets, table\n"
    "      --load FILE         read a snapshot saved with --dump --json\n"
    "  -v, --verbose           explain what is being done on stderr\n"
    "  -h, --help              this help\n"
    "  -V, --version           print the version\n"
    "\n"
    "Exit status: 0 complete snapshot, 1 partial snapshot (see its diagnostics),\n"
    "2 nothing could be read (no such process, not Python, permission, ...), 64 usage.\n";

int
options_parse(struct options *o, int argc, char **argv)
{
    enum { OPT_LAYOUT = 256, OPT_LOAD };
    static const struct option longopts[] = {
        { "dump", no_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'o' },
        { "stacks", no_argument, NULL, 's' },
        { "nonblocking", no_argument, NULL, 'n' },
        { "layout", required_argument, NULL, OPT_LAYOUT },
        { "load", required_argument, NULL, OPT_LOAD },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    bool dump = false;
    int ch;

    memset(o, 0, sizeof(*o));
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":djo:snvhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': dump = true; break;
        case 'j': o->json = true; break;
        case 'o': o->output = optarg; break;
        case 's': o->stacks = true; break;
        case 'n': o->nonblocking = true; break;
        case 'v': o->verbose = true; break;
        case OPT_LOAD: o->load_path = optarg; break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "auto") == 0)
                o->layout = PY_LAYOUT_AUTO;
            else if (strcmp(optarg, "dwarf") == 0)
                o->layout = PY_LAYOUT_DWARF;
            else if (strcmp(optarg, "debug-offsets") == 0)
                o->layout = PY_LAYOUT_DEBUG_OFFSETS;
            else if (strcmp(optarg, "table") == 0)
                o->layout = PY_LAYOUT_TABLE;
            else {
                fprintf(stderr, "aiomon-attach: unknown layout source '%s' (auto, dwarf, "
                        "debug-offsets, table)\n", optarg);
                return -AIO_E_USAGE;
            }
            break;
        case 'h':
            fputs(options_usage, stdout);
            return 1;
        case 'V':
            printf("aiomon-attach %s\n", AIOMON_VERSION);
            return 1;
        case ':':
            fprintf(stderr, "aiomon-attach: option '%s' needs an argument (see --help)\n",
                    argv[optind - 1]);
            return -AIO_E_USAGE;
        default:
            fprintf(stderr, "aiomon-attach: unknown option '%s' (see --help)\n",
                    argv[optind - 1]);
            return -AIO_E_USAGE;
        }
    }
    if (o->load_path) {
        if (optind != argc) {
            fprintf(stderr, "aiomon-attach: --load takes a file, not a PID\n");
            return -AIO_E_USAGE;
        }
        o->mode = dump || o->json ? OPT_MODE_DUMP : OPT_MODE_LOAD;
        return 0;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "aiomon-attach: %s (see --help)\n",
                optind == argc ? "missing PID" : "too many arguments");
        return -AIO_E_USAGE;
    }
    {
        char *end;
        long pid = strtol(argv[optind], &end, 10);

        if (*argv[optind] == '\0' || *end != '\0' || pid <= 0 || pid > 0x3fffffff) {
            fprintf(stderr, "aiomon-attach: '%s' is not a process id\n", argv[optind]);
            return -AIO_E_USAGE;
        }
        o->pid = (int)pid;
    }
    o->mode = dump || o->json ? OPT_MODE_DUMP : OPT_MODE_TUI;
    return 0;
}
