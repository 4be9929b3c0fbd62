/*
 * guard.h - the safety net: whatever happens to aiomon-attach (SIGINT, SIGTERM,
 * SIGHUP, or a crash of its own), every thread it has seized is detached
 * before it dies, so the target is never left stopped.
 *
 * The list is the only global state of the attach layer; it is written only
 * outside signal handlers and read by them (async-signal-safe).
 */
#ifndef AIO_ATTACH_GUARD_H
#define AIO_ATTACH_GUARD_H

/* Install the handlers (idempotent). */
void guard_install(void);

/* Remember a seized tid; returns 0, or -1 when the list is full (then do not seize it). */
int guard_add(long tid);

/* Forget a tid (after detaching it). */
void guard_remove(long tid);

/* Detach every remembered tid now (used by handlers; safe to call at any time). */
void guard_detach_all(void);

#endif
