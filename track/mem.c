/*
 * mem.c - the one writer of target memory.  Everything else in aiomon-attach
 * only reads (attach/source.h); --track and --untrack write the few words of
 * the PEP 768 request (pep768.c), while the target is stopped.
 */
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/err.h"

/* The largest write asked for: the script path buffer of a thread state. */
#define MEM_MAX_WRITE 4096

static int
mem_write_procfs(int pid, uint64_t addr, const void *buf, size_t len)
{
    char path[64];
    ssize_t w;
    int fd, e;

    snprintf(path, sizeof(path), "/proc/%d/mem", pid);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    do {
        w = pwrite(fd, buf, len, (off_t)addr);
    } while (w < 0 && errno == EINTR);
    e = errno;
    close(fd);
    errno = e;
    if (w >= 0 && (size_t)w != len)
        errno = EFAULT;
    return w >= 0 && (size_t)w == len ? 0 : -1;
}

int
track_mem_write(int pid, uint64_t addr, const void *buf, size_t len)
{
    struct iovec local = { (void *)buf, len };
    struct iovec remote = { (void *)(uintptr_t)addr, len };
    ssize_t w;

    if (len == 0 || len > MEM_MAX_WRITE || addr + len < addr)
        return err_set(AIO_E_INTERNAL, "write of %zu bytes at 0x%llx refused", len,
                       (unsigned long long)addr);
    w = process_vm_writev(pid, &local, 1, &remote, 1, 0);
    if (w >= 0 && (size_t)w == len)
        return 0;
    /* a short write of one iovec is not retried: the page is not writable */
    if (w < 0 && errno == ESRCH)
        return err_set(AIO_E_EXITED, "process %d exited", pid);
    if (mem_write_procfs(pid, addr, buf, len) == 0)
        return 0;
    if (errno == EPERM || errno == EACCES)
        return err_set(AIO_E_PERM, "cannot write to the memory of process %d: %s", pid,
                       strerror(errno));
    return err_set(AIO_E_FAULT, "cannot write %zu bytes at 0x%llx in process %d: %s", len,
                   (unsigned long long)addr, pid, strerror(errno));
}
