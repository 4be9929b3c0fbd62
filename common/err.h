/*
 * err.h - error codes and messages for aiomon-attach.
 *
 * Functions return 0 on success and a negative AIO_E_* code on failure.
 * The codes and their default messages come from one X-macro list, so the
 * enum and the strings can never drift apart.  A per-call context line can be
 * recorded with err_set() (last one wins, it is only for the final message).
 */
#ifndef AIO_COMMON_ERR_H
#define AIO_COMMON_ERR_H

#include <stdarg.h>

/* X(name, exit_code, message) */
#define AIO_ERRORS(X) \
    X(OK,          0, "success") \
    X(NOMEM,       2, "out of memory") \
    X(NOPROC,      2, "no such process") \
    X(PERM,        2, "permission denied") \
    X(NOTPY,       2, "not a Python process") \
    X(VERSION,     2, "unsupported Python version") \
    X(LAYOUT,      2, "structure layout unavailable") \
    X(EXITED,      2, "process exited during the read") \
    X(FAULT,       1, "unreadable address in target") \
    X(CORRUPT,     1, "inconsistent data in target") \
    X(BOUND,       1, "bound exceeded while walking target data") \
    X(IO,          2, "input/output error") \
    X(USAGE,      64, "usage error") \
    X(TRACED,      2, "process is already traced") \
    X(BADFILE,     2, "malformed input file") \
    X(INTERNAL,    2, "internal error")

enum aio_err {
#define AIO_X_ENUM(name, code, msg) AIO_E_##name,
    AIO_ERRORS(AIO_X_ENUM)
#undef AIO_X_ENUM
    AIO_E__COUNT
};

/* The fixed message of an error code (positive or negative). */
const char *err_str(int code);

/* The name of an error code without the prefix ("FAULT"), as in JSON diagnostics. */
const char *err_code_name(int code);

/* The process exit status suggested for an error code. */
int err_exit_code(int code);

/*
 * Record a context message ("cannot read thread state at 0x...: ...") for the
 * error about to be returned; returns -code so callers can `return err_set(...)`.
 */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last context message, or the fixed message of code if none was set. */
const char *err_msg(int code);

/* Forget the recorded context. */
void err_clear(void);

/*
 * "aiomon-attach: MESSAGE" on stderr, one line, the message escaped (it may
 * quote target paths and names); returns err_exit_code(code).
 */
int err_report(int code);

/*
 * err_report for a failure that left nothing to show (no snapshot at all):
 * the exit status is at least 2, "nothing could be read", even for a code
 * whose own status is 1 (a partial read: an unreadable address).
 */
int err_report_nothing(int code);

#endif
