/* test_semantics.c - best-match semantics (issue 2), written from the spec.
 * Every decision is taken twice, by the linear oracle (pc_linear_lookup) and
 * by the index (pc_index_lookup), which must agree. The worked examples of
 * docs/semantics.md are checked here too, table by table. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "diag.h"
#include "helper_fixture.h"
#include "helper_policy.h"
#include "index.h"
#include "match.h"
#include "packet.h"
#include "policy.h"
#include "rule.h"
#include "values.h"

#define ERRLEN 256

static char data[PATH_MAX];
static struct pc_diag *diag;
static struct pc_policy *pol;
static struct pc_index *ix;

static void setup(void)
{
	snprintf(data, sizeof(data), "%s", pc_test_data_dir());
	diag = pc_diag_new();
	ck_assert_ptr_nonnull(diag);
}

static void drop(void)
{
	pc_index_free(ix);
	pc_policy_free(pol);
	ix = NULL;
	pol = NULL;
}

static void teardown(void)
{
	drop();
	pc_diag_free(diag);
	diag = NULL;
}

static void compile(const char *what)
{
	ck_assert_msg(pol, "%s: policy rejected:\n%s", what, pc_test_diag_dump(diag));
	ix = pc_index_new(pol);
	ck_assert_msg(ix, "%s: pc_index_new: %s", what, strerror(errno));
}

/* Makes text the current policy (relative file: paths from $PC_TEST_DATA). */
static void use(const char *text)
{
	char name[PATH_MAX + 16];

	drop();
	snprintf(name, sizeof(name), "%s/inline.conf", data);
	pol = pc_policy_load_string(text, name, diag);
	compile(text);
}

static const struct pc_rule *rules(size_t *n)
{
	return pc_policy_rules(pol, n);
}

static long rule_index(const char *name)
{
	long i = pc_policy_find(pol, name);

	ck_assert_msg(i >= 0, "no rule '%s'", name);
	return i;
}

static const char *rule_name(long i)
{
	size_t n;
	const struct pc_rule *r = rules(&n);

	if (i < 0)
		return "-";
	ck_assert_uint_lt((size_t)i, n);
	return r[i].name;
}

/* ---- packets: "DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]", the
 * syntax of portcullis explain, built straight into a struct pc_pkt ---- */

static int parse_num(const char *s, unsigned long max, unsigned long *v, char *err)
{
	return pc_parse_uint(s, max, v, err, ERRLEN);
}

static int parse_tail(char **w, int n, struct pc_pkt *k, char *err)
{
	bool ports = k->proto == 6 || k->proto == 17, icmp = k->proto == 1 || k->proto == 58;
	unsigned long a, b;

	if (n == 1 && !strcmp(w[0], "frag")) {
		k->flags = PC_PKT_FRAG;
		return 0;
	}
	if (n == 0 && !ports && !icmp)
		return 0;
	if (n != 2 || (!ports && !icmp)) {
		snprintf(err, ERRLEN, "wrong number of words after the addresses");
		return -1;
	}
	if (parse_num(w[0], ports ? 65535 : 255, &a, err) < 0 ||
	    parse_num(w[1], ports ? 65535 : 255, &b, err) < 0)
		return -1;
	if (ports) {
		k->flags = PC_PKT_PORTS;
		k->sport = (uint16_t)a;
		k->dport = (uint16_t)b;
	} else {
		k->flags = PC_PKT_ICMP;
		k->icmp_type = (uint8_t)a;
		k->icmp_code = (uint8_t)b;
	}
	return 0;
}

static int parse_pkt(const char *s, struct pc_pkt *k, char *err)
{
	char buf[256], *w[8], *save = NULL;
	int n = 0, proto;
	uint8_t fam2;

	memset(k, 0, sizeof(*k));
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n < 4 || (strcmp(w[0], "in") && strcmp(w[0], "out"))) {
		snprintf(err, ERRLEN, "expected DIR PROTO SRC DST ...");
		return -1;
	}
	k->dir = !strcmp(w[0], "in") ? PC_DIR_IN : PC_DIR_OUT;
	if (pc_parse_proto(w[1], &proto, err, ERRLEN) < 0)
		return -1;
	if (proto == PC_PROTO_ANY) {
		snprintf(err, ERRLEN, "a packet has a protocol");
		return -1;
	}
	k->proto = (uint8_t)proto;
	if (pc_addr_parse(w[2], &k->family, k->src) < 0 || pc_addr_parse(w[3], &fam2, k->dst) < 0 ||
	    fam2 != k->family) {
		snprintf(err, ERRLEN, "bad addresses");
		return -1;
	}
	k->len = k->family == PC_FAM_V4 ? 60 : 80;
	return parse_tail(w + 4, n - 4, k, err);
}

static struct pc_pkt pkt(const char *s)
{
	struct pc_pkt k;
	char err[ERRLEN];

	ck_assert_msg(parse_pkt(s, &k, err) == 0, "test packet '%s': %s", s, err);
	return k;
}

/* The deciding rule (-1: none) by the oracle and by the index, which agree. */
static long decide(const struct pc_pkt *k, const char *what)
{
	long lin = pc_linear_lookup(pol, k), idx = pc_index_lookup(ix, k);

	ck_assert_msg(lin == idx, "%s: linear oracle says %s, index says %s", what, rule_name(lin),
		      rule_name(idx));
	return lin;
}

/* The packet is decided by rule want ("-": no rule, the default decides). */
static void expect(const char *packet, const char *want)
{
	struct pc_pkt k = pkt(packet);
	long got = decide(&k, packet);

	ck_assert_msg(!strcmp(rule_name(got), want), "%s: decided by '%s', want '%s'", packet,
		      rule_name(got), want);
}

static struct pc_spec spec_of(const char *rname, const struct pc_pkt *k)
{
	size_t n;
	struct pc_spec s;

	memset(&s, 0, sizeof(s));
	ck_assert_msg(pc_rule_match(&rules(&n)[rule_index(rname)], k, &s), "rule '%s' must match", rname);
	return s;
}

/* ---- one level of the order at a time ---- */

/* Rule "win" is more specific than "lose" on field and equal before it;
 * "lose" is more specific on every later field it can express, and is a deny
 * while "win" is a permit, so neither later fields nor ties can explain it. */
struct duel {
	const char *what, *packet, *win, *lose;
	enum pc_field field;
};

#define IN_TCP "in tcp 203.0.113.7 198.51.100.2 51000 80"

static const struct duel levels[] = {
	{ "1 remote-address", IN_TCP,
	  "action = permit\nremote-address = 203.0.113.0/24\n",
	  "action = deny\nremote-address = 203.0.0.0/16\nlocal-address = 198.51.100.2\nprotocol = tcp\n"
	  "local-port = 80\nremote-port = 51000\ndirection = in\n",
	  PC_FIELD_REMOTE },
	{ "1 remote-address, v6", "in udp 2001:db8:1::7 2001:db8:2::2 5353 53",
	  "action = permit\nremote-address = 2001:db8:1::/48\n",
	  "action = deny\nremote-address = 2001:db8::/32\nlocal-address = 2001:db8:2::2\nprotocol = udp\n"
	  "local-port = 53\nremote-port = 5353\ndirection = in\n",
	  PC_FIELD_REMOTE },
	{ "1 remote-address, list element", IN_TCP,
	  "action = permit\nremote-address = 192.0.2.0/24, 203.0.113.0/25\n",
	  "action = deny\nremote-address = 203.0.113.0/24, 203.0.0.0/16\nlocal-address = 198.51.100.2\n"
	  "protocol = tcp\nlocal-port = 80\ndirection = in\n",
	  PC_FIELD_REMOTE },
	{ "2 local-address", IN_TCP,
	  "action = permit\nremote-address = 203.0.0.0/16\nlocal-address = 198.51.100.0/24\n",
	  "action = deny\nremote-address = 203.0.0.0/16\nlocal-address = 198.51.0.0/16\nprotocol = tcp\n"
	  "local-port = 80\nremote-port = 51000\ndirection = in\n",
	  PC_FIELD_LOCAL },
	{ "3 protocol", IN_TCP,
	  "action = permit\nlocal-address = 198.51.100.0/24\nprotocol = tcp\n",
	  "action = deny\nlocal-address = 198.51.100.0/24\ndirection = in\n",
	  PC_FIELD_PROTO },
	{ "3 protocol, by number", "in 47 203.0.113.7 198.51.100.2",
	  "action = permit\nprotocol = 47\n",
	  "action = deny\ndirection = in\n",
	  PC_FIELD_PROTO },
	{ "4 local-port", IN_TCP,
	  "action = permit\nprotocol = tcp\nlocal-port = 80\n",
	  "action = deny\nprotocol = tcp\nlocal-port = 0-1023\nremote-port = 51000\ndirection = in\n",
	  PC_FIELD_LPORT },
	{ "4 local-port, any is 65536 wide", IN_TCP,
	  "action = permit\nprotocol = tcp\nlocal-port = 0-65534\n",
	  "action = deny\nprotocol = tcp\nremote-port = 51000\ndirection = in\n",
	  PC_FIELD_LPORT },
	{ "5 remote-port", IN_TCP,
	  "action = permit\nprotocol = tcp\nlocal-port = 80\nremote-port = 50000-52000\n",
	  "action = deny\nprotocol = tcp\nlocal-port = 80\nremote-port = 49152-65535\ndirection = in\n",
	  PC_FIELD_RPORT },
	{ "6 icmp-type: type/code beats type", "in icmp 203.0.113.7 198.51.100.2 8 0",
	  "action = permit\nprotocol = icmp\nicmp-type = 8/0\n",
	  "action = deny\nprotocol = icmp\nicmp-type = 8\ndirection = in\n",
	  PC_FIELD_ICMP },
	{ "6 icmp-type: type beats any", "in icmp 203.0.113.7 198.51.100.2 8 0",
	  "action = permit\nprotocol = icmp\nicmp-type = echo-request\n",
	  "action = deny\nprotocol = icmp\ndirection = in\n",
	  PC_FIELD_ICMP },
	{ "6 icmp-type: icmpv6", "out icmpv6 2001:db8::2 2001:db8::7 1 4",
	  "action = permit\nprotocol = icmpv6\nicmp-type = destination-unreachable/4\n",
	  "action = deny\nprotocol = icmpv6\nicmp-type = 1\ndirection = out\n",
	  PC_FIELD_ICMP },
	{ "7 direction in beats both", IN_TCP,
	  "action = permit\nprotocol = tcp\ndirection = in\n",
	  "action = deny\nprotocol = tcp\n",
	  PC_FIELD_DIR },
	{ "7 direction out beats both", "out tcp 198.51.100.2 203.0.113.7 80 51000",
	  "action = permit\nprotocol = tcp\nlocal-port = 80\ndirection = out\n",
	  "action = deny\nprotocol = tcp\nlocal-port = 80\n",
	  PC_FIELD_DIR },
};

/* One policy of two rules, in the order given. */
static void use_two(const char *n1, const char *r1, const char *n2, const char *r2)
{
	char text[2048];

	snprintf(text, sizeof(text), "[%s]\n%s[%s]\n%s", n1, r1, n2, r2);
	use(text);
}

static void check_duel(const struct duel *d, const char *first)
{
	struct pc_pkt k = pkt(d->packet);
	struct pc_spec sw, sl;
	struct pc_candidate c[4];
	enum pc_field f = PC_FIELD_NONE;
	long w = rule_index("win");

	ck_assert_msg(decide(&k, d->what) == w, "%s (%s first): decided by %s", d->what, first,
		      rule_name(decide(&k, d->what)));
	sw = spec_of("win", &k);
	sl = spec_of("lose", &k);
	ck_assert_msg(pc_spec_cmp(&sw, &sl, &f) < 0 && f == d->field, "%s: settled by %s", d->what,
		      pc_field_name(f));
	f = PC_FIELD_NONE;
	ck_assert_msg(pc_spec_cmp(&sl, &sw, &f) > 0 && f == d->field, "%s: reverse settled by %s",
		      d->what, pc_field_name(f));
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 4), 2);
	ck_assert_int_eq((long)c[0].rule, w);
	ck_assert_int_eq((long)c[1].rule, rule_index("lose"));
}

START_TEST(specificity_level)
{
	const struct duel *d = &levels[_i];

	use_two("win", d->win, "lose", d->lose);
	check_duel(d, "win");
	use_two("lose", d->lose, "win", d->win);
	check_duel(d, "lose");
}
END_TEST

/* pc_spec_cmp on bare specs: a field decides over all the fields after it. */
START_TEST(spec_cmp_order)
{
	static const enum pc_field fields[] = { PC_FIELD_REMOTE, PC_FIELD_LOCAL, PC_FIELD_PROTO,
						PC_FIELD_LPORT,  PC_FIELD_RPORT, PC_FIELD_ICMP,
						PC_FIELD_DIR };
	const struct pc_spec mid = { .rplen = 16, .lplen = 16, .proto = 0, .icmp = 1,
				     .lwidth = 100, .rwidth = 100, .dir = 0 };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		/* a beats b on field i; b beats a on every later field */
		struct pc_spec a = mid, b = mid;
		enum pc_field f = PC_FIELD_NONE;
		for (size_t j = i; j < sizeof(fields) / sizeof(fields[0]); j++) {
			bool win = j == i;
			switch (fields[j]) {
			case PC_FIELD_REMOTE: a.rplen = win ? 24 : 8; break;
			case PC_FIELD_LOCAL: a.lplen = win ? 24 : 8; break;
			case PC_FIELD_PROTO: a.proto = win; b.proto = !win; break;
			case PC_FIELD_LPORT: a.lwidth = win ? 1 : 65536; break;
			case PC_FIELD_RPORT: a.rwidth = win ? 1 : 65536; break;
			case PC_FIELD_ICMP: a.icmp = win ? 2 : 0; break;
			case PC_FIELD_DIR: a.dir = win; b.dir = !win; break;
			default: break;
			}
		}
		ck_assert_int_lt(pc_spec_cmp(&a, &b, &f), 0);
		ck_assert_int_eq(f, fields[i]);
		f = PC_FIELD_NONE;
		ck_assert_int_gt(pc_spec_cmp(&b, &a, &f), 0);
		ck_assert_int_eq(f, fields[i]);
	}
	enum pc_field f = PC_FIELD_REMOTE;
	ck_assert_int_eq(pc_spec_cmp(&mid, &mid, &f), 0);
	ck_assert_int_eq(f, PC_FIELD_NONE);
	ck_assert_int_eq(pc_spec_cmp(&mid, &mid, NULL), 0);
}
END_TEST

/* ---- ties ---- */

/* Equal specificity: the deny wins whichever comes first. */
static const struct duel deny_ties[] = {
	{ "same rule but the action", IN_TCP,
	  "action = deny\nprotocol = tcp\nlocal-port = 80\n",
	  "action = permit\nprotocol = tcp\nlocal-port = 80\n", PC_FIELD_ACTION },
	{ "equal through list elements", IN_TCP,
	  "action = deny\nprotocol = tcp\nlocal-port = 79-81, 80\nremote-address = 198.51.100.0/24, 203.0.113.0/24\n",
	  "action = permit\nprotocol = tcp\nlocal-port = 80\nremote-address = 203.0.113.0/24\n",
	  PC_FIELD_ACTION },
	{ "0.0.0.0/0 is as specific as any", IN_TCP,
	  "action = deny\nremote-address = 0.0.0.0/0\n",
	  "action = permit\n", PC_FIELD_ACTION },
	{ "0-65535 is as wide as any", IN_TCP,
	  "action = deny\nprotocol = tcp\nlocal-port = 0-65535\n",
	  "action = permit\nprotocol = tcp\n", PC_FIELD_ACTION },
	{ "icmp type 8 any code is type level", "in icmp 203.0.113.7 198.51.100.2 8 0",
	  "action = deny\nprotocol = icmp\nicmp-type = 8, 3/1\n",
	  "action = permit\nprotocol = icmp\nicmp-type = echo-request\n", PC_FIELD_ACTION },
};

static void check_tie(const struct duel *d)
{
	size_t n;
	struct pc_pkt k = pkt(d->packet);
	struct pc_candidate a = { .rule = (size_t)rule_index("win") }, b = { .rule = (size_t)rule_index("lose") };
	enum pc_field f = PC_FIELD_REMOTE;

	ck_assert_msg(decide(&k, d->what) == (long)a.rule, "%s: decided by %s", d->what,
		      rule_name(decide(&k, d->what)));
	a.spec = spec_of("win", &k);
	b.spec = spec_of("lose", &k);
	ck_assert_int_eq(pc_spec_cmp(&a.spec, &b.spec, &f), 0);
	ck_assert_int_eq(f, PC_FIELD_NONE);
	ck_assert_int_lt(pc_candidate_cmp(rules(&n), &a, &b, &f), 0);
	ck_assert_int_eq(f, d->field);
	ck_assert_int_gt(pc_candidate_cmp(rules(&n), &b, &a, &f), 0);
	ck_assert_int_eq(f, d->field);
}

START_TEST(tie_deny_beats_permit)
{
	const struct duel *d = &deny_ties[_i];

	use_two("win", d->win, "lose", d->lose);
	check_tie(d);
	use_two("lose", d->lose, "win", d->win);
	check_tie(d);
}
END_TEST

/* Equal specificity and action: the rule defined first decides, whatever it holds. */
START_TEST(tie_first_defined)
{
	static const char *const pairs[][2] = {
		{ "action = permit\nprotocol = tcp\n", "action = permit\nprotocol = tcp\n" },
		{ "action = deny\nremote-address = 203.0.113.0/24\n",
		  "action = deny\nremote-address = 198.51.100.0/24, 203.0.113.0/24\n" },
		{ "action = permit\nprotocol = tcp\nlocal-port = 80\n",
		  "action = permit\nprotocol = tcp\nlocal-port = 443, 80\nenabled = yes\n" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (int swap = 0; swap < 2; swap++) {
			use_two("win", pairs[i][swap], "lose", pairs[i][!swap]);
			struct duel d = { "first defined", IN_TCP, NULL, NULL, PC_FIELD_ORDER };
			check_tie(&d);
		}
	}
}
END_TEST

/* ---- lists, default, disabled ---- */

START_TEST(lists_best_element)
{
	use("[X]\naction = deny\nprotocol = tcp\nlocal-port = 137-139, 445\n"
	    "[Y]\naction = permit\nprotocol = tcp\nlocal-port = 440-449\n"
	    "[Z]\naction = permit\nprotocol = tcp\nlocal-port = 138\n");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 445", "X"); /* width 1 beats 10 */
	expect("in tcp 203.0.113.7 198.51.100.2 51000 137", "X");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 138", "Z"); /* width 1 beats 3 */
	expect("in tcp 203.0.113.7 198.51.100.2 51000 446", "Y");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 140", "-");
	expect("in udp 203.0.113.7 198.51.100.2 51000 445", "-");
	struct pc_pkt k = pkt("in tcp 203.0.113.7 198.51.100.2 51000 445");
	ck_assert_uint_eq(spec_of("X", &k).lwidth, 1);
	k = pkt("in tcp 203.0.113.7 198.51.100.2 51000 139");
	ck_assert_uint_eq(spec_of("X", &k).lwidth, 3);
	ck_assert_uint_eq(spec_of("X", &k).rwidth, 65536);

	use("[A]\naction = deny\nremote-address = 203.0.113.0/24, 203.0.113.7\n"
	    "[B]\naction = permit\nremote-address = 203.0.113.0/28\n");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 80", "A");   /* /32 beats /28 */
	expect("in tcp 203.0.113.9 198.51.100.2 51000 80", "B");   /* /28 beats /24 */
	expect("in tcp 203.0.113.200 198.51.100.2 51000 80", "A"); /* only A */
	k = pkt("in tcp 203.0.113.7 198.51.100.2 51000 80");
	ck_assert_uint_eq(spec_of("A", &k).rplen, 32);

	use("[P]\naction = permit\nprotocol = icmp\nicmp-type = echo-request, 3/4\n"
	    "[Q]\naction = deny\nprotocol = icmp\nicmp-type = 3\n");
	expect("in icmp 203.0.113.7 198.51.100.2 3 4", "P"); /* type/code beats type */
	expect("in icmp 203.0.113.7 198.51.100.2 3 1", "Q");
	expect("in icmp 203.0.113.7 198.51.100.2 8 0", "P");
	expect("in icmp 203.0.113.7 198.51.100.2 0 0", "-");
}
END_TEST

START_TEST(default_when_nothing_matches)
{
	use("");
	expect(IN_TCP, "-");
	expect("in tcp 2001:db8::7 2001:db8::2 51000 80", "-");
	use("[portcullis]\ndefault = permit\n[web]\naction = deny\nprotocol = tcp\nlocal-port = 80\n");
	expect(IN_TCP, "web");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 81", "-");
	expect("in udp 203.0.113.7 198.51.100.2 51000 80", "-");
	expect("in icmp 203.0.113.7 198.51.100.2 8 0", "-");
}
END_TEST

START_TEST(disabled_rules_never_match)
{
	use("[specific]\naction = permit\nenabled = no\nprotocol = tcp\nlocal-port = 80\n"
	    "remote-address = 203.0.113.7\ndirection = in\n"
	    "[general]\naction = deny\nprotocol = tcp\n");
	expect(IN_TCP, "general");
	struct pc_pkt k = pkt(IN_TCP);
	struct pc_candidate c[4];
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 4), 1);
	ck_assert_str_eq(rule_name((long)c[0].rule), "general");

	use("[off]\naction = deny\nenabled = no\n");
	expect(IN_TCP, "-");
	expect("out icmpv6 2001:db8::2 2001:db8::7 128 0", "-");
}
END_TEST

/* ---- families ---- */

START_TEST(families)
{
	use("[v4]\naction = permit\nremote-address = 192.0.2.0/24\n");
	expect("in tcp 192.0.2.7 198.51.100.2 51000 80", "v4");
	expect("in tcp ::ffff:192.0.2.7 2001:db8::2 51000 80", "-"); /* v4-mapped is v6 */
	expect("in tcp 2001:db8::7 2001:db8::2 51000 80", "-");

	use("[all4]\naction = permit\nremote-address = 0.0.0.0/0\n");
	expect("in udp 203.0.113.7 198.51.100.2 1 2", "all4");
	expect("in udp 2001:db8::7 2001:db8::2 1 2", "-");

	use("[all6]\naction = permit\nlocal-address = ::/0\n");
	expect("out udp 2001:db8::2 2001:db8::7 1 2", "all6");
	expect("out udp 198.51.100.2 203.0.113.7 1 2", "-");

	use("[any]\naction = permit\nremote-address = any\nlocal-address = any\n");
	expect("in udp 203.0.113.7 198.51.100.2 1 2", "any");
	expect("in udp 2001:db8::7 2001:db8::2 1 2", "any");
	expect("in 50 2001:db8::7 2001:db8::2", "any");

	/* a mixed list admits each family by its own elements */
	use("[mixed]\naction = deny\nlocal-address = 198.51.100.0/24, 2001:db8::/32\n"
	    "[v6only]\naction = permit\nremote-address = 2001:db8::/32\nlocal-address = any\n");
	expect("in tcp 203.0.113.7 198.51.100.2 51000 80", "mixed");
	expect("in tcp 2001:db8::7 2001:db8::2 51000 80", "v6only"); /* remote /32 first */
	expect("in tcp 2001:db9::7 2001:db8::2 51000 80", "mixed");
	expect("in tcp 203.0.113.7 192.0.2.1 51000 80", "-");
}
END_TEST

/* ---- non-first fragments ---- */

START_TEST(fragments)
{
	use("[web]\naction = permit\nprotocol = tcp\nlocal-port = 80\n"
	    "[tcp]\naction = deny\nprotocol = tcp\n"
	    "[ping]\naction = permit\nprotocol = icmp\nicmp-type = 8\n"
	    "[icmp]\naction = deny\nprotocol = icmp\n"
	    "[ping6]\naction = permit\nprotocol = icmpv6\nicmp-type = 128/0\n"
	    "[src]\naction = deny\nremote-address = 192.0.2.0/24\nprotocol = udp\nremote-port = 53\n");
	expect(IN_TCP, "web");
	expect("in tcp 203.0.113.7 198.51.100.2 frag", "tcp");
	expect("in tcp 2001:db8::7 2001:db8::2 frag", "tcp");
	expect("in icmp 203.0.113.7 198.51.100.2 8 0", "ping");
	expect("in icmp 203.0.113.7 198.51.100.2 frag", "icmp");
	expect("in icmpv6 2001:db8::7 2001:db8::2 frag", "-");
	expect("in icmpv6 2001:db8::7 2001:db8::2 128 0", "ping6");
	expect("in udp 192.0.2.1 198.51.100.2 53 4000", "src");
	expect("in udp 192.0.2.1 198.51.100.2 frag", "-");

	/* what a fragment's struct holds past its flags is never looked at */
	struct pc_pkt k = pkt("in tcp 203.0.113.7 198.51.100.2 frag");
	k.sport = 51000;
	k.dport = 80;
	ck_assert_str_eq(rule_name(decide(&k, "fragment with stale ports")), "tcp");
	k = pkt("in icmp 203.0.113.7 198.51.100.2 frag");
	k.icmp_type = 8;
	ck_assert_str_eq(rule_name(decide(&k, "fragment with a stale icmp type")), "icmp");
}
END_TEST

/* ---- direction ---- */

START_TEST(direction_mapping)
{
	use("[r]\naction = permit\nprotocol = tcp\nremote-address = 192.0.2.1\n"
	    "local-address = 198.51.100.2\nremote-port = 51000\nlocal-port = 80\n");
	/* in: remote = source, local = destination; out: the reverse */
	expect("in tcp 192.0.2.1 198.51.100.2 51000 80", "r");
	expect("out tcp 198.51.100.2 192.0.2.1 80 51000", "r");
	expect("in tcp 198.51.100.2 192.0.2.1 80 51000", "-");
	expect("out tcp 192.0.2.1 198.51.100.2 51000 80", "-");
	expect("in tcp 192.0.2.1 198.51.100.2 80 51000", "-");

	use("[ssh]\naction = permit\nprotocol = tcp\nlocal-port = 22\n"
	    "[in]\naction = deny\ndirection = in\nprotocol = udp\n"
	    "[out]\naction = deny\ndirection = out\nprotocol = udp\n");
	expect("in tcp 203.0.113.7 198.51.100.2 40000 22", "ssh");
	expect("out tcp 198.51.100.2 203.0.113.7 22 40000", "ssh");
	expect("out tcp 198.51.100.2 203.0.113.7 40000 22", "-");
	expect("in udp 203.0.113.7 198.51.100.2 1 2", "in");
	expect("out udp 198.51.100.2 203.0.113.7 1 2", "out");
}
END_TEST

/* ---- pc_linear_matches: every enabled match, best first ---- */

START_TEST(linear_matches_order)
{
	static const char *const want[] = { "c", "b", "f", "g", "e", "d", "a" };
	static const enum pc_field between[] = { PC_FIELD_REMOTE, PC_FIELD_LPORT, PC_FIELD_ORDER,
						 PC_FIELD_PROTO,  PC_FIELD_ACTION, PC_FIELD_DIR };
	struct pc_candidate c[10];
	struct pc_pkt k;
	size_t n;

	use("[a]\naction = deny\n"
	    "[b]\naction = permit\nprotocol = tcp\nlocal-port = 80\n"
	    "[h]\naction = permit\nenabled = no\nremote-address = 203.0.113.7\n"
	    "[d]\naction = permit\ndirection = in\n"
	    "[c]\naction = permit\nremote-address = 203.0.113.0/24\n"
	    "[f]\naction = permit\nprotocol = tcp\n"
	    "[e]\naction = deny\ndirection = in\n"
	    "[g]\naction = permit\nprotocol = tcp\n"
	    "[x]\naction = deny\nprotocol = udp\n");
	k = pkt(IN_TCP);
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 10), 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_str_eq(rule_name((long)c[i].rule), want[i]);
	for (size_t i = 0; i + 1 < 7; i++) {
		enum pc_field f = PC_FIELD_NONE;
		ck_assert_int_lt(pc_candidate_cmp(rules(&n), &c[i], &c[i + 1], &f), 0);
		ck_assert_msg(f == between[i], "%s vs %s settled by %s", want[i], want[i + 1],
			      pc_field_name(f));
	}
	expect(IN_TCP, "c");

	/* room for 3: all 7 counted, the best 3 kept */
	memset(c, 0xff, sizeof(c));
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 3), 7);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(rule_name((long)c[i].rule), want[i]);
	ck_assert_uint_eq(c[3].rule, SIZE_MAX); /* nothing written past max */

	k = pkt("out udp 198.51.100.2 203.0.113.7 1 2");
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 10), 3); /* c (remote), x, a */
	ck_assert_str_eq(rule_name((long)c[0].rule), "c");
	ck_assert_str_eq(rule_name((long)c[1].rule), "x");
	ck_assert_str_eq(rule_name((long)c[2].rule), "a");
	k = pkt("in tcp 2001:db8::7 2001:db8::2 51000 80");
	ck_assert_uint_eq(pc_linear_matches(pol, &k, c, 10), 6);
	ck_assert_str_eq(rule_name((long)c[0].rule), "b");
}
END_TEST

/* ---- the worked examples of docs/semantics.md ----
 * After a line "<!-- check -->" the next ```ini block is a policy; after
 * "<!-- check: FILE -->" it must be the text of $PC_TEST_DATA/FILE, loaded
 * from there. Every table row "| `PACKET` | VERDICT | RULE | why |" that
 * follows is checked against the current policy. */

struct doc {
	FILE *f;
	char path[PATH_MAX + 32];
	char *line;
	size_t cap;
	int lineno;
	char policy[8192];
	size_t plen;
	char file[128]; /* the FILE of "check: FILE", or "" */
	int policies, rows;
};

static void doc_policy(struct doc *d)
{
	char path[PATH_MAX + 160], what[PATH_MAX + 64];

	snprintf(what, sizeof(what), "%s:%d", d->path, d->lineno);
	if (!d->file[0]) {
		use(d->policy);
		d->policies++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", data, d->file);
	FILE *f = fopen(path, "re");
	ck_assert_msg(f, "%s: %s: %s", what, path, strerror(errno));
	char text[8192];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_msg(!strcmp(text, d->policy), "%s: the ini block differs from %s", what, path);
	drop();
	pol = pc_policy_load(path, diag);
	compile(what);
	d->policies++;
}

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* "| `PACKET` | VERDICT | RULE | ..." */
static void doc_row(struct doc *d, char *row, bool have_policy)
{
	char *cell[5], *save = NULL, err[ERRLEN];
	int n = 0;
	struct pc_pkt k;

	for (char *t = strtok_r(row, "|", &save); t && n < 5; t = strtok_r(NULL, "|", &save))
		cell[n++] = trim(t);
	ck_assert_msg(n >= 3, "%s:%d: a packet row needs packet, verdict, rule", d->path, d->lineno);
	ck_assert_msg(have_policy, "%s:%d: a packet row without a checked policy", d->path, d->lineno);
	char *packet = cell[0] + 1;
	packet[strcspn(packet, "`")] = '\0';
	ck_assert_msg(parse_pkt(packet, &k, err) == 0, "%s:%d: %s", d->path, d->lineno, err);
	long r = decide(&k, packet);
	size_t nr;
	enum pc_action v = r < 0 ? pc_policy_settings(pol)->dflt : rules(&nr)[r].action;
	const char *verdict = v == PC_PERMIT ? "permit" : "deny";
	ck_assert_msg(!strcmp(cell[1], verdict) && !strcmp(cell[2], rule_name(r)),
		      "%s:%d: %s: the document says %s by '%s', the engine %s by '%s'", d->path,
		      d->lineno, packet, cell[1], cell[2], verdict, rule_name(r));
	d->rows++;
}

static void doc_read(struct doc *d)
{
	bool marked = false, in_ini = false, have_policy = false;

	while (getline(&d->line, &d->cap, d->f) >= 0) {
		char *s = d->line;
		d->lineno++;
		if (in_ini) {
			if (strncmp(s, "```", 3)) {
				size_t l = strlen(s);
				ck_assert_uint_lt(d->plen + l, sizeof(d->policy));
				memcpy(d->policy + d->plen, s, l + 1);
				d->plen += l;
				continue;
			}
			in_ini = false;
			if (marked)
				doc_policy(d);
			have_policy = marked;
			marked = false;
		} else if (!strncmp(s, "<!-- check", 10)) {
			char *f = s + 10;
			marked = true;
			d->file[0] = '\0';
			if (*f == ':')
				sscanf(f + 1, " %127s", d->file);
		} else if (!strncmp(s, "```ini", 6)) {
			in_ini = true;
			d->plen = 0;
			d->policy[0] = '\0';
		} else if (!strncmp(s, "| `in ", 6) || !strncmp(s, "| `out ", 7)) {
			doc_row(d, s, have_policy);
		}
	}
}

START_TEST(document_examples)
{
	struct doc d;

	memset(&d, 0, sizeof(d));
	snprintf(d.path, sizeof(d.path), "%s/../../docs/semantics.md", data);
	d.f = fopen(d.path, "re");
	ck_assert_msg(d.f, "%s: %s", d.path, strerror(errno));
	doc_read(&d);
	fclose(d.f);
	free(d.line);
	/* the document really has its examples: they cannot vanish unnoticed */
	ck_assert_msg(d.policies >= 10 && d.rows >= 40, "only %d policies and %d rows checked",
		      d.policies, d.rows);
}
END_TEST

static Suite *semantics_suite(void)
{
	Suite *s = suite_create("semantics");
	TCase *tc = tcase_create("order");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, specificity_level, 0, sizeof(levels) / sizeof(levels[0]));
	tcase_add_test(tc, spec_cmp_order);
	tcase_add_loop_test(tc, tie_deny_beats_permit, 0, sizeof(deny_ties) / sizeof(deny_ties[0]));
	tcase_add_test(tc, tie_first_defined);
	tcase_add_test(tc, linear_matches_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("matching");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lists_best_element);
	tcase_add_test(tc, default_when_nothing_matches);
	tcase_add_test(tc, disabled_rules_never_match);
	tcase_add_test(tc, families);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, direction_mapping);
	suite_add_tcase(s, tc);

	tc = tcase_create("document");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, document_examples);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pc_test_run(semantics_suite());
}
