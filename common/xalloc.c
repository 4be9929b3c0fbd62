#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn))
xalloc_die(size_t size)
{
    char buf[96];
    int n = snprintf(buf, sizeof(buf), "aiomon-attach: out of memory (%zu bytes)\n", size);

    if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) < 0)
        _exit(2);
    _exit(2);
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        xalloc_die(size);
    return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
    void *p;

    if (nmemb == 0 || size == 0)
        nmemb = size = 1;
    p = calloc(nmemb, size);
    if (!p)
        xalloc_die(nmemb * size);
    return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    void *p;

    if (size && nmemb > SIZE_MAX / size)
        xalloc_die(SIZE_MAX);
    p = realloc(ptr, nmemb && size ? nmemb * size : 1);
    if (!p)
        xalloc_die(nmemb * size);
    return p;
}

char *
xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
    char *p;
    size_t len = strnlen(s, n);

    p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void
xgrow(void **vec, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;

    if (need <= *cap)
        return;
    ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            xalloc_die(SIZE_MAX);
        ncap *= 2;
    }
    *vec = xreallocarray(*vec, ncap, elem);
    *cap = ncap;
}
