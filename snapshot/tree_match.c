/*
 * tree_match.c - search and filter (tree_match.h): a task matches when its
 * name, its coroutine, any frame of its stack (function, qualname, file) or
 * the exception it ended with contains the text.
 */
#include "tree_match.h"

#include <stdlib.h>
#include <string.h>

#include "../common/xalloc.h"

static unsigned char
tree_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

void
tree_matcher_init(struct tree_matcher *m, const char *filter, bool icase)
{
    size_t i;

    m->needle = xstrdup(filter);
    m->len = strlen(filter);
    m->icase = icase;
    for (i = 0; icase && i < m->len; i++)
        m->needle[i] = (char)tree_lower((unsigned char)m->needle[i]);
    m->first_lo = (unsigned char)m->needle[0];
    m->first_up = icase && m->first_lo >= 'a' && m->first_lo <= 'z'
                  ? (unsigned char)(m->first_lo - 'a' + 'A') : m->first_lo;
}

static bool
tree_has(const struct tree_matcher *m, const struct snap_str *hay)
{
    const unsigned char *h = (const unsigned char *)hay->s;
    size_t i, j;

    if (!h || m->len > hay->len)
        return false;
    if (!m->icase)
        return memmem(h, hay->len, m->needle, m->len) != NULL;
    for (i = 0; i + m->len <= hay->len; i++) {
        if (h[i] != m->first_lo && h[i] != m->first_up)
            continue;
        for (j = 1; j < m->len && tree_lower(h[i + j]) == (unsigned char)m->needle[j]; j++)
            ;
        if (j == m->len)
            return true;
    }
    return false;
}

/* A frame's function, qualname or file matches. */
static bool
tree_matcher_frame(const struct tree_matcher *m, const struct snap_frame *fr)
{
    return tree_has(m, &fr->function) || tree_has(m, &fr->qualname) || tree_has(m, &fr->file);
}

/*
 * The name, the coroutine, any frame of the stack, or the exception's type
 * or message matches.  Frames shared by the tasks of one key are not enough:
 * `f app.py` finds the tasks with app.py anywhere in their stack.
 */
bool
tree_matcher_task(const struct tree_matcher *m, const struct snap *s, size_t task)
{
    const struct snap_task *t = &s->tasks[task];
    const struct snap_frame *fr;
    size_t first, n, i;

    if (tree_has(m, &t->name) || tree_has(m, &t->coro))
        return true;
    if (t->exception && (tree_has(m, &t->exception->type) || tree_has(m, &t->exception->message)))
        return true;
    /* the stack's range, bounded by the frames there are (a loaded file may lie) */
    first = t->frame_first < s->nframes ? t->frame_first : s->nframes;
    n = t->frame_count < s->nframes - first ? t->frame_count : s->nframes - first;
    fr = &s->frames[first];
    for (i = 0; i < n; i++) {
        if (tree_matcher_frame(m, &fr[i]))
            return true;
    }
    return false;
}



void
tree_matcher_free(struct tree_matcher *m)
{
    free(m->needle);
    m->needle = NULL;
}
