#include "guard.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "../common/crashhook.h"

#define GUARD_MAX_TIDS 65536

/*
 * Slots hold a tid or 0.  Writers run in normal context; handlers only read.
 * volatile sig_atomic_t-sized accesses keep the handler's view consistent
 * enough: a slot is either a tid we seized or 0.
 */
static volatile long guard_tids[GUARD_MAX_TIDS];
static volatile sig_atomic_t guard_hi;      /* slots [0, guard_hi) may be in use */
static volatile sig_atomic_t guard_installed;

static const int guard_term_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
static const int guard_fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP };

/*
 * Handlers of the term signals installed before guard_install() (the
 * watchdog's forwarding handlers): called after the detach instead of the
 * default action.  Written once, before our handler is installed.
 */
static struct sigaction guard_old[sizeof(guard_term_signals) / sizeof(guard_term_signals[0])];

void
guard_detach_all(void)
{
    int saved = errno;
    sig_atomic_t i, hi = guard_hi;

    for (i = 0; i < hi; i++) {
        long tid = guard_tids[i];

        if (tid > 0) {
            ptrace(PTRACE_DETACH, (pid_t)tid, NULL, NULL);
            guard_tids[i] = 0;
        }
    }
    errno = saved;
}

static void
guard_handler(int sig, siginfo_t *si, void *uc)
{
    size_t i;

    guard_detach_all();
    for (i = 0; i < sizeof(guard_term_signals) / sizeof(guard_term_signals[0]); i++) {
        const struct sigaction *old = &guard_old[i];

        if (guard_term_signals[i] != sig)
            continue;
        if (old->sa_flags & SA_SIGINFO) {
            old->sa_sigaction(sig, si, uc);
            return;
        }
        if (old->sa_handler == SIG_IGN)
            return;
        if (old->sa_handler != SIG_DFL) {
            old->sa_handler(sig);
            return;
        }
    }
    /* the default action, now that the target is safe: restore the terminal, then die */
    crashhook_run();
    signal(sig, SIG_DFL);
    raise(sig);
}

void
guard_install(void)
{
    struct sigaction sa;
    size_t i;

    if (guard_installed)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = guard_handler;
    sigfillset(&sa.sa_mask);
    for (i = 0; i < sizeof(guard_term_signals) / sizeof(guard_term_signals[0]); i++) {
        sigaction(guard_term_signals[i], NULL, &guard_old[i]);
        /* no SA_RESETHAND here: a chained handler returns and must run next time too */
        sa.sa_flags = SA_SIGINFO | (guard_old[i].sa_flags & SA_RESTART);
        sigaction(guard_term_signals[i], &sa, NULL);
    }
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    for (i = 0; i < sizeof(guard_fatal_signals) / sizeof(guard_fatal_signals[0]); i++)
        sigaction(guard_fatal_signals[i], &sa, NULL);
    guard_installed = 1;
}

int
guard_add(long tid)
{
    sig_atomic_t i;

    for (i = 0; i < guard_hi; i++) {
        if (guard_tids[i] == 0) {
            guard_tids[i] = tid;
            return 0;
        }
    }
    if (guard_hi >= GUARD_MAX_TIDS)
        return -1;
    guard_tids[guard_hi] = tid;
    guard_hi = guard_hi + 1;
    return 0;
}

void
guard_remove(long tid)
{
    sig_atomic_t i;

    for (i = 0; i < guard_hi; i++) {
        if (guard_tids[i] == tid) {
            guard_tids[i] = 0;
            return;
        }
    }
}
