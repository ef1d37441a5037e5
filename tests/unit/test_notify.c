/* test_notify.c - sd_notify datagrams to a path and an abstract socket */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "notify.h"

/* A datagram socket bound to name ("@..." abstract); returns its fd. */
static int listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sun.sun_path, name, strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

static void expect(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	ck_assert_int_eq(n, (ssize_t)strlen(want));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(test_path)
{
	char dir[] = "/tmp/pc-notify-XXXXXX", path[128];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(pc_notify("READY=1\nMAINPID=7"), 0);
	expect(fd, "READY=1\nMAINPID=7");
	ck_assert_int_eq(pc_notifyf("STATUS=%d rules", 12), 0);
	expect(fd, "STATUS=12 rules");
	close(fd);
	unlink(path);
	errno = 0;
	ck_assert_int_eq(pc_notify("STOPPING=1"), -1); /* nobody listens any more */
	ck_assert_int_ne(errno, 0);
	rmdir(dir);
}
END_TEST

START_TEST(test_abstract)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@pc-notify-test-%ld", (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(pc_notify("WATCHDOG=1"), 0);
	expect(fd, "WATCHDOG=1");
	close(fd);
}
END_TEST

START_TEST(test_unset_and_bad)
{
	char longname[200];

	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(pc_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(pc_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	errno = 0;
	ck_assert_int_eq(pc_notify("READY=1"), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	ck_assert_int_eq(pc_notify("READY=1"), -1);
}
END_TEST

START_TEST(test_watchdog)
{
	char pid[32];

	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	ck_assert_uint_eq(pc_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_uint_eq(pc_notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(pc_notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(pc_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "12x", 1);
	ck_assert_uint_eq(pc_notify_watchdog_usec(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_abstract);
	tcase_add_test(tc, test_unset_and_bad);
	tcase_add_test(tc, test_watchdog);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
