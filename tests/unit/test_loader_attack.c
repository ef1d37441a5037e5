/* test_loader_attack.c - the policy loader against hostile input: policy
 * files and file: address lists that are FIFOs, devices, directories, huge,
 * binary, full of errors, or that would blow the index up (lib/budget.h);
 * messages that would carry control characters to a terminal or a log. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "diag.h"
#include "helper_fixture.h"
#include "helper_policy.h"
#include "policy.h"

static struct pc_diag *diag;

static void setup(void)
{
	pc_test_dir_make();
	diag = pc_diag_new();
	ck_assert_ptr_nonnull(diag);
}

static void teardown(void)
{
	pc_diag_free(diag);
	diag = NULL;
}

/* True when some error message contains has. */
static bool has_error(const char *has)
{
	enum pc_diag_level lvl;
	const char *t;

	for (size_t i = 0; (t = pc_diag_text(diag, i, &lvl)); i++)
		if (lvl == PC_DIAG_ERROR && strstr(t, has))
			return true;
	return false;
}

/* A file of n addresses, v4 from 10.0.0.0 (v6: 2001:db8::/64 prefixes)
 * counting up from first. */
static void addr_file(const char *rel, bool v6, unsigned first, unsigned n, char *path,
		      size_t len)
{
	FILE *f;

	pc_test_path(rel, path, len);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	for (unsigned i = first; i < first + n; i++) {
		if (v6)
			fprintf(f, "2001:db8:%x:%x::/64\n", i >> 16, i & 0xffff);
		else
			fprintf(f, "10.%u.%u.%u\n", i >> 16 & 255, i >> 8 & 255, i & 255);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/* A sparse file of size bytes (no disk used). */
static void sparse_file(const char *rel, off_t size, char *path, size_t len)
{
	int fd;

	pc_test_path(rel, path, len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	close(fd);
}

/* Loads text (a policy) from a file in the test directory. */
static struct pc_policy *load_text(const char *text)
{
	char path[PATH_MAX];

	pc_test_file("p.conf", text, strlen(text), path, sizeof(path));
	return pc_policy_load(path, diag);
}

/* A policy whose rule takes its remote addresses from path must be
 * rejected quickly, with an error containing has. */
static void list_rejected(const char *path, const char *has)
{
	char text[PATH_MAX + 128];
	double t0 = pc_test_now();
	struct pc_policy *p;

	snprintf(text, sizeof(text), "[r]\naction = deny\nremote-address = file:%s\n", path);
	p = load_text(text);
	ck_assert_msg(!p, "%s accepted as an address list", path);
	ck_assert_msg(has_error(has), "%s: no error with \"%s\":\n%s", path, has,
		      pc_test_diag_dump(diag));
	ck_assert_msg(pc_test_now() - t0 < 2.0, "%s: took %.1f s", path, pc_test_now() - t0);
}

/* ---- files that are not regular files ---- */

START_TEST(list_fifo)
{
	char path[PATH_MAX];

	pc_test_path("fifo", path, sizeof(path));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	list_rejected(path, "not a regular file"); /* fopen would wait for a writer */
}
END_TEST

START_TEST(list_dev_zero)
{
	list_rejected("/dev/zero", "not a regular file"); /* getline would read forever */
}
END_TEST

START_TEST(list_symlink_to_dev_zero)
{
	char path[PATH_MAX];

	pc_test_path("zero", path, sizeof(path));
	ck_assert_int_eq(symlink("/dev/zero", path), 0);
	list_rejected(path, "not a regular file");
}
END_TEST

START_TEST(list_directory)
{
	list_rejected(pc_test_dir, "not a regular file");
}
END_TEST

START_TEST(policy_fifo)
{
	char path[PATH_MAX];
	double t0 = pc_test_now();

	pc_test_path("p.fifo", path, sizeof(path));
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(pc_policy_load(path, diag));
	ck_assert_msg(has_error("not a regular file"), "%s", pc_test_diag_dump(diag));
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
}
END_TEST

START_TEST(policy_dev_zero)
{
	double t0 = pc_test_now();

	ck_assert_ptr_null(pc_policy_load("/dev/zero", diag));
	ck_assert_msg(has_error("not a regular file"), "%s", pc_test_diag_dump(diag));
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
}
END_TEST

/* What a truncating write leaves (an empty file, or only comments) is not a
 * policy: the daemon would otherwise reload it and drop every packet. */
START_TEST(policy_empty_file)
{
	static const char *const texts[] = { "", "\n\n", "# only a comment\n; and another\n" };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_ptr_null(load_text(texts[i]));
		ck_assert_msg(has_error("p.conf: no section: the file is empty"), "%s",
			      pc_test_diag_dump(diag));
		pc_diag_free(diag);
		diag = pc_diag_new();
	}
	/* a section is enough, and an empty string stays the defaults */
	struct pc_policy *p = load_text("[portcullis]\nallow-empty = yes\n");

	ck_assert_msg(p, "%s", pc_test_diag_dump(diag));
	pc_policy_free(p);
	ck_assert_ptr_nonnull(p = pc_policy_load_string("", "s.conf", diag));
	pc_policy_free(p);
}
END_TEST

/* ---- size, lines, bytes ---- */

START_TEST(list_too_big)
{
	char path[PATH_MAX];

	sparse_file("huge.txt", (off_t)PC_ADDR_FILE_MAX + 1, path, sizeof(path));
	list_rejected(path, "too large");
}
END_TEST

START_TEST(policy_too_big)
{
	char path[PATH_MAX];
	double t0 = pc_test_now();

	sparse_file("huge.conf", (off_t)PC_POLICY_FILE_MAX + 1, path, sizeof(path));
	ck_assert_ptr_null(pc_policy_load(path, diag));
	ck_assert_msg(has_error("too large"), "%s", pc_test_diag_dump(diag));
	ck_assert_double_lt(pc_test_now() - t0, 2.0);
}
END_TEST

/* A NUL byte must not end a line early and hide what follows it. */
START_TEST(list_nul_byte)
{
	static const char bytes[] = "192.0.2.1\0 0.0.0.0/0\n198.51.100.0/24\n";
	char path[PATH_MAX];

	pc_test_file("nul.txt", bytes, sizeof(bytes) - 1, path, sizeof(path));
	list_rejected(path, "NUL");
}
END_TEST

START_TEST(list_long_line)
{
	char path[PATH_MAX], *text = malloc(PC_ADDR_LINE_MAX + 64);
	size_t n;

	ck_assert_ptr_nonnull(text);
	n = (size_t)sprintf(text, "192.0.2.1\n# ");
	memset(text + n, 'x', PC_ADDR_LINE_MAX);
	n += PC_ADDR_LINE_MAX;
	n += (size_t)sprintf(text + n, "\n198.51.100.7\n");
	pc_test_file("long.txt", text, n, path, sizeof(path));
	free(text);
	list_rejected(path, ":2: line is too long");
}
END_TEST

/* A line just within the bound is read whole. */
START_TEST(list_line_at_bound)
{
	char path[PATH_MAX], text[PATH_MAX + 128], *bytes = malloc(PC_ADDR_LINE_MAX + 64);
	struct pc_policy *p;
	size_t n;

	ck_assert_ptr_nonnull(bytes);
	n = (size_t)sprintf(bytes, "192.0.2.1 #");
	memset(bytes + n, 'x', PC_ADDR_LINE_MAX - n);
	n = PC_ADDR_LINE_MAX;
	n += (size_t)sprintf(bytes + n, "\n198.51.100.7\n");
	pc_test_file("edge.txt", bytes, n, path, sizeof(path));
	free(bytes);
	snprintf(text, sizeof(text), "[r]\naction = deny\nremote-address = file:%s\n", path);
	p = load_text(text);
	ck_assert_msg(p, "%s", pc_test_diag_dump(diag));
	pc_policy_free(p);
}
END_TEST

/* Binary junk gives a bounded number of messages, and says it stopped. */
START_TEST(list_error_flood)
{
	char path[PATH_MAX];
	FILE *f;

	pc_test_path("junk.txt", path, sizeof(path));
	ck_assert_ptr_nonnull(f = fopen(path, "we"));
	for (int i = 0; i < 100000; i++)
		fprintf(f, "junk%d\n", i);
	ck_assert_int_eq(fclose(f), 0);
	list_rejected(path, "too many errors");
	ck_assert_uint_le(pc_diag_count(diag), PC_ERRORS_MAX + 1);
}
END_TEST

START_TEST(policy_error_flood)
{
	char path[PATH_MAX];
	struct pc_policy *p;
	FILE *f;

	pc_test_path("junk.conf", path, sizeof(path));
	ck_assert_ptr_nonnull(f = fopen(path, "we"));
	for (int i = 0; i < 100000; i++)
		fprintf(f, "[r%d]\nfoo = bar\n", i);
	ck_assert_int_eq(fclose(f), 0);
	p = pc_policy_load(path, diag);
	ck_assert_ptr_null(p);
	ck_assert_msg(has_error("too many errors"), "%s", pc_test_diag_dump(diag));
	ck_assert_uint_le(pc_diag_count(diag), PC_ERRORS_MAX + 1);
}
END_TEST

/* Bytes of an address list reach messages; control characters must not
 * (a terminal escape, a forged log line). */
START_TEST(messages_without_controls)
{
	static const char bytes[] = "192.0.2.1\x1b]0;owned\x07\x1b[2J\x7f\x01x\n";
	char path[PATH_MAX];
	const char *t;

	pc_test_file("esc.txt", bytes, sizeof(bytes) - 1, path, sizeof(path));
	list_rejected(path, "esc.txt:1:");
	for (size_t i = 0; (t = pc_diag_text(diag, i, NULL)); i++)
		for (const unsigned char *c = (const unsigned char *)t; *c; c++)
			ck_assert_msg(*c >= 0x20 && *c != 0x7f, "control byte %#x in: %s", *c, t);
}
END_TEST

/* ---- the index budget ---- */

/* Loads text: it must load (has NULL) or fail with an error containing has. */
static void expect(const char *text, const char *has)
{
	struct pc_policy *p = load_text(text);

	if (!has) {
		ck_assert_msg(p, "rejected:\n%s", pc_test_diag_dump(diag));
		pc_policy_free(p);
	} else {
		ck_assert_msg(!p, "accepted");
		ck_assert_msg(has_error(has), "no error with \"%s\":\n%s", has,
			      pc_test_diag_dump(diag));
	}
}

static char text[4 * PATH_MAX + 512];

/* 2900 x 1500 address pairs: 4.35 M > 4.19 M entries. */
START_TEST(budget_one_rule)
{
	char a[PATH_MAX], b[PATH_MAX];

	addr_file("a.txt", false, 0, 2900, a, sizeof(a));
	addr_file("b.txt", false, 100000, 1500, b, sizeof(b));
	snprintf(text, sizeof(text),
		 "[big]\naction = deny\nremote-address = file:%s\nlocal-address = file:%s\n", a, b);
	expect(text, "p.conf:1: rule 'big' expands to 4350000 index entries");
}
END_TEST

/* Pairs count per family, as the index builds them: 2000 v4 + 2000 v6
 * remote x 1000 v4 + 1000 v6 local is 4 M entries, not 8 M. */
START_TEST(budget_per_family)
{
	char a[PATH_MAX], b[PATH_MAX], av6[PATH_MAX], bv6[PATH_MAX];

	addr_file("a4.txt", false, 0, 2000, a, sizeof(a));
	addr_file("a6.txt", true, 0, 2000, av6, sizeof(av6));
	addr_file("b4.txt", false, 100000, 1000, b, sizeof(b));
	addr_file("b6.txt", true, 100000, 1000, bv6, sizeof(bv6));
	snprintf(text, sizeof(text), "cat '%s' >> '%s' && cat '%s' >> '%s'", av6, a, bv6, b);
	ck_assert_int_eq(system(text), 0);
	snprintf(text, sizeof(text),
		 "[big]\naction = deny\nremote-address = file:%s\nlocal-address = file:%s\n", a, b);
	expect(text, NULL);
}
END_TEST

/* Two rules of 2.25 M: the second crosses the bound. */
START_TEST(budget_total)
{
	char a[PATH_MAX], b[PATH_MAX];

	addr_file("a.txt", false, 0, 1500, a, sizeof(a));
	addr_file("b.txt", false, 100000, 1500, b, sizeof(b));
	snprintf(text, sizeof(text),
		 "[one]\naction = deny\nremote-address = file:%s\nlocal-address = file:%s\n"
		 "[two]\naction = permit\nremote-address = file:%s\nlocal-address = file:%s\n",
		 a, b, a, b);
	expect(text, "p.conf:5: the enabled rules up to 'two' expand to 4500000 index entries");
}
END_TEST

/* A disabled rule builds nothing. */
START_TEST(budget_disabled_rule)
{
	char a[PATH_MAX], b[PATH_MAX];

	addr_file("a.txt", false, 0, 1500, a, sizeof(a));
	addr_file("b.txt", false, 100000, 1500, b, sizeof(b));
	snprintf(text, sizeof(text),
		 "[one]\naction = deny\nremote-address = file:%s\nlocal-address = file:%s\n"
		 "[two]\nenabled = no\naction = permit\nremote-address = file:%s\n"
		 "local-address = file:%s\n", a, b, a, b);
	expect(text, NULL);
}
END_TEST

/* Port lists multiply: 25000 addresses x 13 x 13 port ranges = 4.2 M. */
START_TEST(budget_ports)
{
	char a[PATH_MAX];

	addr_file("a.txt", false, 0, 25000, a, sizeof(a));
	snprintf(text, sizeof(text),
		 "[scan]\naction = deny\nprotocol = tcp\nremote-address = file:%s\n"
		 "local-port = 1-100,2-99,3-98,4-97,5-96,6-95,7-94,8-93,9-92,10-91,11-90,12-89,13-88\n"
		 "remote-port = 1-100,2-99,3-98,4-97,5-96,6-95,7-94,8-93,9-92,10-91,11-90,12-89,13-88\n",
		 a);
	expect(text, "rule 'scan' expands to 4225000 index entries");
}
END_TEST

/* One file named by 16 rules (15 disabled) is read once and shared: a
 * copy each took 283 MB for a 1M-line list where one took 19 MB. */
START_TEST(list_read_once)
{
	char a[PATH_MAX], *t = text;
	size_t n;

	addr_file("a.txt", false, 0, 100000, a, sizeof(a));
	for (int i = 0; i < 16; i++)
		t += sprintf(t, "[r%d]\n%saction = deny\nremote-address = file:%s\n", i,
			     i ? "enabled = no\n" : "", a);
	struct pc_policy *p = load_text(text);
	ck_assert_msg(p, "rejected:\n%s", pc_test_diag_dump(diag));
	const struct pc_rule *r = pc_policy_rules(p, &n);
	ck_assert_uint_eq(n, 16);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].n_remote, 100000);
		ck_assert_ptr_eq(r[i].remote, r[0].remote);
	}
	pc_policy_free(p);
}
END_TEST

/* The address files of a policy hold 4,194,304 addresses together at most
 * (each costs an index entry when its rule is enabled): reading stops at
 * the first address past it, whatever rules (enabled or not) name them. */
START_TEST(list_total_bound)
{
	char a[PATH_MAX], b[PATH_MAX], want[PATH_MAX + 64];

	addr_file("a.txt", false, 0, 2500000, a, sizeof(a));
	addr_file("b.txt", true, 0, 2500000, b, sizeof(b));
	snprintf(text, sizeof(text),
		 "[one]\naction = deny\nremote-address = file:%s\n"
		 "[two]\nenabled = no\naction = deny\nremote-address = file:%s\n", a, b);
	snprintf(want, sizeof(want), "%s:%d: the address files of the policy list more than 4194304",
		 b, 4194304 - 2500000 + 1);
	expect(text, want);
}
END_TEST

/* A disabled rule is counted, not built: a warning when it could never be
 * enabled. */
START_TEST(budget_disabled_too_big)
{
	char a[PATH_MAX], b[PATH_MAX];
	enum pc_diag_level lvl;
	const char *t;
	bool warned = false;

	addr_file("a.txt", false, 0, 2900, a, sizeof(a));
	addr_file("b.txt", false, 100000, 1500, b, sizeof(b));
	snprintf(text, sizeof(text),
		 "[big]\nenabled = no\naction = deny\nremote-address = file:%s\n"
		 "local-address = file:%s\n", a, b);
	expect(text, NULL);
	for (size_t i = 0; (t = pc_diag_text(diag, i, &lvl)); i++)
		warned |= lvl == PC_DIAG_WARNING && strstr(t, "rule 'big' is disabled and "
							   "expands to 4350000 index entries");
	ck_assert_msg(warned, "no warning:\n%s", pc_test_diag_dump(diag));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("loader-attack");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 20);
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, list_fifo);
	tcase_add_test(tc, list_dev_zero);
	tcase_add_test(tc, list_symlink_to_dev_zero);
	tcase_add_test(tc, list_directory);
	tcase_add_test(tc, policy_fifo);
	tcase_add_test(tc, policy_dev_zero);
	tcase_add_test(tc, policy_empty_file);
	tcase_add_test(tc, list_too_big);
	tcase_add_test(tc, policy_too_big);
	tcase_add_test(tc, list_nul_byte);
	tcase_add_test(tc, list_long_line);
	tcase_add_test(tc, list_line_at_bound);
	tcase_add_test(tc, list_error_flood);
	tcase_add_test(tc, policy_error_flood);
	tcase_add_test(tc, messages_without_controls);
	suite_add_tcase(s, tc);

	tc = tcase_create("budget");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, pc_test_base_make, pc_test_base_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, budget_one_rule);
	tcase_add_test(tc, budget_per_family);
	tcase_add_test(tc, budget_total);
	tcase_add_test(tc, budget_disabled_rule);
	tcase_add_test(tc, budget_ports);
	tcase_add_test(tc, list_read_once);
	tcase_add_test(tc, list_total_bound);
	tcase_add_test(tc, budget_disabled_too_big);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(suite());
}
