/* test_lockout.c - the lockout guard: SSH_CONNECTION, the analysis against
 * a brute force over the remote addresses, the conntrack reader */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "helper_policy.h"
#include "index.h"
#include "lockout.h"
#include "match.h"
#include "policy.h"

START_TEST(test_session_parse)
{
	struct pc_ssh_session s;
	static const char *const bad[] = {
		"", "garbage", "203.0.113.7 51000 198.51.100.2", "203.0.113.7 51000 198.51.100.2 22 x",
		"203.0.113.7 0 198.51.100.2 22", "203.0.113.7 51000 198.51.100.2 70000",
		"203.0.113.7 51000 2001:db8::1 22", "203.0.113.999 51000 198.51.100.2 22",
	};

	ck_assert_int_eq(pc_ssh_session_parse("203.0.113.7 51000 198.51.100.2 22", &s), 0);
	ck_assert_uint_eq(s.family, PC_FAM_V4);
	ck_assert_uint_eq(s.cport, 51000);
	ck_assert_uint_eq(s.sport, 22);
	ck_assert_uint_eq(s.client[0], 203);
	ck_assert_uint_eq(s.server[3], 2);
	ck_assert_int_eq(pc_ssh_session_parse("2001:db8::7 40000 2001:db8::1 2222\n", &s), 0);
	ck_assert_uint_eq(s.family, PC_FAM_V6);
	ck_assert_uint_eq(s.sport, 2222);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pc_ssh_session_parse(bad[i], &s) < 0, "'%s' parsed", bad[i]);
	ck_assert_int_eq(pc_ssh_session_parse(NULL, &s), -1);
}
END_TEST

static struct pc_diag *diag_of(const char *text, bool strict)
{
	struct pc_policy *p = pc_test_load(text, "t.conf");
	struct pc_index *ix = pc_index_new(p);
	struct pc_diag *d = pc_diag_new();

	ck_assert_ptr_nonnull(ix);
	ck_assert_int_eq(pc_lockout_diag(p, ix, NULL, strict, d), 0);
	pc_index_free(ix);
	pc_policy_free(p);
	return d;
}

START_TEST(test_empty)
{
	struct pc_diag *d = diag_of("[portcullis]\ndefault = deny\n", true);
	enum pc_diag_level lvl;

	ck_assert_uint_eq(pc_diag_errors(d), 1);
	ck_assert_str_eq(pc_diag_text(d, 0, &lvl), "t.conf: no rule is enabled and default = deny: "
			 "every packet is dropped (allow-empty = yes if that is meant)");
	pc_diag_free(d);
	d = diag_of("[portcullis]\ndefault = deny\n", false);
	ck_assert_uint_eq(pc_diag_errors(d), 0);
	ck_assert_uint_eq(pc_diag_count(d), 1);
	pc_diag_free(d);
	d = diag_of("[portcullis]\nallow-empty = yes\n", true);
	ck_assert_uint_eq(pc_diag_errors(d), 0);
	ck_assert_uint_eq(pc_diag_count(d), 1);
	pc_diag_free(d);
	d = diag_of("[portcullis]\ndefault = permit\n", true);
	ck_assert_uint_eq(pc_diag_count(d), 0);
	pc_diag_free(d);
}
END_TEST

/* ---- the analysis against a brute force ---- */

/* Random rules whose remote prefixes all lie in 10.0.0.0/24 (or are any):
 * every address outside it is decided as 0.0.0.0 is, so trying the 256
 * inside and 0.0.0.0 tries them all. */
static struct pc_policy *random_policy(uint64_t *rng, uint16_t port)
{
	static const struct pc_portrange ports[] = { { 0, 65535 }, { 22, 22 }, { 20, 30 },
						     { 80, 80 }, { 2222, 2222 } };
	struct pc_policy *p = pc_policy_new();
	size_t n = 1 + pc_test_xorshift(rng) % 8;
	char name[24];

	(void)port;
	ck_assert_ptr_nonnull(p);
	pc_policy_settings_mut(p)->dflt = pc_test_xorshift(rng) % 4 ? PC_DENY : PC_PERMIT;
	for (size_t i = 0; i < n; i++) {
		struct pc_prefix rem[2], loc = { .family = PC_FAM_ANY };
		struct pc_portrange lp = ports[pc_test_xorshift(rng) % 5], any = { 0, 65535 };
		struct pc_icmpspec icmp = { -1, -1 };
		size_t nrem = 1 + pc_test_xorshift(rng) % 2;
		static const int protos[] = { PC_PROTO_ANY, 6, 17 };

		for (size_t k = 0; k < nrem; k++) {
			uint8_t plen = (uint8_t)(24 + pc_test_xorshift(rng) % 9);
			rem[k] = (struct pc_prefix){ .family = PC_FAM_V4, .plen = plen,
						     .addr = { 10, 0, 0, (uint8_t)pc_test_xorshift(rng) } };
			pc_addr_mask(rem[k].addr, plen);
		}
		if (pc_test_xorshift(rng) % 3 == 0) {
			rem[0] = (struct pc_prefix){ .family = PC_FAM_ANY };
			nrem = 1;
		}
		snprintf(name, sizeof(name), "r%zu", i);
		struct pc_rule r = {
			.name = name, .enabled = pc_test_xorshift(rng) % 5 != 0,
			.action = pc_test_xorshift(rng) % 2 ? PC_PERMIT : PC_DENY,
			.proto = protos[pc_test_xorshift(rng) % 3],
			.dir = (enum pc_dir)(1 + pc_test_xorshift(rng) % 3),
			.remote = rem, .n_remote = nrem, .local = &loc, .n_local = 1,
			.lport = &lp, .n_lport = 1, .rport = &any, .n_rport = 1,
			.icmp = &icmp, .n_icmp = 1,
		};
		if (r.proto != 6 && r.proto != 17)
			r.lport = &any;
		ck_assert_int_eq(pc_policy_add(p, &r), 0);
	}
	return p;
}

START_TEST(test_random_against_brute_force)
{
	uint64_t rng = 0x1234567 + (uint64_t)_i;

	for (int round = 0; round < 2000; round++) {
		struct pc_policy *p = random_policy(&rng, 22);
		struct pc_index *ix = pc_index_new(p);
		struct pc_lockout lo;
		size_t nrules;
		const struct pc_rule *rules = pc_policy_rules(p, &nrules);
		bool admitted = false, *seen = calloc(nrules + 1, 1);
		size_t distinct = 0;

		ck_assert_ptr_nonnull(ix);
		ck_assert_int_eq(pc_lockout_analyse(p, ix, NULL, &lo), 0);
		for (int a = -1; a < 256; a++) {
			struct pc_pkt pkt = { .family = PC_FAM_V4, .proto = 6, .dir = PC_DIR_IN,
					      .flags = PC_PKT_PORTS, .sport = PC_SSH_SPORT, .dport = 22 };
			if (a >= 0) {
				pkt.src[0] = 10;
				pkt.src[3] = (uint8_t)a;
			}
			long r = pc_linear_lookup(p, &pkt);
			bool ok = r < 0 ? pc_policy_settings(p)->dflt == PC_PERMIT
					: rules[r].action == PC_PERMIT;
			admitted |= ok;
			if (ok && r >= 0 && !seen[r]) {
				seen[r] = true;
				distinct++;
			}
		}
		/* IPv6: only "any" rules reach it; :: stands for every address */
		struct pc_pkt six = { .family = PC_FAM_V6, .proto = 6, .dir = PC_DIR_IN,
				      .flags = PC_PKT_PORTS, .sport = PC_SSH_SPORT, .dport = 22 };
		long r6 = pc_linear_lookup(p, &six);
		bool ok6 = r6 < 0 ? pc_policy_settings(p)->dflt == PC_PERMIT
				  : rules[r6].action == PC_PERMIT;
		admitted |= ok6;
		if (ok6 && r6 >= 0 && !seen[r6])
			distinct++;
		ck_assert_msg(lo.admitted == admitted, "round %d: analysis says %d, brute force %d",
			      round, lo.admitted, admitted);
		ck_assert_msg(lo.n_admit == distinct, "round %d: %zu admitting rules, brute force %zu",
			      round, lo.n_admit, distinct);
		free(seen);
		pc_index_free(ix);
		pc_policy_free(p);
	}
}
END_TEST

/* ---- conntrack ---- */

struct seen_conns {
	char text[8][128];
	size_t n;
};

static int collect(void *ctx, const struct pc_pkt *pkt)
{
	struct seen_conns *s = ctx;
	char a[PC_ADDR_STRLEN], b[PC_ADDR_STRLEN];

	ck_assert_uint_lt(s->n, 8);
	ck_assert_uint_eq(pkt->dir, PC_DIR_IN);
	ck_assert_uint_eq(pkt->proto, 6);
	snprintf(s->text[s->n++], 128, "%s %u %s %u",
		 pc_addr_format(pkt->family, pkt->src, a, sizeof(a)), pkt->sport,
		 pc_addr_format(pkt->family, pkt->dst, b, sizeof(b)), pkt->dport);
	return 0;
}

START_TEST(test_conntrack_lines)
{
	static const char table[] =
		"ipv4     2 tcp      6 431999 ESTABLISHED src=203.0.113.7 dst=198.51.100.2 sport=51000 "
		"dport=22 src=198.51.100.2 dst=203.0.113.7 sport=22 dport=51000 [ASSURED] mark=0 "
		"zone=0 use=2\n"
		"ipv4     2 tcp      6 431999 ESTABLISHED src=203.0.113.7 dst=198.51.100.2 sport=51001 "
		"dport=80 src=198.51.100.2 dst=203.0.113.7 sport=80 dport=51001 [ASSURED] mark=0 use=2\n"
		"ipv4     2 tcp      6 117 TIME_WAIT src=203.0.113.8 dst=198.51.100.2 sport=51002 "
		"dport=22 src=198.51.100.2 dst=203.0.113.8 sport=22 dport=51002 [ASSURED] mark=0 use=1\n"
		"ipv6     10 tcp      6 431999 ESTABLISHED src=2001:db8::7 dst=2001:db8::1 sport=40000 "
		"dport=22 src=2001:db8::1 dst=2001:db8::7 sport=22 dport=40000 [ASSURED] mark=0 use=2\n"
		"ipv4     2 udp      17 29 src=203.0.113.7 dst=198.51.100.2 sport=22 dport=22 "
		"src=198.51.100.2 dst=203.0.113.7 sport=22 dport=22 mark=0 use=2\n"
		"garbage\n\n"
		"ipv4     2 tcp      6 300 ESTABLISHED src=203.0.113.9 dst=198.51.100.2 sport=99999 "
		"dport=22\n";
	FILE *f = fmemopen((void *)(uintptr_t)table, sizeof(table) - 1, "r");
	struct seen_conns s = { 0 };

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pc_lockout_live(f, 22, collect, &s), 0);
	fclose(f);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.text[0], "203.0.113.7 51000 198.51.100.2 22");
	ck_assert_str_eq(s.text[1], "2001:db8::7 40000 2001:db8::1 22");
}
END_TEST

static Suite *lockout_suite(void)
{
	Suite *s = suite_create("lockout");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_session_parse);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_conntrack_lines);
	tcase_add_loop_test(tc, test_random_against_brute_force, 0, 4);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(lockout_suite());
}
