/* fdio.h - whole writes to file descriptors */
#ifndef PC_FDIO_H
#define PC_FDIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, again after a short write or EINTR.
 * Returns 0, or -1 with errno (some bytes may have been written). */
int pc_write_all(int fd, const void *buf, size_t len);

#endif
