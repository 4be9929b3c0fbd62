/*
 * footer.h - the last line: the prompt of / and f, a status message, or
 * the function bar of the current view (htop's FunctionBar).
 */
#ifndef AIO_UI_FOOTER_H
#define AIO_UI_FOOTER_H

#include "state.h"
#include "term.h"

/* Draw the footer in S->lay.footer; reads only. */
void ui_footer_draw(const struct ui_state *S, struct ui_term *T);

#endif
