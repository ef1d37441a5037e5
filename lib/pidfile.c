/* pidfile.c - a pid file that nothing planted at its path can redirect */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory of path must be safe for a file root relies on: owned by
 * root or us, and writable by others only when sticky. Returns 0, or -1
 * with errno. */
static int dir_safe(const char *path)
{
	char *copy = strdup(path);
	struct stat sb;
	int rc = -1;

	if (!copy)
		return -1;
	if (stat(dirname(copy), &sb) < 0)
		goto out;
	errno = EPERM;
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		goto out;
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* Writes len bytes of buf to fd. Returns 0, or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int pc_pidfile_write(const char *path, long pid)
{
	size_t plen = strlen(path);
	char *tmp = NULL, buf[32];
	int fd, len = snprintf(buf, sizeof(buf), "%ld\n", pid), rc = -1, err;

	if (dir_safe(path) < 0 || !(tmp = malloc(plen + 8)))
		return -1;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto out;
	if (fchmod(fd, 0644) == 0 && write_all(fd, buf, (size_t)len) == 0)
		rc = 0;
	if (close(fd) < 0 || (rc == 0 && rename(tmp, path) < 0))
		rc = -1;
	if (rc < 0) {
		err = errno;
		unlink(tmp);
		errno = err;
	}
out:
	err = errno;
	free(tmp);
	errno = err;
	return rc;
}

int pc_pidfile_remove(const char *path, long pid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	char buf[32] = "";
	struct stat sb;
	ssize_t n = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || strtol(buf, NULL, 10) != pid) {
		errno = ESRCH;
		return -1;
	}
	return unlink(path);
}
