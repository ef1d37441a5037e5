/* fdio.h - whole writes to file descriptors, and files replaced atomically */
#ifndef PC_FDIO_H
#define PC_FDIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, again after a short write or EINTR.
 * Returns 0, or -1 with errno (some bytes may have been written). */
int pc_write_all(int fd, const void *buf, size_t len);

/* Writes a file that the caller's fill(fd, arg) writes; returns 0, or -1
 * with errno. */
typedef int pc_fill_fn(int fd, const void *arg);

/* Replaces path atomically: fill writes a new file PATH.XXXXXX in the same
 * directory (made with O_EXCL, so never through a symlink; mode 0644),
 * which rename then puts at path (a symlink at path is replaced, not
 * followed). Not synced: for runtime state rewritten every few seconds.
 * Returns 0, or -1 with errno (path unchanged, the new file removed). */
int pc_file_replace(const char *path, pc_fill_fn *fill, const void *arg);

#endif
