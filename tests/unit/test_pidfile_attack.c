/* test_pidfile_attack.c - the pid file (lib/pidfile.c) against what an
 * attacker can plant at its path or make of its directory: a symlink to a
 * file root must not touch, a FIFO that would block the daemon's start or
 * stop, a hard link, a directory others can write to. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pidfile.h"

#define BASE_PREFIX "/tmp/pc-test-pidattack-"

static char base[PATH_MAX];
static char dir[PATH_MAX];

static void base_make(void)
{
	snprintf(base, sizeof(base), BASE_PREFIX "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void base_remove(void)
{
	char cmd[PATH_MAX + 16];

	if (strncmp(base, BASE_PREFIX, strlen(BASE_PREFIX)))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
	base[0] = '\0';
}

static void setup(void)
{
	ck_assert_int_lt(snprintf(dir, sizeof(dir), "%s/dXXXXXX", base), (int)sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void path_in(const char *rel, char *path, size_t len)
{
	ck_assert_int_lt(snprintf(path, len, "%s/%s", dir, rel), (int)len);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
	ck_assert_str_eq(get(path), want);
}

START_TEST(plain)
{
	char path[PATH_MAX];

	path_in("p.pid", path, sizeof(path));
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

	path_in("victim", victim, sizeof(victim));
	path_in("p.pid", path, sizeof(path));
	put(victim, "root:secret\n");
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_str_eq(get(victim), "root:secret\n");
	holds(path, 4242);
}
END_TEST

/* A FIFO: opening it for writing would block the daemon for ever. */
START_TEST(fifo_planted)
{
	char path[PATH_MAX];
	double t0 = now_s();

	path_in("p.pid", path, sizeof(path));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_double_lt(now_s() - t0, 2.0);
	holds(path, 4242);
}
END_TEST

/* A hard link to another file: that file keeps its content. */
START_TEST(hardlink_planted)
{
	char path[PATH_MAX], other[PATH_MAX];

	path_in("other", other, sizeof(other));
	path_in("p.pid", path, sizeof(path));
	put(other, "keep me\n");
	ck_assert_int_eq(link(other, path), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	ck_assert_str_eq(get(other), "keep me\n");
	holds(path, 4242);
}
END_TEST

/* Others could swap the file in a writable, non-sticky directory. */
START_TEST(unsafe_directory)
{
	char path[PATH_MAX];

	path_in("p.pid", path, sizeof(path));
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(chmod(dir, 0775), 0); /* group-writable too */
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(chmod(dir, 01777), 0); /* sticky, like /tmp: fine */
	ck_assert_int_eq(pc_pidfile_write(path, 4242), 0);
	holds(path, 4242);
	if (geteuid() == 0) { /* another user's directory */
		ck_assert_int_eq(chmod(dir, 0755), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
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
	path_in("theirs", theirs, sizeof(theirs));
	path_in("theirs/sub", sub, sizeof(sub));
	ck_assert_int_eq(mkdir(theirs, 0755), 0);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(chown(theirs, 65534, 65534), 0);
	path_in("theirs/sub/p.pid", path, sizeof(path));
	ck_assert_int_eq(pc_pidfile_write(path, 4242), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(access(path, F_OK), -1);

	path_in("link", link, sizeof(link));
	ck_assert_int_eq(symlink(dir, link), 0);
	path_in("link/p.pid", path, sizeof(path));
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
	double t0 = now_s();

	path_in("p.pid", path, sizeof(path));
	path_in("victim", victim, sizeof(victim));
	put(path, "999\n");
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);
	put(victim, "4242\n"); /* a link to a file that names us: not ours */
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_int_eq(access(victim, F_OK), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pc_pidfile_remove(path, 4242), -1);
	ck_assert_double_lt(now_s() - t0, 2.0);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pidfile-attack");
	TCase *tc = tcase_create("pidfile");

	tcase_set_timeout(tc, 10);
	tcase_add_unchecked_fixture(tc, base_make, base_remove);
	tcase_add_checked_fixture(tc, setup, NULL);
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
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
