/* test_arena.c - arena allocations never overlap, are aligned, survive
 * until the arena is freed; adopted blocks are freed with it (ASan) */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "helper_fixture.h"

struct block {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

START_TEST(no_overlap)
{
	enum { N = 20000 };
	struct pc_arena *a = pc_arena_new();
	struct block *b = calloc(N, sizeof(*b));
	uint64_t seed = 0xa7e4a;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < N; i++) {
		uint64_t r = pc_test_xorshift(&seed);
		b[i].size = r % 50 == 0 ? r % 300000 : r % 40;
		b[i].fill = (unsigned char)(i * 7 + 1);
		b[i].p = pc_arena_alloc(a, b[i].size);
		ck_assert_ptr_nonnull(b[i].p);
		ck_assert_uint_eq((uintptr_t)b[i].p % 8, 0);
		memset(b[i].p, b[i].fill, b[i].size);
	}
	for (size_t i = 0; i < N; i++) {
		size_t k = 0;
		while (k < b[i].size && b[i].p[k] == b[i].fill)
			k++;
		ck_assert_msg(k == b[i].size, "block %zu overwritten at %zu", i, k);
	}
	free(b);
	pc_arena_free(a);
}
END_TEST

START_TEST(copies_and_adopts)
{
	struct pc_arena *a = pc_arena_new();
	char big[10000];

	ck_assert_ptr_nonnull(a);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 1000; i++) {
		char *s = pc_arena_strdup(a, i % 2 ? "rule" : "");
		ck_assert_str_eq(s, i % 2 ? "rule" : "");
		ck_assert_str_eq(pc_arena_strdup(a, big), big);
		int v[3] = { i, -i, 7 };
		int *d = pc_arena_dup(a, v, sizeof(v));
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d[0], i);
		ck_assert_int_eq(d[1], -i);
		ck_assert_ptr_nonnull(pc_arena_alloc(a, 0));
		ck_assert_int_eq(pc_arena_adopt(a, malloc(64)), 0);
	}
	pc_arena_free(a);
	pc_arena_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, no_overlap);
	tcase_add_test(tc, copies_and_adopts);
	suite_add_tcase(s, tc);
	return pc_test_run(s);
}
