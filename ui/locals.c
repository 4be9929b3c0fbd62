/*
 * locals.c - --locals in the live view: a Python frame's arguments and
 * locals under it in the detail pane and the threads view, one
 * "name = value" line each (the snapshot's safe renderings, escaped like
 * every target string).
 */
#include "lines.h"

void
ui_locals_add(struct ui_lines *L, const struct snap *s, const struct snap_frame *f)
{
    size_t i;

    if (!(s->flags & SNAP_F_LOCALS) || f->kind != SNAP_FRAME_PYTHON)
        return;
    for (i = 0; i < f->local_count && f->local_first + i < s->nlocals; i++) {
        const struct snap_local *l = &s->locals[f->local_first + i];

        ui_lines_begin(L);
        ui_lines_add(L, UI_C_NORMAL, "        ");
        ui_lines_add_str(L, UI_C_BOLD, &l->name, "?");
        ui_lines_add(L, UI_C_DIM, " = ");
        ui_lines_add_str(L, l->value.s ? UI_C_NORMAL : UI_C_DIM, &l->value, "<unbound>");
        if (l->kind == SNAP_LOCAL_CELL || l->kind == SNAP_LOCAL_FREE)
            ui_lines_add(L, UI_C_DIM, "  (%s)", snap_local_kind_name(l->kind));
    }
}
