/* index_build.c - compiling the enabled rules: their address pairs per
 * family, a node per remote prefix, its records (listed entries, groups or a
 * tree of local prefixes with leaves), the remote table; pc_index_new (the
 * format: index_int.h) */
#include "index_int.h"

/* The top bits of a 64-bit word (bits 0..64). */
static uint64_t mask_top(unsigned bits)
{
	return bits ? UINT64_MAX << (64 - bits) : 0;
}

static bool ports_any(const struct pc_portrange *p)
{
	return p->lo == 0 && p->hi == UINT16_MAX;
}

/* KIND_PORTS when an element pair names a port, KIND_ICMP when an icmp
 * element names a type: a packet without ports (icmp) never matches it. */
static unsigned ent_kind(const struct pc_portrange *lp, const struct pc_portrange *rp,
			 const struct pc_icmpspec *ic)
{
	return (ports_any(lp) && ports_any(rp) ? 0 : KIND_PORTS) |
	       (ic->type == PC_ICMP_ANY && ic->code == PC_ICMP_ANY ? 0 : KIND_ICMP);
}

/* False for element combinations no packet matches: a reversed port range,
 * an icmp code with any type, an icmp type or code out of range. */
static bool elems_can_match(const struct pc_portrange *lp, const struct pc_portrange *rp,
			    const struct pc_icmpspec *ic)
{
	return lp->lo <= lp->hi && rp->lo <= rp->hi && ic->type >= PC_ICMP_ANY && ic->type <= 255 &&
	       ic->code >= PC_ICMP_ANY && ic->code <= 255 &&
	       !(ic->type == PC_ICMP_ANY && ic->code != PC_ICMP_ANY);
}

static unsigned proto_key(const struct pc_rule *r)
{
	return r->proto == PC_PROTO_ANY ? PROTO_ANYKEY : (unsigned)r->proto;
}

/* The entry of rule r (index ri) for one element combination, its local
 * prefix of length lplen. */
static struct ent ent_of(const struct pc_rule *r, uint32_t ri, unsigned lplen,
			 const struct pc_portrange *lp, const struct pc_portrange *rp,
			 const struct pc_icmpspec *ic)
{
	struct pc_spec s = pc_elems_spec(r, 0, lplen, lp, rp, ic);

	return (struct ent){
		.rank = pc_rank_key(&s, r->action), .rule = ri,
		.llo = lp->lo, .lhi = lp->hi, .rlo = rp->lo, .rhi = rp->hi,
		.proto = (uint16_t)proto_key(r), .itype = (int16_t)ic->type,
		.icode = (int16_t)ic->code, .ilev = s.icmp, .dmask = (uint8_t)r->dir,
		.kind = (uint8_t)ent_kind(lp, rp, ic), .lplen = (uint8_t)lplen,
	};
}

/* Adds the entries of rule ri for every lport x rport x icmp element, its
 * local prefix of length lplen. */
static int expand_rule(struct builder *b, uint32_t ri, unsigned lplen)
{
	const struct pc_rule *r = &b->rules[ri];

	for (size_t l = 0; l < r->n_lport; l++)
		for (size_t p = 0; p < r->n_rport; p++)
			for (size_t c = 0; c < r->n_icmp; c++) {
				const struct pc_portrange *lp = &r->lport[l], *rp = &r->rport[p];
				const struct pc_icmpspec *ic = &r->icmp[c];
				struct ent *e;

				if (!elems_can_match(lp, rp, ic))
					continue;
				e = vec_add(&b->ents, 1);
				if (!e)
					return -1;
				*e = ent_of(r, ri, lplen, lp, rp, ic);
			}
	return 0;
}

/* The leaf of remote and local "any" has, in most policies, the same rules
 * in both families: the second family reuses the groups of the first. */
static bool shared_anyany(struct builder *b, struct grpref *lf, const uint64_t *pr, size_t n)
{
	if (!b->anyany_set || b->anyany.n != n || memcmp(b->anyany.p, pr, n * sizeof *pr))
		return false;
	lf->grp_off = b->anyany_leaf.grp_off;
	lf->n_grp = b->anyany_leaf.n_grp;
	return true;
}

static int keep_anyany(struct builder *b, const struct grpref *lf, const uint64_t *pr, size_t n)
{
	uint64_t *keep = vec_scratch(&b->anyany, n);

	if (!keep)
		return -1;
	memcpy(keep, pr, n * sizeof *pr);
	b->anyany_leaf = *lf;
	b->anyany_set = true;
	return 0;
}

/* Builds the groups of a leaf from its address pairs a[0..n). */
static int build_leaf(struct builder *b, struct grpref *lf, const struct ae *a, size_t n)
{
	uint64_t *pr = vec_scratch(&b->leaf_rules, n);
	bool anyany = !a->rplen && !a->lplen;
	size_t m = 0;

	if (!pr)
		return -1;
	for (size_t i = 0; i < n; i++)
		pr[i] = (uint64_t)proto_key(&b->rules[a[i].rule]) << 32 | a[i].rule;
	sort_n(pr, n, sizeof *pr, sort_u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || pr[i] != pr[m - 1])
			pr[m++] = pr[i];
	if (anyany && shared_anyany(b, lf, pr, m))
		return 0;
	lf->grp_off = (uint32_t)b->out.grp.n;
	for (size_t i = 0, j; i < m; i = j) {
		unsigned proto = (unsigned)(pr[i] >> 32);

		b->ents.n = 0;
		for (j = i; j < m && pr[j] >> 32 == proto; j++)
			if (expand_rule(b, (uint32_t)pr[j], 0) < 0)
				return -1;
		if (pc_ix_build_group(&b->groups, proto, b->ents.p, b->ents.n) < 0)
			return -1;
	}
	lf->n_grp = (uint16_t)(b->out.grp.n - lf->grp_off);
	return anyany ? keep_anyany(b, lf, pr, m) : 0;
}

static bool same_remote(const struct ae *x, const struct ae *y)
{
	return x->rplen == y->rplen && x->rk[0] == y->rk[0] && x->rk[1] == y->rk[1];
}

static bool same_local(const struct ae *x, const struct ae *y)
{
	return x->lplen == y->lplen && x->lk[0] == y->lk[0] && x->lk[1] == y->lk[1];
}

/* The entries of the address pairs a[0..n) (sorted, see ae_cmp) into
 * b->ents with their local prefixes. Returns 0, 1 when there are more than
 * FLAT_MAX (then b->ents is incomplete), or -1 with errno. */
static int expand_pairs(struct builder *b, const struct ae *a, size_t n)
{
	b->ents.n = 0;
	for (size_t i = 0; i < n; i++) {
		size_t e0 = b->ents.n;

		if (i && a[i].rule == a[i - 1].rule && same_local(&a[i], &a[i - 1]))
			continue;
		if (expand_rule(b, a[i].rule, a[i].lplen) < 0)
			return -1;
		for (size_t j = e0; j < b->ents.n; j++)
			memcpy(VAT(b->ents, struct ent)[j].lk, a[i].lk, sizeof a[i].lk);
		if (b->ents.n > FLAT_MAX)
			return 1;
	}
	return 0;
}

/* Appends a record of kind with count and words after its first word, the
 * parent unset (NONE). Returns its offset, or -1 with errno. */
static long rec_add(struct builder *b, unsigned kind, size_t count, size_t words)
{
	size_t off = b->rec.n;
	uint64_t *w;

	if (count > REC_COUNT_MAX || off + 1 + words >= TERM) {
		errno = E2BIG;
		return -1;
	}
	w = vec_add(&b->rec, 1 + words);
	if (!w)
		return -1;
	w[0] = NONE | (uint64_t)kind << 32 | (uint64_t)count << 40;
	return (long)off;
}

static void rec_parent(struct builder *b, uint32_t off, uint32_t parent)
{
	uint64_t *w;

	if (off & TERM)
		return;
	w = VAT(b->rec, uint64_t) + off;
	*w = (*w & ~(uint64_t)UINT32_MAX) | parent;
}

static size_t ent_words(const struct ent *e, unsigned kw, bool local)
{
	return 1 + (e->kind != 0) + (local && e->lplen ? kw : 0);
}

/* The flags of a listed entry (see F_NOT_IN) and its ports or icmp word. */
static unsigned ent_flags(const struct ent *e, bool local, uint64_t *x)
{
	unsigned fl =
	    (e->dmask & PC_DIR_IN ? 0 : F_NOT_IN) | (e->dmask & PC_DIR_OUT ? 0 : F_NOT_OUT);

	*x = 0;
	if (e->kind & KIND_PORTS) {
		fl |= F_PORTS;
		*x = e->llo | (uint64_t)e->lhi << 16 | (uint64_t)e->rlo << 32 |
		     (uint64_t)e->rhi << 48;
	} else if (e->kind & KIND_ICMP) {
		fl |= F_ICMP | (e->icode != PC_ICMP_ANY ? F_CODE : 0);
		*x = (uint64_t)(uint8_t)e->itype | (uint64_t)(uint8_t)e->icode << 8;
	}
	if (local && e->lplen)
		fl |= F_LOCAL;
	if (e->proto != PROTO_ANYKEY)
		fl |= F_PROTO;
	return fl;
}

/* Writes a listed entry (see F_NOT_IN) at w. */
static void ent_put(uint64_t *w, const struct ent *e, unsigned kw, bool local)
{
	uint64_t x;
	unsigned fl = ent_flags(e, local, &x);

	*w++ = e->rule | (uint64_t)(e->proto & 0xff) << 32 | (uint64_t)e->lplen << 40 |
	       (uint64_t)fl << 48 | (uint64_t)(ent_words(e, kw, local) - 1) << 56;
	if (e->kind)
		*w++ = x;
	if (fl & F_LOCAL)
		memcpy(w, e->lk, kw * sizeof *w);
}

/* A ONE record of entry e. Returns its offset, -2 when e has an IPv6 local
 * key (a FLAT record serves it), or -1 with errno. */
static long put_one(struct builder *b, const struct ent *e, unsigned kw, bool local)
{
	uint64_t x, *w;
	unsigned fl = ent_flags(e, local, &x);
	long off;

	if ((fl & F_LOCAL) && kw != 1)
		return -2;
	off = rec_add(b, REC_FLAT, 1, 1 + (e->kind != 0));
	if (off < 0)
		return -1;
	w = VAT(b->rec, uint64_t) + off;
	w[0] = NONE | (uint64_t)(ONE_BIT | e->rule) << 32;
	w[1] = (fl & F_LOCAL ? e->lk[0] & ~(uint64_t)UINT32_MAX : 0) | (uint64_t)e->lplen << 24 |
	       (uint64_t)fl << 16 | (uint64_t)(e->proto & 0xff) << 8;
	if (e->kind)
		w[2] = x;
	return off;
}

/* True when e matches every packet of its address pair. */
static bool ent_catchall(const struct ent *e)
{
	return !e->kind && e->dmask == PC_DIR_BOTH && e->proto == PROTO_ANYKEY;
}

/* A FLAT record of the entries in b->ents, with their local prefixes when
 * local, up to the first that matches every packet; TERM | rule when that
 * is the first. Returns its offset, or -1 with errno. */
static long put_flat(struct builder *b, unsigned kw, bool local)
{
	struct ent *e = b->ents.p;
	size_t n = b->ents.n, words = 0;
	uint64_t *w;
	long off;

	sort_n(e, n, sizeof *e, ent_cmp);
	for (size_t i = 0; i < n; i++) {
		if (ent_catchall(&e[i]) && (!local || !e[i].lplen)) {
			if (!i)
				return (long)(TERM | e[i].rule);
			n = i + 1;
			break;
		}
	}
	if (n == 1 && (off = put_one(b, e, kw, local)) != -2)
		return off;
	for (size_t i = 0; i < n; i++)
		words += ent_words(&e[i], kw, local);
	off = rec_add(b, REC_FLAT, n, words);
	if (off < 0)
		return -1;
	w = VAT(b->rec, uint64_t) + off + 1;
	for (size_t i = 0; i < n; i++) {
		ent_put(w, &e[i], kw, local);
		w += ent_words(&e[i], kw, local);
	}
	return off;
}

/* A GROUPS record of the pairs a[0..n), all of one local prefix. */
static long put_groups(struct builder *b, const struct ae *a, size_t n)
{
	struct grpref g;
	long off;

	if (build_leaf(b, &g, a, n) < 0)
		return -1;
	off = rec_add(b, REC_GROUPS, g.n_grp, 1);
	if (off < 0)
		return -1;
	VAT(b->rec, uint64_t)[off + 1] = g.grp_off;
	return off;
}

/* A leaf of the pairs a[0..n), all of one local prefix: listed when they
 * have few entries, else groups. Returns its offset, or -1 with errno. */
static long put_leaf(struct builder *b, unsigned kw, const struct ae *a, size_t n)
{
	int r = expand_pairs(b, a, n);

	if (r < 0)
		return -1;
	return r ? put_groups(b, a, n) : put_flat(b, kw, false);
}

/* Links each prefix of v[0..n) (values: records) to its parent and returns
 * the intervals they cut (into b->intervals), or -1 with errno. */
static long link_prefixes(struct builder *b, const struct pc_lpm_pfx *v, size_t n, uint32_t root)
{
	uint32_t *par = vec_scratch(&b->parents, n);
	struct pc_lpm_iv *iv = vec_scratch(&b->intervals, 2 * n + 1);
	size_t m;

	if (!par || !iv)
		return -1;
	m = pc_lpm_intervals(v, n, root, iv, par);
	for (size_t i = 0; i < n; i++)
		rec_parent(b, v[i].value, par[i]);
	return (long)m;
}

static int push_pfx(struct vec *v, const uint64_t key[2], unsigned plen, long value)
{
	struct pc_lpm_pfx *p = vec_add(v, 1);

	if (!p)
		return -1;
	memcpy(p->key, key, sizeof p->key);
	p->plen = (uint8_t)plen;
	p->value = (uint32_t)value;
	return 0;
}

/* A TREE node of the pairs a[0..n): a leaf per local prefix and a block of
 * local intervals. Returns its offset, or -1 with errno. */
static long put_tree(struct builder *b, unsigned kw, const struct ae *a, size_t n)
{
	uint32_t root = NONE;
	unsigned ws;
	long off, m;

	b->leaf_pfx.n = 0;
	for (size_t i = 0, j; i < n; i = j) {
		long lf;

		for (j = i + 1; j < n && same_local(&a[i], &a[j]); j++)
			;
		lf = put_leaf(b, kw, a + i, j - i);
		if (lf < 0)
			return -1;
		if (!a[i].lplen)
			root = (uint32_t)lf;
		else if (push_pfx(&b->leaf_pfx, a[i].lk, a[i].lplen, lf) < 0)
			return -1;
	}
	m = link_prefixes(b, b->leaf_pfx.p, b->leaf_pfx.n, root);
	if (m < 0)
		return -1;
	ws = pc_lpm_compact(0, b->intervals.p, (size_t)m);
	off = rec_add(b, REC_TREE, ws, pc_lpm_block_words(ws, (size_t)m));
	if (off < 0)
		return -1;
	pc_lpm_block_put(VAT(b->rec, uint64_t) + off + 1, ws, b->intervals.p, (size_t)m);
	return off;
}

/* The node of a[0..n) (one remote prefix). Returns its offset, or -1. */
static long build_node(struct builder *b, unsigned kw, const struct ae *a, size_t n)
{
	int r = expand_pairs(b, a, n);
	bool local = false;

	if (r < 0)
		return -1;
	if (!r)
		return put_flat(b, kw, true);
	for (size_t i = 0; i < n && !local; i++)
		local = a[i].lplen != 0;
	return local ? put_tree(b, kw, a, n) : put_groups(b, a, n);
}

static bool admits(const struct pc_prefix *p, unsigned fam)
{
	return p->family == PC_FAM_ANY || p->family == fam;
}

static void plen_mask(unsigned plen, uint64_t m[2])
{
	m[0] = mask_top(plen > 64 ? 64 : plen);
	m[1] = mask_top(plen > 64 ? plen - 64 : 0);
}

static void prefix_key(const struct pc_prefix *p, unsigned fam, uint64_t k[2], uint8_t *plen)
{
	uint64_t w[2], m[2];

	*plen = p->family == PC_FAM_ANY ? 0 : p->plen;
	addr_words(p->addr, fam, w);
	plen_mask(*plen, m);
	k[0] = w[0] & m[0];
	k[1] = w[1] & m[1];
}

/* The address pairs of every enabled rule in family fam, into b->pairs. */
static int collect(struct builder *b, unsigned fam)
{
	b->pairs.n = 0;
	for (size_t ri = 0; ri < b->n_rules; ri++) {
		const struct pc_rule *r = &b->rules[ri];

		if (!r->enabled)
			continue;
		for (size_t i = 0; i < r->n_remote; i++) {
			if (!admits(&r->remote[i], fam))
				continue;
			for (size_t j = 0; j < r->n_local; j++) {
				struct ae *a;

				if (!admits(&r->local[j], fam))
					continue;
				a = vec_add(&b->pairs, 1);
				if (!a)
					return -1;
				prefix_key(&r->remote[i], fam, a->rk, &a->rplen);
				prefix_key(&r->local[j], fam, a->lk, &a->lplen);
				a->rule = (uint32_t)ri;
			}
		}
	}
	return 0;
}

/* By remote prefix (key, then length: the order lpm.h wants), then local
 * prefix likewise, then rule. */
static int ae_cmp(const void *pa, const void *pb)
{
	const struct ae *x = pa, *y = pb;

	for (unsigned i = 0; i < 2; i++)
		if (x->rk[i] != y->rk[i])
			return x->rk[i] < y->rk[i] ? -1 : 1;
	if (x->rplen != y->rplen)
		return x->rplen < y->rplen ? -1 : 1;
	for (unsigned i = 0; i < 2; i++)
		if (x->lk[i] != y->lk[i])
			return x->lk[i] < y->lk[i] ? -1 : 1;
	if (x->lplen != y->lplen)
		return x->lplen < y->lplen ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* A sort key and the position it came from. */
struct skey {
	uint64_t key, at;
};

/* Sorts v[0..n) by key, stably (least significant byte first, skipping the
 * bytes all keys share); tmp has room for n. Returns v or tmp, sorted. */
static struct skey *radix_sort(struct skey *v, struct skey *tmp, size_t n)
{
	for (unsigned sh = 0; sh < 64 && n; sh += 8) {
		size_t cnt[256] = { 0 }, pos = 0;
		struct skey *t;

		for (size_t i = 0; i < n; i++)
			cnt[v[i].key >> sh & 0xff]++;
		if (cnt[v[0].key >> sh & 0xff] == n)
			continue;
		for (unsigned d = 0; d < 256; d++) {
			size_t c = cnt[d];

			cnt[d] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[cnt[v[i].key >> sh & 0xff]++] = v[i];
		t = v;
		v = tmp;
		tmp = t;
	}
	return v;
}

/* Sorts b->pairs by ae_cmp: by radix on the first remote key word (with the
 * remote length for IPv4, whose key is one word), then ae_cmp within runs
 * of equal keys. Returns 0, or -1 with errno. */
static int sort_pairs(struct builder *b, unsigned kw)
{
	size_t n = b->pairs.n;
	struct skey *k = vec_scratch(&b->pair_keys, 2 * n), *s;
	struct ae *a = b->pairs.p, *out = vec_scratch(&b->pairs_sorted, n);
	struct vec swap;

	if (!k || !out)
		return -1;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct skey){ a[i].rk[0] | (kw == 1 ? a[i].rplen : 0), i };
	s = radix_sort(k, k + n, n);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && s[j].key == s[i].key; j++)
			out[j] = a[s[j].at];
		sort_n(out + i, j - i, sizeof *out, ae_cmp);
	}
	swap = b->pairs;
	b->pairs = b->pairs_sorted;
	b->pairs_sorted = swap;
	vec_free(&b->pairs_sorted);
	vec_free(&b->pair_keys);
	return 0;
}

static int build_family(struct builder *b, struct famtab *f, unsigned fam, size_t *bytes)
{
	uint32_t root = NONE;
	const struct ae *a;
	size_t n;
	long m;

	f->kw = fam == PC_FAM_V4 ? 1 : 2;
	if (collect(b, fam) < 0)
		return -1;
	if (sort_pairs(b, f->kw) < 0)
		return -1;
	a = b->pairs.p;
	n = b->pairs.n;
	b->node_pfx.n = 0;
	for (size_t i = 0, j; i < n; i = j) {
		long node;

		for (j = i + 1; j < n && same_remote(&a[i], &a[j]); j++)
			;
		node = build_node(b, f->kw, a + i, j - i);
		if (node < 0)
			return -1;
		if (!a[i].rplen)
			root = (uint32_t)node;
		else if (push_pfx(&b->node_pfx, a[i].rk, a[i].rplen, node) < 0)
			return -1;
	}
	vec_free(&b->pairs);
	m = link_prefixes(b, b->node_pfx.p, b->node_pfx.n, root);
	if (m < 0 || pc_lpm_build(&f->remote, f->kw, b->node_pfx.p, b->node_pfx.n, root,
				  b->intervals.p, (size_t)m, bytes) < 0)
		return -1;
	return pc_ix_relayout(&b->rec, &b->layout, f, bytes);
}

static bool prefix_ok(const struct pc_prefix *p)
{
	switch (p->family) {
	case PC_FAM_ANY:
		return p->plen == 0;
	case PC_FAM_V4:
		return p->plen <= 32;
	case PC_FAM_V6:
		return p->plen <= 128;
	}
	return false;
}

static bool prefixes_ok(const struct pc_prefix *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!prefix_ok(&v[i]))
			return false;
	return true;
}

static bool ports_named(const struct pc_portrange *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ports_any(&v[i]))
			return true;
	return false;
}

/* True when the index can represent rule r exactly: protocol, direction
 * and prefixes in range, and not both a port and an icmp type named (no
 * packet has both, and the tables keep them apart). */
static bool rule_ok(const struct pc_rule *r)
{
	bool ports = ports_named(r->lport, r->n_lport) || ports_named(r->rport, r->n_rport);

	if (r->proto < PC_PROTO_ANY || r->proto > 255 || r->dir < PC_DIR_IN ||
	    r->dir > PC_DIR_BOTH || !prefixes_ok(r->remote, r->n_remote) ||
	    !prefixes_ok(r->local, r->n_local))
		return false;
	for (size_t i = 0; i < r->n_icmp; i++)
		if (ports && r->icmp[i].type != PC_ICMP_ANY)
			return false;
	return true;
}

static void builder_free(struct builder *b)
{
	struct vec *all[] = {
		&b->out.grp, &b->out.tier, &b->out.lstart, &b->out.lcell, &b->out.cstart,
		&b->out.cell, &b->out.icmp, &b->out.ent_rule, &b->rec, &b->pairs, &b->pairs_sorted,
		&b->pair_keys, &b->node_pfx, &b->leaf_pfx, &b->intervals, &b->parents, &b->ents,
		&b->leaf_rules, &b->anyany, &b->layout.words, &b->layout.map,
		&b->layout.placed,
	};

	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		vec_free(all[i]);
	pc_ix_groups_free(&b->groups);
}

static void builder_init(struct builder *b, const struct pc_rule *rules, size_t n)
{
	*b = (struct builder){
		.rules = rules,
		.n_rules = n,
		.out = { .grp = VEC(struct group),
			 .tier = VEC(struct tier),
			 .lstart = VEC(uint16_t),
			 .lcell = VEC(struct lcell),
			 .cstart = VEC(uint16_t),
			 .cell = VEC(uint32_t),
			 .icmp = VEC(struct icmppart),
			 .ent_rule = VEC(uint32_t) },
		.rec = VEC(uint64_t),
		.pairs = VEC(struct ae),
		.pairs_sorted = VEC(struct ae),
		.pair_keys = VEC(struct skey),
		.node_pfx = VEC(struct pc_lpm_pfx),
		.leaf_pfx = VEC(struct pc_lpm_pfx),
		.intervals = VEC(struct pc_lpm_iv),
		.parents = VEC(uint32_t),
		.ents = VEC(struct ent),
		.leaf_rules = VEC(uint64_t),
		.anyany = VEC(uint64_t),
		.layout = { .words = VEC(uint64_t), .map = VEC(uint32_t), .placed = VEC(uint32_t) },
	};
	pc_ix_groups_init(&b->groups, &b->out);
}

static void finish(struct builder *b, struct pc_index *ix)
{
	size_t bytes = sizeof *ix;

	ix->grp = vec_take(&b->out.grp, &bytes);
	ix->tier = vec_take(&b->out.tier, &bytes);
	ix->lstart = vec_take(&b->out.lstart, &bytes);
	ix->lcell = vec_take(&b->out.lcell, &bytes);
	ix->cstart = vec_take(&b->out.cstart, &bytes);
	ix->cell = vec_take(&b->out.cell, &bytes);
	ix->icmp = vec_take(&b->out.icmp, &bytes);
	ix->ent_rule = vec_take(&b->out.ent_rule, &bytes);
	ix->memory += bytes;
}

size_t pc_index_memory(const struct pc_index *ix)
{
	return ix->memory;
}

struct pc_index *pc_index_new(const struct pc_policy *p)
{
	struct pc_index *ix = calloc(1, sizeof *ix);
	struct builder b;
	const struct pc_rule *rules;
	size_t n, bytes = 0;

	rules = pc_policy_rules(p, &n);
	builder_init(&b, rules, n);
	if (!ix)
		goto out;
	if (n >= TERM) {
		errno = E2BIG;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (rules[i].enabled && !rule_ok(&rules[i])) {
			errno = EINVAL;
			goto fail;
		}
	}
	if (build_family(&b, &ix->fam[0], PC_FAM_V4, &bytes) < 0 ||
	    build_family(&b, &ix->fam[1], PC_FAM_V6, &bytes) < 0)
		goto fail;
	ix->memory = bytes;
	finish(&b, ix);
	goto out;
fail:
	pc_index_free(ix);
	ix = NULL;
out:
	builder_free(&b);
	return ix;
}

void pc_index_free(struct pc_index *ix)
{
	int saved = errno;

	if (!ix)
		return;
	pc_lpm_free(&ix->fam[0].remote);
	pc_lpm_free(&ix->fam[1].remote);
	free(ix->grp);
	free(ix->tier);
	free(ix->lstart);
	free(ix->lcell);
	free(ix->cstart);
	free(ix->cell);
	free(ix->icmp);
	free(ix->ent_rule);
	free(ix);
	errno = saved;
}
