/* rdfile.c - bounded line reading from regular files */
#include "rdfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pc_rdfile {
	FILE *f;
	uint64_t max_bytes;
	uint64_t read; /* bytes so far */
	size_t max_line;
	char *buf;     /* max_line + 1 bytes */
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

struct pc_rdfile *pc_rdfile_open(const char *path, uint64_t max_bytes, size_t max_line)
{
	struct pc_rdfile *r = calloc(1, sizeof(*r));
	int fd = -1, err;

	if (!r || !(r->buf = malloc(max_line + 1)))
		goto fail;
	if ((fd = open_regular(path, max_bytes)) < 0 || !(r->f = fdopen(fd, "r")))
		goto fail;
	r->max_bytes = max_bytes;
	r->max_line = max_line;
	return r;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	if (r)
		free(r->buf);
	free(r);
	errno = err;
	return NULL;
}

int pc_rdfile_line(struct pc_rdfile *r, char **line, size_t *len)
{
	size_t n = 0;
	int c;

	while ((c = getc_unlocked(r->f)) != EOF) {
		if (++r->read > r->max_bytes) {
			errno = EFBIG;
			return -1;
		}
		if (c == '\n')
			break;
		if (n < r->max_line)
			r->buf[n] = (char)c;
		n++;
	}
	if (c == EOF && ferror(r->f))
		return -1;
	if (c == EOF && n == 0)
		return 0;
	r->buf[n < r->max_line ? n : r->max_line] = '\0';
	*line = r->buf;
	*len = n;
	return 1;
}

void pc_rdfile_close(struct pc_rdfile *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r);
}

const char *pc_rdfile_strerror(int err)
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
