/*
 * track_run.c - --run --track: every Python process of the command's tree
 * loads the tracker at start, on every version (3.8+), without PEP 768.
 *
 * A private directory (0700, under $TMPDIR or /tmp) holds _aiomon_tracker.py
 * (the embedded source) and a sitecustomize.py (track_sitecustomize) that
 * installs it and then runs the sitecustomize it hides.  The directory goes
 * first on PYTHONPATH in our environment, which the command inherits (an
 * existing PYTHONPATH stays after it), and is named by AIOMON_TRACK_DIR for
 * wrappers that must make it visible elsewhere (a container: bind-mount it
 * at the same path).  Python started with -I, -E or -S does not read it.
 */
#include "mode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/xalloc.h"
#include "track/script.h"

#define TRACK_RUN_MAX_CACHE_FILES 256   /* __pycache__ entries removed at the end */

static int
track_run_write(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4096];
    size_t done = 0;
    int fd, e;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

int
track_run_begin(const struct options *o, char *dir, size_t size)
{
    struct track_args a = { .keep = o->track_keep, .critical = o->critical,
                            .ncritical = (size_t)o->ncritical };
    const char *tmp = getenv("TMPDIR"), *old = getenv("PYTHONPATH");
    char *site = NULL, *path = NULL;
    size_t n;
    int e;

    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    if ((size_t)snprintf(dir, size, "%s/aiomon-track.XXXXXX", tmp) >= size) {
        fputs("aiomon-attach: --track: TMPDIR is too long\n", stderr);
        dir[0] = '\0';
        return -1;
    }
    if (!mkdtemp(dir)) {        /* mode 0700 */
        e = errno;
        fprintf(stderr, "aiomon-attach: --track: cannot create a directory in \"");
        escape_text(stderr, tmp, strlen(tmp), 200);
        fprintf(stderr, "\": %s\n", strerror(e));
        dir[0] = '\0';
        return -1;
    }
    site = track_sitecustomize(&a);
    if (track_run_write(dir, TRACK_MODULE ".py", track_tracker_py, track_tracker_py_len) < 0 ||
        track_run_write(dir, "sitecustomize.py", site, strlen(site)) < 0)
        goto fail;
    n = strlen(dir) + (old && old[0] ? strlen(old) + 1 : 0) + 1;
    path = xmalloc(n);
    snprintf(path, n, "%s%s%s", dir, old && old[0] ? ":" : "", old && old[0] ? old : "");
    if (setenv("PYTHONPATH", path, 1) < 0 || setenv("AIOMON_TRACK_DIR", dir, 1) < 0)
        goto fail;
    if (o->verbose) {
        fputs("aiomon-attach: --track: the tracker and its sitecustomize are in ", stderr);
        escape_text(stderr, dir, strlen(dir), 200);
        fputs(" (first on PYTHONPATH)\n", stderr);
    }
    free(site);
    free(path);
    return 0;
fail:
    e = errno;
    fprintf(stderr, "aiomon-attach: --track: cannot prepare the tracker's directory: %s\n",
            strerror(e));
    free(site);
    free(path);
    track_run_end(dir);
    dir[0] = '\0';
    return -1;
}

/* Remove what Python may have written under __pycache__ (bounded), then the directory. */
static void
track_run_rm_cache(int dfd)
{
    int cfd = openat(dfd, "__pycache__", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    size_t n = 0;

    if (cfd < 0)
        return;
    d = fdopendir(cfd);
    if (!d) {
        close(cfd);
        return;
    }
    while ((de = readdir(d)) != NULL && n++ < TRACK_RUN_MAX_CACHE_FILES) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
    unlinkat(dfd, "__pycache__", AT_REMOVEDIR);
}

void
track_run_end(const char *dir)
{
    int dfd;

    if (!dir || !dir[0])
        return;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0) {
        unlinkat(dfd, TRACK_MODULE ".py", 0);
        unlinkat(dfd, "sitecustomize.py", 0);
        track_run_rm_cache(dfd);
        close(dfd);
    }
    if (rmdir(dir) < 0 && errno != ENOENT) {
        int e = errno;

        fputs("aiomon-attach: --track: ", stderr);
        escape_text(stderr, dir, strlen(dir), 200);
        fprintf(stderr, " left behind: %s\n", strerror(e));
    }
}
