/* test_index_diff.c - the rule index (lib/index_*.c): hand-built cases for each
 * level of the order, bounds on pathological policies, and a differential
 * test against the linear oracle on random policies and packets.
 *
 * PC_SEED=N replays a run; PC_DIFF_SCALE=F scales the packets per policy
 * (the default gives more than a million comparisons). */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "diag.h"
#include "helper_fixture.h"
#include "helper_policy.h"
#include "helper_randpol.h"
#include "index.h"
#include "match.h"
#include "policy.h"

static uint64_t run_seed;
static double scale = 1.0;

/* ---- helpers ---- */

static int proto_num(const char *s)
{
	static const struct {
		const char *name;
		int num;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].num;
	return atoi(s);
}

/* "DIR PROTO SRC DST [A B] [frag]" as in portcullis explain. */
static struct pc_pkt pkt(const char *spec)
{
	char dir[8], proto[16], src[64], dst[64], frag[8] = "";
	unsigned a = 0, b = 0;
	struct pc_pkt p;
	uint8_t fs, fd;
	int n = sscanf(spec, "%7s %15s %63s %63s %u %u %7s", dir, proto, src, dst, &a, &b, frag);

	ck_assert_msg(n >= 4, "bad packet spec '%s'", spec);
	memset(&p, 0, sizeof(p));
	p.dir = !strcmp(dir, "in") ? PC_DIR_IN : PC_DIR_OUT;
	p.proto = (uint8_t)proto_num(proto);
	ck_assert_int_eq(pc_addr_parse(src, &fs, p.src), 0);
	ck_assert_int_eq(pc_addr_parse(dst, &fd, p.dst), 0);
	ck_assert_int_eq(fs, fd);
	p.family = fs;
	p.len = 64;
	if (n >= 6 && (p.proto == 6 || p.proto == 17)) {
		p.sport = (uint16_t)a;
		p.dport = (uint16_t)b;
		p.flags = PC_PKT_PORTS;
	} else if (n >= 6 && (p.proto == 1 || p.proto == 58)) {
		p.icmp_type = (uint8_t)a;
		p.icmp_code = (uint8_t)b;
		p.flags = PC_PKT_ICMP;
	}
	if (strstr(spec, "frag"))
		p.flags = PC_PKT_FRAG;
	return p;
}

/* The index, the oracle and the expected rule (NULL: none) agree on spec. */
static void expect(const struct pc_policy *p, const struct pc_index *ix, const char *spec,
		   const char *want)
{
	struct pc_pkt k = pkt(spec);
	long w = want ? pc_policy_find(p, want) : -1;
	long got = pc_index_lookup(ix, &k), lin = pc_linear_lookup(p, &k);
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);

	ck_assert_msg(!want || w >= 0, "no rule named %s", want);
	ck_assert_msg(lin == w, "%s: linear says %s, expected %s", spec,
		      lin < 0 ? "-" : rules[lin].name, want ? want : "-");
	ck_assert_msg(got == w, "%s: index says %s, expected %s", spec,
		      got < 0 ? "-" : rules[got].name, want ? want : "-");
}

struct hand {
	struct pc_policy *p;
	struct pc_index *ix;
};

static struct hand hand_new(const char *text)
{
	struct hand h = { pc_test_load(text, "test"), NULL };

	h.ix = pc_index_new(h.p);
	ck_assert_msg(h.ix != NULL, "pc_index_new: %s", strerror(errno));
	return h;
}

static void hand_free(struct hand *h)
{
	pc_index_free(h->ix);
	pc_policy_free(h->p);
}

/* ---- one case per level of the order ---- */

START_TEST(test_remote_length)
{
	struct hand h = hand_new("[wide]\naction = deny\nremote-address = 192.0.2.0/24\n"
				 "[narrow]\naction = permit\nremote-address = 192.0.2.0/28\n"
				 "[host]\naction = permit\nremote-address = 192.0.2.99\n"
				 "[all]\naction = deny\n");

	expect(h.p, h.ix, "in tcp 192.0.2.5 198.51.100.1 1000 80", "narrow");
	expect(h.p, h.ix, "in tcp 192.0.2.100 198.51.100.1 1000 80", "wide");
	expect(h.p, h.ix, "in tcp 192.0.2.99 198.51.100.1 1000 80", "host");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1000 80", "all");
	expect(h.p, h.ix, "out tcp 198.51.100.1 192.0.2.5 1000 80", "narrow");
	expect(h.p, h.ix, "out tcp 192.0.2.5 198.51.100.1 1000 80", "all");
	hand_free(&h);
}
END_TEST

START_TEST(test_local_length)
{
	struct hand h = hand_new("[r]\naction = permit\nremote-address = 192.0.2.0/24\n"
				 "[l32]\naction = deny\nlocal-address = 198.51.100.7\n"
				 "[rl24]\naction = deny\nremote-address = 192.0.2.0/24\n"
				 "local-address = 198.51.100.0/24\n"
				 "[rl25]\naction = permit\nremote-address = 192.0.2.0/24\n"
				 "local-address = 198.51.100.0/25\n");

	expect(h.p, h.ix, "in udp 192.0.2.1 198.51.100.7 5 53", "rl25");
	expect(h.p, h.ix, "in udp 192.0.2.1 198.51.100.200 5 53", "rl24");
	expect(h.p, h.ix, "in udp 192.0.2.1 203.0.113.9 5 53", "r");
	expect(h.p, h.ix, "in udp 203.0.113.1 198.51.100.7 5 53", "l32");
	expect(h.p, h.ix, "in udp 203.0.113.1 198.51.100.8 5 53", NULL);
	hand_free(&h);
}
END_TEST

START_TEST(test_protocol)
{
	struct hand h = hand_new("[tcp]\naction = permit\nprotocol = tcp\n"
				 "[any]\naction = deny\n"
				 "[gre]\naction = permit\nprotocol = 47\n"
				 "[near]\naction = permit\nremote-address = 192.0.2.0/24\n");

	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1 2", "tcp");
	expect(h.p, h.ix, "in udp 203.0.113.1 198.51.100.1 1 2", "any");
	expect(h.p, h.ix, "in 47 203.0.113.1 198.51.100.1", "gre");
	expect(h.p, h.ix, "in 255 203.0.113.1 198.51.100.1", "any");
	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1 2", "near");
	hand_free(&h);
}
END_TEST

START_TEST(test_ports)
{
	struct hand h = hand_new("[wide]\naction = deny\nprotocol = tcp\nlocal-port = 1-1000\n"
				 "[web]\naction = permit\nprotocol = tcp\nlocal-port = 80,443\n"
				 "[list]\naction = deny\nprotocol = tcp\nlocal-port = 1-65535,8080\n"
				 "[mid]\naction = permit\nprotocol = tcp\nlocal-port = 8000-8100\n"
				 "[rp]\naction = permit\nprotocol = tcp\nremote-port = 1500-1600\n"
				 "[both]\naction = deny\nprotocol = tcp\nlocal-port = 22\n"
				 "remote-port = 1024-65535\n"
				 "[ssh]\naction = permit\nprotocol = tcp\nlocal-port = 22\n");

	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 80", "web");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 81", "wide");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 8080", "list");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 8081", "mid");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 2000", "list");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1550 0", "rp");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1550 80", "web");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 40000 22", "both");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1000 22", "ssh");
	expect(h.p, h.ix, "out tcp 198.51.100.1 203.0.113.1 22 40000", "both");
	expect(h.p, h.ix, "out tcp 198.51.100.1 203.0.113.1 40000 22", "list");
	expect(h.p, h.ix, "in udp 203.0.113.1 198.51.100.1 40000 22", NULL);
	hand_free(&h);
}
END_TEST

START_TEST(test_icmp)
{
	struct hand h = hand_new("[any]\naction = deny\nprotocol = icmp\n"
				 "[echo]\naction = permit\nprotocol = icmp\nicmp-type = 8\n"
				 "[echo0]\naction = deny\nprotocol = icmp\nicmp-type = 8/0\n"
				 "[unreach]\naction = permit\nprotocol = icmp\nicmp-type = 3/4,3/1\n"
				 "[v6]\naction = permit\nprotocol = icmpv6\nicmp-type = 128\n");

	expect(h.p, h.ix, "in icmp 203.0.113.1 198.51.100.1 8 0", "echo0");
	expect(h.p, h.ix, "in icmp 203.0.113.1 198.51.100.1 8 1", "echo");
	expect(h.p, h.ix, "in icmp 203.0.113.1 198.51.100.1 3 1", "unreach");
	expect(h.p, h.ix, "in icmp 203.0.113.1 198.51.100.1 3 2", "any");
	expect(h.p, h.ix, "in icmp 203.0.113.1 198.51.100.1 0 0", "any");
	expect(h.p, h.ix, "in icmpv6 2001:db8::1 2001:db8::2 128 0", "v6");
	expect(h.p, h.ix, "in icmpv6 2001:db8::1 2001:db8::2 129 0", NULL);
	hand_free(&h);
}
END_TEST

START_TEST(test_direction)
{
	struct hand h = hand_new("[both]\naction = deny\nprotocol = udp\n"
				 "[in]\naction = permit\nprotocol = udp\ndirection = in\n"
				 "[out-host]\naction = permit\ndirection = out\n"
				 "remote-address = 192.0.2.1\n");

	expect(h.p, h.ix, "in udp 203.0.113.1 198.51.100.1 1 2", "in");
	expect(h.p, h.ix, "out udp 198.51.100.1 203.0.113.1 1 2", "both");
	expect(h.p, h.ix, "out udp 198.51.100.1 192.0.2.1 1 2", "out-host");
	expect(h.p, h.ix, "in udp 192.0.2.1 198.51.100.1 1 2", "in");
	hand_free(&h);
}
END_TEST

START_TEST(test_ties)
{
	struct hand h = hand_new("[p]\naction = permit\nremote-address = 192.0.2.0/24\n"
				 "[d]\naction = deny\nremote-address = 192.0.2.0/24\n"
				 "[d2]\naction = deny\nremote-address = 192.0.2.0/24\n"
				 "[p1]\naction = permit\nremote-address = 203.0.113.0/24\n"
				 "[p2]\naction = permit\nremote-address = 203.0.113.0/24\n"
				 "[zero]\naction = deny\nremote-address = 0.0.0.0/0\n"
				 "[any]\naction = permit\n");

	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1 2", "d");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1 2", "p1");
	expect(h.p, h.ix, "in tcp 10.0.0.1 198.51.100.1 1 2", "zero");
	expect(h.p, h.ix, "in tcp 2001:db8::1 2001:db8::2 1 2", "any");
	hand_free(&h);
}
END_TEST

START_TEST(test_fragments)
{
	struct hand h = hand_new("[web]\naction = permit\nprotocol = tcp\nlocal-port = 80\n"
				 "[tcp]\naction = deny\nprotocol = tcp\nremote-address = 192.0.2.0/24\n"
				 "[listany]\naction = permit\nprotocol = tcp\n"
				 "remote-address = 203.0.113.0/24\nlocal-port = 80,0-65535\n"
				 "[echo]\naction = permit\nprotocol = icmp\nicmp-type = 8\n"
				 "[icmp]\naction = deny\nprotocol = icmp\nlocal-address = 198.51.100.0/24\n");

	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1000 80", "tcp");
	expect(h.p, h.ix, "in tcp 10.0.0.1 198.51.100.1 1000 80", "web");
	expect(h.p, h.ix, "in tcp 10.0.0.1 198.51.100.1 1000 80 frag", NULL);
	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1000 80 frag", "tcp");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1000 80", "listany");
	expect(h.p, h.ix, "in tcp 203.0.113.1 198.51.100.1 1000 80 frag", "listany");
	expect(h.p, h.ix, "in icmp 10.0.0.1 198.51.100.1 8 0", "icmp");
	expect(h.p, h.ix, "in icmp 10.0.0.1 203.0.113.1 8 0", "echo");
	expect(h.p, h.ix, "in icmp 10.0.0.1 203.0.113.1 8 0 frag", NULL);
	expect(h.p, h.ix, "in icmp 10.0.0.1 198.51.100.1 8 0 frag", "icmp");
	hand_free(&h);
}
END_TEST

START_TEST(test_families)
{
	struct hand h = hand_new("[v6]\naction = permit\nremote-address = 2001:db8::/32\n"
				 "[v4]\naction = permit\nremote-address = 192.0.2.0/24\n"
				 "[mixed]\naction = deny\nremote-address = 198.51.100.0/24,2001:db8:1::/48\n"
				 "[l6]\naction = deny\nlocal-address = ::/0\n"
				 "[off]\nenabled = no\naction = deny\nremote-address = 192.0.2.1\n");

	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1 2", "v4");
	expect(h.p, h.ix, "in tcp 2001:db8::1 2001:db8::2 1 2", "v6");
	expect(h.p, h.ix, "in tcp 2001:db8:1::1 2001:db8::2 1 2", "mixed");
	expect(h.p, h.ix, "in tcp 198.51.100.9 10.0.0.1 1 2", "mixed");
	expect(h.p, h.ix, "in tcp 2001:db9::1 2001:db8::2 1 2", "l6");
	expect(h.p, h.ix, "in tcp 10.0.0.1 10.0.0.2 1 2", NULL);
	hand_free(&h);
}
END_TEST

START_TEST(test_empty)
{
	struct hand h = hand_new("[portcullis]\ndefault = permit\n"
				 "[off]\nenabled = no\naction = deny\n");

	expect(h.p, h.ix, "in tcp 192.0.2.1 198.51.100.1 1 2", NULL);
	expect(h.p, h.ix, "out 47 2001:db8::1 2001:db8::2", NULL);
	ck_assert_uint_gt(pc_index_memory(h.ix), 0);
	hand_free(&h);
}
END_TEST

/* ---- rules built in code ---- */

struct rb {
	struct pc_rule r;
	char name[32];
	struct pc_prefix any;
	struct pc_portrange lport, rport;
	struct pc_icmpspec icmp;
};

static void rb_init(struct rb *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->lport = b->rport = (struct pc_portrange){ 0, 65535 };
	b->icmp = (struct pc_icmpspec){ PC_ICMP_ANY, PC_ICMP_ANY };
	b->r = (struct pc_rule){ .name = b->name, .enabled = true, .action = PC_DENY,
				 .proto = PC_PROTO_ANY, .dir = PC_DIR_BOTH,
				 .remote = &b->any, .n_remote = 1, .local = &b->any, .n_local = 1,
				 .lport = &b->lport, .n_lport = 1, .rport = &b->rport, .n_rport = 1,
				 .icmp = &b->icmp, .n_icmp = 1 };
}

START_TEST(test_rejects)
{
	struct pc_policy *p = pc_policy_new();
	struct rb b;

	ck_assert_ptr_nonnull(p);
	rb_init(&b, "both");
	b.lport = (struct pc_portrange){ 80, 80 };
	b.icmp = (struct pc_icmpspec){ 8, PC_ICMP_ANY };
	ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	errno = 0;
	ck_assert_ptr_null(pc_index_new(p));
	ck_assert_int_eq(errno, EINVAL);
	pc_policy_free(p);
}
END_TEST

/* Random packets aimed at p's rules: index == oracle on every one. */
static void sample_diff(const struct pc_policy *p, const struct pc_index *ix, uint64_t seed,
			size_t count)
{
	struct pc_rng rng;
	size_t matched = 0;

	pc_rng_seed(&rng, seed);
	for (size_t i = 0; i < count; i++) {
		struct pc_pkt k;
		long a, b;
		char buf[256];

		pc_randpol_packet(&rng, p, &k);
		a = pc_index_lookup(ix, &k);
		b = pc_linear_lookup(p, &k);
		matched += b >= 0;
		ck_assert_msg(a == b, "seed %llu: index %ld linear %ld for %s", (unsigned long long)seed,
			      a, b, pc_randpol_fmt_pkt(&k, buf, sizeof(buf)));
	}
	ck_assert_uint_gt(matched, count / 4);
}

/* Nested local ranges, each with its own remote port: one table would need
 * n * n / 2 cells; the tier bound keeps it linear. */
START_TEST(test_nested_ranges)
{
	struct pc_policy *p = pc_policy_new();
	struct pc_index *ix;
	const size_t n = 4000;
	struct rb b;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%zu", i);
		rb_init(&b, name);
		b.r.proto = 6;
		b.r.action = i % 3 ? PC_PERMIT : PC_DENY;
		b.r.dir = (enum pc_dir)(1 + i % 3);
		b.lport = (struct pc_portrange){ (uint16_t)(i * 7), (uint16_t)(65535 - i * 7) };
		b.rport = (struct pc_portrange){ (uint16_t)(1000 + i), (uint16_t)(1000 + i + i % 5) };
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	ix = pc_index_new(p);
	ck_assert_ptr_nonnull(ix);
	ck_assert_msg(pc_index_memory(ix) < n * 2000, "nested ranges take %zu bytes for %zu rules",
		      pc_index_memory(ix), n);
	sample_diff(p, ix, run_seed ^ 0x6e657374, (size_t)(20000 * scale) + 100);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

/* A blocklist of single addresses and small networks, the common large
 * policy, stays well inside the 300 bytes a rule of the benchmark target. */
START_TEST(test_blocklist_memory)
{
	struct pc_policy *p = pc_policy_new();
	struct pc_index *ix;
	const size_t n = 100000;
	struct pc_rng rng;
	struct rb b;

	ck_assert_ptr_nonnull(p);
	pc_rng_seed(&rng, run_seed);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		bool v6 = i % 4 == 0;

		snprintf(name, sizeof(name), "b%zu", i);
		rb_init(&b, name);
		b.any.family = v6 ? PC_FAM_V6 : PC_FAM_V4;
		b.any.plen = (uint8_t)(v6 ? 48 + 16 * (i % 6 == 0) : 24 + 8 * (i % 3 != 0));
		for (unsigned k = 0; k < b.any.plen / 8u; k++)
			b.any.addr[k] = (uint8_t)pc_rng_next(&rng);
		b.any.addr[0] = v6 ? 0x20 : b.any.addr[0];
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	ix = pc_index_new(p);
	ck_assert_ptr_nonnull(ix);
	ck_assert_msg(pc_index_memory(ix) / n <= 150, "%zu bytes a rule", pc_index_memory(ix) / n);
	sample_diff(p, ix, run_seed ^ 0x626c6b, (size_t)(600 * scale) + 100);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

/* ---- the differential test ---- */

struct row {
	size_t rules, policies, packets;
	unsigned any_remote, any_local, v6, lists;
};

/* Small policies get many packets, large ones few (the oracle is linear). */
static const struct row rows[] = {
	{ 4, 300, 700, 20, 45, 35, 20 },     { 16, 150, 1500, 20, 45, 35, 20 },
	{ 64, 60, 3000, 20, 45, 35, 30 },    { 250, 25, 6000, 20, 45, 50, 20 },
	{ 500, 10, 10000, 95, 95, 35, 30 },  { 1000, 8, 12000, 20, 45, 35, 20 },
	{ 3000, 3, 20000, 15, 40, 35, 40 },  { 8000, 1, 30000, 10, 40, 35, 20 },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static size_t row_packets(const struct row *r)
{
	double n = (double)r->packets * scale;

	return n < 1 ? 1 : (size_t)n;
}

static uint64_t policy_seed(size_t row, size_t policy)
{
	return run_seed ^ ((uint64_t)row << 48) ^ ((uint64_t)policy * UINT64_C(0x9E3779B97F4A7C15));
}

START_TEST(test_diff)
{
	const struct row *r = &rows[_i];
	size_t packets = row_packets(r), matched = 0, total = 0;

	for (size_t pol = 0; pol < r->policies; pol++) {
		struct pc_randpol_opts o;
		struct pc_policy *p;
		struct pc_index *ix;
		struct pc_rng rng;

		pc_rng_seed(&rng, policy_seed((size_t)_i, pol));
		pc_randpol_defaults(&o, r->rules);
		o.any_remote = r->any_remote;
		o.any_local = r->any_local;
		o.v6 = r->v6;
		o.lists = r->lists;
		p = pc_randpol_policy(&rng, &o);
		ck_assert_ptr_nonnull(p);
		ix = pc_index_new(p);
		ck_assert_msg(ix != NULL, "PC_SEED=%llu row %d policy %zu: pc_index_new: %s",
			      (unsigned long long)run_seed, _i, pol, strerror(errno));
		for (size_t i = 0; i < packets; i++) {
			struct pc_pkt k;

			pc_randpol_packet(&rng, p, &k);
			matched += pc_randpol_agree(p, ix, &k, "PC_SEED=%llu row %d policy %zu packet %zu",
						    (unsigned long long)run_seed, _i, pol, i) >= 0;
		}
		total += packets;
		pc_index_free(ix);
		pc_policy_free(p);
	}
	/* Packets must mostly hit rules, or the comparison proves little. */
	ck_assert_msg(matched * 10 >= total * 4, "row %d: only %zu of %zu packets matched a rule", _i,
		      matched, total);
}
END_TEST

static Suite *index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("order");

	tcase_add_test(tc, test_remote_length);
	tcase_add_test(tc, test_local_length);
	tcase_add_test(tc, test_protocol);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_icmp);
	tcase_add_test(tc, test_direction);
	tcase_add_test(tc, test_ties);
	tcase_add_test(tc, test_fragments);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounds");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_nested_ranges);
	tcase_add_test(tc, test_blocklist_memory);
	suite_add_tcase(s, tc);
	tc = tcase_create("diff");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_diff, 0, NROWS);
	suite_add_tcase(s, tc);
	return s;
}

static void setup_run(void)
{
	const char *s = getenv("PC_SEED"), *f = getenv("PC_DIFF_SCALE");
	size_t total = 0;

	run_seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (f && atof(f) > 0)
		scale = atof(f);
	for (size_t i = 0; i < NROWS; i++)
		total += rows[i].policies * row_packets(&rows[i]);
	printf("test_index_diff: PC_SEED=%llu, %zu differential comparisons\n",
	       (unsigned long long)run_seed, total);
	fflush(stdout);
}

int main(void)
{

	setup_run();
	return pc_test_run(index_suite());
}
