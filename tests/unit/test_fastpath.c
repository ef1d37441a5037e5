/* test_fastpath.c - the generation of the kernel's fast path
 * (daemon/fastpath.c): the first one at start given what the chains of
 * both families hold, the next one per reload, wrap-around within the
 * mark-mask's width, and moving the chains (retried once a second after a
 * failure). iptables is a small in-memory stand-in behind the runner of
 * hooks.h, fed the real restore text of lib/hooks.c; the real commands are
 * covered by the end-to-end tests (tests/e2e/stateful.sh, conns.sh). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fastpath.h"
#include "helper_fixture.h"
#include "hooks.h"

#define MASK6 0x3fu        /* 6 bits: three of G, generations 1..7 */
#define MASK_SPLIT 0x0f0f0000u /* 8 bits in two nibbles: generations 1..31 */

/* One family's PORTCULLIS-FAST chain. */
struct chain {
	bool exists;
	char rules[512]; /* "-A ..." lines, as iptables -S prints them */
};

struct fake_ipt {
	struct chain fam[2]; /* iptables, ip6tables */
	int fail_read;       /* exit status for -S (0: works) */
	int fail_restore;    /* exit status for iptables-restore (0: works) */
	unsigned calls;
};

static int family(const char *tool)
{
	return !strncmp(tool, "ip6tables", 9);
}

/* iptables-restore --noflush: a ":CHAIN" line creates or flushes the
 * chain, "-A" lines append to it. */
static int restore(struct chain *c, const char *input)
{
	for (const char *l = input; *l; l = strchr(l, '\n') + 1) {
		size_t n = (size_t)(strchr(l, '\n') - l);

		if (!strncmp(l, ":" PC_HOOK_CHAIN_FAST " ", strlen(PC_HOOK_CHAIN_FAST) + 2)) {
			c->exists = true;
			c->rules[0] = '\0';
		} else if (!strncmp(l, "-A ", 3)) {
			ck_assert(c->exists);
			ck_assert_uint_lt(strlen(c->rules) + n + 1, sizeof(c->rules));
			strncat(c->rules, l, n + 1);
		}
	}
	return 0;
}

static int run_fake(void *ctx, const char *const *argv, const char *input, int flags,
		    char *out, size_t outlen)
{
	struct fake_ipt *ipt = ctx;
	struct chain *c = &ipt->fam[family(argv[0])];

	(void)flags;
	ipt->calls++;
	if (strstr(argv[0], "-restore")) {
		ck_assert_ptr_nonnull(input);
		return ipt->fail_restore ? ipt->fail_restore : restore(c, input);
	}
	ck_assert_str_eq(argv[2], "-S");
	ck_assert_str_eq(argv[3], PC_HOOK_CHAIN_FAST);
	if (ipt->fail_read)
		return ipt->fail_read;
	if (!c->exists)
		return 1; /* iptables: no chain by that name */
	snprintf(out, outlen, "-N %s\n%s", PC_HOOK_CHAIN_FAST, c->rules);
	return 0;
}

static struct fake_ipt ipt;
static const struct pc_hooks_runner fake = { run_fake, &ipt };

static void reset(void)
{
	memset(&ipt, 0, sizeof(ipt));
}

/* The generation the chain of family fam accepts now (0: none). */
static uint32_t held(uint32_t mask, int fam)
{
	uint32_t gen[2];
	char err[256];

	ck_assert_int_eq(pc_hooks_fast_get(mask, &fake, gen, err, sizeof(err)), 0);
	return gen[fam];
}

/* Sets the chains of both families as a daemon of generation g4 / g6 left them. */
static void leave(uint32_t mask, uint32_t g4, uint32_t g6)
{
	char text[512];

	ck_assert_int_eq(pc_hooks_fast_text(mask, g4, text, sizeof(text)), 0);
	restore(&ipt.fam[0], text);
	ck_assert_int_eq(pc_hooks_fast_text(mask, g6, text, sizeof(text)), 0);
	restore(&ipt.fam[1], text);
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

	reset();
	leave(PC_MARK_MASK_DEFAULT, 9, 3);
	ck_assert_int_eq(pc_fastpath_init_runner(&f, PC_MARK_MASK_DEFAULT, true, &fake), 0);
	ck_assert_uint_eq(f.gen, 10);
	ck_assert_uint_eq(f.applied, 0);
	ck_assert(!f.pending);
	ck_assert_uint_eq(f.marks.mask, PC_MARK_MASK_DEFAULT);
	ck_assert_uint_eq(f.marks.gen_max, 31);
	ck_assert_uint_eq(ipt.calls, 2); /* iptables -S and ip6tables -S, nothing set */
	ck_assert_uint_eq(held(PC_MARK_MASK_DEFAULT, 0), 9);
}
END_TEST

START_TEST(init_without_chains_or_reading_starts_at_1)
{
	struct pc_fastpath f;

	reset();
	ck_assert_int_eq(pc_fastpath_init_runner(&f, MASK6, true, &fake), 0);
	ck_assert_uint_eq(f.gen, 1); /* no chain in either family (exit 1) */
	reset();
	leave(MASK6, 4, 4);
	ck_assert_int_eq(pc_fastpath_init_runner(&f, MASK6, false, &fake), 0);
	ck_assert_uint_eq(f.gen, 1); /* stateless: the chains are not read */
	ck_assert_uint_eq(ipt.calls, 0);
	ipt.fail_read = 4; /* iptables cannot be run: a warning, generation 1 */
	ck_assert_int_eq(pc_fastpath_init_runner(&f, MASK6, true, &fake), 0);
	ck_assert_uint_eq(f.gen, 1);
}
END_TEST

START_TEST(init_rejects_a_narrow_mask)
{
	struct pc_fastpath f;

	reset();
	errno = 0;
	ck_assert_int_eq(pc_fastpath_init_runner(&f, 0x1fu, true, &fake), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(ipt.calls, 0);
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

		reset();
		ck_assert_int_eq(pc_fastpath_init_runner(&f, mask, true, &fake), 0);
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
			ck_assert_uint_eq(held(mask, 0), gen);
			ck_assert_uint_eq(held(mask, 1), gen);
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
	reset();
	for (int i = 0; i < 20; i++) {
		uint32_t before = held(MASK6, 0);

		ck_assert_int_eq(pc_fastpath_init_runner(&f, MASK6, true, &fake), 0);
		ck_assert_uint_ne(f.gen, before);
		ck_assert_uint_ne(f.gen, 0);
		ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
		(void)reload(&f, true, 0);
	}
	/* one family left behind by a failed restore: skip both */
	leave(MASK6, 7, 1);
	ck_assert_int_eq(pc_fastpath_init_runner(&f, MASK6, true, &fake), 0);
	ck_assert_uint_eq(f.gen, 2);
}
END_TEST

START_TEST(stateless_table_empties_the_chains)
{
	struct pc_fastpath f;

	reset();
	ck_assert_int_eq(pc_fastpath_init_runner(&f, PC_MARK_MASK_DEFAULT, true, &fake), 0);
	ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
	ck_assert_uint_eq(held(PC_MARK_MASK_DEFAULT, 0), 1);
	ck_assert_uint_eq(reload(&f, false, 0), 2);
	ck_assert(!f.active);
	ck_assert_uint_eq(f.applied, 0);
	ck_assert(ipt.fam[0].exists && ipt.fam[1].exists);
	ck_assert_str_eq(ipt.fam[0].rules, "");
	ck_assert_str_eq(ipt.fam[1].rules, "");
	ck_assert_uint_eq(reload(&f, true, 0), 3); /* stateful again: the next one */
	ck_assert_uint_eq(held(PC_MARK_MASK_DEFAULT, 1), 3);
}
END_TEST

START_TEST(failed_apply_is_retried_once_a_second)
{
	struct pc_fastpath f;
	uint64_t t0 = 5 * PC_NS_PER_MS * 1000;
	unsigned calls;

	reset();
	ck_assert_int_eq(pc_fastpath_init_runner(&f, PC_MARK_MASK_DEFAULT, true, &fake), 0);
	ck_assert_int_eq(pc_fastpath_apply(&f, f.gen, true, 0), 0);
	ipt.fail_restore = 2;
	ck_assert_int_eq(pc_fastpath_apply(&f, 2, true, t0), -1);
	ck_assert(f.pending);
	ck_assert_uint_eq(f.gen, 2);     /* the table's generation all the same */
	ck_assert_uint_eq(f.applied, 1); /* the chains still hold the old one */
	ipt.fail_restore = 0;
	calls = ipt.calls;
	pc_fastpath_retry(&f, t0 + 999 * PC_NS_PER_MS);
	ck_assert_uint_eq(ipt.calls, calls); /* too soon */
	ck_assert(f.pending);
	pc_fastpath_retry(&f, t0 + 1000 * PC_NS_PER_MS);
	ck_assert(!f.pending);
	ck_assert_uint_eq(f.applied, 2);
	ck_assert_uint_eq(held(PC_MARK_MASK_DEFAULT, 0), 2);
	ck_assert_uint_eq(held(PC_MARK_MASK_DEFAULT, 1), 2);
	calls = ipt.calls;
	pc_fastpath_retry(&f, t0 + 5000 * PC_NS_PER_MS);
	ck_assert_uint_eq(ipt.calls, calls); /* nothing pending: nothing run */
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
