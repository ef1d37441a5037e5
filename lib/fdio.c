/* fdio.c - whole writes to file descriptors, and files replaced atomically */
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pc_file_replace(const char *path, pc_fill_fn *fill, const void *arg)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 8);
	int fd, ret = -1, err;

	if (!tmp)
		return -1;
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".XXXXXX", 8);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0644) == 0 && fill(fd, arg) == 0)
		ret = 0;
	err = errno;
	if (close(fd) < 0 && ret == 0) {
		err = errno;
		ret = -1;
	}
	if (ret == 0 && rename(tmp, path) < 0) {
		err = errno;
		ret = -1;
	}
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	errno = err;
	return ret;
}
