/* test_hooks.c - the hook chain sequence, against a model of iptables */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "hooks.h"

/* What one family's filter table holds, as far as the hooks care. */
struct table {
	bool chain[3]; /* PORTCULLIS-IN, PORTCULLIS-OUT, PORTCULLIS-FAST exist */
	int jumps[2];  /* jumps from INPUT, OUTPUT to them */
	char text[4096];
	char fast[512]; /* the fast chain's restore text */
};

struct fake {
	struct table t[2]; /* iptables, ip6tables */
	int calls;
	int fail_call;  /* 1-based call number made to fail, 0 = none */
	int fail_rc;
	char log[8192]; /* every command, one a line */
};

static int chain_index(const char *name)
{
	if (!strcmp(name, PC_HOOK_CHAIN_IN) || !strcmp(name, "INPUT"))
		return 0;
	if (!strcmp(name, PC_HOOK_CHAIN_OUT) || !strcmp(name, "OUTPUT"))
		return 1;
	if (!strcmp(name, PC_HOOK_CHAIN_FAST))
		return 2;
	return -1;
}

static void log_argv(struct fake *f, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		strcat(f->log, argv[i]);
		strcat(f->log, argv[i + 1] ? " " : "\n");
	}
}

/* Applies a jump command (-C/-I/-D BASE [1] -j CHAIN) to t. */
static int jump_cmd(struct table *t, const char *op, const char *base, const char *chain)
{
	int b = chain_index(base), c = chain_index(chain);

	ck_assert_int_eq(b, c); /* INPUT jumps to IN, OUTPUT to OUT */
	if (!t->chain[c])
		return 2; /* iptables: chain does not exist */
	if (!strcmp(op, "-C"))
		return t->jumps[c] ? 0 : 1;
	if (!strcmp(op, "-I")) {
		t->jumps[c]++;
		return 0;
	}
	if (!t->jumps[c])
		return 1;
	t->jumps[c]--;
	return 0;
}

/* "iptables -S PORTCULLIS-FAST": the chain's -A lines. */
static void fast_rules(const struct table *t, char *out, size_t outlen)
{
	const char *s = t->fast;

	snprintf(out, outlen, "-N %s\n", PC_HOOK_CHAIN_FAST);
	while ((s = strstr(s, "\n-A ")) != NULL) {
		const char *e = strchr(s + 1, '\n');

		strncat(out, s + 1, (size_t)(e - s));
		s = e;
	}
}

static int table_cmd(struct table *t, const char *const *argv, size_t argc, char *out,
		     size_t outlen)
{
	const char *op = argv[2];
	int c;

	ck_assert_str_eq(argv[1], "-w");
	if (!strcmp(op, "-C") || !strcmp(op, "-I") || !strcmp(op, "-D")) {
		ck_assert_str_eq(argv[argc - 2], "-j");
		if (!strcmp(op, "-I"))
			ck_assert_str_eq(argv[4], "1");
		return jump_cmd(t, op, argv[3], argv[argc - 1]);
	}
	ck_assert_uint_eq(argc, 4);
	if (!strcmp(op, "-S") && (!strcmp(argv[3], "INPUT") || !strcmp(argv[3], "OUTPUT")))
		return 0;
	c = chain_index(argv[3]);
	ck_assert_int_ge(c, 0);
	if (!strcmp(op, "-N")) {
		ck_assert_int_eq(c, 2);
		if (t->chain[c])
			return 1;
		t->chain[c] = true;
		t->fast[0] = '\0';
		return 0;
	}
	if (!t->chain[c])
		return 1;
	if (!strcmp(op, "-X")) {
		if ((c < 2 && t->jumps[c]) || (c == 2 && t->chain[0] && strstr(t->text, "-j " PC_HOOK_CHAIN_FAST "\n")))
			return 1; /* still referenced */
		t->chain[c] = false;
	}
	if (!strcmp(op, "-S") && out)
		fast_rules(t, out, outlen);
	return 0; /* -S, -F */
}

static int fake_run(void *ctx, const char *const *argv, const char *input, int flags, char *out,
		    size_t outlen)
{
	struct fake *f = ctx;
	size_t argc = 0;
	int fam;

	(void)flags;
	while (argv[argc])
		argc++;
	log_argv(f, argv);
	if (++f->calls == f->fail_call) {
		errno = ENOENT;
		return f->fail_rc;
	}
	fam = !strncmp(argv[0], "ip6", 3);
	if (strstr(argv[0], "-restore")) {
		ck_assert_ptr_nonnull(input);
		ck_assert_str_eq(argv[2], "--noflush");
		if (strstr(input, ":" PC_HOOK_CHAIN_FAST " ")) {
			snprintf(f->t[fam].fast, sizeof(f->t[fam].fast), "%s", input);
			f->t[fam].chain[2] = true;
			return 0;
		}
		/* a jump to a chain that does not exist fails the whole restore */
		if (strstr(input, "-j " PC_HOOK_CHAIN_FAST "\n") && !f->t[fam].chain[2])
			return 2;
		snprintf(f->t[fam].text, sizeof(f->t[fam].text), "%s", input);
		f->t[fam].chain[0] = f->t[fam].chain[1] = true;
		return 0;
	}
	ck_assert_ptr_null(input);
	return table_cmd(&f->t[fam], argv, argc, out, outlen);
}

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	return f;
}

static void assert_installed(const struct fake *f, const char *target)
{
	for (int fam = 0; fam < 2; fam++) {
		for (int c = 0; c < 2; c++) {
			ck_assert(f->t[fam].chain[c]);
			ck_assert_int_eq(f->t[fam].jumps[c], 1);
		}
		ck_assert_ptr_nonnull(strstr(f->t[fam].text, target));
	}
}

static void assert_removed(const struct fake *f)
{
	for (int fam = 0; fam < 2; fam++) {
		for (int c = 0; c < 2; c++) {
			ck_assert(!f->t[fam].chain[c]);
			ck_assert_int_eq(f->t[fam].jumps[c], 0);
		}
		ck_assert(!f->t[fam].chain[2]);
	}
}

START_TEST(text_single_queue)
{
	struct pc_hooks_conf c = { .queue_lo = 7, .queue_hi = 7 };
	char buf[1024];

	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "*filter\n"
			      ":PORTCULLIS-IN - [0:0]\n"
			      ":PORTCULLIS-OUT - [0:0]\n"
			      "-A PORTCULLIS-IN -i lo -j RETURN\n"
			      "-A PORTCULLIS-IN -j NFQUEUE --queue-num 7\n"
			      "-A PORTCULLIS-OUT -o lo -j RETURN\n"
			      "-A PORTCULLIS-OUT -j NFQUEUE --queue-num 7\n"
			      "COMMIT\n");
}
END_TEST

START_TEST(text_balance_bypass_fanout)
{
	struct pc_hooks_conf c = { .queue_lo = 2, .queue_hi = 5, .fail_open = true };
	char buf[1024];

	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "-A PORTCULLIS-IN -j NFQUEUE --queue-balance 2:5 --queue-bypass\n"));
	ck_assert_ptr_null(strstr(buf, "fanout"));
	c.cpu_fanout = true;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "-A PORTCULLIS-OUT -j NFQUEUE --queue-balance 2:5 "
					  "--queue-cpu-fanout --queue-bypass\n"));
	/* fan-out means nothing with one queue */
	c.queue_hi = 2;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "NFQUEUE --queue-num 2 --queue-bypass\n"));
}
END_TEST

START_TEST(text_errors)
{
	struct pc_hooks_conf c = { .queue_lo = 5, .queue_hi = 4 };
	char buf[1024];

	errno = 0;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EINVAL);
	c.queue_lo = 0;
	c.queue_hi = 65536;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), -1);
	c.queue_hi = 65535;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	for (size_t len = 0; len < strlen(buf) + 1; len++) {
		char small[1024];

		errno = 0;
		ck_assert_int_eq(pc_hooks_restore_text(&c, small, len), -1);
		ck_assert_int_eq(errno, ENOSPC);
	}
}
END_TEST

START_TEST(up_twice_is_once)
{
	struct pc_hooks_conf c = { .queue_lo = 3, .queue_hi = 3 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256] = "";

	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	assert_installed(f, "--queue-num 3\n");
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	assert_installed(f, "--queue-num 3\n");
	/* a changed policy refills the chains, the jumps stay single */
	c.fail_open = true;
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	assert_installed(f, "--queue-num 3 --queue-bypass\n");
	ck_assert_str_eq(err, "");
	free(f);
}
END_TEST

START_TEST(down_removes_all_and_absent_is_fine)
{
	struct pc_hooks_conf c = { .queue_lo = 0, .queue_hi = 1 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256] = "";

	ck_assert_int_eq(pc_hooks_down(&r, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(f->log, " -D "));
	ck_assert_ptr_null(strstr(f->log, " -X "));
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	f->t[1].jumps[0] = 3; /* an admin added the same jump twice more */
	ck_assert_int_eq(pc_hooks_down(&r, err, sizeof(err)), 0);
	assert_removed(f);
	ck_assert_int_eq(pc_hooks_down(&r, err, sizeof(err)), 0);
	assert_removed(f);
	ck_assert_str_eq(err, "");
	free(f);
}
END_TEST

START_TEST(up_stops_at_failure)
{
	struct pc_hooks_conf c = { .queue_lo = 1, .queue_hi = 1 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256] = "";

	f->fail_call = 1; /* iptables-restore */
	f->fail_rc = 2;
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "iptables-restore: cannot fill the chains PORTCULLIS-IN and "
			      "PORTCULLIS-OUT (exit status 2)");
	ck_assert_int_eq(f->calls, 1);
	free(f);
}
END_TEST

START_TEST(up_reports_unrunnable_program)
{
	struct pc_hooks_conf c = { .queue_lo = 1, .queue_hi = 1 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256] = "";

	f->fail_call = 3; /* iptables -I INPUT, after restore and -C */
	f->fail_rc = -1;
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "iptables: cannot add the jump from INPUT to PORTCULLIS-IN"));
	ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
	free(f);
}
END_TEST

START_TEST(down_goes_on_after_failure)
{
	struct pc_hooks_conf c = { .queue_lo = 1, .queue_hi = 1 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256] = "";

	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	f->calls = 0;
	f->fail_call = 1; /* iptables -S INPUT */
	f->fail_rc = 1;
	ck_assert_int_eq(pc_hooks_down(&r, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "iptables: cannot read the filter table (exit status 1)");
	/* ip6tables was still cleaned */
	ck_assert(!f->t[1].chain[0] && !f->t[1].chain[1]);
	ck_assert(f->t[0].chain[0] && f->t[0].chain[1]);
	free(f);
}
END_TEST

START_TEST(commands_are_exact)
{
	struct pc_hooks_conf c = { .queue_lo = 0, .queue_hi = 0 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	char err[256];

	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(f->log, "iptables-restore -w --noflush\n"
				 "iptables -w -C INPUT -j PORTCULLIS-IN\n"
				 "iptables -w -I INPUT 1 -j PORTCULLIS-IN\n"
				 "iptables -w -C OUTPUT -j PORTCULLIS-OUT\n"
				 "iptables -w -I OUTPUT 1 -j PORTCULLIS-OUT\n"
				 "iptables -w -S PORTCULLIS-FAST\n"
				 "ip6tables-restore -w --noflush\n"
				 "ip6tables -w -C INPUT -j PORTCULLIS-IN\n"
				 "ip6tables -w -I INPUT 1 -j PORTCULLIS-IN\n"
				 "ip6tables -w -C OUTPUT -j PORTCULLIS-OUT\n"
				 "ip6tables -w -I OUTPUT 1 -j PORTCULLIS-OUT\n"
				 "ip6tables -w -S PORTCULLIS-FAST\n");
	free(f);
}
END_TEST

START_TEST(text_stateful)
{
	struct pc_hooks_conf c = { .queue_lo = 0, .queue_hi = 0, .stateful = true,
				   .mark_mask = 0xff000000 };
	char buf[4096];

	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), 0);
	/* S = 0x01000000, K = 0x02000000, P = 0x04000000, G = 0xf8000000, the
	 * state codes in 0x38000000 */
	ck_assert_str_eq(buf,
		"*filter\n"
		":PORTCULLIS-IN - [0:0]\n"
		":PORTCULLIS-OUT - [0:0]\n"
		"-A PORTCULLIS-IN -i lo -j RETURN\n"
		"-A PORTCULLIS-IN -j PORTCULLIS-FAST\n"
		"-A PORTCULLIS-IN -m mark --mark 0x1000000/0x1000000 -j CONNMARK --save-mark "
		"--nfmask 0xfe000000 --ctmask 0xfe000000\n"
		"-A PORTCULLIS-IN -m mark --mark 0x5000000/0x5000000 -j ACCEPT\n"
		"-A PORTCULLIS-IN -m mark --mark 0x1000000/0x1000000 -j DROP\n"
		"-A PORTCULLIS-IN -j MARK --set-xmark 0x0/0xff000000\n"
		"-A PORTCULLIS-IN -m conntrack --ctstate NEW -j MARK --set-xmark 0x8000000/0xff000000\n"
		"-A PORTCULLIS-IN -m conntrack --ctstate INVALID -j MARK --set-xmark "
		"0x10000000/0xff000000\n"
		"-A PORTCULLIS-IN -m conntrack --ctstate ESTABLISHED,RELATED --ctdir ORIGINAL "
		"-j MARK --set-xmark 0x18000000/0xff000000\n"
		"-A PORTCULLIS-IN -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY "
		"-j MARK --set-xmark 0x20000000/0xff000000\n"
		"-A PORTCULLIS-IN -m conntrack --ctstate ESTABLISHED,RELATED -j CONNMARK "
		"--restore-mark --nfmask 0x6000000 --ctmask 0x6000000\n"
		"-A PORTCULLIS-IN -j NFQUEUE --queue-num 0\n"
		"-A PORTCULLIS-OUT -o lo -j RETURN\n"
		"-A PORTCULLIS-OUT -j PORTCULLIS-FAST\n"
		"-A PORTCULLIS-OUT -m mark --mark 0x1000000/0x1000000 -j CONNMARK --save-mark "
		"--nfmask 0xfe000000 --ctmask 0xfe000000\n"
		"-A PORTCULLIS-OUT -m mark --mark 0x5000000/0x5000000 -j ACCEPT\n"
		"-A PORTCULLIS-OUT -m mark --mark 0x1000000/0x1000000 -j DROP\n"
		"-A PORTCULLIS-OUT -j MARK --set-xmark 0x0/0xff000000\n"
		"-A PORTCULLIS-OUT -m conntrack --ctstate NEW -j MARK --set-xmark 0x8000000/0xff000000\n"
		"-A PORTCULLIS-OUT -m conntrack --ctstate INVALID -j MARK --set-xmark "
		"0x10000000/0xff000000\n"
		"-A PORTCULLIS-OUT -m conntrack --ctstate ESTABLISHED,RELATED --ctdir ORIGINAL "
		"-j MARK --set-xmark 0x18000000/0xff000000\n"
		"-A PORTCULLIS-OUT -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY "
		"-j MARK --set-xmark 0x20000000/0xff000000\n"
		"-A PORTCULLIS-OUT -m conntrack --ctstate ESTABLISHED,RELATED -j CONNMARK "
		"--restore-mark --nfmask 0x6000000 --ctmask 0x6000000\n"
		"-A PORTCULLIS-OUT -j NFQUEUE --queue-num 0\n"
		"COMMIT\n");
	c.mark_mask = 0x1f; /* five bits are too few */
	errno = 0;
	ck_assert_int_eq(pc_hooks_restore_text(&c, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(text_fast)
{
	char buf[512];

	ck_assert_int_eq(pc_hooks_fast_text(0xff000000, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "*filter\n:PORTCULLIS-FAST - [0:0]\nCOMMIT\n");
	ck_assert_int_eq(pc_hooks_fast_text(0xff000000, 5, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "*filter\n:PORTCULLIS-FAST - [0:0]\n"
			      "-A PORTCULLIS-FAST -m connmark --mark 0x2e000000/0xfe000000 -j ACCEPT\n"
			      "-A PORTCULLIS-FAST -m connmark --mark 0x2a000000/0xfe000000 -j DROP\n"
			      "COMMIT\n");
	/* a scattered mask: S 0x1, K 0x4, P 0x10, G 0x40 0x100 0x400 0x1000 */
	ck_assert_int_eq(pc_hooks_fast_text(0x1555, 15, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "--mark 0x1554/0x1554 -j ACCEPT"));
	ck_assert_ptr_nonnull(strstr(buf, "--mark 0x1544/0x1554 -j DROP"));
	errno = 0;
	ck_assert_int_eq(pc_hooks_fast_text(0x1555, 16, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pc_hooks_fast_text(0xff000000, 5, buf, 40), -1);
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(stateful_up_keeps_fast_path)
{
	struct pc_hooks_conf c = { .queue_lo = 0, .queue_hi = 0, .stateful = true,
				   .mark_mask = 0xff000000 };
	struct fake *f = fake_new();
	struct pc_hooks_runner r = { fake_run, f };
	uint32_t gen[2];
	char err[256] = "";

	ck_assert_int_eq(pc_hooks_fast_get(c.mark_mask, &r, gen, err, sizeof(err)), 0);
	ck_assert_uint_eq(gen[0], 0);
	ck_assert_uint_eq(gen[1], 0);
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	assert_installed(f, "-j PORTCULLIS-FAST\n");
	ck_assert(f->t[0].chain[2] && f->t[1].chain[2]);
	ck_assert_int_eq(pc_hooks_fast_set(c.mark_mask, 7, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(pc_hooks_fast_get(c.mark_mask, &r, gen, err, sizeof(err)), 0);
	ck_assert_uint_eq(gen[0], 7);
	ck_assert_uint_eq(gen[1], 7);
	/* up again (a restart): the fast path keeps generation 7 */
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(pc_hooks_fast_get(c.mark_mask, &r, gen, err, sizeof(err)), 0);
	ck_assert_uint_eq(gen[0], 7);
	/* a stateless up removes it, down removes everything */
	c.stateful = false;
	ck_assert_int_eq(pc_hooks_up(&c, &r, err, sizeof(err)), 0);
	ck_assert(!f->t[0].chain[2] && !f->t[1].chain[2]);
	c.stateful = true;
	ck_assert_msg(pc_hooks_up(&c, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(pc_hooks_down(&r, err, sizeof(err)), 0);
	assert_removed(f);
	ck_assert_str_eq(err, "");
	free(f);
}
END_TEST

static Suite *hooks_suite(void)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, text_single_queue);
	tcase_add_test(tc, text_balance_bypass_fanout);
	tcase_add_test(tc, text_errors);
	tcase_add_test(tc, up_twice_is_once);
	tcase_add_test(tc, down_removes_all_and_absent_is_fine);
	tcase_add_test(tc, up_stops_at_failure);
	tcase_add_test(tc, up_reports_unrunnable_program);
	tcase_add_test(tc, down_goes_on_after_failure);
	tcase_add_test(tc, commands_are_exact);
	tcase_add_test(tc, text_stateful);
	tcase_add_test(tc, text_fast);
	tcase_add_test(tc, stateful_up_keeps_fast_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(hooks_suite());
}
