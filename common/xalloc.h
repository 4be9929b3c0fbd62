/*
 * xalloc.h - allocation that cannot fail silently: on out-of-memory the
 * process prints one line and exits 2.  Sizes are overflow-checked.
 */
#ifndef AIO_COMMON_XALLOC_H
#define AIO_COMMON_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * Grow *vec (of element size `elem`) so that it holds at least `need`
 * elements; *cap is updated.  Growth is geometric.
 */
void xgrow(void **vec, size_t *cap, size_t need, size_t elem);

#endif
