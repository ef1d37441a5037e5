/* test_strbuf.c - the byte-string builder into a fixed buffer, a descriptor, the heap */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "strbuf.h"

static void put_all(struct pc_strbuf *b)
{
	pc_strbuf_puts(b, "n=");
	pc_strbuf_u64(b, 0);
	pc_strbuf_putc(b, ' ');
	pc_strbuf_u64(b, UINT64_MAX);
	pc_strbuf_putc(b, ' ');
	pc_strbuf_i64(b, INT64_MIN);
	pc_strbuf_put(b, " -7x", 3);
}

#define ALL "n=0 18446744073709551615 -9223372036854775808 -7"

START_TEST(fixed_buffer_fits)
{
	char buf[sizeof(ALL)];
	struct pc_strbuf b;

	memset(buf, 'Z', sizeof(buf));
	pc_strbuf_init(&b, buf, sizeof(buf));
	put_all(&b);
	ck_assert_uint_eq(pc_strbuf_finish(&b), strlen(ALL));
	ck_assert_str_eq(buf, ALL);
}
END_TEST

START_TEST(fixed_buffer_cuts_and_counts)
{
	char buf[8];
	struct pc_strbuf b;

	memset(buf, 'Z', sizeof(buf));
	pc_strbuf_init(&b, buf, 5);
	put_all(&b);
	ck_assert_uint_eq(pc_strbuf_finish(&b), strlen(ALL));
	ck_assert_str_eq(buf, "n=0 ");
	ck_assert_int_eq(buf[5], 'Z');

	/* one byte: only the NUL */
	memset(buf, 'Z', sizeof(buf));
	pc_strbuf_init(&b, buf, 1);
	put_all(&b);
	ck_assert_uint_eq(pc_strbuf_finish(&b), strlen(ALL));
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(buf[1], 'Z');

	/* nothing: only counts */
	pc_strbuf_init(&b, NULL, 0);
	put_all(&b);
	ck_assert_uint_eq(pc_strbuf_finish(&b), strlen(ALL));
}
END_TEST

/* What a pipe's read end holds (less than size bytes), NUL-terminated. */
static size_t drain(int fd, char *out, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, out + got, size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	return got;
}

START_TEST(descriptor_gets_everything)
{
	char small[4], out[4096], want[4096] = "";
	struct pc_strbuf b;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	pc_strbuf_init_fd(&b, small, sizeof(small), p[1]);
	for (int i = 0; i < 20; i++) {
		put_all(&b);
		strcat(want, ALL);
	}
	ck_assert_int_eq(pc_strbuf_flush(&b), 0);
	close(p[1]);
	ck_assert_uint_eq(drain(p[0], out, sizeof(out)), strlen(want));
	ck_assert_str_eq(out, want);
	close(p[0]);
}
END_TEST

START_TEST(descriptor_reports_a_write_error)
{
	char small[4];
	struct pc_strbuf b;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	pc_strbuf_init_fd(&b, small, sizeof(small), p[1]);
	put_all(&b);
	errno = 0;
	ck_assert_int_eq(pc_strbuf_flush(&b), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(heap_grows)
{
	struct pc_strbuf b;
	char *text, want[4096] = "";
	size_t len = 0;

	pc_strbuf_init_heap(&b);
	text = pc_strbuf_take(&b, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "");
	ck_assert_uint_eq(len, 0);
	free(text);

	for (int i = 0; i < 30; i++) {
		put_all(&b);
		strcat(want, ALL);
	}
	text = pc_strbuf_take(&b, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fixed_buffer_fits);
	tcase_add_test(tc, fixed_buffer_cuts_and_counts);
	tcase_add_test(tc, descriptor_gets_everything);
	tcase_add_test(tc, descriptor_reports_a_write_error);
	tcase_add_test(tc, heap_grows);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
