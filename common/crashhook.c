#include "crashhook.h"

#include <signal.h>

static void (*volatile crashhook_fn)(void);

void
crashhook_set(void (*fn)(void))
{
    crashhook_fn = fn;
}

void
crashhook_run(void)
{
    void (*fn)(void) = crashhook_fn;

    if (fn)
        fn();
}
