/* test_fastpath.c - the generation of the kernel's fast path
 * (daemon/fastpath.c): the first one at start given what the chains of
 * both families hold, the next one per reload, wrap-around within the
 * mark-mask's width, and moving the chains (retried once a second after a
 * failure). iptables is helper_ipt.c's in-memory stand-in, fed the real
 * restore text of lib/hooks.c; the real commands are covered by the
 * end-to-end tests (tests/e2e/stateful.sh, conns.sh). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fastpath.h"
#include "helper_fixture.h"
#include "helper_ipt.h"

#define MASK6 0x3fu        /* 6 bits: three of G, generations 1..7 */
#define MASK_SPLIT 0x0f0f0000u /* 8 bits in two nibbles: generations 1..31 */

static void init(struct pc_fastpath *f, uint32_t mask, bool read)
{
	ck_assert_int_eq(pc_fastpath_init_runner(f, mask, read, &pc_test_ipt_runner), 0);
}

START_TEST(first_generation_differs_from_both_families)
{
	static const struct {
		uint32_t mask, v4, v6, want;
	} cases[] = {
		{ PC_MARK_MASK_DEFAULT, 0, 0, 1 },   /* nothing held: 1 */
		{ PC_MARK_MASK_DEFAULT, 5, 0, 6 },   /* after the higher */
		{ PC_MARK_MASK_DEFAULT, 0, 5, 6 },
		{ PC_MARK_MASK_DEFAULT, 3, 9, 10 },
		{ PC_MARK_MASK_DEFAULT, 9, 3, 10 },
		{ PC_MARK_MASK_DEFAULT, 31, 0, 1 },  /* gen_max 31: wraps, never 0 */
		{ PC_MARK_MASK_DEFAULT, 31, 1, 2 },  /* wraps onto IPv6's: skips it */
		{ PC_MARK_MASK_DEFAULT, 1, 31, 2 },
		{ PC_MARK_MASK_DEFAULT, 30, 31, 1 },
		{ MASK6, 7, 0, 1 },                  /* three G bits: 1..7 */
		{ MASK6, 6, 7, 1 },
		{ MASK6, 7, 1, 2 },
		{ MASK6, 7, 7, 1 },
		{ MASK_SPLIT, 31, 1, 2 },
		{ 0xffffffffu, 0, 0x1fffffffu, 1 },   /* 29 G bits */
		{ 0xffffffffu, 0x1ffffffeu, 0, 0x1fffffffu },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pc_marks m;
		uint32_t h[2] = { cases[i].v4, cases[i].v6 };

		ck_assert_int_eq(pc_marks_init(&m, cases[i].mask), 0);
		ck_assert_msg(pc_fastpath_first(&m, h) == cases[i].want,
			      "mask 0x%x held %u/%u: got %u, want %u", cases[i].mask, h[0], h[1],
			      pc_fastpath_first(&m, h), cases[i].want);
	}
}
END_TEST

START_TEST(init_reads_the_chains_and_picks_past_them)
{
	struct pc_fastpath f;

	pc_test_ipt_reset();
	pc_test_ipt_leave(PC_MARK_MASK_DEFAULT, 9, 3);
	init(&f, PC_MARK_MASK_DEFAULT, true);
	ck_assert_uint_eq(f.gen, 10);
	ck_assert_uint_eq(f.applied, 0);
	ck_assert(!f.pending);
	ck_assert_uint_eq(f.marks.mask, PC_MARK_MASK_DEFAULT);
	ck_assert_uint_eq(f.marks.gen_max, 31);
	ck_assert_uint_eq(pc_test_ipt.calls, 2); /* iptables -S and ip6tables -S, nothing set */
	ck_assert_uint_eq(pc_test_ipt_gen(PC_MARK_MASK_DEFAULT, 0), 9);
}
END_TEST

START_TEST(init_without_chains_or_reading_starts_at_1)
{
	struct pc_fastpath f;

	pc_test_ipt_reset();
	init(&f, MASK6, true);
	ck_assert_uint_eq(f.gen, 1); /* no chain in either family (exit 1) */
	pc_test_ipt_reset();
	pc_test_ipt_leave(MASK6, 4, 4);
	init(&f, MASK6, false);
	ck_assert_uint_eq(f.gen, 1); /* stateless: the chains are not read */
	ck_assert_uint_eq(pc_test_ipt.calls, 0);
	pc_test_ipt.fail_read = 4; /* iptables cannot be run: a warning, generation 1 */
	init(&f, MASK6, true);
	ck_assert_uint_eq(f.gen, 1);
}
END_TEST

START_TEST(init_rejects_a_narrow_mask)
{
	struct pc_fastpath f;

	pc_test_ipt_reset();
	errno = 0;
	ck_assert_int_eq(pc_fastpath_init_runner(&f, 0x1fu, true, &pc_test_ipt_runner), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(pc_test_ipt.calls, 0);
}
END_TEST

/* What a reload does: the next generation, then the chains moved to it. */
static uint32_t reload(struct pc_fastpath *f, bool stateful, uint64_t now)
{
	uint32_t gen = pc_fastpath_next(f);

	ck_assert_int_eq(pc_fastpath_apply(f, gen, stateful, now), 0);
	return gen;
}

START_TEST(reloads_advance_and_wrap_within_the_mask)
{
	struct pc_fastpath f;
	const uint32_t masks[] = { MASK6, MASK_SPLIT, PC_MARK_MASK_DEFAULT };

	for (size_t k = 0; k < 3; k++) {
		uint32_t mask = masks[k], want;

		pc_test_ipt_reset();
		init(&f, mask, true);
		ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
		want = f.gen;
		for (uint32_t i = 0; i < 2 * f.marks.gen_max + 3; i++) {
			uint32_t gen = reload(&f, true, 0);

			want = want == f.marks.gen_max ? 1 : want + 1;
			ck_assert_uint_eq(gen, want);
			ck_assert_uint_ne(gen, 0);
			ck_assert_uint_le(gen, f.marks.gen_max);
			ck_assert_uint_eq(f.applied, gen);
			/* both chains accept it, in the bits of the mask only */
			ck_assert_uint_eq(pc_test_ipt_gen(mask, 0), gen);
			ck_assert_uint_eq(pc_test_ipt_gen(mask, 1), gen);
			ck_assert_uint_eq(pc_marks_gen_bits(&f.marks, gen) & ~mask, 0);
		}
	}
}
END_TEST

START_TEST(restart_judges_every_connection_again)
{
	struct pc_fastpath f;

	/* a daemon that ran through generations 1..7 and wrapped, restarted
	 * after each: never the generation the chains hold, never 0 */
	pc_test_ipt_reset();
	for (int i = 0; i < 20; i++) {
		uint32_t before = pc_test_ipt_gen(MASK6, 0);

		init(&f, MASK6, true);
		ck_assert_uint_ne(f.gen, before);
		ck_assert_uint_ne(f.gen, 0);
		ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
		(void)reload(&f, true, 0);
	}
	/* one family left behind by a failed restore: skip both */
	pc_test_ipt_leave(MASK6, 7, 1);
	init(&f, MASK6, true);
	ck_assert_uint_eq(f.gen, 2);
}
END_TEST

START_TEST(stateless_table_empties_the_chains)
{
	struct pc_fastpath f;

	pc_test_ipt_reset();
	init(&f, PC_MARK_MASK_DEFAULT, true);
	ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
	ck_assert_uint_eq(pc_test_ipt_gen(PC_MARK_MASK_DEFAULT, 0), 1);
	ck_assert_uint_eq(reload(&f, false, 0), 2);
	ck_assert(!f.active);
	ck_assert_uint_eq(f.applied, 0);
	ck_assert(pc_test_ipt.fam[0].exists && pc_test_ipt.fam[1].exists);
	ck_assert_str_eq(pc_test_ipt.fam[0].rules, "");
	ck_assert_str_eq(pc_test_ipt.fam[1].rules, "");
	ck_assert_uint_eq(reload(&f, true, 0), 3); /* stateful again: the next one */
	ck_assert_uint_eq(pc_test_ipt_gen(PC_MARK_MASK_DEFAULT, 1), 3);
}
END_TEST

START_TEST(failed_apply_is_retried_once_a_second)
{
	struct pc_fastpath f;
	uint64_t t0 = 5 * PC_NS_PER_MS * 1000;
	unsigned calls;

	pc_test_ipt_reset();
	init(&f, PC_MARK_MASK_DEFAULT, true);
	ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
	pc_test_ipt.fail_restore = 2;
	ck_assert_int_eq(pc_fastpath_apply(&f, 2, true, t0), -1);
	ck_assert(f.pending);
	ck_assert_uint_eq(f.gen, 2);     /* the table's generation all the same */
	ck_assert_uint_eq(f.applied, 1); /* the chains still hold the old one */
	pc_test_ipt.fail_restore = 0;
	calls = pc_test_ipt.calls;
	pc_fastpath_retry(&f, t0 + 999 * PC_NS_PER_MS);
	ck_assert_uint_eq(pc_test_ipt.calls, calls); /* too soon */
	ck_assert(f.pending);
	pc_fastpath_retry(&f, t0 + 1000 * PC_NS_PER_MS);
	ck_assert(!f.pending);
	ck_assert_uint_eq(f.applied, 2);
	ck_assert_uint_eq(pc_test_ipt_gen(PC_MARK_MASK_DEFAULT, 0), 2);
	ck_assert_uint_eq(pc_test_ipt_gen(PC_MARK_MASK_DEFAULT, 1), 2);
	calls = pc_test_ipt.calls;
	pc_fastpath_retry(&f, t0 + 5000 * PC_NS_PER_MS);
	ck_assert_uint_eq(pc_test_ipt.calls, calls); /* nothing pending: nothing run */
}
END_TEST

static Suite *fastpath_suite(void)
{
	Suite *s = suite_create("fastpath");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, first_generation_differs_from_both_families);
	tcase_add_test(tc, init_reads_the_chains_and_picks_past_them);
	tcase_add_test(tc, init_without_chains_or_reading_starts_at_1);
	tcase_add_test(tc, init_rejects_a_narrow_mask);
	tcase_add_test(tc, reloads_advance_and_wrap_within_the_mask);
	tcase_add_test(tc, restart_judges_every_connection_again);
	tcase_add_test(tc, stateless_table_empties_the_chains);
	tcase_add_test(tc, failed_apply_is_retried_once_a_second);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(fastpath_suite());
}
