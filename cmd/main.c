/*
 * main.c - aiomon-attach: parse the command line into one options struct,
 * then hand it to the mode it names (mode.h: one file per mode), whose
 * result is the exit status.
 */
#include <stdio.h>
#include <unistd.h>

#include "common/err.h"
#include "mode.h"
#include "options.h"
#include "run.h"

int main(int argc, char **argv);

/* --run: the watchdog takes its own options (run.h). */
static int
main_run(const struct options *o)
{
    struct run_opts ro = { .argv = o->run_argv, .timeout = o->timeout,
                           .on_signal = o->on_signal, .keep_running = o->keep_running,
                           .outdir = o->output };
    char dir[4096] = "";
    int status;

    options_capture(o, &ro.capture);
    /* --track: the command's Python processes load the tracker (track_run.c) */
    if (o->track && track_run_begin(o, dir, sizeof(dir)) < 0)
        return 2;
    status = run_command(&ro);
    if (o->track)
        track_run_end(dir);
    return status;
}

/* The modes: every one takes the parsed options and returns the exit status. */
static int (*const main_modes[OPT_MODE__COUNT])(const struct options *o) = {
    [OPT_MODE_VIEW] = view_main,
    [OPT_MODE_DUMP] = dump_main,
    [OPT_MODE_LOAD] = load_main,
    [OPT_MODE_WATCH] = watch_main,
    [OPT_MODE_RUN] = main_run,
};

int
main(int argc, char **argv)
{
    struct options o;
    int rc;

    /*
     * Never setuid or setgid: it would let any user read another's memory,
     * and files as root (--load of /etc/shadow).  Use CAP_SYS_PTRACE instead.
     */
    if (getuid() != geteuid() || getgid() != getegid()) {
        fputs("aiomon-attach: refusing to run setuid or setgid (grant CAP_SYS_PTRACE to the "
              "users who need it, or run it as root)\n", stderr);
        return 2;
    }
    /* a 10,000-task JSON is ~9 MB: written in 4 KiB pieces, the syscalls alone took 20 ms */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    rc = options_parse(&o, argc, argv);
    if (rc > 0)
        return 0;
    if (rc < 0)
        return err_exit_code(rc);
    /* not on a terminal: a dump is what a script wants */
    if (o.mode == OPT_MODE_VIEW && !view_wanted(&o))
        o.mode = OPT_MODE_DUMP;
    /* --track PID: install first, then the mode; --untrack PID: only that (track.c) */
    if (o.untrack)
        return untrack_main(&o);
    if (o.track && o.mode != OPT_MODE_RUN)
        return track_main(&o, main_modes[o.mode]);
    return main_modes[o.mode](&o);
}
