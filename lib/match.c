/* match.c - best-match semantics and the linear reference lookup */
#include "match.h"

#include <string.h>

#define PORT_ANY_WIDTH 65536u

static bool best_prefix(const struct pc_prefix *v, size_t n, uint8_t family,
			const uint8_t addr[16], uint8_t *plen)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (!pc_prefix_contains(&v[i], family, addr))
			continue;
		if (!found || v[i].plen > *plen)
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
		if (!found || w < *width)
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
		uint8_t lvl = (uint8_t)((v[i].type != PC_ICMP_ANY) + (v[i].code != PC_ICMP_ANY));
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

/* A comparison step: <0 when a is more specific. */
static int cmp_more(uint32_t a, uint32_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_less(uint32_t a, uint32_t b)
{
	return -cmp_more(a, b);
}

int pc_spec_cmp(const struct pc_spec *a, const struct pc_spec *b, enum pc_field *field)
{
	const int steps[] = {
		cmp_more(a->rplen, b->rplen),   cmp_more(a->lplen, b->lplen),
		cmp_more(a->proto, b->proto),   cmp_less(a->lwidth, b->lwidth),
		cmp_less(a->rwidth, b->rwidth), cmp_more(a->icmp, b->icmp),
		cmp_more(a->dir, b->dir),
	};
	static const enum pc_field fields[] = {
		PC_FIELD_REMOTE, PC_FIELD_LOCAL, PC_FIELD_PROTO, PC_FIELD_LPORT,
		PC_FIELD_RPORT,  PC_FIELD_ICMP,  PC_FIELD_DIR,
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i]) {
			if (field)
				*field = fields[i];
			return steps[i];
		}
	}
	if (field)
		*field = PC_FIELD_NONE;
	return 0;
}

int pc_candidate_cmp(const struct pc_rule *rules, const struct pc_candidate *a,
		     const struct pc_candidate *b, enum pc_field *field)
{
	int c = pc_spec_cmp(&a->spec, &b->spec, field);
	if (c)
		return c;
	if (rules[a->rule].action != rules[b->rule].action) {
		if (field)
			*field = PC_FIELD_ACTION;
		return rules[a->rule].action == PC_DENY ? -1 : 1;
	}
	if (field)
		*field = PC_FIELD_ORDER;
	return a->rule < b->rule ? -1 : a->rule > b->rule ? 1 : 0;
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
