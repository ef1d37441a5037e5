/* match.c - best-match semantics and the linear reference lookup */
#include "match.h"

#include <string.h>

#define PORT_ANY_WIDTH 65536u

/* Bits of each field's score in a rank key, most significant first (enum
 * order); the action takes the lowest bit. Ports have 17 so that no width
 * in 0..65536 wraps. */
static const uint8_t score_bits[] = {
	[PC_FIELD_REMOTE] = 8, [PC_FIELD_LOCAL] = 8, [PC_FIELD_PROTO] = 1, [PC_FIELD_LPORT] = 17,
	[PC_FIELD_RPORT] = 17, [PC_FIELD_ICMP] = 2,  [PC_FIELD_DIR] = 1,
};

static uint32_t width_score(uint32_t w)
{
	return PORT_ANY_WIDTH - w;
}

/* The icmp level of an element: 2 type and code, 1 type, 0 any. */
static uint8_t icmp_level(const struct pc_icmpspec *v)
{
	return (uint8_t)((v->type != PC_ICMP_ANY) + (v->code != PC_ICMP_ANY));
}

uint32_t pc_spec_score(const struct pc_spec *s, enum pc_field f)
{
	switch (f) {
	case PC_FIELD_REMOTE:
		return s->rplen;
	case PC_FIELD_LOCAL:
		return s->lplen;
	case PC_FIELD_PROTO:
		return s->proto;
	case PC_FIELD_LPORT:
		return width_score(s->lwidth);
	case PC_FIELD_RPORT:
		return width_score(s->rwidth);
	case PC_FIELD_ICMP:
		return s->icmp;
	case PC_FIELD_DIR:
		return s->dir;
	default:
		return 0;
	}
}

struct pc_spec pc_elems_spec(const struct pc_rule *r, unsigned rplen, unsigned lplen,
			     const struct pc_portrange *lport, const struct pc_portrange *rport,
			     const struct pc_icmpspec *icmp)
{
	return (struct pc_spec){
		.rplen = (uint8_t)rplen, .lplen = (uint8_t)lplen,
		.proto = r->proto != PC_PROTO_ANY, .icmp = icmp_level(icmp),
		.lwidth = (uint32_t)lport->hi - lport->lo + 1,
		.rwidth = (uint32_t)rport->hi - rport->lo + 1,
		.dir = r->dir != PC_DIR_BOTH,
	};
}

uint64_t pc_rank_key(const struct pc_spec *s, enum pc_action a)
{
	uint64_t key = 0;

	for (enum pc_field f = PC_FIELD_REMOTE; f <= PC_FIELD_DIR; f++) {
		uint64_t m = (UINT64_C(1) << score_bits[f]) - 1;

		key = key << score_bits[f] | (pc_spec_score(s, f) & m);
	}
	return key << 1 | (a == PC_DENY);
}

/* The field whose bits hold the highest bit in which keys a and b differ. */
static enum pc_field key_field(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ b;
	unsigned below = 1; /* bits below the field looked at */

	if (!x)
		return PC_FIELD_NONE;
	if (x == 1)
		return PC_FIELD_ACTION;
	for (enum pc_field f = PC_FIELD_DIR; f > PC_FIELD_REMOTE; f--) {
		below += score_bits[f];
		if (!(x >> below))
			return f;
	}
	return PC_FIELD_REMOTE;
}

int pc_rank_cmp(uint64_t ka, size_t ra, uint64_t kb, size_t rb, enum pc_field *field)
{
	if (ka != kb) {
		if (field)
			*field = key_field(ka, kb);
		return ka > kb ? -1 : 1;
	}
	if (field)
		*field = PC_FIELD_ORDER;
	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

static bool best_prefix(const struct pc_prefix *v, size_t n, uint8_t family,
			const uint8_t addr[16], uint8_t *plen)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (!pc_prefix_contains(&v[i], family, addr))
			continue;
		if (!found || v[i].plen > *plen) /* the longest, as pc_spec_score ranks it */
			*plen = v[i].plen;
		found = true;
	}
	return found;
}

/* has_port: the packet carries ports; otherwise only a 0-65535 element admits it. */
static bool best_port(const struct pc_portrange *v, size_t n, bool has_port, uint16_t port,
		      uint32_t *width)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		uint32_t w = (uint32_t)v[i].hi - v[i].lo + 1;
		bool in = has_port ? (port >= v[i].lo && port <= v[i].hi) : w == PORT_ANY_WIDTH;
		if (!in)
			continue;
		if (!found || width_score(w) > width_score(*width))
			*width = w;
		found = true;
	}
	return found;
}

static bool best_icmp(const struct pc_icmpspec *v, size_t n, const struct pc_pkt *pkt,
		      uint8_t *level)
{
	bool has = (pkt->flags & PC_PKT_ICMP) && !(pkt->flags & PC_PKT_FRAG);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		uint8_t lvl = icmp_level(&v[i]);
		if (lvl && (!has || v[i].type != pkt->icmp_type))
			continue;
		if (lvl == 2 && v[i].code != pkt->icmp_code)
			continue;
		if (!found || lvl > *level)
			*level = lvl;
		found = true;
	}
	return found;
}

bool pc_rule_match(const struct pc_rule *r, const struct pc_pkt *pkt, struct pc_spec *spec)
{
	struct pc_spec s;
	bool in = pkt->dir == PC_DIR_IN;
	bool ports = (pkt->flags & PC_PKT_PORTS) && !(pkt->flags & PC_PKT_FRAG);
	const uint8_t *remote = in ? pkt->src : pkt->dst, *local = in ? pkt->dst : pkt->src;

	memset(&s, 0, sizeof(s));
	if (!(r->dir & pkt->dir))
		return false;
	if (r->proto != PC_PROTO_ANY && r->proto != pkt->proto)
		return false;
	if (!best_prefix(r->remote, r->n_remote, pkt->family, remote, &s.rplen) ||
	    !best_prefix(r->local, r->n_local, pkt->family, local, &s.lplen))
		return false;
	if (!best_port(r->lport, r->n_lport, ports, in ? pkt->dport : pkt->sport, &s.lwidth) ||
	    !best_port(r->rport, r->n_rport, ports, in ? pkt->sport : pkt->dport, &s.rwidth))
		return false;
	if (!best_icmp(r->icmp, r->n_icmp, pkt, &s.icmp))
		return false;
	s.proto = r->proto != PC_PROTO_ANY;
	s.dir = r->dir != PC_DIR_BOTH;
	if (spec)
		*spec = s;
	return true;
}

int pc_spec_cmp(const struct pc_spec *a, const struct pc_spec *b, enum pc_field *field)
{
	uint64_t ka = pc_rank_key(a, PC_PERMIT), kb = pc_rank_key(b, PC_PERMIT);

	if (field)
		*field = key_field(ka, kb);
	return ka > kb ? -1 : ka < kb ? 1 : 0;
}

int pc_candidate_cmp(const struct pc_rule *rules, const struct pc_candidate *a,
		     const struct pc_candidate *b, enum pc_field *field)
{
	return pc_rank_cmp(pc_rank_key(&a->spec, rules[a->rule].action), a->rule,
			   pc_rank_key(&b->spec, rules[b->rule].action), b->rule, field);
}

size_t pc_linear_matches(const struct pc_policy *p, const struct pc_pkt *pkt,
			 struct pc_candidate *out, size_t max)
{
	size_t n_rules, found = 0, kept = 0;
	const struct pc_rule *rules = pc_policy_rules(p, &n_rules);

	for (size_t i = 0; i < n_rules; i++) {
		struct pc_candidate c = { .rule = i };
		if (!rules[i].enabled || !pc_rule_match(&rules[i], pkt, &c.spec))
			continue;
		found++;
		size_t pos = kept;
		while (pos > 0 && pc_candidate_cmp(rules, &c, &out[pos - 1], NULL) < 0)
			pos--;
		if (pos >= max)
			continue;
		if (kept < max)
			kept++;
		memmove(&out[pos + 1], &out[pos], (kept - 1 - pos) * sizeof(*out));
		out[pos] = c;
	}
	return found;
}

long pc_linear_lookup(const struct pc_policy *p, const struct pc_pkt *pkt)
{
	struct pc_candidate best;

	return pc_linear_matches(p, pkt, &best, 1) ? (long)best.rule : -1;
}

const char *pc_field_name(enum pc_field f)
{
	static const char *const names[] = {
		[PC_FIELD_NONE] = "nothing",          [PC_FIELD_REMOTE] = "remote-address",
		[PC_FIELD_LOCAL] = "local-address",   [PC_FIELD_PROTO] = "protocol",
		[PC_FIELD_LPORT] = "local-port",      [PC_FIELD_RPORT] = "remote-port",
		[PC_FIELD_ICMP] = "icmp-type",        [PC_FIELD_DIR] = "direction",
		[PC_FIELD_ACTION] = "action (deny beats permit)",
		[PC_FIELD_ORDER] = "order (defined first)",
	};
	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}
