/* saferead.h - reading a file named by a policy without trusting it: only a
 * regular file is opened (a FIFO, device, socket or directory is refused
 * without blocking), at most a given number of bytes is read, and a line
 * costs at most a given number of bytes of memory, however long it is. */
#ifndef PC_SAFEREAD_H
#define PC_SAFEREAD_H

#include <stddef.h>
#include <stdint.h>

struct pc_saferead;

/* Opens path (symbolic links followed) for reading lines of up to max_line
 * bytes. Returns NULL with errno: EINVAL when it is not a regular file,
 * EFBIG when it is larger than max_bytes, else open's errno. */
struct pc_saferead *pc_saferead_open(const char *path, uint64_t max_bytes, size_t max_line);

/* Reads the next line. Returns 1 with *line (NUL-terminated, without its
 * "\n"; NUL bytes kept) and *len, the line's whole length: when *len >
 * max_line only the first max_line bytes are in *line. Returns 0 at the
 * end, -1 with errno on a read error (EFBIG: the file grew past max_bytes). */
int pc_saferead_line(struct pc_saferead *f, char **line, size_t *len);

void pc_saferead_close(struct pc_saferead *f);

/* A message for an errno of pc_saferead_open or pc_saferead_line. */
const char *pc_saferead_strerror(int err);

#endif
