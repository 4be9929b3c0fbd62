/*
 * crashhook.h - one async-signal-safe hook run by the signal guard before the
 * tool dies of a signal (the terminal view registers its terminal restore).
 * The hook must only make async-signal-safe calls.
 */
#ifndef AIO_COMMON_CRASHHOOK_H
#define AIO_COMMON_CRASHHOOK_H

/* Set (or clear with NULL) the hook. */
void crashhook_set(void (*fn)(void));

/* Run the hook if set (from a signal handler). */
void crashhook_run(void);

#endif
