/*
 * search.h - search and filter: the prompt of / and f (typed in the
 * footer; search moves as you type, the filter applies as you type) and
 * stepping through the matches with n and N.
 */
#ifndef AIO_UI_SEARCH_H
#define AIO_UI_SEARCH_H

#include <stdbool.h>

#include "state.h"

/* Open the prompt p with `init` as its text. */
void ui_prompt_open(struct ui_state *S, enum ui_prompt p, const char *init);

/* A key while the prompt is open (a character, or a KEY_* code when fn): UI_R_* flags. */
unsigned ui_prompt_key(struct ui_state *S, int key, bool fn);

/* Go to the next (dir > 0) or previous match of the search text: shown rows, then hidden tasks. */
void ui_search_step(struct ui_state *S, int dir);

#endif
