/* saferead.c - bounded line reading from regular files, in large chunks: a
 * line that lies whole in the chunk is handed out in place. */
#include "saferead.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

struct pc_saferead {
	int fd;
	uint64_t max_bytes;
	uint64_t read;     /* bytes handed out so far, newlines included */
	size_t max_line;
	char *buf;         /* max_line + 1 bytes: a line split across chunks */
	char *chunk;       /* CHUNK bytes */
	size_t pos, end;   /* chunk[pos..end) is not handed out yet */
};

/* Opens without blocking (a FIFO would wait for a writer) and checks the
 * type before reading a byte. Returns a descriptor, or -1 with errno. */
static int open_regular(const char *path, uint64_t max_bytes)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), err;
	struct stat sb;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0)
		goto fail;
	errno = EINVAL;
	if (!S_ISREG(sb.st_mode))
		goto fail;
	errno = EFBIG;
	if ((uint64_t)sb.st_size > max_bytes)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

struct pc_saferead *pc_saferead_open(const char *path, uint64_t max_bytes, size_t max_line)
{
	struct pc_saferead *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return NULL;
	r->fd = -1;
	if (!(r->buf = malloc(max_line + 1)) || !(r->chunk = malloc(CHUNK)))
		goto fail;
	if ((r->fd = open_regular(path, max_bytes)) < 0)
		goto fail;
	r->max_bytes = max_bytes;
	r->max_line = max_line;
	return r;
fail:
	err = errno;
	pc_saferead_close(r);
	errno = err;
	return NULL;
}

/* Reads the next chunk. Returns its size, 0 at the end, -1 with errno. */
static ssize_t fill(struct pc_saferead *r)
{
	ssize_t got;

	do
		got = read(r->fd, r->chunk, CHUNK);
	while (got < 0 && errno == EINTR);
	r->pos = 0;
	r->end = got > 0 ? (size_t)got : 0;
	return got;
}

/* Hands out the next len bytes of the chunk (and the newline after them
 * when nl): they count against max_bytes. Returns 0, or -1 (EFBIG). */
static int consume(struct pc_saferead *r, size_t len, bool nl)
{
	if (r->read + len + nl > r->max_bytes) {
		errno = EFBIG;
		return -1;
	}
	r->read += len + nl;
	r->pos += len + nl;
	return 0;
}

int pc_saferead_line(struct pc_saferead *r, char **line, size_t *len)
{
	size_t n = 0; /* bytes of the line so far */
	ssize_t got = 1;

	for (;;) {
		if (r->pos == r->end && (got = fill(r)) <= 0)
			break;
		char *s = r->chunk + r->pos, *nl = memchr(s, '\n', r->end - r->pos);
		size_t take = nl ? (size_t)(nl - s) : r->end - r->pos;
		if (consume(r, take, nl != NULL) < 0)
			return -1;
		if (nl && n == 0) { /* whole in the chunk: in place */
			s[take < r->max_line ? take : r->max_line] = '\0';
			*line = s;
			*len = take;
			return 1;
		}
		if (n < r->max_line)
			memcpy(r->buf + n, s, take < r->max_line - n ? take : r->max_line - n);
		n += take;
		if (nl)
			break;
	}
	if (got < 0)
		return -1;
	if (got == 0 && n == 0)
		return 0;
	r->buf[n < r->max_line ? n : r->max_line] = '\0';
	*line = r->buf;
	*len = n;
	return 1;
}

void pc_saferead_close(struct pc_saferead *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->chunk);
	free(r->buf);
	free(r);
}

const char *pc_saferead_strerror(int err)
{
	switch (err) {
	case EINVAL:
		return "not a regular file";
	case EFBIG:
		return "file too large";
	default:
		return strerror(err);
	}
}
