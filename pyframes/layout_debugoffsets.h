/*
 * layout_debugoffsets.h - layouts from CPython's own descriptions of itself:
 * _Py_DebugOffsets at the start of _PyRuntime (3.13+) and the _asyncio
 * module's AsyncioDebug section (3.14+).  One map per minor version whose
 * struct changed; the version registry (versions.c) names each version's.
 */
#ifndef AIO_PYFRAMES_LAYOUT_DEBUGOFFSETS_H
#define AIO_PYFRAMES_LAYOUT_DEBUGOFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

struct dbgoff_version;          /* one minor version's _Py_DebugOffsets */
struct adbg_version;            /* one minor version's AsyncioDebug section */

extern const struct dbgoff_version dbgoff_v313, dbgoff_v314, dbgoff_v315;
extern const struct adbg_version adbg_v314;

/*
 * Fill L from a _Py_DebugOffsets image read from _PyRuntime with the map dv
 * (this minor's, or the newest one for a later minor).  The struct's own
 * version must match version_hex's minor (0: not checked) and be no older
 * than dv.  Every value is checked before any is used: 0, or a negative
 * AIO_E_LAYOUT (not this layout), AIO_E_CORRUPT (a value out of range),
 * AIO_E_VERSION (free-threaded).
 */
int layout_from_debug_offsets(struct layout *L, const unsigned char *buf, size_t len,
                              const struct dbgoff_version *dv, uint64_t version_hex);

/*
 * Fill the asyncio fields of L from an image of the AsyncioDebug section
 * with the map av; L's core fields (from _Py_DebugOffsets) are used to
 * derive the task members the section lacks.
 */
int layout_from_asyncio_debug(struct layout *L, const unsigned char *buf, size_t len,
                              const struct adbg_version *av);

#endif
