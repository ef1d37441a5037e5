/* test_startup.c - what portcullisd's start does before the policy
 * (daemon/startup.c, daemon/loop.c): the policy's absolute path, the
 * directories above the pid and status files, the signalfd */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "startup.h"

static char real[PATH_MAX]; /* pc_test_dir, its symlinks resolved */

static void enter(void)
{
	ck_assert_int_eq(chdir(pc_test_dir), 0);
	ck_assert_ptr_nonnull(realpath(pc_test_dir, real));
}

/* pc_absolute_path(path) is want, after real when want starts with '+'. */
static void absolute(const char *path, const char *want)
{
	char *got = pc_absolute_path(path), full[PATH_MAX * 2];

	snprintf(full, sizeof(full), "%s%s", *want == '+' ? real : "", want + (*want == '+'));
	ck_assert_msg(got && !strcmp(got, full), "%s: got %s, want %s", path, got ? got : "NULL",
		      full);
	free(got);
}

START_TEST(test_relative)
{
	enter();
	ck_assert_int_eq(mkdir("sub", 0755), 0);
	absolute("p.conf", "+/p.conf");
	absolute("./p.conf", "+/p.conf");
	absolute("sub/p.conf", "+/sub/p.conf");
	absolute("sub/../p.conf", "+/p.conf");
	absolute("sub/./../sub/p.conf", "+/sub/p.conf");
	absolute("missing.conf", "+/missing.conf"); /* the file need not be there yet */
}
END_TEST

START_TEST(test_absolute)
{
	enter();
	absolute("/p.conf", "/p.conf");
	absolute("/", "/");
	absolute("/etc/../etc/x.conf", "/etc/x.conf");
	absolute(real, "+");
}
END_TEST

/* A symlinked directory is resolved; a symlinked policy keeps its name:
 * the daemon reloads from the link, so the status file names the link. */
START_TEST(test_symlinks)
{
	enter();
	ck_assert_int_eq(mkdir("real", 0755), 0);
	ck_assert_int_eq(symlink("real", "linkdir"), 0);
	ck_assert_int_eq(symlink("real/p.conf", "link.conf"), 0);
	absolute("linkdir/p.conf", "+/real/p.conf");
	absolute("link.conf", "+/link.conf");
	absolute("linkdir/../link.conf", "+/link.conf");
}
END_TEST

START_TEST(test_unresolvable)
{
	enter();
	errno = 0;
	ck_assert_ptr_null(pc_absolute_path("nosuch/p.conf"));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(pc_absolute_path("nosuch/../p.conf")); /* no ".." taken as text */
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static mode_t mode_of(const char *path)
{
	struct stat sb;

	ck_assert_msg(stat(path, &sb) == 0, "%s: %s", path, strerror(errno));
	return sb.st_mode;
}

START_TEST(test_make_parents)
{
	char path[PATH_MAX];

	enter();
	umask(022);
	pc_test_path("a/b/c/daemon.pid", path, sizeof(path));
	pc_make_parents(path);
	ck_assert(S_ISDIR(mode_of("a")) && (mode_of("a") & 07777) == 0755);
	ck_assert(S_ISDIR(mode_of("a/b")) && S_ISDIR(mode_of("a/b/c")));
	ck_assert_int_eq(access("a/b/c/daemon.pid", F_OK), -1); /* the file is not made */
	pc_make_parents(path); /* all there: nothing changes */
	ck_assert(S_ISDIR(mode_of("a/b/c")));
	/* a file where a directory should be: nothing beyond it is made */
	pc_test_puts("f", "x");
	pc_test_path("f/g/h.pid", path, sizeof(path));
	pc_make_parents(path);
	ck_assert(S_ISREG(mode_of("f")));
	ck_assert_int_eq(access("f/g", F_OK), -1);
}
END_TEST

/* The signals the loop handles arrive on the signalfd instead of killing
 * the process; SIGPIPE is ignored. */
START_TEST(test_signals)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2 };
	struct signalfd_siginfo si;
	int fd = pc_daemon_signals_open();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, &si, sizeof(si)), -1); /* nonblocking, nothing yet */
	ck_assert_int_eq(errno, EAGAIN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ck_assert_int_eq(raise(sigs[i]), 0);
		ck_assert_int_eq(read(fd, &si, sizeof(si)), (ssize_t)sizeof(si));
		ck_assert_uint_eq(si.ssi_signo, (unsigned)sigs[i]);
	}
	ck_assert_int_eq(raise(SIGPIPE), 0);
	ck_assert_int_eq(read(fd, &si, sizeof(si)), -1);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("startup");
	TCase *tc = tcase_create("startup");

	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, pc_test_dir_make, NULL);
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_absolute);
	tcase_add_test(tc, test_symlinks);
	tcase_add_test(tc, test_unresolvable);
	tcase_add_test(tc, test_make_parents);
	tcase_add_test(tc, test_signals);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
