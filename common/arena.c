#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define ARENA_BLOCK 65536

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    unsigned char data[];
};

void
arena_init(struct arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void
arena_free(struct arena *a)
{
    struct arena_block *b = a->head, *n;

    while (b) {
        n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
    struct arena_block *b = a->head;
    size_t need = (size + 15) & ~(size_t)15;
    void *p;

    if (need < size)
        need = SIZE_MAX;  /* overflow: xmalloc below will die */
    if (!b || b->size - b->used < need) {
        size_t bs = need > ARENA_BLOCK ? need : ARENA_BLOCK;

        if (bs > SIZE_MAX - sizeof(*b))
            bs = SIZE_MAX - sizeof(*b);
        b = xmalloc(sizeof(*b) + bs);
        b->used = 0;
        b->size = bs;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, size);
    return p;
}

char *
arena_memdup(struct arena *a, const void *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);

    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return arena_memdup(a, s, strlen(s));
}
