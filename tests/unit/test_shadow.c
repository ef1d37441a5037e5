/* test_shadow.c - warnings about enabled rules that can never decide a packet */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_fixture.h"
#include "helper_policy.h"
#include "match.h"
#include "policy.h"
#include "shadow.h"

#define RULES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_RULES ((const char *const[]){ NULL })

/* Runs the check; every entry it adds is a warning, one per counted rule. */
static struct pc_diag *run(const struct pc_policy *p)
{
	struct pc_diag *d = pc_diag_new();

	ck_assert_ptr_nonnull(d);
	long n = pc_shadow_check(p, d);
	ck_assert_int_ge(n, 0);
	ck_assert_uint_eq((size_t)n, pc_diag_count(d));
	ck_assert_uint_eq(pc_diag_errors(d), 0);
	return d;
}

/* The warning about rule name, or NULL. */
static const char *warning(const struct pc_diag *d, const char *name)
{
	char key[160];
	enum pc_diag_level lvl;
	const char *t;

	snprintf(key, sizeof(key), "rule '%s' never decides a packet: ", name);
	for (size_t i = 0; (t = pc_diag_text(d, i, &lvl)); i++) {
		if (strstr(t, key)) {
			ck_assert_int_eq(lvl, PC_DIAG_WARNING);
			return t;
		}
	}
	return NULL;
}

/* Exactly the rules in dead are warned about; returns the diag (to free). */
static struct pc_diag *expect_p(const struct pc_policy *p, const char *const *dead)
{
	struct pc_diag *d = run(p);
	size_t n = 0;

	for (; dead[n]; n++)
		ck_assert_msg(warning(d, dead[n]), "no warning about '%s'", dead[n]);
	if (pc_diag_count(d) != n)
		pc_diag_print(d, stderr);
	ck_assert_uint_eq(pc_diag_count(d), n);
	return d;
}

static void expect(const char *ini, const char *const *dead)
{
	struct pc_policy *p = pc_test_load(ini, "t.conf");

	pc_diag_free(expect_p(p, dead));
	pc_policy_free(p);
}

/* The one warning of ini, which must be exactly "PATH:line: warning: msg". */
static void expect_text(const char *ini, int line, const char *msg)
{
	struct pc_policy *p = pc_test_load(ini, "t.conf");
	struct pc_diag *d = run(p);
	char want[1024];

	snprintf(want, sizeof(want), "%s:%d: warning: %s", pc_policy_path(p), line, msg);
	ck_assert_uint_eq(pc_diag_count(d), 1);
	ck_assert_str_eq(pc_diag_text(d, 0, NULL), want);
	pc_diag_free(d);
	pc_policy_free(p);
}

/* ---- ties ---- */

START_TEST(test_tie_deny_beats_permit)
{
	const char *ini = "[p]\naction = permit\nprotocol = tcp\nlocal-port = 22\n"
			  "[d]\naction = deny\nprotocol = tcp\nlocal-port = 22\n";

	expect_text(ini, 1, "rule 'p' never decides a packet: rule 'd' covers all "
			 "it matches (equally specific; deny beats permit)");
}
END_TEST

START_TEST(test_tie_later_permit_dead)
{
	/* The earlier deny is alive; the later identical permit is dead. */
	expect("[d]\naction = deny\nremote-address = 192.0.2.0/24\n"
	       "[p]\naction = permit\nremote-address = 192.0.2.0/24\n",
	       RULES("p"));
}
END_TEST

START_TEST(test_tie_defined_first)
{
	const char *ini = "[a]\naction = permit\nprotocol = udp\nremote-port = 53\n"
			  "[b]\naction = permit\nprotocol = udp\nremote-port = 53\n";

	expect(ini, RULES("b"));
	expect_text(ini, 5, "rule 'b' never decides a packet: rule 'a' covers all "
			 "it matches (equally specific and defined first)");
}
END_TEST

START_TEST(test_tie_disabled_or_different)
{
	/* A disabled twin decides nothing; a disabled rule is never warned about. */
	expect("[a]\nenabled = no\naction = deny\nprotocol = tcp\n"
	       "[b]\naction = permit\nprotocol = tcp\n"
	       "[c]\nenabled = no\naction = permit\nprotocol = tcp\n",
	       NO_RULES);
	/* Equal specificity, different direction or port: both alive. */
	expect("[a]\naction = deny\nprotocol = tcp\ndirection = in\n"
	       "[b]\naction = permit\nprotocol = tcp\ndirection = out\n"
	       "[c]\naction = deny\nprotocol = tcp\nlocal-port = 80\n"
	       "[d]\naction = permit\nprotocol = tcp\nlocal-port = 81\n",
	       NO_RULES);
}
END_TEST

/* ---- unions along one field ---- */

START_TEST(test_remote_union)
{
	const char *ini = "[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
			  "[b]\naction = deny\nremote-address = 10.128.0.0/9\nprotocol = tcp\n"
			  "[c]\naction = deny\nremote-address = 10.0.0.0/8\nprotocol = tcp\n";

	expect_text(ini, 8, "rule 'c' never decides a packet: the union of rules "
			 "'a' and 'b' covers all it matches (more specific remote-address)");
}
END_TEST

START_TEST(test_remote_union_not)
{
	/* One half admits less than c in a less significant field. */
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
	       "[b]\naction = deny\nremote-address = 10.128.0.0/9\nprotocol = udp\n"
	       "[c]\naction = deny\nremote-address = 10.0.0.0/8\nprotocol = tcp\n",
	       NO_RULES);
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
	       "[b]\naction = deny\nremote-address = 10.128.0.0/9\nprotocol = tcp\n"
	       "local-port = 80\n"
	       "[c]\naction = deny\nremote-address = 10.0.0.0/8\nprotocol = tcp\n",
	       NO_RULES);
	/* One half disabled. */
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
	       "[b]\nenabled = no\naction = deny\nremote-address = 10.128.0.0/9\n"
	       "[c]\naction = deny\nremote-address = 10.0.0.0/8\nprotocol = tcp\n",
	       NO_RULES);
	/* A gap of one address. */
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
	       "[b]\naction = deny\nremote-address = 10.128.0.0/10, 10.192.0.0/11, "
	       "10.224.0.0/12, 10.240.0.0/13\n"
	       "[c]\naction = deny\nremote-address = 10.248.0.0/14, 10.252.0.0/15, "
	       "10.254.0.0/16, 10.255.0.0/17\n"
	       "[d]\naction = deny\nremote-address = 10.255.128.0/18, 10.255.192.0/19, "
	       "10.255.224.0/20, 10.255.240.0/21, 10.255.248.0/22, 10.255.252.0/23\n"
	       "[e]\naction = deny\nremote-address = 10.255.254.0/24, 10.255.255.0/25, "
	       "10.255.255.128/26, 10.255.255.192/27, 10.255.255.224/28, 10.255.255.240/29\n"
	       "[f]\naction = deny\nremote-address = 10.255.255.248/30, 10.255.255.252/31, "
	       "10.255.255.254\n"
	       "[w]\naction = permit\nremote-address = 10.0.0.0/8\n",
	       NO_RULES);
	/* ... and the same closed. */
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
	       "[b]\naction = deny\nremote-address = 10.128.0.0/10, 10.192.0.0/11, "
	       "10.224.0.0/12, 10.240.0.0/13\n"
	       "[c]\naction = deny\nremote-address = 10.248.0.0/14, 10.252.0.0/15, "
	       "10.254.0.0/16, 10.255.0.0/17\n"
	       "[d]\naction = deny\nremote-address = 10.255.128.0/18, 10.255.192.0/19, "
	       "10.255.224.0/20, 10.255.240.0/21, 10.255.248.0/22, 10.255.252.0/23\n"
	       "[e]\naction = deny\nremote-address = 10.255.254.0/24, 10.255.255.0/25, "
	       "10.255.255.128/26, 10.255.255.192/27, 10.255.255.224/28, 10.255.255.240/29\n"
	       "[f]\naction = deny\nremote-address = 10.255.255.248/30, 10.255.255.252/31, "
	       "10.255.255.254, 10.255.255.255\n"
	       "[w]\naction = permit\nremote-address = 10.0.0.0/8\n",
	       RULES("w"));
}
END_TEST

START_TEST(test_remote_any_both_families)
{
	const char *halves = "[a]\naction = deny\nremote-address = 0.0.0.0/1, 128.0.0.0/1\n"
			     "[b]\naction = deny\nremote-address = ::/1\n";

	char ini[512];
	/* "any" needs both families covered by prefixes longer than /0. */
	snprintf(ini, sizeof(ini), "%s[c]\naction = deny\nremote-address = 8000::/1\n"
		 "[x]\naction = permit\nprotocol = tcp\n", halves);
	expect(ini, RULES("x"));
	snprintf(ini, sizeof(ini), "%s[x]\naction = permit\nprotocol = tcp\n", halves);
	expect(ini, NO_RULES);
	/* 0.0.0.0/0 is as specific as any: no cover along remote-address. */
	expect("[a]\naction = deny\nremote-address = 0.0.0.0/0, ::/0\n"
	       "[x]\naction = permit\nprotocol = tcp\n",
	       NO_RULES);
}
END_TEST

START_TEST(test_local_union)
{
	expect("[a]\naction = permit\nremote-address = 198.51.100.0/24\n"
	       "local-address = 192.0.2.0/25\n"
	       "[b]\naction = permit\nremote-address = 198.51.100.0/24\n"
	       "local-address = 192.0.2.128/25\n"
	       "[c]\naction = deny\nremote-address = 198.51.100.0/24\n"
	       "local-address = 192.0.2.0/24\nprotocol = udp\n",
	       RULES("c"));
	/* Local halves under a different remote do not count. */
	expect("[a]\naction = permit\nremote-address = 198.51.100.0/25\n"
	       "local-address = 192.0.2.0/25\n"
	       "[b]\naction = permit\nremote-address = 198.51.100.0/24\n"
	       "local-address = 192.0.2.128/25\n"
	       "[c]\naction = deny\nremote-address = 198.51.100.0/24\n"
	       "local-address = 192.0.2.0/24\n",
	       NO_RULES);
}
END_TEST

START_TEST(test_port_union)
{
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 137\n"
	       "[b]\naction = permit\nprotocol = tcp\nlocal-port = 138\n"
	       "[c]\naction = permit\nprotocol = tcp\nlocal-port = 139\n"
	       "[nb]\naction = deny\nprotocol = tcp\nlocal-port = 137-139\n",
	       RULES("nb"));
	expect("[a]\naction = permit\nprotocol = udp\nremote-port = 137,138,139\n"
	       "[nb]\naction = deny\nprotocol = udp\nremote-port = 137-139\n",
	       RULES("nb"));
	/* Overlapping narrower ranges. */
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 1000-1999\n"
	       "[b]\naction = permit\nprotocol = tcp\nlocal-port = 1500-2600\n"
	       "[w]\naction = deny\nprotocol = tcp\nlocal-port = 1200-2500\n",
	       RULES("w"));
}
END_TEST

START_TEST(test_port_union_not)
{
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 137\n"
	       "[b]\naction = permit\nprotocol = tcp\nlocal-port = 139\n"
	       "[nb]\naction = deny\nprotocol = tcp\nlocal-port = 137-139\n",
	       NO_RULES);
	/* Only partly covered. */
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 100-150\n"
	       "[b]\naction = deny\nprotocol = tcp\nlocal-port = 100-200\n",
	       NO_RULES);
	/* The narrower rule admits less in a less significant field. */
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 137,138,139\n"
	       "remote-port = 1024-65535\n"
	       "[nb]\naction = deny\nprotocol = tcp\nlocal-port = 137-139\n",
	       NO_RULES);
	/* 0-65535 also admits non-first fragments: narrower ranges never cover it. */
	expect("[a]\naction = permit\nprotocol = tcp\nlocal-port = 0-32767\n"
	       "[b]\naction = permit\nprotocol = tcp\nlocal-port = 32768-65535\n"
	       "[t]\naction = deny\nprotocol = tcp\n",
	       NO_RULES);
}
END_TEST

START_TEST(test_direction_union)
{
	expect("[i]\naction = permit\nprotocol = tcp\nlocal-port = 22\ndirection = in\n"
	       "[o]\naction = permit\nprotocol = tcp\nlocal-port = 22\ndirection = out\n"
	       "[b]\naction = deny\nprotocol = tcp\nlocal-port = 22\n",
	       RULES("b"));
	expect("[i]\naction = permit\nprotocol = tcp\nlocal-port = 22\ndirection = in\n"
	       "[b]\naction = deny\nprotocol = tcp\nlocal-port = 22\n",
	       NO_RULES);
}
END_TEST

/* Appends printf output to buf (of len) at *used. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	ck_assert_uint_lt(*used + (size_t)n, len);
	*used += (size_t)n;
}

/* Rules permitting icmp type 3 with codes 0..ncodes-1, 16 per rule, and a deny of type 3. */
static char *icmp_codes_ini(unsigned ncodes)
{
	size_t len = 65536, used = 0;
	char *ini = malloc(len);

	ck_assert_ptr_nonnull(ini);
	append(ini, len, &used, "[u]\naction = deny\nprotocol = icmp\nicmp-type = 3\n");
	for (unsigned c = 0; c < ncodes; c++) {
		if (c % 16 == 0)
			append(ini, len, &used,
			       "[c%u]\naction = permit\nprotocol = icmp\nicmp-type = ", c / 16);
		append(ini, len, &used, "3/%u%s", c, c % 16 == 15 || c + 1 == ncodes ? "\n" : ",");
	}
	return ini;
}

START_TEST(test_icmp_codes)
{
	char *ini = icmp_codes_ini(256);

	expect(ini, RULES("u"));
	free(ini);
	ini = icmp_codes_ini(255);
	expect(ini, NO_RULES);
	free(ini);
	/* icmp-type any also admits fragments: types never cover it. */
	expect("[a]\naction = permit\nprotocol = icmp\nicmp-type = 3\n"
	       "[t]\naction = deny\nprotocol = icmp\n",
	       NO_RULES);
}
END_TEST

/* A rule on 10.0.0.0/8 of every protocol 0..nproto-1, and a deny of any protocol there. */
static char *protocols_ini(unsigned nproto)
{
	size_t len = 65536, used = 0;
	char *ini = malloc(len);

	ck_assert_ptr_nonnull(ini);
	append(ini, len, &used, "[x]\naction = deny\nremote-address = 10.0.0.0/8\n");
	for (unsigned n = 0; n < nproto; n++)
		append(ini, len, &used, "[p%u]\naction = permit\nremote-address = 10.0.0.0/8\n"
		       "protocol = %u\n", n, n);
	return ini;
}

START_TEST(test_protocol_any)
{
	char *ini = protocols_ini(256);

	expect(ini, RULES("x"));
	free(ini);
	ini = protocols_ini(255);
	expect(ini, NO_RULES);
	free(ini);
}
END_TEST

/* ---- cases that must stay alive ---- */

START_TEST(test_service_inside_subnet_deny)
{
	expect("[net]\naction = deny\nremote-address = 203.0.113.0/24\n"
	       "[ssh]\naction = permit\nremote-address = 203.0.113.0/24\nprotocol = tcp\n"
	       "local-port = 22\n"
	       "[host]\naction = permit\nremote-address = 203.0.113.7\n"
	       "[Deny TCP]\naction = deny\nprotocol = tcp\n"
	       "[HTTP]\naction = permit\nprotocol = tcp\nlocal-port = 80\n",
	       NO_RULES);
}
END_TEST

START_TEST(test_more_specific_does_not_cover)
{
	/* A more specific rule covering only part: the wide one still decides the rest. */
	expect("[a]\naction = deny\nremote-address = 10.0.0.0/9\nprotocol = tcp\n"
	       "[b]\naction = deny\nremote-address = 10.128.0.0/9\nprotocol = tcp\n"
	       "[w]\naction = permit\nremote-address = 10.0.0.0/8\n",
	       NO_RULES);
	/* Family: an IPv4 prefix never covers IPv6 packets. */
	expect("[a]\naction = deny\nremote-address = 0.0.0.0/1, 128.0.0.0/1\n"
	       "[w]\naction = permit\nprotocol = tcp\n",
	       NO_RULES);
	expect("", NO_RULES);
}
END_TEST

START_TEST(test_own_list_elements)
{
	/* w's 10.0.0.0/9 element covers half its /8 (nothing else does);
	 * a, b and c cover the rest. */
	struct pc_policy *p = pc_test_load(
		"[w]\naction = permit\nremote-address = 10.0.0.0/8, 10.0.0.0/9\nprotocol = tcp\n"
		"local-port = 1-2\n"
		"[a]\naction = deny\nremote-address = 10.128.0.0/9\n"
		"[b]\naction = deny\nremote-address = 10.0.0.0/9\nprotocol = tcp\nlocal-port = 1\n"
		"[c]\naction = deny\nremote-address = 10.0.0.0/9\nprotocol = tcp\n"
		"local-port = 2\n", "t.conf");
	struct pc_diag *d = expect_p(p, RULES("w"));
	const char *t = warning(d, "w");

	ck_assert_ptr_nonnull(strstr(t, "'a'"));
	ck_assert_ptr_nonnull(strstr(t, "'b'"));
	ck_assert_ptr_nonnull(strstr(t, "'c'"));
	ck_assert_ptr_null(strstr(t, "'w' covers"));
	pc_diag_free(d);
	pc_policy_free(p);
	/* Without c the /9 element decides port 2. */
	expect("[w]\naction = permit\nremote-address = 10.0.0.0/8, 10.0.0.0/9\nprotocol = tcp\n"
	       "local-port = 1-2\n"
	       "[a]\naction = deny\nremote-address = 10.128.0.0/9\n"
	       "[b]\naction = deny\nremote-address = 10.0.0.0/9\nprotocol = tcp\nlocal-port = 1\n",
	       NO_RULES);
}
END_TEST

START_TEST(test_message_names)
{
	size_t len = 4096, used = 0;
	char *ini = malloc(len);

	ck_assert_ptr_nonnull(ini);
	for (unsigned i = 0; i < 8; i++)
		append(ini, len, &used, "[n%u]\naction = deny\nremote-address = 10.%u.0.0/11\n", i,
		       i * 32);
	append(ini, len, &used, "[all]\naction = deny\nremote-address = 10.0.0.0/8\n");
	expect_text(ini, 25, "rule 'all' never decides a packet: the union of "
			 "rules 'n0', 'n1', 'n2' and 5 more covers all it matches (more specific "
			 "remote-address)");
	free(ini);
	expect_text("[a]\naction = deny\nremote-address = 10.0.0.0/9\n"
		    "[b]\naction = deny\nremote-address = 10.128.0.0/10\n"
		    "[c]\naction = deny\nremote-address = 10.192.0.0/10\n"
		    "[all]\naction = deny\nremote-address = 10.0.0.0/8\n",
		    10, "rule 'all' never decides a packet: the union of rules "
		    "'a', 'b' and 'c' covers all it matches (more specific remote-address)");
}
END_TEST

START_TEST(test_bad_args)
{
	struct pc_diag *d = pc_diag_new();

	errno = 0;
	ck_assert_int_eq(pc_shadow_check(NULL, d), -1);
	ck_assert_int_eq(errno, EINVAL);
	pc_diag_free(d);
}
END_TEST

/* ---- large policies ---- */

static void add_rule(struct pc_policy *p, const char *name, enum pc_action act, int proto,
		     const char *remote, const char *local, unsigned lport)
{
	struct pc_prefix rp, lp;
	struct pc_portrange any = { 0, 65535 }, lr = { (uint16_t)lport, (uint16_t)lport };
	struct pc_icmpspec ia = { PC_ICMP_ANY, PC_ICMP_ANY };
	char err[128], nm[64];
	struct pc_rule r = {
		.name = nm, .enabled = true, .action = act, .proto = proto,
		.dir = PC_DIR_BOTH, .remote = &rp, .n_remote = 1, .local = &lp, .n_local = 1,
		.lport = lport ? &lr : &any, .n_lport = 1, .rport = &any, .n_rport = 1,
		.icmp = &ia, .n_icmp = 1,
	};

	snprintf(nm, sizeof(nm), "%s", name);
	ck_assert_int_eq(pc_prefix_parse(remote, &rp, err, sizeof(err)), 0);
	ck_assert_int_eq(pc_prefix_parse(local, &lp, err, sizeof(err)), 0);
	ck_assert_int_eq(pc_policy_add(p, &r), 0);
}

START_TEST(test_blocklist_100k)
{
	struct pc_policy *p = pc_policy_new();
	char name[32], addr[32];

	ck_assert_ptr_nonnull(p);
	/* 100,000 contiguous /24s from 10.0.0.0 to 11.134.159.0 */
	for (unsigned i = 0; i < 100000; i++) {
		uint32_t a = 0x0a000000u + (i << 8);
		snprintf(name, sizeof(name), "b%u", i);
		snprintf(addr, sizeof(addr), "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255);
		add_rule(p, name, PC_DENY, PC_PROTO_ANY, addr, "any", 0);
	}
	for (unsigned i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "svc%u", i);
		add_rule(p, name, PC_PERMIT, 6, "any", "198.51.100.2", 1000 + i);
	}
	add_rule(p, "dup", PC_DENY, PC_PROTO_ANY, "10.5.5.0/24", "any", 0);
	add_rule(p, "wide", PC_DENY, PC_PROTO_ANY, "10.0.0.0/8", "any", 0);
	add_rule(p, "ssh10", PC_PERMIT, 6, "10.0.0.0/8", "any", 22);
	add_rule(p, "ssh12", PC_PERMIT, 6, "12.0.0.0/8", "any", 22);
	add_rule(p, "part", PC_DENY, PC_PROTO_ANY, "11.0.0.0/8", "any", 0);
	add_rule(p, "host", PC_PERMIT, 17, "10.1.2.3", "any", 53);

	struct pc_diag *d = expect_p(p, RULES("dup", "wide", "ssh10"));
	ck_assert_ptr_nonnull(strstr(warning(d, "dup"), "rule 'b1285' covers"));
	ck_assert_ptr_nonnull(strstr(warning(d, "wide"), "'b0', 'b1', 'b2' and 65533 more"));
	pc_diag_free(d);
	pc_policy_free(p);
}
END_TEST

START_TEST(test_long_list_rule)
{
	struct pc_policy *p = pc_policy_new();
	struct pc_prefix *list = calloc(50000, sizeof(*list)), lp = { 0 };
	struct pc_portrange any = { 0, 65535 };
	struct pc_icmpspec ia = { PC_ICMP_ANY, PC_ICMP_ANY };
	char name[] = "list";
	struct pc_rule r = {
		.name = name, .enabled = true, .action = PC_DENY, .proto = PC_PROTO_ANY,
		.dir = PC_DIR_BOTH, .remote = list, .n_remote = 50000, .local = &lp, .n_local = 1,
		.lport = &any, .n_lport = 1, .rport = &any, .n_rport = 1, .icmp = &ia, .n_icmp = 1,
	};

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(list);
	for (uint32_t i = 0; i < 50000; i++) {
		uint32_t a = 0x0c000000u + (i << 8); /* 12.0.0.0/24 onwards */
		list[i].family = PC_FAM_V4;
		list[i].plen = 24;
		list[i].addr[0] = (uint8_t)(a >> 24);
		list[i].addr[1] = (uint8_t)(a >> 16);
		list[i].addr[2] = (uint8_t)(a >> 8);
	}
	add_rule(p, "inside", PC_PERMIT, PC_PROTO_ANY, "12.0.0.0/16", "any", 0);
	add_rule(p, "overlap", PC_PERMIT, PC_PROTO_ANY, "12.192.0.0/14", "any", 0);
	ck_assert_int_eq(pc_policy_add(p, &r), 0);
	free(list);

	struct pc_diag *d = expect_p(p, RULES("inside"));
	ck_assert_ptr_nonnull(strstr(warning(d, "inside"), "rule 'list' covers all it matches"));
	pc_diag_free(d);
	pc_policy_free(p);
}
END_TEST

/* ---- randomized soundness ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	return (uint32_t)(pc_test_xorshift(&rng_state) >> 16);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXLIST 4

/* Small universes with much nesting, so that covers are frequent. */
static const char *const u_prefix_text[] = {
	"any", "0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9",
	"10.0.0.0/10", "10.64.0.0/10", "10.128.0.0/10", "10.192.0.0/10", "10.0.0.1", "::/0", "::/1",
	"8000::/1", "2001:db8::/32", "2001:db8::/33", "2001:db8:8000::/33",
};
static struct pc_prefix u_prefix[NELEM(u_prefix_text)];
static const struct pc_portrange u_port[] = {
	{ 0, 65535 }, { 0, 32767 }, { 32768, 65535 }, { 0, 4 }, { 1, 4 }, { 1, 2 }, { 3, 4 },
	{ 0, 0 },     { 1, 1 },     { 2, 2 },         { 3, 3 }, { 4, 4 }, { 2, 3 },
};
static const int u_proto[] = { PC_PROTO_ANY, 6, 17, 1, 47 };
static const struct pc_icmpspec u_icmp[] = {
	{ PC_ICMP_ANY, PC_ICMP_ANY }, { 3, PC_ICMP_ANY }, { 3, 0 },
	{ 3, 1 },                     { 8, PC_ICMP_ANY }, { 8, 0 },
};

static bool port_in(const struct pc_portrange *o, const struct pc_portrange *i)
{
	return o->lo <= i->lo && o->hi >= i->hi;
}

static bool icmp_in(const struct pc_icmpspec *o, const struct pc_icmpspec *i)
{
	return o->type == PC_ICMP_ANY ||
	       (o->type == i->type && (o->code == PC_ICMP_ANY || o->code == i->code));
}

/* Mutation of one element: 0 keep, 1 a universe element inside it, 2 one containing it. */
static unsigned mutation(void)
{
	uint32_t x = below(10);
	return x < 6 ? 0 : x < 8 ? 1 : 2;
}

static struct pc_prefix mut_prefix(struct pc_prefix v)
{
	unsigned how = mutation();

	for (unsigned tries = 0; how && tries < 64; tries++) {
		const struct pc_prefix *u = &u_prefix[below(NELEM(u_prefix))];
		if (how == 1 ? pc_prefix_covers(&v, u) : pc_prefix_covers(u, &v))
			return *u;
	}
	return v;
}

static struct pc_portrange mut_port(struct pc_portrange v)
{
	unsigned how = mutation();

	for (unsigned tries = 0; how && tries < 64; tries++) {
		const struct pc_portrange *u = &u_port[below(NELEM(u_port))];
		if (how == 1 ? port_in(&v, u) : port_in(u, &v))
			return *u;
	}
	return v;
}

static struct pc_icmpspec mut_icmp(struct pc_icmpspec v)
{
	unsigned how = mutation();

	for (unsigned tries = 0; how && tries < 64; tries++) {
		const struct pc_icmpspec *u = &u_icmp[below(NELEM(u_icmp))];
		if (how == 1 ? icmp_in(&v, u) : icmp_in(u, &v))
			return *u;
	}
	return v;
}

/* Storage of one random rule. */
struct rrule {
	char name[16];
	struct pc_prefix remote[MAXLIST], local[MAXLIST];
	struct pc_portrange lport[MAXLIST], rport[MAXLIST];
	struct pc_icmpspec icmp[MAXLIST];
	struct pc_rule r;
};

/* Sometimes appends a random element, sometimes drops the last. */
static size_t mut_len(size_t n)
{
	uint32_t x = below(10);

	if (x == 0 && n < MAXLIST)
		return n + 1;
	return x == 1 && n > 1 ? n - 1 : n;
}

static void fresh_rule(struct rrule *x)
{
	struct pc_rule *r = &x->r;

	r->proto = u_proto[below(NELEM(u_proto))];
	r->dir = (enum pc_dir)(1 + below(3));
	r->n_remote = r->n_local = r->n_lport = r->n_rport = r->n_icmp = 1;
	x->remote[0] = u_prefix[below(NELEM(u_prefix))];
	x->local[0] = below(2) ? u_prefix[0] : u_prefix[below(NELEM(u_prefix))];
	x->lport[0] = u_port[below(NELEM(u_port))];
	x->rport[0] = below(2) ? u_port[0] : u_port[below(NELEM(u_port))];
	x->icmp[0] = u_icmp[below(NELEM(u_icmp))];
}

/* A copy of rule from with each element kept, narrowed or widened. */
static void derived_rule(struct rrule *x, const struct rrule *from)
{
	struct pc_rule *r = &x->r;

	*x = *from;
	r->n_remote = mut_len(r->n_remote);
	r->n_local = mut_len(r->n_local);
	r->n_lport = mut_len(r->n_lport);
	r->n_rport = mut_len(r->n_rport);
	r->n_icmp = mut_len(r->n_icmp);
	/* Elements past the old length are new: random. */
	for (size_t i = 0; i < MAXLIST; i++) {
		struct pc_prefix up = u_prefix[below(NELEM(u_prefix))];
		struct pc_prefix uq = u_prefix[below(NELEM(u_prefix))];
		struct pc_portrange ul = u_port[below(NELEM(u_port))];
		struct pc_portrange ur = u_port[below(NELEM(u_port))];
		struct pc_icmpspec ui = u_icmp[below(NELEM(u_icmp))];
		x->remote[i] = i < from->r.n_remote ? mut_prefix(x->remote[i]) : up;
		x->local[i] = i < from->r.n_local ? mut_prefix(x->local[i]) : uq;
		x->lport[i] = i < from->r.n_lport ? mut_port(x->lport[i]) : ul;
		x->rport[i] = i < from->r.n_rport ? mut_port(x->rport[i]) : ur;
		x->icmp[i] = i < from->r.n_icmp ? mut_icmp(x->icmp[i]) : ui;
	}
	uint32_t m = below(10);
	if (m == 0)
		r->proto = u_proto[below(NELEM(u_proto))];
	else if (m == 1)
		r->proto = PC_PROTO_ANY;
	if (below(4) == 0)
		r->dir = (enum pc_dir)(1 + below(3));
}

/* Names rule idx, draws its action and state; ports and icmp-type only with
 * the protocols the loader allows them with. */
static void finish_rule(struct rrule *x, unsigned idx)
{
	struct pc_rule *r = &x->r;

	snprintf(x->name, sizeof(x->name), "r%u", idx);
	r->name = x->name;
	r->line = (int)idx + 1;
	r->enabled = below(10) != 0;
	r->action = below(2) ? PC_PERMIT : PC_DENY;
	if (r->proto != 6 && r->proto != 17) {
		r->n_lport = r->n_rport = 1;
		x->lport[0] = x->rport[0] = u_port[0];
	}
	if (r->proto != 1) {
		r->n_icmp = 1;
		x->icmp[0] = u_icmp[0];
	}
	r->remote = x->remote;
	r->local = x->local;
	r->lport = x->lport;
	r->rport = x->rport;
	r->icmp = x->icmp;
}

/* Rule idx of rules: fresh or derived from an earlier one. */
static void rand_rule(struct rrule *rules, unsigned idx)
{
	struct rrule *x = &rules[idx];

	if (idx == 0 || below(5) < 2) {
		memset(x, 0, sizeof(*x));
		fresh_rule(x);
	} else {
		derived_rule(x, &rules[below(idx)]);
	}
	finish_rule(x, idx);
}

/* The universe prefixes just below e: inside, longer, and maximal. */
static size_t prefix_children(const struct pc_prefix *e, struct pc_prefix *out)
{
	size_t n = 0;

	for (size_t i = 0; i < NELEM(u_prefix); i++) {
		const struct pc_prefix *u = &u_prefix[i];
		bool maximal = u->plen > e->plen && pc_prefix_covers(e, u);
		for (size_t j = 0; maximal && j < NELEM(u_prefix); j++) {
			const struct pc_prefix *v = &u_prefix[j];
			bool between = v->plen > e->plen && v->plen < u->plen;
			maximal = !(between && pc_prefix_covers(e, v) && pc_prefix_covers(v, u));
		}
		if (maximal && n < MAXLIST)
			out[n++] = *u;
	}
	return n;
}

static uint32_t port_w(const struct pc_portrange *r)
{
	return (uint32_t)r->hi - r->lo + 1;
}

/* The universe port ranges just below e: inside, narrower, and maximal. */
static size_t port_children(const struct pc_portrange *e, struct pc_portrange *out)
{
	size_t n = 0;

	for (size_t i = 0; i < NELEM(u_port); i++) {
		const struct pc_portrange *u = &u_port[i];
		bool maximal = port_w(u) < port_w(e) && port_in(e, u);
		for (size_t j = 0; maximal && j < NELEM(u_port); j++) {
			const struct pc_portrange *v = &u_port[j];
			bool between = port_w(v) > port_w(u) && port_w(v) < port_w(e);
			maximal = !(between && port_in(e, v) && port_in(v, u));
		}
		if (maximal && n < MAXLIST)
			out[n++] = *u;
	}
	return n;
}

/* Copies of an earlier rule, each with one element replaced by one of its
 * children (remote, local, ports) or direction both split into in and out;
 * sometimes a child is left out or another field changed. Returns how many
 * rules were added at idx (at most room), 0 when none. */
static unsigned split_rule(struct rrule *rules, unsigned idx, unsigned room)
{
	const struct rrule *from = &rules[below(idx)];
	struct pc_prefix pk[MAXLIST];
	struct pc_portrange rk[MAXLIST];
	unsigned field = below(5), n = 0, added = 0;
	size_t k = 0;

	if (field == 0 && (k = below((uint32_t)from->r.n_remote), 1))
		n = (unsigned)prefix_children(&from->remote[k], pk);
	else if (field == 1 && (k = below((uint32_t)from->r.n_local), 1))
		n = (unsigned)prefix_children(&from->local[k], pk);
	else if (field == 2 && (k = below((uint32_t)from->r.n_lport), 1))
		n = (unsigned)port_children(&from->lport[k], rk);
	else if (field == 3 && (k = below((uint32_t)from->r.n_rport), 1))
		n = (unsigned)port_children(&from->rport[k], rk);
	else if (field == 4 && from->r.dir == PC_DIR_BOTH)
		n = 2;
	if (!n || n > room)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct rrule *x = &rules[idx + added];
		if (n > 1 && below(8) == 0)
			continue;
		*x = *from;
		if (field <= 1)
			(field ? x->local : x->remote)[k] = pk[i];
		else if (field <= 3)
			(field == 2 ? x->lport : x->rport)[k] = rk[i];
		else
			x->r.dir = i ? PC_DIR_OUT : PC_DIR_IN;
		if (below(4) == 0)
			x->local[0] = mut_prefix(x->local[0]);
		if (below(4) == 0)
			x->rport[0] = mut_port(x->rport[0]);
		finish_rule(x, idx + added++);
	}
	return added;
}

/* A random address of family fam inside p (often inside a universe prefix too). */
static void rand_addr(const struct pc_prefix *p, uint8_t fam, uint8_t out[16])
{
	const struct pc_prefix *q = &u_prefix[below(NELEM(u_prefix))];

	for (unsigned i = 0; i < 16; i++)
		out[i] = (uint8_t)rnd();
	if (q->family != fam || !pc_prefix_covers(p, q))
		q = p;
	if (fam == PC_FAM_V4)
		memset(out + 4, 0, 12);
	if (q->family == PC_FAM_ANY)
		return;
	for (unsigned b = 0; b < q->plen; b++) {
		uint8_t m = (uint8_t)(0x80u >> (b % 8));
		out[b / 8] = (uint8_t)((out[b / 8] & ~m) | (q->addr[b / 8] & m));
	}
}

static uint16_t rand_port_in(const struct pc_portrange *r)
{
	static const uint16_t pool[] = { 0, 1, 2, 3, 4, 5, 32767, 32768, 65535 };
	uint16_t v = pool[below(NELEM(pool))];

	if (v >= r->lo && v <= r->hi && below(2))
		return v;
	return (uint16_t)(r->lo + below((uint32_t)r->hi - r->lo + 1));
}

/* A random packet inside rule r; false when the drawn combination matches nothing. */
static bool rand_packet(const struct pc_rule *r, struct pc_pkt *k)
{
	static const int protos[] = { 6, 17, 1, 58, 47 };
	const struct pc_prefix *rp = &r->remote[below((uint32_t)r->n_remote)];
	const struct pc_prefix *lp = &r->local[below((uint32_t)r->n_local)];
	const struct pc_portrange *lr = &r->lport[below((uint32_t)r->n_lport)];
	const struct pc_portrange *rr = &r->rport[below((uint32_t)r->n_rport)];
	const struct pc_icmpspec *ic = &r->icmp[below((uint32_t)r->n_icmp)];
	bool full = lr->lo == 0 && lr->hi == 65535 && rr->lo == 0 && rr->hi == 65535;

	memset(k, 0, sizeof(*k));
	if (rp->family && lp->family && rp->family != lp->family)
		return false;
	k->family = rp->family ? rp->family : lp->family ? lp->family : below(2) ? 4 : 6;
	k->dir = r->dir == PC_DIR_BOTH ? (uint8_t)(1 + below(2)) : (uint8_t)r->dir;
	k->proto = (uint8_t)(r->proto == PC_PROTO_ANY ? protos[below(NELEM(protos))] : r->proto);
	rand_addr(rp, k->family, k->dir == PC_DIR_IN ? k->src : k->dst);
	rand_addr(lp, k->family, k->dir == PC_DIR_IN ? k->dst : k->src);
	if (k->proto == 6 || k->proto == 17) {
		k->flags = full && below(6) == 0 ? PC_PKT_PORTS | PC_PKT_FRAG : PC_PKT_PORTS;
		uint16_t l = rand_port_in(lr), m = rand_port_in(rr);
		k->sport = k->dir == PC_DIR_IN ? m : l;
		k->dport = k->dir == PC_DIR_IN ? l : m;
	} else if (k->proto == 1 || k->proto == 58) {
		bool any = ic->type == PC_ICMP_ANY;
		k->flags = any && below(6) == 0 ? PC_PKT_ICMP | PC_PKT_FRAG : PC_PKT_ICMP;
		k->icmp_type = (uint8_t)(any ? (below(2) ? 3 : below(256)) : (uint32_t)ic->type);
		k->icmp_code = (uint8_t)(ic->code != PC_ICMP_ANY ? (uint32_t)ic->code
				       : below(2) ? below(3) : below(256));
	}
	return true;
}

/* Every warned rule is sampled: it must never be the linear lookup's winner. */
START_TEST(test_random_soundness)
{
	static const char *const fields[] = { "remote-address)", "local-address)", "local-port)",
					      "remote-port)", "direction)", "permit)", "first)" };
	unsigned long by_field[NELEM(fields)] = { 0 };
	struct rrule rules[12];
	unsigned long warned = 0, unions = 0, packets = 0;
	uint64_t seed = getenv("PC_SEED") ? strtoull(getenv("PC_SEED"), NULL, 0) : 0x5eed5eedull;
	char err[128];

	for (size_t i = 0; i < NELEM(u_prefix); i++)
		ck_assert_int_eq(pc_prefix_parse(u_prefix_text[i], &u_prefix[i], err, sizeof(err)),
				 0);
	rng_state = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct pc_policy *p = pc_policy_new();
		unsigned n = 0, want = 2 + below(NELEM(rules) - 1);
		ck_assert_ptr_nonnull(p);
		while (n < want) {
			unsigned room = (unsigned)NELEM(rules) - n;
			unsigned k = n && below(3) == 0 ? split_rule(rules, n, room) : 0;
			if (!k)
				rand_rule(rules, n);
			n += k ? k : 1;
		}
		for (unsigned i = 0; i < n; i++)
			ck_assert_int_eq(pc_policy_add(p, &rules[i].r), 0);
		struct pc_diag *d = run(p);
		for (unsigned i = 0; i < n; i++) {
			const char *t = warning(d, rules[i].name);
			if (!t)
				continue;
			warned++;
			unions += strstr(t, "the union of") != NULL;
			for (size_t f = 0; f < NELEM(fields); f++)
				by_field[f] += strstr(t, fields[f]) != NULL;
			ck_assert(rules[i].r.enabled);
			for (unsigned j = 0; j < 100; j++) {
				struct pc_pkt k;
				if (!rand_packet(&rules[i].r, &k))
					continue;
				packets++;
				ck_assert_msg(pc_rule_match(&rules[i].r, &k, NULL),
					      "seed %#llx: sample outside its rule",
					      (unsigned long long)seed);
				ck_assert_msg(pc_linear_lookup(p, &k) != (long)i,
					      "seed %#llx iter %u: %s, yet it decides a packet",
					      (unsigned long long)seed, iter, t);
			}
		}
		pc_diag_free(d);
		pc_policy_free(p);
	}
	fprintf(stderr, "random soundness: %lu warnings (%lu unions), %lu packets; by", warned,
		unions, packets);
	for (size_t f = 0; f < NELEM(fields); f++)
		fprintf(stderr, " %s %lu", fields[f], by_field[f]);
	fprintf(stderr, "\n");
	/* The test must have something to test: each kind of cover, many times. */
	ck_assert_uint_gt(warned, 1000);
	ck_assert_uint_gt(unions, 100);
	ck_assert_uint_gt(packets, 100000);
	for (size_t f = 0; f < NELEM(fields); f++)
		ck_assert_msg(by_field[f] >= 5, "only %lu covers by %s", by_field[f], fields[f]);
}
END_TEST

static Suite *shadow_suite(void)
{
	Suite *s = suite_create("shadow");
	TCase *tc = tcase_create("cases");

	tcase_add_test(tc, test_tie_deny_beats_permit);
	tcase_add_test(tc, test_tie_later_permit_dead);
	tcase_add_test(tc, test_tie_defined_first);
	tcase_add_test(tc, test_tie_disabled_or_different);
	tcase_add_test(tc, test_remote_union);
	tcase_add_test(tc, test_remote_union_not);
	tcase_add_test(tc, test_remote_any_both_families);
	tcase_add_test(tc, test_local_union);
	tcase_add_test(tc, test_port_union);
	tcase_add_test(tc, test_port_union_not);
	tcase_add_test(tc, test_direction_union);
	tcase_add_test(tc, test_icmp_codes);
	tcase_add_test(tc, test_protocol_any);
	tcase_add_test(tc, test_service_inside_subnet_deny);
	tcase_add_test(tc, test_more_specific_does_not_cover);
	tcase_add_test(tc, test_own_list_elements);
	tcase_add_test(tc, test_message_names);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);
	tc = tcase_create("large");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_blocklist_100k);
	tcase_add_test(tc, test_long_list_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_random_soundness);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(shadow_suite());
}
