/* test_pidfile_attack.c - the pid file (daemon/pidfile.c) against what an
 * attacker can plant at its path or make of its directory: a symlink to a
 * file root must not touch, a FIFO that would block the daemon's start or
 * stop, a hard link, a directory others can write to. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "pidfile.h"

/* The path holds a regular file (not a link) with "pid\n". */
static void holds(const char *path, long pid)
{
	struct stat sb;
	char want[32];

	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert_msg(S_ISREG(sb.st_mode), "%s is not a regular file", path);
	ck_assert_uint_eq(sb.st_nlink, 1);
	ck_assert_uint_eq(sb.st_mode & 07777, 0644);
	snprintf(want, sizeof(want), "%ld\n", pid);
	ck_assert_str_eq(pc_test_slurp(path), want);
}

START_TEST(plain)
{
	char path[PATH_MAX];

	pc_test_path("p.pid", path, sizeof(path));
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	holds(path, 4242);
	ck_assert_int_eq(pc_pidfile_write(path, 4343), 0); /* a stale one is replaced */
	holds(path, 4343);
	ck_assert_int_eq(pc_pidfile_remove(path, 4343), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* A symlink to a file root must not write: replaced, not followed. */
START_TEST(symlink_planted)
{
	char path[PATH_MAX], victim[PATH_MAX];

	pc_test_path("victim", victim, sizeof(victim));
	pc_test_path("p.pid", path, sizeof(path));
	pc_test_puts(victim, "root:secret\n");
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_str_eq(pc_test_slurp(victim), "root:secret\n");
	holds(path, 4242);
}
END_TEST

/* A FIFO: opening it for writing would block the daemon for ever. */
START_TEST(fifo_planted)
{
	char path[PATH_MAX];
	double t0 = pc_test_now();

	pc_test_path("p.pid", path, sizeof(path));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
	holds(path, 4242);
}
END_TEST

/* A hard link to another file: that file keeps its content. */
START_TEST(hardlink_planted)
{
	char path[PATH_MAX], other[PATH_MAX];

	pc_test_path("other", other, sizeof(other));
	pc_test_path("p.pid", path, sizeof(path));
	pc_test_puts(other, "keep me\n");
	ck_assert_int_eq(link(other, path), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_str_eq(pc_test_slurp(other), "keep me\n");
	holds(path, 4242);
}
END_TEST

/* Others could swap the file in a writable, non-sticky directory. */
START_TEST(unsafe_directory)
{
	char path[PATH_MAX];

	pc_test_path("p.pid", path, sizeof(path));
	ck_assert_int_eq(chmod(pc_test_dir, 0777), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(chmod(pc_test_dir, 0775), 0); /* group-writable too */
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(chmod(pc_test_dir, 01777), 0); /* sticky, like /tmp: fine */
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	holds(path, 4242);
	if (geteuid() == 0) { /* another user's directory */
		ck_assert_int_eq(chmod(pc_test_dir, 0755), 0);
		ck_assert_int_eq(chown(pc_test_dir, 65534, 65534), 0);
		ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
		ck_assert_int_eq(errno, EPERM);
	} else {
		printf("test_pidfile_attack: not root, the owner check did not run\n");
	}
}
END_TEST

/* Higher up the path: a directory of another user (who could rename what
 * is below it) or a symlink of another user (who could point it anywhere). */
START_TEST(unsafe_ancestors)
{
	char theirs[PATH_MAX], sub[PATH_MAX], link[PATH_MAX], path[PATH_MAX];

	if (geteuid() != 0) {
		printf("test_pidfile_attack: not root, the ancestor checks did not run\n");
		return;
	}
	pc_test_path("theirs", theirs, sizeof(theirs));
	pc_test_path("theirs/sub", sub, sizeof(sub));
	ck_assert_int_eq(mkdir(theirs, 0755), 0);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(chown(theirs, 65534, 65534), 0);
	pc_test_path("theirs/sub/p.pid", path, sizeof(path));
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(access(path, F_OK), -1);

	pc_test_path("link", link, sizeof(link));
	ck_assert_int_eq(symlink(pc_test_dir, link), 0);
	pc_test_path("link/p.pid", path, sizeof(path));
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0); /* root's link: fine */
	ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4343), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(pc_pidfile_write("relative.pid", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Removal only of our own regular file; a FIFO never blocks it. */
START_TEST(remove_only_ours)
{
	char path[PATH_MAX], victim[PATH_MAX];
	double t0 = pc_test_now();

	pc_test_path("p.pid", path, sizeof(path));
	pc_test_path("victim", victim, sizeof(victim));
	pc_test_puts(path, "999\n");
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);
	pc_test_puts(victim, "4242\n"); /* a link to a file that names us: not ours */
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_int_eq(access(victim, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pidfile-attack");
	TCase *tc = tcase_create("pidfile");

	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, pc_test_dir_make, NULL);
	tcase_add_test(tc, plain);
	tcase_add_test(tc, symlink_planted);
	tcase_add_test(tc, fifo_planted);
	tcase_add_test(tc, hardlink_planted);
	tcase_add_test(tc, unsafe_directory);
	tcase_add_test(tc, unsafe_ancestors);
	tcase_add_test(tc, remove_only_ours);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
