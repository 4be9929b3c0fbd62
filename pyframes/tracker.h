/*
 * tracker.h - what the tracker loaded into the target (--track,
 * track/aiomon_tracker.py) recorded, read out of its memory: who created
 * each task, who cancelled it, and the tasks it saw end.
 */
#ifndef AIO_PYFRAMES_TRACKER_H
#define AIO_PYFRAMES_TRACKER_H

#include "pyint.h"

/*
 * After the tasks are read: the tracker's state (snap.tracker), each task's
 * records (snap_task.track) and the ended tasks it kept (snap.ended, newest
 * first).  Nothing when the tracker is not loaded; what cannot be read is a
 * diagnostic.
 */
void py_tracker_read(struct py_ctx *c);

/* The tracker's state only (snap.tracker): cheap, for waiting on an install. */
void py_tracker_read_state(struct py_ctx *c);

#endif
