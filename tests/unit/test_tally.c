/* test_tally.c - counting keys and ranking them */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "tally.h"

START_TEST(counts_and_ranks)
{
	struct pc_tally *t = pc_tally_new();
	struct pc_tally_entry *e;
	size_t n;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(pc_tally_add(t, "b", 1, 2), 0);
	ck_assert_int_eq(pc_tally_add(t, "a", 1, 2), 0);
	ck_assert_int_eq(pc_tally_add(t, "c", 1, 1), 0);
	ck_assert_int_eq(pc_tally_add(t, "ab", 2, 5), 0);
	ck_assert_int_eq(pc_tally_add(t, "c", 1, 3), 0);
	ck_assert_uint_eq(pc_tally_size(t), 4);
	ck_assert_uint_eq(pc_tally_get(t, "c", 1), 4);
	ck_assert_uint_eq(pc_tally_get(t, "x", 1), 0);
	e = pc_tally_ranked(t, &n);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(n, 4);
	/* by count, then by key: "a" before "b" at 2 */
	ck_assert_str_eq(e[0].key, "ab");
	ck_assert_uint_eq(e[0].count, 5);
	ck_assert_str_eq(e[1].key, "c");
	ck_assert_str_eq(e[2].key, "a");
	ck_assert_str_eq(e[3].key, "b");
	ck_assert_uint_eq(e[3].len, 1);
	free(e);
	pc_tally_free(t);
}
END_TEST

START_TEST(binary_keys_and_prefixes)
{
	struct pc_tally *t = pc_tally_new();
	struct pc_tally_entry *e;
	size_t n;

	ck_assert_int_eq(pc_tally_add(t, "a\0b", 3, 1), 0);
	ck_assert_int_eq(pc_tally_add(t, "a\0c", 3, 1), 0);
	ck_assert_int_eq(pc_tally_add(t, "a", 1, 1), 0);
	ck_assert_int_eq(pc_tally_add(t, "", 0, 1), 0);
	ck_assert_uint_eq(pc_tally_size(t), 4);
	ck_assert_uint_eq(pc_tally_get(t, "a\0b", 3), 1);
	e = pc_tally_ranked(t, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(e[0].len, 0);
	ck_assert_uint_eq(e[1].len, 1);
	ck_assert_mem_eq(e[2].key, "a\0b", 3);
	ck_assert_mem_eq(e[3].key, "a\0c", 3);
	free(e);
	pc_tally_free(t);
}
END_TEST

START_TEST(grows)
{
	struct pc_tally *t = pc_tally_new();
	struct pc_tally_entry *e;
	char key[16];
	size_t n;

	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 10000; i++) {
			int len = snprintf(key, sizeof(key), "k%d", i);

			ck_assert_int_eq(pc_tally_add(t, key, (size_t)len, (uint64_t)(i % 7)), 0);
		}
	ck_assert_uint_eq(pc_tally_size(t), 10000);
	for (int i = 0; i < 10000; i++) {
		int len = snprintf(key, sizeof(key), "k%d", i);

		ck_assert_uint_eq(pc_tally_get(t, key, (size_t)len), (uint64_t)(i % 7) * 3);
	}
	e = pc_tally_ranked(t, &n);
	ck_assert_uint_eq(n, 10000);
	for (size_t i = 1; i < n; i++)
		ck_assert_uint_ge(e[i - 1].count, e[i].count);
	ck_assert_uint_eq(e[0].count, 18);
	free(e);
	pc_tally_free(t);
}
END_TEST

START_TEST(empty)
{
	struct pc_tally *t = pc_tally_new();
	struct pc_tally_entry *e;
	size_t n = 99;

	e = pc_tally_ranked(t, &n);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(n, 0);
	free(e);
	pc_tally_free(t);
	pc_tally_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tally");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, counts_and_ranks);
	tcase_add_test(tc, binary_keys_and_prefixes);
	tcase_add_test(tc, grows);
	tcase_add_test(tc, empty);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
