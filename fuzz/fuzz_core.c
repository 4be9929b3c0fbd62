/*
 * fuzz_core.c - corrupted core files through core_open and then through the
 * source: reads at the start, middle and end of every mapping, every
 * thread's registers, the core's own info and byte origins.  The sysroot is
 * an empty directory, so no file of this machine stands in for a mapped
 * file.  Seeds: small synthetic cores (fuzz/corpus/core, fuzz/make-core-seeds.py).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>
#include <unistd.h>

#include "attach/core.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_root[] = "/tmp/aiomon-fuzz-root.XXXXXX";

/* the empty sysroot goes when the fuzzer exits (it stays empty: nothing is written there) */
static void
fuzz_remove_root(void)
{
    rmdir(fuzz_root);
}

static const char *
fuzz_empty_root(void)
{
    static bool made;

    if (!made) {
        if (!mkdtemp(fuzz_root))
            abort();
        atexit(fuzz_remove_root);
        made = true;
    }
    return fuzz_root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source src;
    struct core_info ci;
    struct user_regs_struct regs;
    unsigned char buf[64];
    char path[256], name[32];
    size_t i;

    if (core_open(&src, fuzz_as_file(data, size), NULL, fuzz_empty_root()) < 0) {
        source_close(&src);
        return 0;
    }
    core_get_info(&src, &ci);
    for (i = 0; i < src.maps.n && i < 64; i++) {
        const struct map_entry *m = &src.maps.v[i];
        uint64_t mid = m->start + (m->end - m->start) / 2;

        source_read(&src, m->start, buf, sizeof(buf));
        source_read(&src, mid, buf, sizeof(buf));
        source_read(&src, m->end - 8, buf, 8);
        source_read(&src, m->end - 8, buf, 16);
        core_addr_origin(&src, m->start, path, sizeof(path));
    }
    for (i = 0; i < src.ntids && i < 64; i++) {
        source_thread_regs(&src, src.tids[i], &regs, sizeof(regs));
        source_thread_name(&src, src.tids[i], name, sizeof(name));
    }
    source_close(&src);
    return 0;
}
