/*
 * json_track.c - the tracker's records in the JSON view (--track): each
 * task's creation and cancel records, the tasks it saw end, its own state.
 * Schema: docs/snapshot-format.md.
 */
#include "json_track.h"

#include <inttypes.h>

static void
jt_int_or_null(struct jw *f, int64_t v, bool known)
{
    if (known)
        json_int(f, v);
    else
        jw_puts(f, "null");
}

static void
jt_cancel_by(struct jw *f, const struct snap *s, const struct snap_cancel_by *k)
{
    if (!k) {
        jw_puts(f, "null");
        return;
    }
    jw_puts(f, "{\"task\": ");
    json_hex(f, k->task, true);
    jw_puts(f, ", \"stack\": ");
    json_frames(f, s, k->stack.first, k->stack.count, "      ");
    jw_puts(f, ", \"message\": ");
    json_str(f, k->message);
    jw_puts(f, ", \"at_ns\": ");
    jt_int_or_null(f, (int64_t)k->at_ns, k->at_ns != 0);
    jw_putc(f, '}');
}

/* "created_by", "creation_stack", "cancelled_by" and the serials, from a record or none. */
static void
jt_track(struct jw *f, const struct snap *s, const struct snap_track *r)
{
    jw_puts(f, ",\n      \"created_by\": ");
    json_hex(f, r ? r->created_by : 0, true);
    jw_puts(f, ",\n      \"creation_stack\": ");
    if (r)
        json_frames(f, s, r->creation_stack.first, r->creation_stack.count, "      ");
    else
        jw_puts(f, "null");
    jw_puts(f, ",\n      \"cancelled_by\": ");
    jt_cancel_by(f, s, r ? r->cancelled_by : NULL);
    jw_puts(f, ",\n      \"serial\": ");
    jt_int_or_null(f, r ? r->serial : 0, r && r->serial);
    jw_puts(f, ",\n      \"created_by_serial\": ");
    jt_int_or_null(f, r ? r->creator_serial : 0, r && r->creator_serial);
}

void
json_task_track(struct jw *f, const struct snap *s, const struct snap_task *t)
{
    jt_track(f, s, t->track);
}

static void
jt_ended(struct jw *f, const struct snap *s)
{
    size_t i;

    jw_puts(f, "  \"terminated\": [");
    for (i = 0; i < s->nended; i++) {
        const struct snap_ended *e = &s->ended[i];

        jw_puts(f, i ? ",\n    {\n      \"id\": " : "\n    {\n      \"id\": ");
        json_hex(f, e->addr, false);
        jw_puts(f, ",\n      \"name\": ");
        json_str(f, e->name);
        jw_puts(f, ",\n      \"coroutine\": ");
        json_str(f, e->coro);
        jw_puts(f, ",\n      \"state\": \"");
        jw_puts(f, snap_task_state_name(e->state));
        jw_printf(f, "\",\n      \"ended_at_ns\": %" PRIu64 ",\n      \"exception\": ",
                  e->ended_at_ns);
        json_exc(f, s, e->exception, 0);
        jw_puts(f, ",\n      \"critical\": ");
        jw_puts(f, json_bool(e->critical));
        jt_track(f, s, e->track);
        jw_puts(f, "\n    }");
    }
    jw_puts(f, s->nended ? "\n  ],\n" : "],\n");
}

void
json_tracker_sections(struct jw *f, const struct snap *s)
{
    const struct snap_tracker *tr = &s->tracker;

    jt_ended(f, s);
    jw_puts(f, "  \"tracker\": ");
    if (!tr->present) {
        jw_puts(f, "null\n");
        return;
    }
    jw_printf(f, "{\"enabled\": %s, \"error\": ", json_bool(tr->enabled));
    json_str(f, tr->error);
    jw_printf(f, ", \"keep\": %" PRId64 ", \"created\": %" PRId64 ", \"ended\": %" PRId64
              ", \"installed_at_ns\": %" PRIu64 "}\n", tr->keep, tr->created, tr->ended,
              tr->installed_ns);
}
