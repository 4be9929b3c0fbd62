/*
 * wfile.c - the one writer of output files: atomic, 0600, never through a
 * symlink (wfile.h).
 */
#include "wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "xalloc.h"

#define MAX_TMP_TRIES 100

/* A random name for the temp file; falls back to time and pid if getrandom fails. */
static uint64_t
wfile_tmp_nonce(unsigned attempt)
{
    uint64_t r;
    struct timespec ts;

    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
        return r;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)getpid() << 40) ^ ((uint64_t)ts.tv_nsec << 8) ^ attempt;
}

/* Best effort: make the rename durable.  Errors are ignored (the data is written). */
static void
wfile_sync_dir(const char *path, size_t dirlen)
{
    char *dir = dirlen ? xstrndup(path, dirlen) : xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

static int
wfile_write_special(const char *path, write_body_fn body, void *arg)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC), rc;
    FILE *f;

    if (fd < 0)
        return err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    f = fdopen(fd, "w");
    if (f)
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    if (!f) {
        close(fd);
        return err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    }
    rc = body(f, arg);
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    if (fclose(f) != 0 && rc == 0)
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    return rc;
}

int
write_path_atomic(const char *path, write_body_fn body, void *arg)
{
    const char *slash;
    char *tmp = NULL;
    size_t dirlen;
    unsigned attempt;
    int fd = -1, rc = 0, saved;
    bool created = false;
    FILE *f = NULL;

    /*
     * A device or a pipe (-o /dev/null, -o /dev/stdout, a FIFO) is written in
     * place: renaming a temporary file over it would replace the device node.
     */
    {
        struct stat st;

        if (lstat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
            return wfile_write_special(path, body, arg);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return err_set(AIO_E_IO, "cannot write \"%s\": it is a directory", path);
    }
    slash = strrchr(path, '/');
    if (path[0] == '\0' || (slash && slash[1] == '\0'))
        return err_set(AIO_E_IO, "cannot write \"%s\": not a file name", path);
    dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    tmp = xmalloc(dirlen + 40);
    memcpy(tmp, path, dirlen);
    for (attempt = 0; attempt < MAX_TMP_TRIES; attempt++) {
        snprintf(tmp + dirlen, 40, ".aiomon-%016" PRIx64 ".tmp", wfile_tmp_nonce(attempt));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = err_set(AIO_E_IO, "cannot create a temporary file next to \"%s\": %s", path,
                     strerror(errno));
        goto out;
    }
    created = true;
    f = fdopen(fd, "w");
    if (f)
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    if (!f) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
        goto out;
    }
    fd = -1;    /* owned by f now */
    rc = body(f, arg);
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
    if (rc < 0)
        goto out;
    if (fsync(fileno(f)) != 0) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": fsync: %s", path, strerror(errno));
        goto out;
    }
    rc = fclose(f);
    f = NULL;
    if (rc != 0) {
        rc = err_set(AIO_E_IO, "cannot write \"%s\": %s", path, strerror(errno));
        goto out;
    }
    /* rename() replaces a symlink at path itself; it never follows it. */
    if (rename(tmp, path) != 0) {
        rc = err_set(AIO_E_IO, "cannot rename the temporary file to \"%s\": %s", path,
                     strerror(errno));
        goto out;
    }
    created = false;
    wfile_sync_dir(path, dirlen);
out:
    saved = errno;
    if (f)
        fclose(f);
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmp);
    free(tmp);
    errno = saved;
    return rc;
}
