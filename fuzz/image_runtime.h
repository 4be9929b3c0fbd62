/*
 * image_runtime.h - turn the runtime facts of a memory image (attach/image.h)
 * into the struct py_runtime the walkers take.  For the fuzzers, the unit
 * tests and tools only: attach/ may not include pyframes/ (layering).  The
 * behaviour comes from the version registry (pyframes/versions.h), as
 * py_runtime_open() chooses it.
 */
#ifndef AIO_FUZZ_IMAGE_RUNTIME_H
#define AIO_FUZZ_IMAGE_RUNTIME_H

#include <stdio.h>
#include <string.h>

#include "attach/image.h"
#include "common/err.h"
#include "pyframes/layout.h"
#include "pyframes/pyframes.h"
#include "pyframes/pyint.h"
#include "pyframes/versions.h"

/*
 * Fill rt from ir: version, _PyRuntime, ops, layout (unknown field names are
 * ignored, then layout_validate() as py_runtime_open does).  0, or
 * -AIO_E_VERSION / -AIO_E_LAYOUT (a field every walk needs is missing).
 */
static inline int
image_runtime_fill(const struct image_runtime *ir, struct py_runtime *rt)
{
    static const enum py_field required[] = {
        PYF_RT_INTERP_HEAD, PYF_IS_NEXT, PYF_IS_TSTATE_HEAD, PYF_TS_NEXT, PYF_TS_THREAD_ID,
        PYF_CODE, PYF_CO_NAME, PYF_CO_FILENAME, PYF_CO_FIRSTLINENO, PYF_CO_LINETABLE,
        PYF_OB_TYPE, PYF_TP_NAME, PYF_OB_SIZE, PYF_ASCII, PYF_COMPACT, PYF_STR_LENGTH,
        PYF_STR_STATE, PYF_BYTES_SVAL,
    };
    size_t i;

    memset(rt, 0, sizeof(*rt));
    snprintf(rt->core_path, sizeof(rt->core_path), "(memory image)");
    rt->runtime_addr = ir->runtime_addr;
    rt->version_hex = ir->version_hex;
    snprintf(rt->version, sizeof(rt->version), "%s", ir->version);
    snprintf(rt->layout_source, sizeof(rt->layout_source), "%s", ir->layout_source);
    rt->pthread_tid_off = ir->pthread_tid_off;
    rt->pyv = py_version_find(ir->version_hex, &rt->newer_than_known);
    rt->ops = rt->pyv ? rt->pyv->ops : NULL;
    if (!rt->ops)
        return err_set(AIO_E_VERSION, "image: unsupported Python version 0x%llx",
                       (unsigned long long)ir->version_hex);
    for (i = 0; i < ir->nfields; i++) {
        const struct image_field *f = &ir->fields[i];
        int id = layout_field_by_name(f->name);

        if (id < 0)
            continue;
        rt->L.f[id].present = true;
        rt->L.f[id].src = f->src;
        rt->L.f[id].off = f->off;
        rt->L.f[id].size = f->size;
        rt->L.f[id].bit_off = f->bit_off;
        rt->L.f[id].bit_size = f->bit_size;
    }
    layout_validate(&rt->L);
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!layout_has(&rt->L, required[i]))
            return err_set(AIO_E_LAYOUT, "image: layout lacks %s", layout_descs[required[i]].name);
    }
    return 0;
}

#endif
