/*
 * arena.h - bump allocator.  A snapshot owns one arena; everything allocated
 * from it is released by one arena_free().  Allocation failure dies (xalloc).
 */
#ifndef AIO_COMMON_ARENA_H
#define AIO_COMMON_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;   /* owned; most recent block first */
    size_t total;               /* bytes handed out, for statistics */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);

/* Zeroed memory, 16-byte aligned, valid until arena_free(). */
void *arena_alloc(struct arena *a, size_t size);

/* A NUL-terminated copy of n bytes of s (s may contain NULs). */
char *arena_memdup(struct arena *a, const void *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
