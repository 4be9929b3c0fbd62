/*
 * tree_match.h - the compiled search / filter text of the task tree
 * (internal to snapshot/: tree.c filters rows with it; others call
 * tree_task_match of tree.h).
 */
#ifndef AIO_SNAPSHOT_TREE_MATCH_H
#define AIO_SNAPSHOT_TREE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* A compiled filter: the needle (lower-cased when icase) and its first byte in both cases. */
struct tree_matcher {
    char *needle;               /* owned */
    size_t len;
    bool icase;
    unsigned char first_lo, first_up;
};

void tree_matcher_init(struct tree_matcher *m, const char *filter, bool icase);
void tree_matcher_free(struct tree_matcher *m);

/* The task's name, coroutine, any frame, or its exception's type or message holds the text. */
bool tree_matcher_task(const struct tree_matcher *m, const struct snap *s, size_t task);

#endif
