/*
 * fuzz_common.h - small helpers shared by the libFuzzer harnesses.
 */
#ifndef AIO_FUZZ_COMMON_H
#define AIO_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* /dev/null as a stream, opened once: the writers' output goes there. */
static inline FILE *
fuzz_devnull(void)
{
    static FILE *f;

    if (!f)
        f = fopen("/dev/null", "w");
    if (!f)
        abort();
    return f;
}

/*
 * The input as a file (readers that take a path): one memfd, rewritten for
 * every input; path receives "/proc/self/fd/N".
 */
static inline const char *
fuzz_as_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];

    if (fd < 0) {
        fd = memfd_create("fuzz-input", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    return path;
}

#endif
