/* test_saferead.c - bounded line reading: every line, its length and its cut,
 * the byte bound, against a byte-at-a-time model, also for lines that span
 * the reader's chunks */
#include <check.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saferead.h"
#include "helper_fixture.h"

/* What a byte-at-a-time reader gives for data: compares each line of f
 * with it; the line bound is max_line, the byte bound max_bytes. */
static void expect_lines(struct pc_saferead *f, const char *data, size_t n, uint64_t max_bytes,
			 size_t max_line)
{
	size_t pos = 0, lines = 0;
	char *line;
	size_t len;

	for (;;) {
		size_t start = pos, want = 0;
		uint64_t read = pos;
		bool nl = false, big = false;

		while (pos < n) {
			if (++read > max_bytes) {
				big = true;
				break;
			}
			if (data[pos++] == '\n') {
				nl = true;
				break;
			}
			want++;
		}
		int rc = pc_saferead_line(f, &line, &len);
		if (big) {
			ck_assert_int_eq(rc, -1);
			ck_assert_int_eq(errno, EFBIG);
			return;
		}
		if (!nl && want == 0) {
			ck_assert_msg(rc == 0, "line %zu: expected the end, got %d", lines, rc);
			return;
		}
		ck_assert_msg(rc == 1, "line %zu: expected a line, got %d", lines, rc);
		ck_assert_uint_eq(len, want);
		size_t kept = want < max_line ? want : max_line;
		ck_assert_msg(!memcmp(line, data + start, kept), "line %zu differs", lines);
		ck_assert_int_eq(line[kept], '\0');
		lines++;
	}
}

/* The files of the tests, in a directory made and removed by main. */
static char dir[] = "/tmp/pc-test-saferead-XXXXXX";

static void put_file(const char *name, const void *data, size_t n, char *path, size_t len)
{
	FILE *w;

	ck_assert_int_lt(snprintf(path, len, "%s/%s", dir, name), (int)len);
	w = fopen(path, "w");
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(fwrite(data, 1, n, w), n);
	ck_assert_int_eq(fclose(w), 0);
}

static void check_data(const char *data, size_t n, size_t max_line)
{
	char path[PATH_MAX];
	struct pc_saferead *f;

	put_file("data", data, n, path, sizeof(path));
	f = pc_saferead_open(path, n + 100, max_line);
	ck_assert_ptr_nonnull(f);
	expect_lines(f, data, n, n + 100, max_line);
	ck_assert_int_eq(pc_saferead_line(f, &(char *){ NULL }, &(size_t){ 0 }), 0);
	pc_saferead_close(f);
}

START_TEST(small_cases)
{
	static const char *const cases[] = { "", "\n", "a", "a\n", "\n\n", "ab\ncd", "ab\ncd\n",
					     "x\n\ny\n\n" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t max = 0; max < 4; max++)
			check_data(cases[i], strlen(cases[i]), max);
	check_data("a\0b\nc", 5, 10); /* NUL bytes are kept */
}
END_TEST

/* Lines that end right at, just before and just after the edges of 64 KiB
 * chunks, and lines longer than a chunk. */
START_TEST(chunk_edges)
{
	size_t n = 5 * 65536 + 3;
	char *data = malloc(n);
	static const size_t edges[] = { 65535, 65536, 65537, 131071, 131072, 131073,
					196608 + 65535, 262144, 262145 };

	ck_assert_ptr_nonnull(data);
	for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
		memset(data, 'x', n);
		data[edges[e] - 1] = '\n'; /* a line ends at the edge */
		data[100] = '\n';
		check_data(data, n, 199);
		check_data(data, n, 200000);
		check_data(data, edges[e], 4096); /* the file ends at the edge */
	}
	free(data);
}
END_TEST

START_TEST(random_files)
{
	uint64_t seed = 0x5eed1234;
	static const size_t max_lines[] = { 1, 199, 207, 4096, 70000 };

	for (int round = 0; round < 60; round++) {
		size_t n = pc_test_xorshift(&seed) % 300000, i = 0;
		char *data = malloc(n + 1);

		ck_assert_ptr_nonnull(data);
		while (i < n) {
			uint64_t r = pc_test_xorshift(&seed);
			size_t len = r % 8 == 0 ? r % 100000 : r % 250;
			for (size_t k = 0; k < len && i < n; k++)
				data[i++] = (char)('a' + (pc_test_xorshift(&seed) % 4 == 0 ? 0 : k % 26));
			if (i < n)
				data[i++] = r % 97 == 0 ? '\0' : '\n';
		}
		check_data(data, n, max_lines[round % 5]);
		free(data);
	}
}
END_TEST

/* A file that grows past the bound after it was opened: the reader stops
 * at the first byte past it, with EFBIG. */
START_TEST(grows_past_bound)
{
	char path[PATH_MAX];
	char data[300];
	struct pc_saferead *f;
	FILE *w;

	memset(data, 'y', sizeof(data));
	for (size_t i = 9; i < sizeof(data); i += 10)
		data[i] = '\n';
	for (uint64_t bound = 95; bound <= 105; bound++) {
		put_file("grow", data, 50, path, sizeof(path));
		f = pc_saferead_open(path, bound, 199);
		ck_assert_ptr_nonnull(f);
		w = fopen(path, "a");
		ck_assert_ptr_nonnull(w);
		ck_assert_uint_eq(fwrite(data + 50, 1, sizeof(data) - 50, w), sizeof(data) - 50);
		fclose(w);
		expect_lines(f, data, sizeof(data), bound, 199);
		pc_saferead_close(f);
	}
}
END_TEST

START_TEST(refuses_large_file)
{
	char path[PATH_MAX];

	put_file("big", "0123456789", 10, path, sizeof(path));
	errno = 0;
	ck_assert_ptr_null(pc_saferead_open(path, 9, 199));
	ck_assert_int_eq(errno, EFBIG);
	struct pc_saferead *f = pc_saferead_open(path, 10, 199);
	ck_assert_ptr_nonnull(f);
	expect_lines(f, "0123456789", 10, 10, 199);
	pc_saferead_close(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("saferead");
	TCase *tc = tcase_create("core");
	char cmd[64];
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	tcase_add_test(tc, small_cases);
	tcase_add_test(tc, chunk_edges);
	tcase_add_test(tc, random_files);
	tcase_add_test(tc, grows_past_bound);
	tcase_add_test(tc, refuses_large_file);
	suite_add_tcase(s, tc);
	rc = pc_test_run(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return rc;
}
