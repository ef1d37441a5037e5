/* helper_fixture.c - suite runner, per-case directories, files, clock, xorshift */
#include "helper_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASE_PREFIX "/tmp/pc-test-"

char pc_test_base[PATH_MAX];
char pc_test_dir[PATH_MAX];

int pc_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void pc_test_base_make(void)
{
	snprintf(pc_test_base, sizeof(pc_test_base), BASE_PREFIX "%s-XXXXXX",
		 program_invocation_short_name);
	ck_assert_ptr_nonnull(mkdtemp(pc_test_base));
}

void pc_test_base_remove(void)
{
	char cmd[PATH_MAX + 16];

	if (strncmp(pc_test_base, BASE_PREFIX, strlen(BASE_PREFIX)))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pc_test_base);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", pc_test_base);
	pc_test_base[0] = '\0';
}

void pc_test_dir_make(void)
{
	int n = snprintf(pc_test_dir, sizeof(pc_test_dir), "%s/tXXXXXX", pc_test_base);

	ck_assert_int_lt(n, (int)sizeof(pc_test_dir));
	ck_assert_ptr_nonnull(mkdtemp(pc_test_dir));
}

void pc_test_path(const char *rel, char *path, size_t len)
{
	ck_assert_int_lt(snprintf(path, len, "%s/%s", pc_test_dir, rel), (int)len);
}

void pc_test_write(const char *path, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "we");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

void pc_test_puts(const char *path, const char *text)
{
	pc_test_write(path, text, strlen(text));
}

void pc_test_file(const char *rel, const void *bytes, size_t n, char *path, size_t len)
{
	pc_test_path(rel, path, len);
	pc_test_write(path, bytes, n);
}

char *pc_test_slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "re");
	size_t n;

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

double pc_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t pc_test_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

int64_t pc_test_utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm);
}

int64_t pc_test_utc_now(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return pc_test_utc(2026, 11, 28, 13, 19, 53);
}
