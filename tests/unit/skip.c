/* skip.c - skipped unit tests, counted and reported (see skip.h). */
#include "skip.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char skip_path[64];

void
unit_skip(const char *test, const char *fmt, ...)
{
    const char *path = getenv(UNIT_SKIPS_ENV);
    char line[1024];
    va_list ap;
    int n, fd;

    size_t tl = strlen(test);

    /* START_TEST(name) defines name_fn: report the test's own name */
    if (tl > 3 && strcmp(test + tl - 3, "_fn") == 0)
        tl -= 3;
    n = snprintf(line, sizeof(line), "%.*s: ", (int)tl, test);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    /* one line, no newline inside: the reason may quote a file */
    for (fd = 0; fd < n; fd++)
        if (line[fd] == '\n')
            line[fd] = ' ';
    line[n++] = '\n';
    fprintf(stderr, "SKIP %.*s", n, line);
    if (!path || !path[0])
        return;
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    /* O_APPEND and one write: lines of parallel children never mix */
    if (write(fd, line, (size_t)n) != n)
        fprintf(stderr, "unit_skip: short write to %s\n", path);
    close(fd);
}

void
unit_skips_begin(void)
{
    int fd;

    snprintf(skip_path, sizeof(skip_path), "/tmp/aiomon-unit-skips.XXXXXX");
    fd = mkstemp(skip_path);
    if (fd < 0) {
        perror("unit_skips_begin: mkstemp");
        skip_path[0] = '\0';
        return;
    }
    close(fd);
    setenv(UNIT_SKIPS_ENV, skip_path, 1);
}

int
unit_skips_end(void)
{
    char line[1024];
    int n = 0;
    FILE *f;

    if (!skip_path[0])
        return 0;
    f = fopen(skip_path, "r");
    if (f) {
        while (fgets(line, sizeof(line), f))
            n++;
        if (n) {
            rewind(f);
            printf("%d skipped:\n", n);
            while (fgets(line, sizeof(line), f))
                printf("  %s", line);
        }
        fclose(f);
    }
    unlink(skip_path);
    unsetenv(UNIT_SKIPS_ENV);
    skip_path[0] = '\0';
    return n;
}
