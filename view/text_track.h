/*
 * text_track.h - the tracker's section of the text view (--track): its
 * state and the tasks it saw end, newest first.  Internal to view/.
 */
#ifndef AIO_VIEW_TEXT_TRACK_H
#define AIO_VIEW_TEXT_TRACK_H

#include <stdbool.h>
#include <stdio.h>

#include "../snapshot/snapshot.h"
#include "../snapshot/track.h"

#define TEXT_MAX_ENDED 50       /* ended tasks listed (critical ones always); JSON has all */

/* Nothing when no tracker is loaded. */
void text_track_ended(FILE *f, const struct snap *s, const struct track_index *ix, bool stacks);

#endif
