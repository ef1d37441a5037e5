/* test_marks.c - the layout of portcullis's bits inside mark-mask */
#include <check.h>
#include <errno.h>

#include "helper_fixture.h"
#include "marks.h"

START_TEST(default_layout)
{
	struct pc_marks m;

	ck_assert_int_eq(pc_marks_init(&m, PC_MARK_MASK_DEFAULT), 0);
	ck_assert_uint_eq(m.save, 0x01000000);
	ck_assert_uint_eq(m.known, 0x02000000);
	ck_assert_uint_eq(m.permit, 0x04000000);
	ck_assert_uint_eq(m.gen, 0xf8000000);
	ck_assert_uint_eq(m.code, 0x38000000);
	ck_assert_uint_eq(m.gen_max, 31);
	ck_assert_uint_eq(m.save | m.known | m.permit | m.gen, m.mask);
}
END_TEST

START_TEST(too_few_bits)
{
	struct pc_marks m;

	errno = 0;
	ck_assert_int_eq(pc_marks_init(&m, 0x1f), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pc_marks_init(&m, 0), -1);
	ck_assert_int_eq(pc_marks_init(&m, 0x3f), 0);
	ck_assert_uint_eq(m.gen_max, 7);
	ck_assert_int_eq(pc_marks_init(&m, 0xffffffff), 0);
	ck_assert_uint_eq(m.gen_max, (1u << 29) - 1);
}
END_TEST

/* Every generation of a scattered mask goes to its own bits and back. */
START_TEST(generations_round_trip)
{
	struct pc_marks m;
	uint32_t seen = 0;

	ck_assert_int_eq(pc_marks_init(&m, 0x80a0c041), 0); /* S 0x1, K 0x40, P 0x4000, G 4 bits */
	ck_assert_uint_eq(m.gen_max, 15);
	for (uint32_t g = 0; g <= m.gen_max; g++) {
		uint32_t bits = pc_marks_gen_bits(&m, g);

		ck_assert_uint_eq(bits & ~m.gen, 0);
		ck_assert_uint_eq(pc_marks_gen_of(&m, bits | ~m.mask), g);
		seen |= bits;
	}
	ck_assert_uint_eq(seen, m.gen);
}
END_TEST

START_TEST(next_wraps_past_zero)
{
	struct pc_marks m;
	uint32_t g = 1;

	ck_assert_int_eq(pc_marks_init(&m, 0x3f), 0);
	for (int i = 0; i < 20; i++) {
		g = pc_marks_next_gen(&m, g);
		ck_assert_uint_ge(g, 1);
		ck_assert_uint_le(g, 7);
	}
	ck_assert_uint_eq(pc_marks_next_gen(&m, 7), 1);
	ck_assert_uint_eq(pc_marks_next_gen(&m, 0), 1);
	ck_assert_uint_eq(pc_marks_next_gen(&m, 3), 4);
}
END_TEST

START_TEST(codes)
{
	struct pc_marks m;

	ck_assert_int_eq(pc_marks_init(&m, PC_MARK_MASK_DEFAULT), 0);
	for (int c = 0; c < PC_CT_CODE_MAX; c++) {
		uint32_t bits = pc_marks_code_bits(&m, (enum pc_ct_code)c);

		ck_assert_uint_eq(bits & ~m.code, 0);
		/* K, P and foreign bits do not disturb the code */
		ck_assert_int_eq(pc_marks_code(&m, bits | m.known | m.permit | 0x00ffffff), c);
	}
	/* codes the hooks never set read as untracked */
	ck_assert_int_eq(pc_marks_code(&m, 0x30000000), PC_CT_UNTRACKED);
	ck_assert_int_eq(pc_marks_code(&m, 0x38000000), PC_CT_UNTRACKED);
}
END_TEST

START_TEST(verdict_keeps_foreign_bits)
{
	struct pc_marks m;
	uint32_t in, v;

	ck_assert_int_eq(pc_marks_init(&m, PC_MARK_MASK_DEFAULT), 0);
	in = 0x00abcdef | pc_marks_code_bits(&m, PC_CT_REPLY);
	v = pc_marks_verdict(&m, in, true, 9);
	ck_assert_uint_eq(v & ~m.mask, 0x00abcdef);
	ck_assert_uint_eq(v & (m.save | m.known | m.permit), m.save | m.known | m.permit);
	ck_assert_uint_eq(pc_marks_gen_of(&m, v), 9);
	v = pc_marks_verdict(&m, in, false, 31);
	ck_assert_uint_eq(v & m.permit, 0);
	ck_assert_uint_eq(v & (m.save | m.known), m.save | m.known);
	ck_assert_uint_eq(pc_marks_gen_of(&m, v), 31);
}
END_TEST

static Suite *marks_suite(void)
{
	Suite *s = suite_create("marks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, default_layout);
	tcase_add_test(tc, too_few_bits);
	tcase_add_test(tc, generations_round_trip);
	tcase_add_test(tc, next_wraps_past_zero);
	tcase_add_test(tc, codes);
	tcase_add_test(tc, verdict_keeps_foreign_bits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(marks_suite());
}
