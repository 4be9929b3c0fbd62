/*
 * keys.h - the key table and its actions (keys.c).
 */
#ifndef AIO_UI_KEYS_H
#define AIO_UI_KEYS_H

#include <stdbool.h>

#include "lines.h"
#include "state.h"

/*
 * Handle one key of the current view's table (a character, or a KEY_* code
 * when fn is true): UI_R_* flags, UI_R_IGNORED when no action has the key.
 */
unsigned ui_keys_handle(struct ui_state *S, int key, bool fn);

/* The help screen's lines: every key of the key table. */
void ui_keys_help(struct ui_lines *L);

#endif
