/*
 * wfile.h - every file the tool writes whole (--dump -o, --watch -o, --run's
 * snapshots, the live view's w) goes through write_path_atomic.  --record
 * appends, so it cannot: view/record.c opens it O_NOFOLLOW, creates it 0600
 * and refuses a link, the same guarantees for a file that grows.
 */
#ifndef AIO_COMMON_WFILE_H
#define AIO_COMMON_WFILE_H

#include <stdio.h>

/*
 * body writes the content to f and returns 0 or a negative AIO_E_* with
 * err_set(); a write error of the stream (full disk) is caught after it.  A
 * device or FIFO at path is written in place; anything else is replaced
 * atomically (0600, never through a symlink or a hard link: a new inode is
 * renamed over the name), or left as it was with an error naming path and
 * errno.  Returns 0 or -AIO_E_IO with err_set().
 */
typedef int (*write_body_fn)(FILE *f, void *arg);
int write_path_atomic(const char *path, write_body_fn body, void *arg);

#endif
