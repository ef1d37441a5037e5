/* test_status_attack.c - the status file (lib/status.c) against what can be
 * at its path or in it: a FIFO (the CLI must not hang on it), a symlink at
 * the path when the daemon writes, rule names that would add lines, and
 * random damage to a valid file (read under ASan: no crash, no overread). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_fixture.h"
#include "status.h"


static struct pc_status sample(struct pc_status_rule *rules, size_t n)
{
	struct pc_status st = { .version = PC_STATUS_VERSION, .pid = 77, .running = true,
				.policy = "/etc/portcullis/portcullis.conf", .rules = n,
				.enabled = n, .packets = 1000, .rule = rules, .n_rule = n,
				.last_reload_message = "reloaded" };
	return st;
}

/* `portcullis status` reads the file: a FIFO there must not block it. */
START_TEST(read_fifo)
{
	char path[PATH_MAX];
	struct pc_status st;
	double t0 = pc_test_now();

	pc_test_path("fifo", path, sizeof(path));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(pc_status_read(path, &st), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
}
END_TEST

START_TEST(read_device)
{
	struct pc_status st;

	ck_assert_int_eq(pc_status_read("/dev/zero", &st), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* The daemon's write replaces a planted symlink instead of writing
 * through it. */
START_TEST(write_over_symlink)
{
	char path[PATH_MAX], victim[PATH_MAX];
	struct pc_status_rule r[1] = { { "a", 1 } };
	struct pc_status st = sample(r, 1), back;
	struct stat sb;
	FILE *f;

	pc_test_path("victim", victim, sizeof(victim));
	pc_test_path("status", path, sizeof(path));
	ck_assert_ptr_nonnull(f = fopen(victim, "we"));
	fputs("keep\n", f);
	fclose(f);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(pc_status_write(path, &st), 0);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_int_eq(stat(victim, &sb), 0);
	ck_assert_int_eq(sb.st_size, 5);
	ck_assert_int_eq(pc_status_read(path, &back), 0);
	pc_status_clear(&back);
}
END_TEST

/* A rule name cannot add a line (and a forged key) to the file. */
START_TEST(rule_name_one_line)
{
	char path[PATH_MAX];
	struct pc_status_rule r[2] = { { "x\npackets=1\nrule=5 forged", 3 }, { "b", 4 } };
	struct pc_status st = sample(r, 2), back;

	pc_test_path("status2", path, sizeof(path));
	ck_assert_int_eq(pc_status_write(path, &st), 0);
	ck_assert_int_eq(pc_status_read(path, &back), 0);
	ck_assert_uint_eq(back.n_rule, 2);
	ck_assert_uint_eq(back.packets, 1000);
	ck_assert_str_eq(back.rule[0].name, "x?packets=1?rule=5 forged");
	pc_status_clear(&back);
}
END_TEST

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return pc_test_xorshift(&rng);
}

/* Random damage: every result is a clean success or EINVAL. */
START_TEST(read_damaged)
{
	char path[PATH_MAX], orig[PATH_MAX];
	struct pc_status_rule r[3] = { { "a", 1 }, { "b b", 2 }, { "c", 3 } };
	struct pc_status st = sample(r, 3), back;
	static char text[8192];
	size_t n;
	FILE *f;
	unsigned ok = 0, bad = 0;

	pc_test_path("orig", orig, sizeof(orig));
	pc_test_path("damaged", path, sizeof(path));
	ck_assert_int_eq(pc_status_write(orig, &st), 0);
	ck_assert_ptr_nonnull(f = fopen(orig, "re"));
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	for (int round = 0; round < 3000; round++) {
		static char buf[8192];
		size_t m = n;

		memcpy(buf, text, n);
		for (int k = 1 + (int)(rnd() % 4); k > 0; k--)
			buf[rnd() % n] = rnd() % 4 ? (char)rnd() : "=\n- 0"[rnd() % 5];
		if (rnd() % 3 == 0)
			m = rnd() % n;
		ck_assert_ptr_nonnull(f = fopen(path, "we"));
		ck_assert_uint_eq(fwrite(buf, 1, m, f), m);
		fclose(f);
		if (pc_status_read(path, &back) == 0) {
			ok++;
			ck_assert_uint_le(back.n_rule, 3 + 4);
			pc_status_clear(&back);
		} else {
			bad++;
			ck_assert_int_eq(errno, EINVAL);
		}
	}
	ck_assert_uint_gt(ok, 0);
	ck_assert_uint_gt(bad, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("status-attack");
	TCase *tc = tcase_create("status");

	tcase_set_timeout(tc, 30);
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, pc_test_dir_make, NULL);
	tcase_add_test(tc, read_fifo);
	tcase_add_test(tc, read_device);
	tcase_add_test(tc, write_over_symlink);
	tcase_add_test(tc, rule_name_one_line);
	tcase_add_test(tc, read_damaged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
