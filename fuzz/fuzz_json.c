/*
 * fuzz_json.c - hostile JSON through --load (snap_read_json), and whatever it
 * accepts through both writers.  Seeds: real snapshots (fuzz/corpus/json).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "snapshot/load.h"
#include "view/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct write_opts wo = { .stacks = true, .group = true };
    static const struct write_opts plain;
    struct snap *s;
    int err;

    s = snap_read_json(fuzz_as_file(data, size), &err);
    if (!s)
        return 0;
    snap_write_json(fuzz_devnull(), s, NULL);
    snap_write_text(fuzz_devnull(), s, &wo);
    snap_write_text(fuzz_devnull(), s, &plain);
    snap_free(s);
    return 0;
}
