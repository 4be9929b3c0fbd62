/*
 * options.h - the command line, parsed once into one const struct.
 */
#ifndef AIO_OPTIONS_H
#define AIO_OPTIONS_H

#include <stdbool.h>

#include "pyframes/pyframes.h"

enum opt_mode {
    OPT_MODE_TUI = 0,           /* default on a terminal */
    OPT_MODE_DUMP,
    OPT_MODE_LOAD,
};

struct options {
    enum opt_mode mode;
    int pid;
    bool json;
    bool stacks;
    bool nonblocking;
    bool verbose;
    const char *output;         /* -o FILE, NULL = stdout */
    const char *load_path;      /* --load FILE */
    enum py_layout_choice layout;
};

/*
 * Parse argv.  Returns 0 to go on, 1 when --help/--version was handled
 * (exit 0), or -AIO_E_USAGE after printing a one-line error.
 */
int options_parse(struct options *o, int argc, char **argv);

#endif
