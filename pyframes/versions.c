/*
 * versions.c - the version registry (see versions.h for what adding a
 * version touches).  Sources of each column: the ops tables (ops_38.c,
 * ops_311.c, ops_314.c), the built-in layout tables generated from reference
 * DWARF (tables/py3NN.c, `make tables`), the _Py_DebugOffsets and
 * AsyncioDebug maps (layout_debugoffsets.c).
 */
#include "versions.h"

#include "layout_debugoffsets.h"
#include "layout_table.h"
#include "pyframes.h"
#include "pyint.h"

/* tables/py3NN.c (generated) */
extern const struct layout_table layout_table_py38, layout_table_py39, layout_table_py310,
    layout_table_py311, layout_table_py312, layout_table_py313, layout_table_py314,
    layout_table_py315;

const struct py_version py_versions[] = {
    { 8, &py_ops_38, &layout_table_py38, NULL, false, NULL },
    { 9, &py_ops_38, &layout_table_py39, NULL, false, NULL },
    { 10, &py_ops_310, &layout_table_py310, NULL, false, NULL },
    { 11, &py_ops_311, &layout_table_py311, NULL, false, NULL },
    { 12, &py_ops_312, &layout_table_py312, NULL, false, NULL },
    { 13, &py_ops_313, &layout_table_py313, &dbgoff_v313, false, NULL },
    { 14, &py_ops_314, &layout_table_py314, &dbgoff_v314, true, &adbg_v314 },
    { 15, &py_ops_315, &layout_table_py315, &dbgoff_v315, true, &adbg_v314 },
};

const size_t py_versions_count = sizeof(py_versions) / sizeof(py_versions[0]);

const struct py_version *
py_version_exact(unsigned minor)
{
    size_t i;

    for (i = 0; i < py_versions_count; i++) {
        if (py_versions[i].minor == minor)
            return &py_versions[i];
    }
    return NULL;
}

const struct py_version *
py_version_find(uint64_t hex, unsigned *newer)
{
    unsigned minor = (unsigned)((hex >> 16) & 0xff);
    const struct py_version *newest = &py_versions[py_versions_count - 1];

    *newer = 0;
    if ((hex >> 24) != 3)
        return NULL;
    if (minor > newest->minor) {
        *newer = minor;
        return newest;
    }
    return py_version_exact(minor);
}

unsigned
layout_debug_offsets_newest_minor(void)
{
    return py_versions[py_versions_count - 1].minor;
}
