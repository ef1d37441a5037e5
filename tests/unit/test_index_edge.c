/* test_index_edge.c - the rule index (lib/index_*.c, lib/lpm.c) at the edges
 * of its narrowed fields, against the linear oracle: small policies drawn
 * from edge values (0.0.0.0/0, 255.255.255.255/32, ::/0, all-ones /128,
 * prefixes of length 0, 1, 15-17, 31, 32, 63-65, 96, 112, 127, 128; ports
 * 0 and 65535; icmp type and code 0 and 255; protocols 0 and 255; each
 * direction; disabled rules), whose nodes are mostly ONE records, asked
 * with packets at the first and last address of every prefix and just
 * outside; and the 16-bit count of a half block at its bound, 65,535
 * intervals in a bucket and one more, in a remote table, a local tree and
 * a bare lpm table.
 *
 * PC_SEED=N replays a run. */
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
#include "helper_fixture.h"
#include "helper_pkt.h"
#include "helper_policy.h"
#include "helper_randpol.h"
#include "index.h"
#include "lpm.h"
#include "match.h"
#include "policy.h"

typedef unsigned __int128 u128;

static uint64_t run_seed;

#define PICK(rng, a) ((a)[pc_rng_below((rng), (uint32_t)(sizeof(a) / sizeof((a)[0])))])

/* ---- edge values ---- */

static const char *const edge_v4[] = {
	"0.0.0.0/0",       "0.0.0.0/1",       "128.0.0.0/1",        "0.0.0.0/32",
	"255.255.255.255/32", "255.255.255.254/31", "10.0.0.0/8",   "10.0.0.0/15",
	"10.0.0.0/16",     "10.0.128.0/17",   "10.0.255.255/32",    "10.1.0.0/16",
	"192.0.2.0/24",    "192.0.2.1/32",
};

static const char *const edge_v6[] = {
	"::/0",
	"::/1",
	"8000::/1",
	"::/128",
	"::1/128",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
	"2001::/16",
	"2001:db8::/32",
	"2001:db8::/63",
	"2001:db8::/64",
	"2001:db8:0:1::/64",
	"2001:db8:0:0:8000::/65",
	"2001:db8::ffff:0/112",
	"2001:db8::1/128",
	"::ffff:0:0/96",
	"::ffff:10.0.0.0/112",
};

#define N_V4 (sizeof(edge_v4) / sizeof(edge_v4[0]))
#define N_V6 (sizeof(edge_v6) / sizeof(edge_v6[0]))

static struct pc_prefix pfx_v4[N_V4], pfx_v6[N_V6];

static const struct pc_portrange port_ranges[] = {
	{ 0, 0 },      { 65535, 65535 }, { 0, 1 },     { 65534, 65535 }, { 1, 65535 },
	{ 0, 65534 },  { 80, 80 },       { 0, 32767 }, { 32768, 65535 }, { 1024, 65535 },
	{ 0, 65535 },
};

static const uint16_t port_vals[] = { 0, 1, 2, 79, 80, 81, 1023, 1024, 32767, 32768, 65533, 65534, 65535 };

static const struct pc_icmpspec icmp_specs[] = {
	{ 0, PC_ICMP_ANY }, { 255, PC_ICMP_ANY }, { 0, 0 },  { 255, 255 }, { 255, 0 },
	{ 0, 255 },         { 8, 0 },             { 3, PC_ICMP_ANY },      { PC_ICMP_ANY, 0 },
};

static const uint8_t icmp_vals[] = { 0, 1, 3, 8, 254, 255 };

static const int rule_protos[] = { PC_PROTO_ANY, 0, 1, 6, 17, 47, 58, 255 };
static const uint8_t pkt_protos[] = { 0, 1, 6, 17, 47, 58, 132, 255 };

static void parse_edges(void)
{
	char err[128];

	for (size_t i = 0; i < N_V4; i++)
		ck_assert_msg(pc_prefix_parse(edge_v4[i], &pfx_v4[i], err, sizeof(err)) == 0, "%s: %s",
			      edge_v4[i], err);
	for (size_t i = 0; i < N_V6; i++)
		ck_assert_msg(pc_prefix_parse(edge_v6[i], &pfx_v6[i], err, sizeof(err)) == 0, "%s: %s",
			      edge_v6[i], err);
}

/* ---- addresses as numbers (IPv4 in the low 32 bits) ---- */

static unsigned width_of(unsigned fam)
{
	return fam == PC_FAM_V4 ? 32 : 128;
}

static u128 ones(unsigned bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

static u128 addr_num(unsigned fam, const uint8_t *a)
{
	u128 x = 0;

	for (unsigned i = 0; i < width_of(fam) / 8; i++)
		x = x << 8 | a[i];
	return x;
}

static void num_addr(unsigned fam, u128 x, uint8_t *a)
{
	unsigned n = width_of(fam) / 8;

	memset(a, 0, 16);
	for (unsigned i = 0; i < n; i++)
		a[n - 1 - i] = (uint8_t)(x >> (8 * i));
}

/* An address at or next to an edge of prefix p of family fam. */
static void edge_addr(struct pc_rng *rng, const struct pc_prefix *p, unsigned fam, uint8_t *a)
{
	unsigned w = width_of(fam);
	u128 first = addr_num(fam, p->addr), host = ones(w - p->plen), x;

	switch (pc_rng_below(rng, 5)) {
	case 0:
		x = first;
		break;
	case 1:
		x = first | host;
		break;
	case 2:
		x = first - 1;
		break;
	case 3:
		x = (first | host) + 1;
		break;
	default:
		x = first | ((((u128)pc_rng_next(rng) << 64) | pc_rng_next(rng)) & host);
		break;
	}
	num_addr(fam, x & ones(w), a);
}

static const struct pc_prefix *edge_pick(struct pc_rng *rng, unsigned fam)
{
	return fam == PC_FAM_V4 ? &pfx_v4[pc_rng_below(rng, N_V4)] : &pfx_v6[pc_rng_below(rng, N_V6)];
}

/* ---- rules ---- */

#define ELEMS 2

struct rb {
	struct pc_rule r;
	char name[32];
	struct pc_prefix remote[ELEMS], local[ELEMS];
	struct pc_portrange lport[ELEMS], rport[ELEMS];
	struct pc_icmpspec icmp[ELEMS];
};

static void rb_init(struct rb *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->lport[0] = b->rport[0] = (struct pc_portrange){ 0, 65535 };
	b->icmp[0] = (struct pc_icmpspec){ PC_ICMP_ANY, PC_ICMP_ANY };
	b->r = (struct pc_rule){ .name = b->name, .enabled = true, .action = PC_DENY,
				 .proto = PC_PROTO_ANY, .dir = PC_DIR_BOTH,
				 .remote = b->remote, .n_remote = 1, .local = b->local, .n_local = 1,
				 .lport = b->lport, .n_lport = 1, .rport = b->rport, .n_rport = 1,
				 .icmp = b->icmp, .n_icmp = 1 };
}

/* Address elements: "any" (pct percent), else one or two edge prefixes
 * of fam (0: either family). */
static size_t rand_addrs(struct pc_rng *rng, struct pc_prefix *v, unsigned fam, unsigned pct)
{
	size_t n = pc_rng_chance(rng, 15) ? 2 : 1;

	if (pc_rng_chance(rng, pct)) {
		memset(v, 0, sizeof(*v));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned f = fam ? fam : pc_rng_chance(rng, 50) ? PC_FAM_V4 : PC_FAM_V6;

		v[i] = *edge_pick(rng, f);
	}
	return n;
}

static size_t rand_ports(struct pc_rng *rng, struct pc_portrange *v, bool named)
{
	size_t n = named && pc_rng_chance(rng, 15) ? 2 : 1;

	v[0] = (struct pc_portrange){ 0, 65535 };
	if (!named || pc_rng_chance(rng, 50))
		return 1;
	for (size_t i = 0; i < n; i++)
		v[i] = PICK(rng, port_ranges);
	return n;
}

static size_t rand_icmp(struct pc_rng *rng, struct pc_icmpspec *v, bool named)
{
	size_t n = named && pc_rng_chance(rng, 15) ? 2 : 1;

	v[0] = (struct pc_icmpspec){ PC_ICMP_ANY, PC_ICMP_ANY };
	if (!named || pc_rng_chance(rng, 30))
		return 1;
	for (size_t i = 0; i < n; i++)
		v[i] = PICK(rng, icmp_specs);
	return n;
}

/* A rule of edge values: one family (or either) for its addresses, ports
 * mostly with tcp/udp and icmp types mostly with icmp/icmpv6, never both
 * (the index rejects that). */
static void rand_rule(struct pc_rng *rng, struct rb *b, size_t i)
{
	static const unsigned fams[] = { 0, PC_FAM_V4, PC_FAM_V4, PC_FAM_V6, PC_FAM_V6 };
	unsigned fam = PICK(rng, fams);
	bool ports, icmp;
	char name[32];

	snprintf(name, sizeof(name), "e%zu", i);
	rb_init(b, name);
	b->r.n_remote = rand_addrs(rng, b->remote, fam, 25);
	b->r.n_local = rand_addrs(rng, b->local, fam, 40);
	b->r.proto = pc_rng_chance(rng, 25) ? PC_PROTO_ANY : PICK(rng, rule_protos);
	ports = b->r.proto == 6 || b->r.proto == 17 || pc_rng_chance(rng, 8);
	icmp = !ports && (b->r.proto == 1 || b->r.proto == 58 || pc_rng_chance(rng, 8));
	b->r.n_lport = rand_ports(rng, b->lport, ports);
	b->r.n_rport = rand_ports(rng, b->rport, ports);
	b->r.n_icmp = rand_icmp(rng, b->icmp, icmp);
	b->r.dir = (enum pc_dir)(1 + pc_rng_below(rng, 3));
	b->r.action = pc_rng_chance(rng, 50) ? PC_DENY : PC_PERMIT;
	b->r.enabled = !pc_rng_chance(rng, 10);
}

static struct pc_policy *rand_policy(struct pc_rng *rng, size_t n)
{
	struct pc_policy *p = pc_policy_new();
	struct rb b;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		rand_rule(rng, &b, i);
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	return p;
}

/* ---- packets ---- */

/* An address of fam for a packet: usually at an edge of a prefix of the
 * address field v[0..n) of a rule, else of any edge prefix. */
static void pkt_addr(struct pc_rng *rng, const struct pc_prefix *v, size_t n, unsigned fam, uint8_t *a)
{
	const struct pc_prefix *e = &v[pc_rng_below(rng, (uint32_t)n)];

	if (e->family != fam || pc_rng_chance(rng, 25))
		e = edge_pick(rng, fam);
	edge_addr(rng, e, fam, a);
}

static unsigned rule_family(struct pc_rng *rng, const struct pc_rule *r)
{
	for (size_t i = 0; i < r->n_remote; i++)
		if (r->remote[i].family != PC_FAM_ANY && pc_rng_chance(rng, 80))
			return r->remote[i].family;
	for (size_t i = 0; i < r->n_local; i++)
		if (r->local[i].family != PC_FAM_ANY && pc_rng_chance(rng, 80))
			return r->local[i].family;
	return pc_rng_chance(rng, 50) ? PC_FAM_V4 : PC_FAM_V6;
}

static uint16_t pkt_port(struct pc_rng *rng, const struct pc_portrange *v, size_t n)
{
	const struct pc_portrange *e = &v[pc_rng_below(rng, (uint32_t)n)];

	switch (pc_rng_below(rng, 5)) {
	case 0:
		return e->lo;
	case 1:
		return e->hi;
	case 2:
		return (uint16_t)(e->lo - 1);
	case 3:
		return (uint16_t)(e->hi + 1);
	default:
		return PICK(rng, port_vals);
	}
}

/* A packet aimed at a random rule of p: its family, protocol, edges of
 * its prefixes, port ranges and icmp types, either direction. */
static void rand_packet(struct pc_rng *rng, const struct pc_policy *p, struct pc_pkt *k)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	const struct pc_rule *r = &rules[pc_rng_below(rng, (uint32_t)n)];
	bool in = pc_rng_chance(rng, 50);
	uint16_t lport, rport;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)rule_family(rng, r);
	k->dir = in ? PC_DIR_IN : PC_DIR_OUT;
	k->len = 64;
	k->proto = r->proto != PC_PROTO_ANY && pc_rng_chance(rng, 75) ? (uint8_t)r->proto :
									 PICK(rng, pkt_protos);
	pkt_addr(rng, r->remote, r->n_remote, k->family, in ? k->src : k->dst);
	pkt_addr(rng, r->local, r->n_local, k->family, in ? k->dst : k->src);
	if (k->proto == 6 || k->proto == 17) {
		k->flags = PC_PKT_PORTS;
		lport = pkt_port(rng, r->lport, r->n_lport);
		rport = pkt_port(rng, r->rport, r->n_rport);
		k->sport = in ? rport : lport;
		k->dport = in ? lport : rport;
	} else if (k->proto == 1 || k->proto == 58) {
		const struct pc_icmpspec *e = &r->icmp[pc_rng_below(rng, (uint32_t)r->n_icmp)];

		k->flags = PC_PKT_ICMP;
		k->icmp_type = e->type >= 0 && pc_rng_chance(rng, 70) ? (uint8_t)e->type : PICK(rng, icmp_vals);
		k->icmp_code = e->code >= 0 && pc_rng_chance(rng, 70) ? (uint8_t)e->code : PICK(rng, icmp_vals);
	}
	if (pc_rng_chance(rng, 8))
		k->flags |= PC_PKT_FRAG;
}

/* ---- small policies of edge values ---- */

struct row {
	size_t rules, policies, packets;
};

/* One rule: every node a ONE record (or TERM); a few: ONE and FLAT records
 * along chains; a dozen and more: local trees and groups. */
static const struct row rows[] = {
	{ 1, 1500, 120 }, { 2, 800, 200 }, { 3, 500, 250 }, { 6, 250, 400 }, { 14, 80, 800 }, { 40, 20, 2000 },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

START_TEST(test_edge_policies)
{
	const struct row *r = &rows[_i];
	size_t matched = 0, total = 0;
	struct pc_rng rng;

	parse_edges();
	pc_rng_seed(&rng, run_seed ^ ((uint64_t)_i << 40));
	for (size_t pol = 0; pol < r->policies; pol++) {
		struct pc_policy *p = rand_policy(&rng, r->rules);
		struct pc_index *ix = pc_index_new(p);

		ck_assert_msg(ix != NULL, "PC_SEED=%llu row %d policy %zu: pc_index_new: %s",
			      (unsigned long long)run_seed, _i, pol, strerror(errno));
		for (size_t i = 0; i < r->packets; i++) {
			struct pc_pkt k;

			rand_packet(&rng, p, &k);
			matched += pc_randpol_agree(p, ix, &k, "PC_SEED=%llu row %d policy %zu packet %zu",
						    (unsigned long long)run_seed, _i, pol, i) >= 0;
		}
		total += r->packets;
		pc_index_free(ix);
		pc_policy_free(p);
	}
	ck_assert_msg(matched * 8 >= total, "row %d: only %zu of %zu packets matched a rule", _i,
		      matched, total);
}
END_TEST

/* Every single-field rule of edge values, each asked with the same packets. */
START_TEST(test_one_field)
{
	struct pc_rng rng;
	size_t matched = 0, total = 0;

	parse_edges();
	pc_rng_seed(&rng, run_seed ^ 0x0e1d);
	for (unsigned f = 0; f < 5; f++) {
		size_t nv = f == 0 ? N_V4 + N_V6 : f == 1 ? N_V4 + N_V6 : f == 2 ? 11 : f == 3 ? 9 : 8;

		for (size_t v = 0; v < nv; v++) {
			struct pc_policy *p = pc_policy_new();
			struct pc_index *ix;
			struct rb b;

			ck_assert_ptr_nonnull(p);
			rb_init(&b, "one");
			b.remote[0].family = PC_FAM_ANY;
			b.local[0].family = PC_FAM_ANY;
			b.r.dir = (enum pc_dir)(1 + v % 3);
			if (f <= 1) {
				struct pc_prefix *e = f ? b.local : b.remote;

				*e = v < N_V4 ? pfx_v4[v] : pfx_v6[v - N_V4];
				b.r.proto = 6; /* not a catch-all: a ONE record */
			} else if (f == 2) {
				b.r.proto = 17;
				b.lport[0] = port_ranges[v];
				b.rport[0] = port_ranges[(v + 3) % 11];
			} else if (f == 3) {
				b.r.proto = v % 2 ? 1 : 58;
				b.icmp[0] = icmp_specs[v];
			} else {
				b.r.proto = rule_protos[v] == PC_PROTO_ANY ? 255 : rule_protos[v];
			}
			ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
			rb_init(&b, "fallback"); /* a shorter chain link after the ONE record */
			b.remote[0] = pfx_v4[0];
			b.r.proto = 132;
			ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
			ix = pc_index_new(p);
			ck_assert_msg(ix != NULL, "pc_index_new: %s", strerror(errno));
			for (size_t i = 0; i < 3000; i++) {
				struct pc_pkt k;

				rand_packet(&rng, p, &k);
				matched += pc_randpol_agree(p, ix, &k, "PC_SEED=%llu field %u value %zu packet %zu",
							    (unsigned long long)run_seed, f, v, i) == 0;
			}
			total += 3000;
			pc_index_free(ix);
			pc_policy_free(p);
		}
	}
	ck_assert_msg(matched * 10 >= total, "only %zu of %zu packets matched the rule", matched, total);
}
END_TEST

/* ---- the 16-bit count of a half block ---- */

/* How the dense prefixes of a 16-bit range are laid out: every even
 * value (65,536 intervals), even values but a /31 (resp. /15) at the end
 * (65,535: the most a half block holds), every odd value (65,536). */
enum dense { EVEN, EVEN_PAIR_END, ODD, NDENSE };

/* The values lo of the 16-bit range whose prefix is covered, and where
 * the covering prefix starts: its own number (first value), or -1. */
static long dense_cover(enum dense d, uint32_t lo)
{
	switch (d) {
	case EVEN:
		return lo % 2 ? -1 : (long)lo;
	case EVEN_PAIR_END:
		return lo >= 65534 ? 65534 : lo % 2 ? -1 : (long)lo;
	default:
		return lo % 2 ? (long)lo : -1;
	}
}

/* Disabled rules before the dense ones, so that the dense rules' indices
 * cross 65,536 (a rule index stored in fewer bits would show). */
#define DENSE_PAD 40000

/* The rule index of the dense prefix starting at value lo (rules in order of lo). */
static size_t dense_rule(uint32_t lo)
{
	return DENSE_PAD + lo / 2;
}

/* The dense rules, after DENSE_PAD disabled ones: tcp (so each is a ONE
 * record), every third with local port 80 (a ports word), of the prefixes of d over the 16 bits at the
 * remote (10.0.x.y/32) or local (x.y.0.0/16) address; then "net" (the
 * covering /16 or any), "far" (192.0.2.0/24, so that nothing is common). */
static struct pc_policy *dense_policy(enum dense d, bool local)
{
	struct pc_policy *p = pc_policy_new();
	struct rb b;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < DENSE_PAD; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pad%zu", i);
		rb_init(&b, name);
		b.r.enabled = false;
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	for (uint32_t lo = d == ODD; lo <= 0xffff; lo += 2) {
		char name[32];
		struct pc_prefix *e = local ? b.local : b.remote;
		bool pair = d == EVEN_PAIR_END && lo == 65534;
		u128 a = local ? (u128)lo << 16 : (u128)0x0a000000u | lo;

		snprintf(name, sizeof(name), "d%u", lo);
		rb_init(&b, name);
		e->family = PC_FAM_V4;
		e->plen = (uint8_t)(local ? 16 - pair : 32 - pair);
		num_addr(PC_FAM_V4, a, e->addr);
		if (local) {
			b.remote[0].family = PC_FAM_V4;
			b.remote[0].plen = 24;
			num_addr(PC_FAM_V4, 0xc0000200u, b.remote[0].addr);
		}
		b.r.proto = 6;
		b.r.action = lo % 4 ? PC_PERMIT : PC_DENY;
		if (dense_rule(lo) % 3 == 0)
			b.lport[0] = (struct pc_portrange){ 80, 80 };
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	rb_init(&b, "net");
	b.remote[0].family = PC_FAM_V4;
	b.remote[0].plen = local ? 24 : 16;
	num_addr(PC_FAM_V4, local ? 0xc0000200u : 0x0a000000u, b.remote[0].addr);
	ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	rb_init(&b, "far");
	b.remote[0].family = PC_FAM_V4;
	b.remote[0].plen = 24;
	num_addr(PC_FAM_V4, 0xc6336400u, b.remote[0].addr); /* 198.51.100.0/24 */
	b.r.action = PC_PERMIT;
	ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	return p;
}

/* Asks every value of the 16-bit range (an address at its start or end),
 * tcp to port 80 or 81 or udp, in or out: the expected rule is worked out
 * from the layout, and checked against the oracle on every 509th packet. */
static void dense_check(const struct pc_policy *p, const struct pc_index *ix, enum dense d, bool local)
{
	long net = pc_policy_find(p, "net");
	size_t checked = 0;

	ck_assert_int_ge(net, 0);
	for (uint32_t lo = 0; lo <= 0xffff; lo++) {
		for (unsigned v = 0; v < 3; v++) {
			u128 addr = local ? (u128)lo << 16 | (v == 1 ? 0xffff : 0) : (u128)0x0a000000u | lo;
			u128 remote, lcl;
			uint16_t port = v == 2 ? 81 : 80;
			bool out = (lo + v) % 2, tcp = v != 1 || lo % 5;
			long first = dense_cover(d, lo), want = net;
			struct pc_pkt k;
			long got;

			memset(&k, 0, sizeof(k));
			k.family = PC_FAM_V4;
			k.dir = out ? PC_DIR_OUT : PC_DIR_IN;
			k.proto = tcp ? 6 : 17;
			k.flags = PC_PKT_PORTS;
			remote = local ? 0xc0000201u : addr; /* 192.0.2.1 */
			lcl = local ? addr : 0xc6336401u;    /* 198.51.100.1 */
			num_addr(PC_FAM_V4, out ? lcl : remote, k.src);
			num_addr(PC_FAM_V4, out ? remote : lcl, k.dst);
			k.sport = out ? port : 40000;
			k.dport = out ? 40000 : port;
			if (first >= 0 && tcp && (dense_rule((uint32_t)first) % 3 || port == 80))
				want = (long)dense_rule((uint32_t)first);
			got = pc_index_lookup(ix, &k);
			if ((lo * 3 + v) % 509 == 0) {
				long lin = pc_linear_lookup(p, &k);

				if (lin != want)
					pc_randpol_mismatch(p, &k, want, lin, "PC_SEED=%llu", (unsigned long long)run_seed);
				ck_assert_msg(lin == want, "test's own expectation %ld, linear %ld", want, lin);
				checked++;
			}
			if (got != want)
				pc_randpol_mismatch(p, &k, got, want, "PC_SEED=%llu", (unsigned long long)run_seed);
			ck_assert_msg(got == want, "%s %u (value %u): index %ld, want %ld",
				      local ? "local" : "remote", d, lo, got, want);
		}
	}
	ck_assert_uint_gt(checked, 300);
}

START_TEST(test_dense_remote)
{
	struct pc_policy *p = dense_policy((enum dense)_i, false);
	struct pc_index *ix = pc_index_new(p);

	ck_assert_msg(ix != NULL, "pc_index_new: %s", strerror(errno));
	dense_check(p, ix, (enum dense)_i, false);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

START_TEST(test_dense_local)
{
	struct pc_policy *p = dense_policy((enum dense)_i, true);
	struct pc_index *ix = pc_index_new(p);

	ck_assert_msg(ix != NULL, "pc_index_new: %s", strerror(errno));
	dense_check(p, ix, (enum dense)_i, true);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

/* A bare table (lpm.h) over the dense prefixes of a 16-bit range (IPv4
 * 10.0.x.y/32, IPv6 2001:x::/32), and a far prefix (first bit 1) so that the range is
 * one bucket: the table takes half blocks exactly when the bucket's count
 * fits 16 bits, and answers every value either way. */
START_TEST(test_dense_lpm)
{
	enum dense d = (enum dense)(_i % NDENSE);
	unsigned kw = _i < NDENSE ? 1 : 2;
	size_t cap = 32768 + 2, n = 0, m, bytes = 0;
	struct pc_lpm_pfx *v = calloc(cap, sizeof *v);
	struct pc_lpm_iv *iv = calloc(2 * cap + 1, sizeof *iv);
	uint32_t *par = calloc(cap, sizeof *par);
	const uint32_t root = 0xfffffff0u;
	struct pc_lpm t;

	ck_assert(v && iv && par);
	for (uint32_t lo = d == ODD; lo <= 0xffff; lo += 2) {
		bool pair = d == EVEN_PAIR_END && lo == 65534;
		u128 k = kw == 1 ? ((u128)0x0a000000u | lo) << 96 : (u128)(0x2001u << 16 | lo) << 96;

		v[n].key[0] = (uint64_t)(k >> 64);
		v[n].key[1] = (uint64_t)k;
		v[n].plen = (uint8_t)(32 - pair);
		v[n].value = (uint32_t)dense_rule(lo); /* values past 16 bits */
		n++;
	}
	v[n].key[0] = kw == 1 ? (uint64_t)0xc0000200u << 32 : (uint64_t)0xff000000u << 32; /* ff00::/24 */
	v[n].plen = 24;
	v[n].value = 1;
	n++;
	m = pc_lpm_intervals(v, n, root, iv, par);
	ck_assert_int_eq(pc_lpm_build(&t, kw, v, n, root, iv, m, &bytes), 0);
	ck_assert_msg(pc_lpm_is_half(t.ws) == (d == EVEN_PAIR_END),
		      "kw %u layout %u: ws %#x (a half block only when the bucket holds <= 65535)", kw, d,
		      t.ws);
	for (uint32_t lo = 0; lo <= 0xffff; lo++) {
		for (unsigned end = 0; end < 2; end++) {
			u128 k = kw == 1 ? ((u128)0x0a000000u | lo) << 96 : (u128)(0x2001u << 16 | lo) << 96;
			uint64_t w[2];
			long first = dense_cover(d, lo);
			uint32_t want = first < 0 ? root : (uint32_t)dense_rule((uint32_t)first);

			if (end)
				k |= kw == 1 ? 0 : ones(96);
			w[0] = (uint64_t)(k >> 64);
			w[1] = (uint64_t)k;
			ck_assert_msg(pc_lpm_find(&t, w) == want, "kw %u layout %u value %u: %u, want %u", kw,
				      d, lo, pc_lpm_find(&t, w), want);
		}
	}
	pc_lpm_free(&t);
	free(v);
	free(iv);
	free(par);
}
END_TEST

/* A prefix of fam from its number (IPv4 in the low 32 bits) and length. */
static struct pc_prefix mkpfx(unsigned fam, u128 x, unsigned plen)
{
	struct pc_prefix e = { (uint8_t)fam, (uint8_t)plen, { 0 } };

	num_addr(fam, x & ~ones(width_of(fam) - plen), e.addr);
	return e;
}

/* A pool of remote prefixes whose interval starts fit 16 bits past the
 * direct index (IPv4 inside 10.0.0.0/16; IPv6 /96 to /112 inside
 * 2001:db8::/96), so the remote table has half blocks; and of local
 * prefixes of /16 or shorter, so the local trees have half blocks too. */
static void half_pools(struct pc_rng *rng, unsigned fam, struct pc_prefix *rp, size_t nr,
		       struct pc_prefix *lp, size_t nl)
{
	u128 net = fam == PC_FAM_V4 ? 0x0a000000u : (u128)0x20010db8u << 96;

	for (size_t i = 0; i < nr; i++) {
		u128 x = net | (pc_rng_next(rng) & 0xffffu) << (fam == PC_FAM_V4 ? 0 : 16);
		static const unsigned v4len[] = { 16, 24, 31, 32, 32 }, v6len[] = { 96, 104, 112, 112 };

		rp[i] = fam == PC_FAM_V4 ? mkpfx(fam, x, PICK(rng, v4len)) : mkpfx(fam, x, PICK(rng, v6len));
	}
	for (size_t i = 0; i < nl; i++) {
		static const unsigned len[] = { 1, 8, 16, 16, 16 };
		u128 x = (u128)(pc_rng_next(rng) & 0xffffu) << (width_of(fam) - 16);

		lp[i] = mkpfx(fam, x, PICK(rng, len));
	}
}

/* Random rules over the pools of half_pools, many per remote prefix (local
 * trees), asked at the edges of their prefixes. */
START_TEST(test_half_mix)
{
	enum { NR = 10, NL = 40, RULES = 300, PACKETS = 20000 };
	unsigned fam = _i ? PC_FAM_V6 : PC_FAM_V4;
	struct pc_prefix rp[NR], lp[NL];
	struct pc_policy *p = pc_policy_new();
	struct pc_index *ix;
	struct pc_rng rng;
	size_t matched = 0;
	struct rb b;

	ck_assert_ptr_nonnull(p);
	parse_edges();
	pc_rng_seed(&rng, run_seed ^ 0x4a1f ^ (uint64_t)_i);
	half_pools(&rng, fam, rp, NR, lp, NL);
	for (size_t i = 0; i < RULES; i++) {
		rand_rule(&rng, &b, i);
		b.r.n_remote = b.r.n_local = 1;
		b.remote[0] = pc_rng_chance(&rng, 90) ? rp[pc_rng_below(&rng, NR)] : (struct pc_prefix){ 0 };
		b.local[0] = pc_rng_chance(&rng, 70) ? lp[pc_rng_below(&rng, NL)] : (struct pc_prefix){ 0 };
		ck_assert_int_eq(pc_policy_add(p, &b.r), 0);
	}
	ix = pc_index_new(p);
	ck_assert_msg(ix != NULL, "pc_index_new: %s", strerror(errno));
	for (size_t i = 0; i < PACKETS; i++) {
		struct pc_pkt k;

		do
			rand_packet(&rng, p, &k);
		while (k.family != fam);
		matched += pc_randpol_agree(p, ix, &k, "PC_SEED=%llu family %u packet %zu",
					    (unsigned long long)run_seed, fam, i) >= 0;
	}
	ck_assert_msg(matched * 4 >= PACKETS, "only %zu of %d packets matched a rule", matched, PACKETS);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

/* A policy of one rule with a remote address: an index without records
 * (rec_parent did pointer arithmetic on the NULL record vector; clang's
 * UBSan build aborted on it). */
START_TEST(test_one_rule)
{
	struct pc_policy *p = pc_test_load("[A]\naction = deny\nremote-address = 192.0.2.1\n",
					   "one.conf");
	struct pc_index *ix = pc_index_new(p);
	struct pc_pkt in = pc_test_pkt(6, "192.0.2.1", "198.51.100.2", PC_PKT_PORTS, 51000, 22, 0);
	struct pc_pkt off = pc_test_pkt(6, "192.0.2.2", "198.51.100.2", PC_PKT_PORTS, 51000, 22, 0);

	in.dir = off.dir = PC_DIR_IN;
	ck_assert_msg(ix != NULL, "pc_index_new: %s", strerror(errno));
	ck_assert_int_eq(pc_index_lookup(ix, &in), 0);
	ck_assert_int_eq(pc_index_lookup(ix, &off), -1);
	pc_index_free(ix);
	pc_policy_free(p);
}
END_TEST

static Suite *edge_suite(void)
{
	Suite *s = suite_create("index_edge");
	TCase *tc = tcase_create("edges");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_edge_policies, 0, NROWS);
	tcase_add_test(tc, test_one_field);
	tcase_add_test(tc, test_one_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("half");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_dense_remote, 0, NDENSE);
	tcase_add_loop_test(tc, test_dense_local, 0, NDENSE);
	tcase_add_loop_test(tc, test_dense_lpm, 0, 2 * NDENSE);
	tcase_add_loop_test(tc, test_half_mix, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *s = getenv("PC_SEED");

	run_seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("test_index_edge: PC_SEED=%llu\n", (unsigned long long)run_seed);
	fflush(stdout);
	return pc_test_run(edge_suite());
}
