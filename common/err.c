#include "err.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

static const struct {
    int exit_code;
    const char *msg;
} err_table[] = {
#define AIO_X_TAB(name, code, msg) { code, msg },
    AIO_ERRORS(AIO_X_TAB)
#undef AIO_X_TAB
};

static const char *const err_names[] = {
#define AIO_X_NAME(name, code, msg) #name,
    AIO_ERRORS(AIO_X_NAME)
#undef AIO_X_NAME
};

static char err_ctx[512];
static int err_ctx_code;

static int
err_index(int code)
{
    if (code < 0)
        code = -code;
    if (code >= AIO_E__COUNT)
        code = AIO_E_INTERNAL;
    return code;
}

const char *
err_str(int code)
{
    return err_table[err_index(code)].msg;
}

int
err_exit_code(int code)
{
    return err_table[err_index(code)].exit_code;
}

int
err_set(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err_ctx, sizeof(err_ctx), fmt, ap);
    va_end(ap);
    err_ctx_code = err_index(code);
    return -err_ctx_code;
}

const char *
err_msg(int code)
{
    if (err_ctx[0] != '\0' && err_ctx_code == err_index(code))
        return err_ctx;
    return err_str(code);
}

void
err_clear(void)
{
    err_ctx[0] = '\0';
    err_ctx_code = 0;
}

int
err_report(int code)
{
    const char *msg = err_msg(code);

    fputs("aiomon-attach: ", stderr);
    escape_text(stderr, msg, strlen(msg), 1000);
    fputc('\n', stderr);
    return err_exit_code(code);
}

int
err_report_nothing(int code)
{
    int st = err_report(code);

    return st < 2 ? 2 : st;
}

const char *
err_code_name(int code)
{
    return err_names[err_index(code)];
}
