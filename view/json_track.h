/*
 * json_track.h - the tracker's records in the JSON view (json_track.c).
 * Internal to view/.
 */
#ifndef AIO_VIEW_JSON_TRACK_H
#define AIO_VIEW_JSON_TRACK_H

#include "json_base.h"

/* A task's "created_by", "creation_stack", "cancelled_by", "serial", "created_by_serial". */
void json_task_track(struct jw *f, const struct snap *s, const struct snap_task *t);

/* The top-level "terminated" list and "tracker" object (null when none), the last members. */
void json_tracker_sections(struct jw *f, const struct snap *s);

#endif
