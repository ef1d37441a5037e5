/* notify.c - the sd_notify protocol, without libsystemd: one datagram */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Fills *sun from $NOTIFY_SOCKET. Returns the address length, 0 when the
 * variable is unset, or -1 with errno for an address we cannot use. */
static int notify_addr(struct sockaddr_un *sun)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun->sun_path)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@') {
		sun->sun_path[0] = '\0'; /* abstract: the name is exactly len bytes */
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int pc_notify(const char *state)
{
	struct sockaddr_un sun;
	int alen = notify_addr(&sun), fd, ret = -1;
	size_t len = strlen(state);

	if (alen <= 0)
		return alen;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sun, (socklen_t)alen) ==
	    (ssize_t)len)
		ret = 0;
	close(fd);
	return ret;
}

int pc_notifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pc_notify(buf);
}

uint64_t pc_notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	uint64_t v;

	if (pid && *pid && strtol(pid, &end, 10) != (long)getpid())
		return 0;
	if (!usec || !*usec)
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || end == usec)
		return 0;
	return v;
}
