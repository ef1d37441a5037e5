/* pidfile.c - a pid file that nothing planted at its path can redirect */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"

/* A path component nobody but root or us can rename, replace or redirect:
 * owned by one of us and, when a directory others may write, sticky. */
static bool component_safe(const struct stat *sb)
{
	if (sb->st_uid != 0 && sb->st_uid != geteuid())
		return false;
	return S_ISLNK(sb->st_mode) || !(sb->st_mode & (S_IWGRP | S_IWOTH)) ||
	       (sb->st_mode & S_ISVTX);
}

/* Checks name (lstat, or stat when follow is set). Returns 0, or -1 with
 * errno (EPERM: not safe). */
static int check(const char *name, bool follow)
{
	struct stat sb;

	if ((follow ? stat(name, &sb) : lstat(name, &sb)) < 0)
		return -1;
	if (component_safe(&sb))
		return 0;
	errno = EPERM;
	return -1;
}

/* The directory of path (absolute), each component of it as written (a
 * symlink judged as itself) and the directory it resolves to, must be safe
 * for a file root relies on. Returns 0, or -1 with errno. */
static int dir_safe(const char *path)
{
	char *dir = strdup(path);
	int rc = -1;

	if (!dir)
		return -1;
	errno = EINVAL;
	if (dir[0] != '/')
		goto out;
	*strrchr(dir, '/') = '\0';
	for (char *s = dir + 1; *dir; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (check(dir, false) < 0)
			goto out;
		*s = c;
		if (!c)
			break;
	}
	rc = check(*dir ? dir : "/", true);
out:
	free(dir);
	return rc;
}

static int fill_pid(int fd, const void *arg)
{
	const char *text = arg;

	return pc_write_all(fd, text, strlen(text));
}

int pc_pidfile_write(const char *path, long pid)
{
	char text[32];

	if (dir_safe(path) < 0)
		return -1;
	snprintf(text, sizeof(text), "%ld\n", pid);
	return pc_file_replace(path, fill_pid, text);
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
