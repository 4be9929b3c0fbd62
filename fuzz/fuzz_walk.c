/*
 * fuzz_walk.c - hostile memory images through the whole reading path:
 * image bytes -> image source -> py_snapshot_read -> JSON and text writers.
 * Seeds: images captured from real processes (fuzz/corpus/walk, written by
 * tools/capture-image).  Everything the walkers read is attacker-chosen
 * bytes at attacker-chosen addresses, as from a corrupted target.
 */
#include <stddef.h>
#include <stdint.h>

#include "attach/image.h"
#include "fuzz_common.h"
#include "image_runtime.h"
#include "view/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source src;
    struct image_runtime ir;
    struct py_runtime *rt;
    static const struct write_opts plain;
    struct snap *s;

    if (image_open_mem(&src, data, size, &ir) < 0) {
        source_close(&src);
        return 0;
    }
    rt = calloc(1, sizeof(*rt));
    if (rt && image_runtime_fill(&ir, rt) == 0) {
        s = snap_new(src.pid);
        py_snapshot_read(&src, rt, s);
        snap_write_json(fuzz_devnull(), s, NULL);
        snap_write_text(fuzz_devnull(), s, &plain);
        snap_free(s);
    }
    free(rt);
    source_close(&src);
    return 0;
}
