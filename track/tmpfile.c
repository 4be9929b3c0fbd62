/*
 * tmpfile.c - the script file of a PEP 768 request, in the target's own /tmp.
 *
 * The target opens the path we write into its thread state, in its own root
 * and mount namespace (a container, a chroot): so the file is made through
 * /proc/PID/root/tmp, which is that directory as the target sees it (when it
 * is read-only: /dev/shm, then /var/tmp).  "tmp" is opened with O_NOFOLLOW
 * (a link there would be resolved against our root, not the target's), the
 * file with O_CREAT|O_EXCL|O_NOFOLLOW under a random name, and everything
 * after that goes through the directory's fd.
 *
 * When the target has the script: CPython reads the file whole and closes
 * it before running it (Python/ceval_gil.c, run_remote_debugger_script), so
 * an inotify IN_CLOSE_NOWRITE on it says the file may go.
 */
#include "pep768.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"

#define TMPFILE_TRIES 8

/* Where in the target's root the file may go, in order: the first writable one. */
static const char *const tmpfile_dirs[] = { "tmp", "dev/shm", "var/tmp" };
#define TMPFILE_NDIRS (sizeof(tmpfile_dirs) / sizeof(tmpfile_dirs[0]))

static void
tmpfile_random_name(char *out, size_t size)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[12];
    char tail[sizeof(r) + 1];
    size_t i;

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        struct timespec ts;
        uint64_t x;

        clock_gettime(CLOCK_REALTIME, &ts);
        x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)getpid() << 40;
        for (i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char)(x >> (i * 5 % 60));
    }
    for (i = 0; i < sizeof(r); i++)
        tail[i] = digits[r[i] % (sizeof(digits) - 1)];
    tail[sizeof(r)] = '\0';
    snprintf(out, size, "aiomon-track-%s.py", tail);
}

static int
tmpfile_write_all(int fd, const char *text, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

static void
tmpfile_watch(struct track_file *f)
{
    char path[128];

    f->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (f->inotify < 0)
        return;
    snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", f->dirfd, f->name);
    if (inotify_add_watch(f->inotify, path, IN_CLOSE_NOWRITE | IN_DONT_FOLLOW) < 0) {
        close(f->inotify);
        f->inotify = -1;
    }
}

int
track_file_create(struct track_file *f, int pid, const char *text, size_t len)
{
    char root[64];
    int rootfd, fd = -1, e = 0, i;
    size_t d;

    memset(f, 0, sizeof(*f));
    f->dirfd = f->inotify = -1;
    snprintf(root, sizeof(root), "/proc/%d/root", pid);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return err_set(errno == ENOENT || errno == ESRCH ? AIO_E_NOPROC : AIO_E_PERM,
                       "cannot open %s: %s", root, strerror(errno));
    /* a read-only /tmp (a container's): /dev/shm, /var/tmp */
    for (d = 0; d < TMPFILE_NDIRS && fd < 0; d++) {
        f->dirfd = openat(rootfd, tmpfile_dirs[d], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                          O_CLOEXEC);
        if (f->dirfd < 0) {
            e = d == 0 ? errno : e;
            continue;
        }
        for (i = 0; i < TMPFILE_TRIES && fd < 0; i++) {
            tmpfile_random_name(f->name, sizeof(f->name));
            fd = openat(f->dirfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                        O_CLOEXEC, 0644);
            if (fd < 0 && errno != EEXIST)
                break;
        }
        if (fd < 0) {
            e = d == 0 ? errno : e;
            close(f->dirfd);
            f->dirfd = -1;
        } else {
            snprintf(f->path, sizeof(f->path), "/%s/%s", tmpfile_dirs[d], f->name);
        }
    }
    close(rootfd);
    if (fd < 0)
        return err_set(AIO_E_IO, "cannot create a file in /tmp of process %d (%s/tmp, not "
                       "followed if a link; nor in /dev/shm, /var/tmp): %s", pid, root,
                       strerror(e));
    f->created = true;
    /* the umask may have taken bits away: the target, maybe another user, must read it */
    if (tmpfile_write_all(fd, text, len) < 0 || fchmod(fd, 0644) < 0 || close(fd) < 0) {
        e = errno;
        track_file_remove(f);
        return err_set(AIO_E_IO, "cannot write the script into /tmp of process %d: %s", pid,
                       strerror(e));
    }
    tmpfile_watch(f);
    return 0;
}

int
track_file_consumed(struct track_file *f)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    int rounds;

    if (f->consumed)
        return 1;
    if (f->inotify < 0)
        return -1;
    for (rounds = 0; rounds < 64; rounds++) {
        n = read(f->inotify, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        /* the only event asked for is the close; any one will do */
        if ((size_t)n >= sizeof(struct inotify_event))
            f->consumed = true;
    }
    return f->consumed ? 1 : 0;
}

void
track_file_remove(struct track_file *f)
{
    int saved = errno;

    if (f->inotify >= 0)
        close(f->inotify);
    f->inotify = -1;
    if (f->created && f->dirfd >= 0)
        unlinkat(f->dirfd, f->name, 0);
    f->created = false;
    if (f->dirfd >= 0)
        close(f->dirfd);
    f->dirfd = -1;
    errno = saved;
}
