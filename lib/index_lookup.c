/* index_lookup.c - the deciding rule of a packet: the remote table, the chain
 * of matching remote prefixes, a node's local intervals, its listed entries
 * or its groups (the record format: index_int.h). Nothing allocates. */
#include "index_int.h"

#define HOT static inline __attribute__((always_inline))

struct query {
	unsigned d; /* 0 in, 1 out */
	uint8_t proto;
	uint8_t reject; /* flags of entries that cannot match */
	uint16_t lport, rport;
	uint8_t icmp_type, icmp_code;
};

static uint32_t tier_query(const struct pc_index *ix, const struct tier *t, const struct query *q)
{
	size_t i = find_le(ix->lstart + t->l_off, t->n_l, q->lport);
	const struct lcell *c = &ix->lcell[t->l_off + i];
	size_t j;

	if (!c->n)
		return NONE;
	j = find_le(ix->cstart + c->off, c->n, q->rport);
	return ix->cell[2 * ((size_t)c->off + j) + q->d];
}

static uint32_t icmp_query(const struct pc_index *ix, const struct icmppart *ip,
			   const struct query *q)
{
	unsigned tc = (unsigned)q->icmp_type << 8 | q->icmp_code;
	size_t i = find_eq(ix->cstart + ip->tc_off, ip->n_tc, tc);

	if (i < ip->n_tc)
		return ix->cell[2 * (ip->tc_off + i) + q->d];
	i = find_eq(ix->cstart + ip->t_off, ip->n_t, q->icmp_type);
	if (i < ip->n_t)
		return ix->cell[2 * (ip->t_off + i) + q->d];
	return ip->any[q->d];
}

/* The deciding rule within group g, or NONE. */
static uint32_t group_query(const struct pc_index *ix, const struct group *g, const struct query *q)
{
	uint32_t best = g->plain[q->d];
	bool ranked = group_ranked(g);

	if (!(q->reject & F_PORTS) && g->n_tier) {
		best = NONE;
		for (size_t t = 0; t < g->n_tier && best == NONE; t++)
			best = tier_query(ix, &ix->tier[g->tier_off + t], q);
	}
	if (!(q->reject & F_ICMP) && g->icmp != NONE) {
		uint32_t r = icmp_query(ix, &ix->icmp[g->icmp], q);

		if (!ranked || r < best)
			best = r;
	}
	return ranked && best != NONE ? ix->ent_rule[best] : best;
}

static const struct group *group_find(const struct group *g, size_t n, unsigned proto)
{
	size_t lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		if (g[lo + half].proto <= proto)
			lo += half;
		n -= half;
	}
	return n && g[lo].proto == proto ? &g[lo] : NULL;
}

/* The deciding rule among groups grp[off .. off + n), or NONE. */
static uint32_t groups_query(const struct pc_index *ix, uint32_t off, size_t n,
			     const struct query *q)
{
	const struct group *g = ix->grp + off;
	const struct group *ex, *any = NULL;
	uint32_t r;

	if (n && g[n - 1].proto == PROTO_ANYKEY)
		any = &g[--n];
	ex = group_find(g, n, q->proto);
	if (ex) {
		r = group_query(ix, ex, q);
		if (r != NONE)
			return r;
	}
	return any ? group_query(ix, any, q) : NONE;
}

static void query_init(const struct pc_pkt *pkt, struct query *q)
{
	bool out = pkt->dir == PC_DIR_OUT;
	bool frag = pkt->flags & PC_PKT_FRAG;

	q->d = out;
	q->proto = pkt->proto;
	q->reject = (uint8_t)((out ? F_NOT_OUT : F_NOT_IN) |
			      (!frag && (pkt->flags & PC_PKT_PORTS) ? 0 : F_PORTS) |
			      (!frag && (pkt->flags & PC_PKT_ICMP) ? 0 : F_ICMP));
	q->lport = out ? pkt->sport : pkt->dport;
	q->rport = out ? pkt->dport : pkt->sport;
	q->icmp_type = pkt->icmp_type;
	q->icmp_code = pkt->icmp_code;
}

/* True when the ports or icmp word x of a listed entry admits the packet. */
static inline bool extra_ok(uint64_t x, unsigned fl, const struct query *q)
{
	if (fl & F_PORTS)
		return q->lport >= (uint16_t)x && q->lport <= (uint16_t)(x >> 16) &&
		       q->rport >= (uint16_t)(x >> 32) && q->rport <= (uint16_t)(x >> 48);
	return q->icmp_type == (uint8_t)x && (!(fl & F_CODE) || q->icmp_code == (uint8_t)(x >> 8));
}

/* True when the local address lw is in the prefix key / plen (1..128). */
static inline bool local_ok(const uint64_t lw[2], const uint64_t *key, unsigned plen, unsigned kw)
{
	unsigned top = plen < 64 ? plen : 64;

	if ((lw[0] & UINT64_MAX << (64 - top)) != key[0])
		return false;
	return kw == 1 || plen <= 64 || (lw[1] & UINT64_MAX << (128 - plen)) == key[1];
}

/* The first of the n listed entries at e that matches, or NONE. */
HOT uint32_t flat_query(unsigned kw, const uint64_t *e, size_t n, const uint64_t lw[2],
			   const struct query *q)
{
	for (; n; n--) {
		uint64_t w = e[0];
		unsigned fl = (unsigned)(w >> 48) & 0xff;
		const uint64_t *x = e + 1;

		e = x + (w >> 56);
		if ((fl & q->reject) || ((fl & F_PROTO) && (uint8_t)(w >> 32) != q->proto))
			continue;
		if ((fl & (F_PORTS | F_ICMP)) && !extra_ok(*x++, fl, q))
			continue;
		if ((fl & F_LOCAL) && !local_ok(lw, x, (unsigned)(w >> 40) & 0xff, kw))
			continue;
		return (uint32_t)w;
	}
	return NONE;
}

/* The rule of ONE record r if it matches, or NONE. */
HOT uint32_t one_query(const uint64_t *r, const uint64_t lw[2], const struct query *q)
{
	uint64_t w = r[1];
	unsigned fl = (unsigned)(w >> 16) & 0xff, plen = (unsigned)(w >> 24) & 0xff;

	if ((fl & q->reject) || ((fl & F_PROTO) && (uint8_t)(w >> 8) != q->proto))
		return NONE;
	if ((fl & (F_PORTS | F_ICMP)) && !extra_ok(r[2], fl, q))
		return NONE;
	if ((fl & F_LOCAL) && (lw[0] & UINT64_MAX << (64 - plen)) != (w & ~(uint64_t)UINT32_MAX))
		return NONE;
	return (uint32_t)(r[0] >> 32) & ~ONE_BIT;
}

/* The deciding rule of a FLAT, ONE or GROUPS record, or NONE. */
HOT uint32_t rec_query(const struct pc_index *ix, unsigned kw, const uint64_t *r,
			  const uint64_t lw[2], const struct query *q)
{
	size_t n = r[0] >> 40;

	if (r[0] >> 63)
		return one_query(r, lw, q);
	if ((r[0] >> 32 & 0xff) == REC_FLAT)
		return flat_query(kw, r + 1, n, lw, q);
	return groups_query(ix, (uint32_t)r[1], n, q);
}

/* The deciding rule under the remote node at offset n, or NONE. */
HOT uint32_t node_query(const struct pc_index *ix, const struct famtab *f, uint32_t n,
			   const uint64_t lw[2], const struct query *q)
{
	const uint64_t *r = f->remote.blk + n;

	if (rec_kind(r[0]) != REC_TREE)
		return rec_query(ix, f->kw, r, lw, q);
	for (uint32_t lf = pc_lpm_block_find(r + 1, (unsigned)(r[0] >> 40), lw); lf != NONE;
	     lf = (uint32_t)f->remote.blk[lf]) {
		uint32_t res;

		if (lf & TERM)
			return lf & ~TERM;
		res = rec_query(ix, f->kw, f->remote.blk + lf, lw, q);

		if (res != NONE)
			return res;
	}
	return NONE;
}

/* The deciding rule along the chain of remote nodes from offset n, or -1:
 * kept apart so that a lookup the remote table answers stays short. */
static __attribute__((noinline)) long chain_lookup(const struct famtab *f,
						   const struct pc_index *ix, uint32_t n,
						   const struct pc_pkt *pkt)
{
	uint64_t lw[2];
	struct query q;

	query_init(pkt, &q);
	addr_words(q.d ? pkt->src : pkt->dst, pkt->family, lw);
	while (n != NONE) {
		uint32_t r, up;

		if (n & TERM)
			return n & ~TERM;
		/* fetch the next shorter prefix while this one is tried */
		up = (uint32_t)f->remote.blk[n];
		if (!(up & TERM))
			__builtin_prefetch(f->remote.blk + up);
		r = node_query(ix, f, n, lw, &q);
		if (r != NONE)
			return r;
		n = up;
	}
	return -1;
}

long pc_index_lookup(const struct pc_index *ix, const struct pc_pkt *pkt)
{
	const struct famtab *f;
	uint64_t rw[2];
	unsigned fam = pkt->family;
	uint32_t n;

	if ((fam != PC_FAM_V4 && fam != PC_FAM_V6) ||
	    (pkt->dir != PC_DIR_IN && pkt->dir != PC_DIR_OUT))
		return -1;
	f = &ix->fam[fam == PC_FAM_V6];
	addr_words(pkt->dir == PC_DIR_OUT ? pkt->dst : pkt->src, fam, rw);
	n = pc_lpm_find(&f->remote, rw);
	if (n & TERM)
		return n == NONE ? -1L : (long)(n & ~TERM);
	return chain_lookup(f, ix, n, pkt);
}
