/* helper_randpol.c - random policies and packets aimed at them */
#include "helper_randpol.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "match.h"

#define MAX_ELEMS 4
#define POOL_MAX 8192

/* ---- random numbers ---- */

static uint64_t rotl(uint64_t x, int k)
{
	return x << k | x >> (64 - k);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void pc_rng_seed(struct pc_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

uint64_t pc_rng_next(struct pc_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t pc_rng_below(struct pc_rng *r, uint32_t n)
{
	return (uint32_t)(((pc_rng_next(r) >> 32) * n) >> 32);
}

bool pc_rng_chance(struct pc_rng *r, unsigned pct)
{
	return pc_rng_below(r, 100) < pct;
}

#define PICK(r, a) ((a)[pc_rng_below((r), sizeof(a) / sizeof((a)[0]))])

/* ---- prefixes ---- */

struct gen {
	struct pc_rng *rng;
	const struct pc_randpol_opts *o;
	struct pc_prefix pool[POOL_MAX];
	size_t npool, cap;
};

static unsigned maxlen(unsigned family)
{
	return family == PC_FAM_V6 ? 128 : 32;
}

static void set_bit(uint8_t *a, unsigned bit, bool v)
{
	uint8_t m = (uint8_t)(0x80u >> (bit & 7));

	a[bit / 8] = v ? a[bit / 8] | m : a[bit / 8] & (uint8_t)~m;
}

static struct pc_prefix make_prefix(unsigned family, const char *text)
{
	struct pc_prefix p;
	char err[128];

	if (pc_prefix_parse(text, &p, err, sizeof(err)) < 0 || p.family != family)
		abort();
	return p;
}

static void pool_init(struct gen *g)
{
	static const char *const v4[] = { "10.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24",
					  "203.0.113.0/24", "0.0.0.0/0", "172.16.0.0/12" };
	static const char *const v6[] = { "2001:db8::/32", "::/0", "fe80::/10", "2001:db8:1::/48" };

	g->npool = 0;
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		g->pool[g->npool++] = make_prefix(PC_FAM_V4, v4[i]);
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		g->pool[g->npool++] = make_prefix(PC_FAM_V6, v6[i]);
}

static const struct pc_prefix *pool_pick(struct gen *g, unsigned family)
{
	for (;;) {
		const struct pc_prefix *p = &g->pool[pc_rng_below(g->rng, (uint32_t)g->npool)];

		if (p->family == family)
			return p;
	}
}

static void pool_keep(struct gen *g, const struct pc_prefix *p)
{
	if (g->npool < g->cap)
		g->pool[g->npool++] = *p;
	else
		g->pool[10 + pc_rng_below(g->rng, (uint32_t)(g->npool - 10))] = *p;
}

/* A prefix of that family: a longer one inside a known prefix, a known one
 * again, a shorter one around it, or a host inside it. */
static struct pc_prefix rand_prefix(struct gen *g, unsigned family)
{
	struct pc_prefix p = *pool_pick(g, family);
	unsigned max = maxlen(family), roll = pc_rng_below(g->rng, 100), room = max - p.plen;

	if (roll < 50 && room) {
		unsigned add = 1 + pc_rng_below(g->rng, room < 16 ? room : 16);

		for (unsigned b = p.plen; b < p.plen + add; b++)
			set_bit(p.addr, b, pc_rng_chance(g->rng, 50));
		p.plen = (uint8_t)(p.plen + add);
		pool_keep(g, &p);
	} else if (roll < 75) {
		return p;
	} else if (roll < 85 && p.plen) {
		p.plen = (uint8_t)pc_rng_below(g->rng, p.plen);
		pc_addr_mask(p.addr, p.plen);
		pool_keep(g, &p);
	} else {
		for (unsigned b = p.plen; b < max; b++)
			set_bit(p.addr, b, pc_rng_chance(g->rng, 50));
		p.plen = (uint8_t)max;
	}
	return p;
}

static size_t rand_addrs(struct gen *g, struct pc_prefix *v, unsigned any_pct)
{
	size_t n = pc_rng_chance(g->rng, g->o->lists) ? 2 + pc_rng_below(g->rng, MAX_ELEMS - 1) : 1;

	if (pc_rng_chance(g->rng, any_pct)) {
		memset(&v[0], 0, sizeof(v[0]));
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = rand_prefix(g, pc_rng_chance(g->rng, g->o->v6) ? PC_FAM_V6 : PC_FAM_V4);
	return n;
}

/* ---- ports, icmp, protocols ---- */

static const uint16_t port_marks[] = { 0, 1, 7, 22, 53, 80, 443, 1023, 1024, 1025, 8080, 32768, 65534,
				       65535 };

static struct pc_portrange rand_range(struct gen *g)
{
	uint16_t a = PICK(g->rng, port_marks), b = PICK(g->rng, port_marks);
	unsigned roll = pc_rng_below(g->rng, 100);

	if (roll < 40)
		return (struct pc_portrange){ a, a };
	if (roll < 70)
		return (struct pc_portrange){ a < b ? a : b, a < b ? b : a };
	if (roll < 90) {
		a = (uint16_t)pc_rng_below(g->rng, 65536);
		b = (uint16_t)(a + pc_rng_below(g->rng, 65536u - a));
		return (struct pc_portrange){ a, b };
	}
	return (struct pc_portrange){ 0, 65535 };
}

static size_t rand_ports(struct gen *g, struct pc_portrange *v, bool named)
{
	size_t n = pc_rng_chance(g->rng, g->o->lists) ? 2 + pc_rng_below(g->rng, MAX_ELEMS - 1) : 1;

	if (!named || pc_rng_chance(g->rng, 50)) {
		v[0] = (struct pc_portrange){ 0, 65535 };
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = rand_range(g);
	return n;
}

static const int16_t icmp_types[] = { 0, 3, 5, 8, 11, 128, 129, 133, 135, 136, 255 };
static const int16_t icmp_codes[] = { 0, 1, 3, 4, 255 };

static size_t rand_icmp(struct gen *g, struct pc_icmpspec *v, bool named)
{
	size_t n = 1 + pc_rng_below(g->rng, MAX_ELEMS);

	if (!named || pc_rng_chance(g->rng, 40)) {
		v[0] = (struct pc_icmpspec){ PC_ICMP_ANY, PC_ICMP_ANY };
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].type = PICK(g->rng, icmp_types);
		v[i].code = pc_rng_chance(g->rng, 50) ? PC_ICMP_ANY : PICK(g->rng, icmp_codes);
	}
	return n;
}

static int rand_proto(struct pc_rng *rng)
{
	static const int odd[] = { 0, 2, 47, 50, 132, 255 };
	unsigned roll = pc_rng_below(rng, 100);

	if (roll < 30)
		return 6;
	if (roll < 48)
		return 17;
	if (roll < 56)
		return 1;
	if (roll < 62)
		return 58;
	if (roll < 82)
		return PC_PROTO_ANY;
	return pc_rng_chance(rng, 70) ? PICK(rng, odd) : (int)pc_rng_below(rng, 256);
}

/* ---- rules and policies ---- */

struct rulebuf {
	struct pc_rule r;
	char name[32];
	struct pc_prefix remote[MAX_ELEMS], local[MAX_ELEMS];
	struct pc_portrange lport[MAX_ELEMS], rport[MAX_ELEMS];
	struct pc_icmpspec icmp[MAX_ELEMS];
};

static void rand_rule(struct gen *g, size_t i, struct rulebuf *b)
{
	static const enum pc_dir dirs[] = { PC_DIR_BOTH, PC_DIR_BOTH, PC_DIR_IN, PC_DIR_OUT };
	struct pc_rule *r = &b->r;
	bool ports, icmp;

	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "r%zu", i);
	r->name = b->name;
	r->enabled = !pc_rng_chance(g->rng, g->o->disabled);
	r->action = pc_rng_chance(g->rng, 50) ? PC_PERMIT : PC_DENY;
	r->proto = rand_proto(g->rng);
	r->dir = PICK(g->rng, dirs);
	ports = r->proto == 6 || r->proto == 17;
	icmp = r->proto == 1 || r->proto == 58;
	r->remote = b->remote;
	r->n_remote = rand_addrs(g, b->remote, g->o->any_remote);
	r->local = b->local;
	r->n_local = rand_addrs(g, b->local, g->o->any_local);
	r->lport = b->lport;
	r->n_lport = rand_ports(g, b->lport, ports);
	r->rport = b->rport;
	r->n_rport = rand_ports(g, b->rport, ports && pc_rng_chance(g->rng, 50));
	r->icmp = b->icmp;
	r->n_icmp = rand_icmp(g, b->icmp, icmp);
}

void pc_randpol_defaults(struct pc_randpol_opts *o, size_t n)
{
	o->rules = n;
	o->pool = 16 + n / 3;
	o->v6 = 35;
	o->any_remote = 20;
	o->any_local = 45;
	o->lists = 20;
	o->disabled = 8;
}

struct pc_policy *pc_randpol_policy(struct pc_rng *rng, const struct pc_randpol_opts *o)
{
	struct pc_policy *p = pc_policy_new();
	struct gen *g = malloc(sizeof(*g));
	struct rulebuf b;

	if (!p || !g)
		goto fail;
	g->rng = rng;
	g->o = o;
	pool_init(g);
	g->cap = o->pool < g->npool + 1 ? g->npool + 1 : o->pool > POOL_MAX ? POOL_MAX : o->pool;
	for (size_t i = 0; i < o->rules; i++) {
		rand_rule(g, i, &b);
		if (pc_policy_add(p, &b.r) < 0)
			goto fail;
	}
	free(g);
	return p;
fail:;
	int e = errno ? errno : ENOMEM;

	free(g);
	pc_policy_free(p);
	errno = e;
	return NULL;
}

/* ---- packets ---- */

/* An address of that family for element p: inside it, at its edges, or
 * just outside it (one network bit flipped). */
static void addr_for(struct pc_rng *rng, const struct pc_prefix *p, unsigned family, uint8_t *a)
{
	unsigned max = maxlen(family), plen = p->family == family ? p->plen : 0, roll;

	memset(a, 0, 16);
	if (p->family == family)
		memcpy(a, p->addr, family == PC_FAM_V6 ? 16 : 4);
	roll = pc_rng_below(rng, 100);
	for (unsigned b = plen; b < max; b++)
		set_bit(a, b, roll < 10 ? false : roll < 20 ? true : pc_rng_chance(rng, 50));
	if (plen && pc_rng_chance(rng, 12)) {
		unsigned b = plen - 1 - pc_rng_below(rng, plen < 4 ? plen : 4);

		set_bit(a, b, !(a[b / 8] & (0x80u >> (b & 7))));
	}
}

/* Some element of v that admits the family, else "any". */
static const struct pc_prefix *elem_for(struct pc_rng *rng, const struct pc_prefix *v, size_t n,
					unsigned family)
{
	static const struct pc_prefix any;
	size_t start = pc_rng_below(rng, (uint32_t)n);

	for (size_t i = 0; i < n; i++) {
		const struct pc_prefix *p = &v[(start + i) % n];

		if (p->family == PC_FAM_ANY || p->family == family)
			return p;
	}
	return &any;
}

/* A port at or next to an edge of a random element, or inside it. */
static uint16_t port_for(struct pc_rng *rng, const struct pc_portrange *v, size_t n)
{
	const struct pc_portrange *e = &v[pc_rng_below(rng, (uint32_t)n)];
	unsigned roll = pc_rng_below(rng, 100);

	if (roll < 25)
		return e->lo;
	if (roll < 50)
		return e->hi;
	if (roll < 60)
		return e->lo ? (uint16_t)(e->lo - 1) : e->lo;
	if (roll < 70)
		return e->hi < 65535 ? (uint16_t)(e->hi + 1) : e->hi;
	if (roll < 90)
		return (uint16_t)(e->lo + pc_rng_below(rng, (uint32_t)e->hi - e->lo + 1));
	return pc_rng_chance(rng, 50) ? PICK(rng, port_marks) : (uint16_t)pc_rng_below(rng, 65536);
}

static void pkt_l4(struct pc_rng *rng, const struct pc_rule *r, struct pc_pkt *pkt)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 47, 0, 50 };
	bool in = pkt->dir == PC_DIR_IN;
	uint16_t lport, rport;

	pkt->proto = r->proto != PC_PROTO_ANY && pc_rng_chance(rng, 85) ? (uint8_t)r->proto :
		     PICK(rng, protos);
	if (pkt->proto == 6 || pkt->proto == 17) {
		lport = port_for(rng, r->lport, r->n_lport);
		rport = port_for(rng, r->rport, r->n_rport);
		pkt->sport = in ? rport : lport;
		pkt->dport = in ? lport : rport;
		pkt->flags |= PC_PKT_PORTS;
	} else if (pkt->proto == 1 || pkt->proto == 58) {
		const struct pc_icmpspec *e = &r->icmp[pc_rng_below(rng, (uint32_t)r->n_icmp)];
		bool own = e->type != PC_ICMP_ANY && pc_rng_chance(rng, 85);

		pkt->icmp_type = own ? (uint8_t)e->type : (uint8_t)PICK(rng, icmp_types);
		pkt->icmp_code = own && e->code != PC_ICMP_ANY && pc_rng_chance(rng, 80) ?
					 (uint8_t)e->code : (uint8_t)PICK(rng, icmp_codes);
		pkt->flags |= PC_PKT_ICMP;
	}
	/* A non-first fragment; its stale port or icmp flag must not count. */
	if (pc_rng_chance(rng, 7))
		pkt->flags = pc_rng_chance(rng, 70) ? PC_PKT_FRAG : pkt->flags | PC_PKT_FRAG;
}

void pc_randpol_packet(struct pc_rng *rng, const struct pc_policy *p, struct pc_pkt *pkt)
{
	struct pc_prefix any = { 0 };
	struct pc_portrange all = { 0, 65535 };
	struct pc_icmpspec anyicmp = { PC_ICMP_ANY, PC_ICMP_ANY };
	struct pc_rule dummy = { .remote = &any, .n_remote = 1, .local = &any, .n_local = 1,
				 .lport = &all, .n_lport = 1, .rport = &all, .n_rport = 1,
				 .icmp = &anyicmp, .n_icmp = 1, .proto = PC_PROTO_ANY,
				 .dir = PC_DIR_BOTH };
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	const struct pc_rule *r = n && pc_rng_chance(rng, 88) ? &rules[pc_rng_below(rng, (uint32_t)n)] :
				  &dummy;
	const struct pc_prefix *re = &r->remote[pc_rng_below(rng, (uint32_t)r->n_remote)];
	unsigned family = re->family != PC_FAM_ANY ? re->family :
			  pc_rng_chance(rng, 50) ? PC_FAM_V4 : PC_FAM_V6;
	uint8_t *remote, *local;

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = (uint8_t)family;
	pkt->len = 64;
	pkt->dir = r->dir != PC_DIR_BOTH && pc_rng_chance(rng, 90) ? (uint8_t)r->dir :
		   pc_rng_chance(rng, 50) ? PC_DIR_IN : PC_DIR_OUT;
	remote = pkt->dir == PC_DIR_IN ? pkt->src : pkt->dst;
	local = pkt->dir == PC_DIR_IN ? pkt->dst : pkt->src;
	addr_for(rng, re, family, remote);
	addr_for(rng, elem_for(rng, r->local, r->n_local, family), family, local);
	pkt_l4(rng, r, pkt);
}

/* ---- descriptions ---- */

struct out {
	char *buf;
	size_t len, at;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->at >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->at += (size_t)n;
}

const char *pc_randpol_fmt_pkt(const struct pc_pkt *pkt, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char s[PC_ADDR_STRLEN], d[PC_ADDR_STRLEN];

	buf[0] = 0;
	put(&o, "%s proto %u %s -> %s", pkt->dir == PC_DIR_IN ? "in" : pkt->dir == PC_DIR_OUT ? "out" : "dir?",
	    pkt->proto, pc_addr_format(pkt->family, pkt->src, s, sizeof(s)),
	    pc_addr_format(pkt->family, pkt->dst, d, sizeof(d)));
	if (pkt->flags & PC_PKT_PORTS)
		put(&o, " sport %u dport %u", pkt->sport, pkt->dport);
	if (pkt->flags & PC_PKT_ICMP)
		put(&o, " icmp %u/%u", pkt->icmp_type, pkt->icmp_code);
	if (pkt->flags & PC_PKT_FRAG)
		put(&o, " fragment");
	return buf;
}

static void put_prefixes(struct out *o, const char *key, const struct pc_prefix *v, size_t n)
{
	char a[PC_ADDR_STRLEN];

	put(o, " %s=", key);
	for (size_t i = 0; i < n; i++)
		put(o, "%s%s", i ? "," : "", pc_prefix_format(&v[i], a, sizeof(a)));
}

static void put_ports(struct out *o, const char *key, const struct pc_portrange *v, size_t n)
{
	put(o, " %s=", key);
	for (size_t i = 0; i < n; i++)
		put(o, "%s%u-%u", i ? "," : "", v[i].lo, v[i].hi);
}

const char *pc_randpol_fmt_rule(const struct pc_rule *r, char *buf, size_t len)
{
	static const char *const dirs[] = { "?", "in", "out", "both" };
	struct out o = { buf, len, 0 };

	buf[0] = 0;
	put(&o, "[%s]%s %s proto %d dir %s", r->name, r->enabled ? "" : " disabled",
	    r->action == PC_DENY ? "deny" : "permit", r->proto, dirs[r->dir & 3]);
	put_prefixes(&o, "remote", r->remote, r->n_remote);
	put_prefixes(&o, "local", r->local, r->n_local);
	put_ports(&o, "lport", r->lport, r->n_lport);
	put_ports(&o, "rport", r->rport, r->n_rport);
	put(&o, " icmp=");
	for (size_t i = 0; i < r->n_icmp; i++)
		put(&o, "%s%d/%d", i ? "," : "", r->icmp[i].type, r->icmp[i].code);
	return buf;
}

void pc_randpol_mismatch(const struct pc_policy *p, const struct pc_pkt *k, long got, long want,
			 const char *fmt, ...)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	struct pc_candidate c[8];
	size_t m = pc_linear_matches(p, k, c, 8);
	char buf[1024];
	va_list ap;

	fputs("MISMATCH: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%zu rules)\n  packet: %s\n", n, pc_randpol_fmt_pkt(k, buf, sizeof(buf)));
	fprintf(stderr, "  index:  %s\n", got < 0 ? "-" : pc_randpol_fmt_rule(&rules[got], buf, sizeof(buf)));
	fprintf(stderr, "  linear: %s\n", want < 0 ? "-" : pc_randpol_fmt_rule(&rules[want], buf, sizeof(buf)));
	for (size_t j = 0; j < m && j < 8; j++)
		fprintf(stderr, "  match %zu: %s\n", j, pc_randpol_fmt_rule(&rules[c[j].rule], buf, sizeof(buf)));
}

long pc_randpol_agree(const struct pc_policy *p, const struct pc_index *ix, const struct pc_pkt *k,
		      const char *fmt, ...)
{
	long got = pc_index_lookup(ix, k), want = pc_linear_lookup(p, k);
	char ctx[256];
	va_list ap;

	if (got == want)
		return want;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	pc_randpol_mismatch(p, k, got, want, "%s", ctx);
	ck_assert_msg(got == want, "%s: index %ld, linear %ld (details on stderr)", ctx, got, want);
	return want;
}
