/* index.c - the compiled rule table
 *
 * Every enabled rule is expanded into one entry per (remote, local) address
 * element pair of a compatible family ("any" joins both families) and filed
 * under its leaf (family, remote prefix, local prefix). Per family, a hash
 * keyed by (remote plen, masked remote address) finds a remote node, which
 * lists the local prefix lengths present under it and holds the leaf of
 * local "any"; a second hash keyed by (remote node, local plen, masked
 * local address) finds the other leaves. A lookup hashes the remote prefix
 * lengths present, longest first, skips those a small bit filter rules
 * out, probes the rest, and under each hit tries the local lengths, longest
 * first: the first leaf with a matching rule decides, since the two address
 * lengths are the most significant keys.
 *
 * A leaf holds one group per protocol named by its rules plus one for
 * "any"; the exact group is asked first. Within a group the entries (one
 * per local-port x remote-port x icmp element of a rule) are ranked once
 * by the rest of the order: local-port width, remote-port width, icmp, a
 * direction given, deny, rule index. A group has a precomputed answer per
 * packet direction for packets only entries without ports and icmp types
 * can match, port tiers (local-port elementary intervals, each pointing at
 * a remote-port interval table with an answer per direction in each cell)
 * and an icmp part ((type,code) keys, type keys, any), each precomputed
 * from every entry it can see; the answers are rule indices.
 *
 * The lookup cost depends on the number of distinct prefix lengths (at most
 * 33 or 129) and, for pathologically nested port ranges only, on the number
 * of tiers (see TIER_MIN), never on the number of rules. Nothing allocates.
 */
#include "index.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

#define NONE UINT32_MAX
#define NOSLOT UINT64_MAX
#define PROTO_ANYKEY 256
#define NDIR 2

/* A ports tier of k entries may use TIER_MIN + TIER_PER_ENTRY * k table
 * cells and as many steps to build them. Nested ranges with distinct
 * remote ports need about k * k / 2 cells in one table; a group that would
 * exceed the bound is split by rank into tiers asked best first, so memory
 * and build time stay linear in the entries and only such groups pay one
 * more pair of binary searches per tier. */
#define TIER_MIN 4096
#define TIER_PER_ENTRY 32
#define MAX_TIERS UINT16_MAX

#define LPL_INLINE 4

/* The local prefix lengths under a remote prefix, longest first, are kept
 * in the node when few, else in famtab.lpl. The leaf of local "any" is
 * kept in the node itself: its groups grp[any_off .. any_off + n_any). */
struct rnode {
	union {
		uint32_t off;
		uint8_t in[LPL_INLINE];
	} lpl;
	uint32_t any_off;
	uint16_t n_any;
	uint8_t rplen;
	uint8_t n_lpl;
};

struct leaf {
	uint32_t rnode;
	uint32_t grp_off; /* groups sorted by protocol, "any" last */
	uint16_t n_grp;
	uint8_t lplen;
};

struct group {
	uint32_t plain[NDIR]; /* best rule needing no ports and no icmp type */
	uint32_t tier_off;
	uint32_t icmp;        /* into pc_index.icmp, or NONE */
	uint16_t proto;       /* 0..255 or PROTO_ANYKEY */
	uint16_t n_tier;
};

/* Local-port intervals lstart[l_off .. l_off + n_l), each with an lcell. */
struct tier {
	uint32_t l_off, n_l;
};

/* A remote-port table: cstart[off .. off + n) with cell pairs; n may be 0. */
struct lcell {
	uint32_t off, n;
};

/* Keys in cstart (type << 8 | code, then type), answers in cell pairs. */
struct icmppart {
	uint32_t tc_off, n_tc, t_off, n_t;
	uint32_t any[NDIR];
};

struct famtab {
	unsigned kw;    /* 64-bit words per address key: 1 (v4) or 2 (v6) */
	unsigned n_rpl;
	uint8_t rpl[129]; /* remote prefix lengths present, longest first */
	uint32_t n_rn, n_lf;
	struct rnode *rn;
	uint64_t *rkey;
	uint64_t *rslot; /* hash tag << 32 | node, NOSLOT when empty */
	uint64_t rmask;
	unsigned rshift; /* 64 - log2(slots) */
	uint64_t *filter; /* a bit per hash prefix: some node may have it */
	unsigned fshift;
	size_t fwords;
	struct leaf *lf;
	uint64_t *lkey;
	uint64_t *lslot;
	uint64_t lmask;
	unsigned lshift;
	uint8_t *lpl;
	size_t n_lpl;
};

struct pc_index {
	struct famtab fam[2];
	uint64_t mask[129][2]; /* address masks by prefix length */
	struct group *grp;
	struct tier *tier;
	uint16_t *lstart;
	struct lcell *lcell;
	uint16_t *cstart;
	uint32_t *cell; /* two per cstart: in, out */
	struct icmppart *icmp;
	uint32_t *ent_rule; /* rank -> rule index, for ranked groups */
	size_t memory;
};

/* ---- growable arrays (build time only) ---- */

struct vec {
	void *p;
	size_t n, cap, sz;
};

#define VEC(type) { NULL, 0, 0, sizeof(type) }
#define VAT(v, type) ((type *)(v).p)

/* Ensures room for n elements. Returns 0, or -1 with errno. */
static int vec_reserve(struct vec *v, size_t n)
{
	size_t cap = v->cap ? v->cap : 16;
	void *p;

	if (n <= v->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (cap > SIZE_MAX / v->sz) {
		errno = ENOMEM;
		return -1;
	}
	p = realloc(v->p, cap * v->sz);
	if (!p)
		return -1;
	v->p = p;
	v->cap = cap;
	return 0;
}

/* Appends k zeroed elements. Returns the first, or NULL with errno. */
static void *vec_add(struct vec *v, size_t k)
{
	void *e;

	if (vec_reserve(v, v->n + k) < 0)
		return NULL;
	e = (char *)v->p + v->n * v->sz;
	memset(e, 0, k * v->sz);
	v->n += k;
	return e;
}

/* Sets the length to n (contents undefined). Returns the array, or NULL. */
static void *vec_scratch(struct vec *v, size_t n)
{
	if (vec_reserve(v, n ? n : 1) < 0)
		return NULL;
	v->n = n;
	return v->p;
}

/* Hands the array over, shrunk to fit; NULL when empty. */
static void *vec_take(struct vec *v, size_t *bytes)
{
	void *p = v->p;

	if (v->n && v->n < v->cap) {
		p = realloc(v->p, v->n * v->sz);
		if (!p)
			p = v->p;
	}
	if (!v->n) {
		free(p);
		p = NULL;
	}
	*bytes += v->n * v->sz;
	v->p = NULL;
	v->n = v->cap = 0;
	return p;
}

static void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

/* ---- keys and hashing ---- */

/* An address as two big-endian words; IPv4 fills the top half of the first. */
static inline void addr_words(const uint8_t *a, unsigned fam, uint64_t w[2])
{
	uint64_t x;
	uint32_t y;

	if (fam == PC_FAM_V4) {
		memcpy(&y, a, sizeof(y));
		w[0] = (uint64_t)be32toh(y) << 32;
		w[1] = 0;
		return;
	}
	memcpy(&x, a, sizeof(x));
	w[0] = be64toh(x);
	memcpy(&x, a + 8, sizeof(x));
	w[1] = be64toh(x);
}

/* The top bits of a 64-bit word (bits 0..64). */
static uint64_t mask_top(unsigned bits)
{
	return bits ? UINT64_MAX << (64 - bits) : 0;
}

/* The key of address words w under mask m (pc_index.mask[plen]). */
static inline void mask_key(const uint64_t w[2], const uint64_t m[2], uint64_t k[2])
{
	k[0] = w[0] & m[0];
	k[1] = w[1] & m[1];
}

/* Multiplicative hashing: a table of 2^b slots uses the top b bits as the
 * slot, and the top 32 as the tag kept in the slot. */
static inline uint64_t hash_key(const uint64_t k[2], uint64_t extra)
{
	return k[0] * UINT64_C(0x9E3779B97F4A7C15) ^ k[1] * UINT64_C(0xC2B2AE3D27D4EB4F) ^
	       (extra + 1) * UINT64_C(0xD6E8FEB86659FD93);
}

static inline bool key_eq(const uint64_t *stored, const uint64_t k[2], unsigned kw)
{
	return stored[0] == k[0] && (kw == 1 || stored[1] == k[1]);
}

static uint32_t rnode_find(const struct famtab *f, uint64_t h, unsigned plen, const uint64_t k[2])
{
	for (uint64_t i = h >> f->rshift;; i = (i + 1) & f->rmask) {
		uint64_t s = f->rslot[i];
		uint32_t n = (uint32_t)s;

		if (s == NOSLOT)
			return NONE;
		if (s >> 32 == h >> 32 && f->rn[n].rplen == plen && key_eq(f->rkey + n * f->kw, k, f->kw))
			return n;
	}
}

static uint32_t leaf_find(const struct famtab *f, uint32_t node, unsigned plen, const uint64_t k[2])
{
	uint64_t h = hash_key(k, (uint64_t)node << 8 | plen);

	for (uint64_t i = h >> f->lshift;; i = (i + 1) & f->lmask) {
		uint64_t s = f->lslot[i];
		uint32_t n = (uint32_t)s;

		if (s == NOSLOT)
			return NONE;
		if (s >> 32 == h >> 32 && f->lf[n].rnode == node && f->lf[n].lplen == plen &&
		    key_eq(f->lkey + n * f->kw, k, f->kw))
			return n;
	}
}

/* ---- lookup ---- */

struct query {
	unsigned d; /* 0 in, 1 out */
	uint8_t proto;
	bool ports, icmp;
	uint16_t lport, rport;
	uint16_t icmp_tc;
	uint8_t icmp_type;
};

/* Largest i < n with a[i] <= v; a[0] must be <= v. */
static inline size_t find_le(const uint16_t *a, size_t n, unsigned v)
{
	size_t lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		if (a[lo + half] <= v)
			lo += half;
		n -= half;
	}
	return lo;
}

/* Index of v in a[0..n), or n when absent. */
static inline size_t find_eq(const uint16_t *a, size_t n, unsigned v)
{
	size_t i;

	if (!n || a[0] > v)
		return n;
	i = find_le(a, n, v);
	return a[i] == v ? i : n;
}

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

static uint32_t icmp_query(const struct pc_index *ix, const struct icmppart *ip, const struct query *q)
{
	size_t i = find_eq(ix->cstart + ip->tc_off, ip->n_tc, q->icmp_tc);

	if (i < ip->n_tc)
		return ix->cell[2 * (ip->tc_off + i) + q->d];
	i = find_eq(ix->cstart + ip->t_off, ip->n_t, q->icmp_type);
	if (i < ip->n_t)
		return ix->cell[2 * (ip->t_off + i) + q->d];
	return ip->any[q->d];
}

/* The answers of a group with both port tiers and an icmp part are ranks
 * (see ent_rule), since a packet with ports and icmp needs both compared;
 * the answers of any other group are rule indices. */
static bool group_ranked(const struct group *g)
{
	return g->n_tier && g->icmp != NONE;
}

/* The deciding rule within group g, or NONE. */
static uint32_t group_query(const struct pc_index *ix, const struct group *g, const struct query *q)
{
	uint32_t best = g->plain[q->d];
	bool ranked = group_ranked(g);

	if (q->ports && g->n_tier) {
		best = NONE;
		for (size_t t = 0; t < g->n_tier && best == NONE; t++)
			best = tier_query(ix, &ix->tier[g->tier_off + t], q);
	}
	if (q->icmp && g->icmp != NONE) {
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
static uint32_t leaf_query(const struct pc_index *ix, uint32_t off, size_t n, const struct query *q)
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
	q->ports = !frag && (pkt->flags & PC_PKT_PORTS);
	q->icmp = !frag && (pkt->flags & PC_PKT_ICMP);
	q->lport = out ? pkt->sport : pkt->dport;
	q->rport = out ? pkt->dport : pkt->sport;
	q->icmp_type = pkt->icmp_type;
	q->icmp_tc = (uint16_t)(pkt->icmp_type << 8 | pkt->icmp_code);
}

/* Tries the local prefixes under remote node n, longest first. */
static uint32_t node_query(const struct pc_index *ix, const struct famtab *f, uint32_t n,
			   const uint64_t lw[2], const struct query *q)
{
	const struct rnode *rn = &f->rn[n];
	const uint8_t *lpl = rn->n_lpl <= LPL_INLINE ? rn->lpl.in : f->lpl + rn->lpl.off;

	for (unsigned j = 0; j < rn->n_lpl; j++) {
		unsigned plen = lpl[j];
		uint64_t k[2];
		uint32_t lf, r;

		if (!plen) {
			r = leaf_query(ix, rn->any_off, rn->n_any, q);
			if (r != NONE)
				return r;
			continue;
		}
		mask_key(lw, ix->mask[plen], k);
		lf = leaf_find(f, n, plen, k);
		if (lf == NONE)
			continue;
		r = leaf_query(ix, f->lf[lf].grp_off, f->lf[lf].n_grp, q);
		if (r != NONE)
			return r;
	}
	return NONE;
}

long pc_index_lookup(const struct pc_index *ix, const struct pc_pkt *pkt)
{
	const struct famtab *f;
	uint64_t rw[2], lw[2], hash[129];
	uint8_t live[129];
	unsigned nlive = 0;
	struct query q;
	unsigned fam = pkt->family;

	if ((fam != PC_FAM_V4 && fam != PC_FAM_V6) || (pkt->dir != PC_DIR_IN && pkt->dir != PC_DIR_OUT))
		return -1;
	f = &ix->fam[fam == PC_FAM_V6];
	query_init(pkt, &q);
	addr_words(q.d ? pkt->dst : pkt->src, fam, rw);
	addr_words(q.d ? pkt->src : pkt->dst, fam, lw);
	/* Hash every remote length first, skip those the filter rules out,
	 * and fetch the slots of the others at once: their misses overlap. */
	for (unsigned i = 0; i < f->n_rpl; i++) {
		uint64_t k[2], h, b;

		mask_key(rw, ix->mask[f->rpl[i]], k);
		h = hash_key(k, f->rpl[i]);
		b = h >> f->fshift;
		if (!(f->filter[b / 64] >> (b % 64) & 1))
			continue;
		__builtin_prefetch(&f->rslot[h >> f->rshift]);
		live[nlive] = (uint8_t)i;
		hash[nlive++] = h;
	}
	for (unsigned j = 0; j < nlive; j++) {
		unsigned plen = f->rpl[live[j]];
		uint64_t k[2];
		uint32_t n, r;

		mask_key(rw, ix->mask[plen], k);
		n = rnode_find(f, hash[j], plen, k);
		if (n == NONE)
			continue;
		r = node_query(ix, f, n, lw, &q);
		if (r != NONE)
			return r;
	}
	return -1;
}

size_t pc_index_memory(const struct pc_index *ix)
{
	return ix->memory;
}

/* ---- building ---- */

/* One (remote element, local element) pair of a rule within one family. */
struct ae {
	uint64_t rk[2], lk[2];
	uint32_t rule;
	uint8_t rplen, lplen;
};

/* An entry's kind: whether it names ports, an icmp type (see ent_kind). */
#define KIND_PORTS 1
#define KIND_ICMP 2

/* One element combination of a rule within a protocol group. */
struct ent {
	uint32_t rule, lw, rw;
	uint16_t llo, lhi, rlo, rhi;
	int16_t itype, icode;
	uint8_t ilev, dspec, deny, dmask, kind;
};

/* A ports entry as a tier sees it: its rank and the directions it may win. */
struct pe {
	uint32_t id;
	uint16_t llo, lhi, rlo, rhi;
	uint8_t dmask, rany;
};

/* An entry active in a local-port interval and the directions still open. */
struct act {
	uint32_t pos;
	uint8_t eff;
};

/* A set of positions in a tier, iterated in order (64-ary bit tree). */
struct hbits {
	uint64_t *lv[4];
	size_t nw[4];
	unsigned nlv;
};

struct builder {
	const struct pc_rule *rules;
	size_t n_rules;
	/* the table being built */
	struct vec grp, tier, lstart, lcell, cstart, cell, icmp, ent_rule;
	struct vec rn, rkey, lf, lkey, lpl;
	/* scratch */
	struct vec ae, lrules, grules, ents, pes, bounds, evs, acts, rb, rcell, nx, rstart, ref, hb, ikeys;
	struct vec rvals, rr, pos, hb2;
	struct vec anyany; /* the rules of the first family's any/any leaf */
	struct leaf anyany_leaf;
	bool anyany_set;
};

/* qsort, which must not see a NULL array even when empty. */
static void sort_n(void *p, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(p, n, size, cmp);
}

static int sort_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int sort_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts a[0..n) and drops duplicates; returns the new length. */
static size_t sort_unique(uint32_t *a, size_t n)
{
	size_t m = 0;

	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			uint32_t v = a[i];
			size_t j = i;

			for (; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
	} else {
		sort_n(a, n, sizeof *a, sort_u32_cmp);
	}
	for (size_t i = 0; i < n; i++)
		if (!m || a[m - 1] != a[i])
			a[m++] = a[i];
	return m;
}

/* Index of v in the sorted a[0..n); v must be there. */
static size_t index_of(const uint32_t *a, size_t n, uint32_t v)
{
	size_t lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		if (a[lo + half] <= v)
			lo += half;
		n -= half;
	}
	return lo;
}

static int hb_init(struct hbits *h, struct vec *store, size_t k)
{
	size_t n = k ? k : 1, total = 0;
	uint64_t *w;

	h->nlv = 0;
	do {
		if (h->nlv == 4) {
			errno = E2BIG;
			return -1;
		}
		n = (n + 63) / 64;
		h->nw[h->nlv++] = n;
		total += n;
	} while (n > 1);
	w = vec_scratch(store, total);
	if (!w)
		return -1;
	memset(w, 0, total * sizeof *w);
	for (unsigned l = 0; l < h->nlv; w += h->nw[l++])
		h->lv[l] = w;
	return 0;
}

static void hb_set(struct hbits *h, size_t pos)
{
	for (unsigned l = 0; l < h->nlv; l++, pos >>= 6)
		h->lv[l][pos >> 6] |= UINT64_C(1) << (pos & 63);
}

static void hb_clear(struct hbits *h, size_t pos)
{
	for (unsigned l = 0; l < h->nlv; l++, pos >>= 6) {
		h->lv[l][pos >> 6] &= ~(UINT64_C(1) << (pos & 63));
		if (h->lv[l][pos >> 6])
			break;
	}
}

/* The first position >= pos in the set, or SIZE_MAX. */
static size_t hb_next(const struct hbits *h, size_t pos)
{
	unsigned l = 0;

	for (;; l++) {
		size_t w = pos >> 6;
		uint64_t m;

		if (l == h->nlv || w >= h->nw[l])
			return SIZE_MAX;
		m = h->lv[l][w] & (UINT64_MAX << (pos & 63));
		if (m) {
			pos = w << 6 | (size_t)__builtin_ctzll(m);
			break;
		}
		pos = w + 1;
	}
	while (l-- > 0)
		pos = pos << 6 | (size_t)__builtin_ctzll(h->lv[l][pos]);
	return pos;
}

/* Appends m remote-port (or icmp key) cells. Returns 0, or -1 with errno. */
static int cells_add(struct builder *b, size_t m, uint16_t **st, uint32_t **cl)
{
	if (!vec_add(&b->cstart, m) || !vec_add(&b->cell, 2 * m))
		return -1;
	*st = VAT(b->cstart, uint16_t) + b->cstart.n - m;
	*cl = VAT(b->cell, uint32_t) + b->cell.n - 2 * m;
	return 0;
}

static void dsu_paint(uint32_t *nx, uint32_t *cell, unsigned d, size_t lo, size_t hi, uint32_t id)
{
	size_t i = lo;

	for (;;) {
		while (nx[i] != i) {
			nx[i] = nx[nx[i]];
			i = nx[i];
		}
		if (i > hi)
			return;
		cell[2 * i + d] = id;
		nx[i] = (uint32_t)i + 1;
	}
}

/* A tier being built: its entries, and their remote-port bounds (each
 * rlo and rhi + 1) numbered in rvals[0..nrv), so that an interval's table
 * can list its bounds in order through the bit set rset. */
struct tierctx {
	const struct pe *pe;
	size_t k;
	uint32_t *rvals; /* sorted distinct bounds, rvals[0] = 0 */
	size_t nrv;
	uint32_t *rr;    /* per entry: number of rlo, of rhi + 1 (nrv: none) */
	uint32_t *pos;   /* a bound's place in the table being made */
	struct hbits rset;
};

/* The remote-port table of one local-port interval from its active entries
 * (best first): into b->rstart / b->rcell, adjacent equal cells merged.
 * Scratch space is reserved by the caller. Returns the number of cells. */
static size_t make_rtab(struct builder *b, struct tierctx *t, const struct act *a, size_t na)
{
	uint32_t *rb = b->rb.p, *cell = b->rcell.p, *nx = b->nx.p;
	uint16_t *st = b->rstart.p;
	size_t nr = 0, m = 0;

	if (!na)
		return 0;
	hb_set(&t->rset, 0);
	for (size_t i = 0; i < na; i++) {
		hb_set(&t->rset, t->rr[2 * a[i].pos]);
		if (t->rr[2 * a[i].pos + 1] < t->nrv)
			hb_set(&t->rset, t->rr[2 * a[i].pos + 1]);
	}
	for (size_t r = hb_next(&t->rset, 0); r != SIZE_MAX; r = hb_next(&t->rset, r + 1)) {
		hb_clear(&t->rset, r);
		t->pos[r] = (uint32_t)nr;
		rb[nr++] = t->rvals[r];
	}
	for (size_t i = 0; i < 2 * nr; i++)
		cell[i] = NONE;
	for (size_t i = 0; i <= nr; i++)
		nx[i] = nx[nr + 1 + i] = (uint32_t)i;
	for (size_t i = 0; i < na; i++) {
		const uint32_t *rr = &t->rr[2 * a[i].pos];
		size_t lo = t->pos[rr[0]], hi = rr[1] == t->nrv ? nr - 1 : t->pos[rr[1]] - 1u;

		for (unsigned d = 0; d < NDIR; d++)
			if (a[i].eff & 1u << d)
				dsu_paint(nx + d * (nr + 1), cell, d, lo, hi, t->pe[a[i].pos].id);
	}
	for (size_t i = 0; i < nr; i++) {
		if (m && cell[2 * m - 2] == cell[2 * i] && cell[2 * m - 1] == cell[2 * i + 1])
			continue;
		st[m] = (uint16_t)rb[i];
		cell[2 * m] = cell[2 * i];
		cell[2 * m + 1] = cell[2 * i + 1];
		m++;
	}
	return m;
}

/* Numbers the remote-port bounds of the tier's entries (see tierctx). */
static int tier_rbounds(struct builder *b, struct tierctx *t)
{
	size_t n = 0;

	t->rvals = vec_scratch(&b->rvals, 2 * t->k + 1);
	t->rr = vec_scratch(&b->rr, 2 * t->k);
	if (!t->rvals || !t->rr)
		return -1;
	t->rvals[n++] = 0;
	for (size_t i = 0; i < t->k; i++) {
		t->rvals[n++] = t->pe[i].rlo;
		if (t->pe[i].rhi < UINT16_MAX)
			t->rvals[n++] = t->pe[i].rhi + 1u;
	}
	t->nrv = sort_unique(t->rvals, n);
	for (size_t i = 0; i < t->k; i++) {
		t->rr[2 * i] = (uint32_t)index_of(t->rvals, t->nrv, t->pe[i].rlo);
		t->rr[2 * i + 1] = t->pe[i].rhi == UINT16_MAX ?
					   (uint32_t)t->nrv :
					   (uint32_t)index_of(t->rvals, t->nrv, t->pe[i].rhi + 1u);
	}
	t->pos = vec_scratch(&b->pos, t->nrv);
	if (!t->pos || hb_init(&t->rset, &b->hb2, t->nrv) < 0)
		return -1;
	return 0;
}

/* The entries active in the current interval that can still win, best
 * first: an entry with any remote port hides the later ones of its
 * directions. Adds the entries visited to *work. */
static size_t gather(const struct hbits *hb, const struct pe *pe, struct act *a, size_t *work)
{
	unsigned dead = 0;
	size_t na = 0;

	for (size_t x = hb_next(hb, 0); x != SIZE_MAX; x = hb_next(hb, x + 1)) {
		unsigned eff = pe[x].dmask & ~dead;

		++*work;
		if (!eff)
			continue;
		a[na].pos = (uint32_t)x;
		a[na++].eff = (uint8_t)eff;
		if (pe[x].rany) {
			dead |= eff;
			if (dead == 3)
				break;
		}
	}
	return na;
}

/* The sorted distinct local-port interval starts of a tier, into b->bounds. */
static size_t tier_bounds(struct builder *b, const struct pe *pe, size_t k)
{
	uint32_t *lb = b->bounds.p;
	size_t n = 0;

	lb[n++] = 0;
	for (size_t i = 0; i < k; i++) {
		lb[n++] = pe[i].llo;
		if (pe[i].lhi < UINT16_MAX)
			lb[n++] = pe[i].lhi + 1u;
	}
	return sort_unique(lb, n);
}

/* Start and end events of the tier's entries, sorted by interval: each is
 * interval << 33 | start << 32 | position. Returns their number. */
static size_t tier_events(struct builder *b, const struct pe *pe, size_t k, size_t nl)
{
	const uint32_t *lb = b->bounds.p;
	uint64_t *ev = b->evs.p;
	size_t n = 0;

	for (size_t i = 0; i < k; i++) {
		ev[n++] = (uint64_t)index_of(lb, nl, pe[i].llo) << 33 | UINT64_C(1) << 32 | i;
		if (pe[i].lhi < UINT16_MAX)
			ev[n++] = (uint64_t)index_of(lb, nl, pe[i].lhi + 1u) << 33 | i;
	}
	sort_n(ev, n, sizeof *ev, sort_u64_cmp);
	return n;
}

static int tier_scratch(struct builder *b, size_t k)
{
	size_t nb = 2 * k + 1;

	if (!vec_scratch(&b->bounds, nb) || !vec_scratch(&b->evs, 2 * k) ||
	    !vec_scratch(&b->acts, k) || !vec_scratch(&b->rb, nb) ||
	    !vec_scratch(&b->rcell, 2 * nb) || !vec_scratch(&b->nx, 2 * (nb + 1)) ||
	    !vec_scratch(&b->rstart, nb))
		return -1;
	return 0;
}

/* True when the m cells just made equal the table last added to the tier. */
static bool same_as_last(const struct builder *b, size_t l0, size_t m)
{
	const struct lcell *last;

	if (b->lcell.n == l0)
		return false;
	last = VAT(b->lcell, struct lcell) + b->lcell.n - 1;
	if (last->n != m)
		return false;
	return !m || (!memcmp(VAT(b->cstart, uint16_t) + last->off, b->rstart.p, m * sizeof(uint16_t)) &&
		      !memcmp(VAT(b->cell, uint32_t) + 2 * (size_t)last->off, b->rcell.p,
			      2 * m * sizeof(uint32_t)));
}

/* Adds the interval starting at port lo with the m cells just made. */
static int tier_push(struct builder *b, uint32_t lo, size_t m)
{
	uint16_t *ls = vec_add(&b->lstart, 1), *st;
	struct lcell *lc = vec_add(&b->lcell, 1);
	uint32_t *cl;

	if (!ls || !lc)
		return -1;
	*ls = (uint16_t)lo;
	lc->off = (uint32_t)b->cstart.n;
	lc->n = (uint32_t)m;
	if (!m)
		return 0;
	if (cells_add(b, m, &st, &cl) < 0)
		return -1;
	memcpy(st, b->rstart.p, m * sizeof *st);
	memcpy(cl, b->rcell.p, 2 * m * sizeof *cl);
	return 0;
}

/* Builds one tier from pe[0..k). Returns 1, 0 when it would exceed its
 * bound (nothing added), or -1 with errno. */
static int build_tier(struct builder *b, const struct pe *pe, size_t k)
{
	size_t budget = TIER_MIN + TIER_PER_ENTRY * k, work = 0;
	size_t l0 = b->lstart.n, c0 = b->cstart.n, nl, nev, e = 0;
	struct tierctx ctx = { .pe = pe, .k = k };
	struct hbits hb;
	struct tier *t;

	if (tier_scratch(b, k) < 0 || hb_init(&hb, &b->hb, k) < 0 || tier_rbounds(b, &ctx) < 0)
		return -1;
	nl = tier_bounds(b, pe, k);
	nev = tier_events(b, pe, k, nl);
	for (size_t j = 0; j < nl; j++) {
		const uint64_t *ev = b->evs.p;
		size_t na, m;

		for (; e < nev && ev[e] >> 33 == j; e++) {
			if (ev[e] >> 32 & 1)
				hb_set(&hb, (uint32_t)ev[e]);
			else
				hb_clear(&hb, (uint32_t)ev[e]);
		}
		na = gather(&hb, pe, b->acts.p, &work);
		m = make_rtab(b, &ctx, b->acts.p, na);
		work += na + 1;
		if (!same_as_last(b, l0, m) && tier_push(b, VAT(b->bounds, uint32_t)[j], m) < 0)
			return -1;
		if (work > budget || b->cstart.n - c0 > budget) {
			b->lstart.n = b->lcell.n = l0;
			b->cstart.n = c0;
			b->cell.n = 2 * c0;
			return 0;
		}
	}
	t = vec_add(&b->tier, 1);
	if (!t)
		return -1;
	t->l_off = (uint32_t)l0;
	t->n_l = (uint32_t)(b->lstart.n - l0);
	return 1;
}

static bool ent_pany(const struct ent *e)
{
	return e->llo == 0 && e->lhi == UINT16_MAX && e->rlo == 0 && e->rhi == UINT16_MAX;
}

/* The ports entries that can win (kind none or ports), best first; an
 * entry with any ports hides the later ones of its directions. Returns
 * their number in b->pes, 0 when no entry needs ports. */
static size_t ports_entries(struct builder *b, const struct ent *e, size_t n)
{
	struct pe *pe = b->pes.p;
	unsigned dead = 0;
	bool need = false;
	size_t k = 0;

	for (size_t i = 0; i < n && dead != 3; i++) {
		unsigned eff = e[i].dmask & ~dead;

		if ((e[i].kind & KIND_ICMP) || !eff)
			continue;
		pe[k].id = (uint32_t)i;
		pe[k].llo = e[i].llo;
		pe[k].lhi = e[i].lhi;
		pe[k].rlo = e[i].rlo;
		pe[k].rhi = e[i].rhi;
		pe[k].dmask = (uint8_t)eff;
		pe[k].rany = e[i].rlo == 0 && e[i].rhi == UINT16_MAX;
		need |= e[i].kind == KIND_PORTS;
		if (ent_pany(&e[i]))
			dead |= eff;
		k++;
	}
	return need ? k : 0;
}

static int build_ports(struct builder *b, struct group *g, const struct ent *e, size_t n)
{
	size_t k, done = 0, m;

	if (!vec_scratch(&b->pes, n))
		return -1;
	k = ports_entries(b, e, n);
	g->tier_off = (uint32_t)b->tier.n;
	for (m = k; done < k;) {
		size_t take = m < k - done ? m : k - done;
		int r = build_tier(b, VAT(b->pes, struct pe) + done, take);

		if (r < 0)
			return -1;
		if (r == 0) {
			m = take > 1 ? take / 2 : 1;
			continue;
		}
		if (b->tier.n - g->tier_off > MAX_TIERS) {
			errno = E2BIG;
			return -1;
		}
		done += take;
		m = 2 * take;
	}
	g->n_tier = (uint16_t)(b->tier.n - g->tier_off);
	return 0;
}

/* An icmp key of a group: (type << 8 | code) or type, the entry, its directions. */
struct ikey {
	uint32_t key, id;
	uint8_t dmask;
};

static int ikey_cmp(const void *a, const void *b)
{
	const struct ikey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Adds the keys of level lev (1 type, 2 type and code), each with the best
 * entry per direction, else the fallback of *fb (type keys, then any).
 * Returns the offset of the first key, or -1 with errno; *nk is set. */
static long icmp_level(struct builder *b, const struct ent *e, size_t n, unsigned lev,
		       const struct icmppart *fb, uint32_t *nk)
{
	struct ikey *ik = vec_scratch(&b->ikeys, n);
	size_t k = 0, m = 0, off = b->cstart.n;

	if (!ik)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (e[i].kind == KIND_ICMP && e[i].ilev == lev)
			ik[k++] = (struct ikey){ lev == 2 ? (uint32_t)e[i].itype << 8 | (uint32_t)e[i].icode :
						(uint32_t)e[i].itype, (uint32_t)i, e[i].dmask };
	sort_n(ik, k, sizeof *ik, ikey_cmp);
	for (size_t i = 0; i < k; i++) {
		uint16_t *st;
		uint32_t *cl;

		if (!m || VAT(b->cstart, uint16_t)[b->cstart.n - 1] != ik[i].key) {
			if (cells_add(b, 1, &st, &cl) < 0)
				return -1;
			*st = (uint16_t)ik[i].key;
			cl[0] = cl[1] = NONE;
			m++;
		}
		cl = VAT(b->cell, uint32_t) + b->cell.n - 2;
		for (unsigned d = 0; d < NDIR; d++)
			if ((ik[i].dmask & 1u << d) && cl[d] == NONE)
				cl[d] = ik[i].id;
	}
	for (size_t i = 0; i < m; i++) {
		uint32_t *cl = VAT(b->cell, uint32_t) + 2 * (off + i);
		unsigned type = VAT(b->cstart, uint16_t)[off + i] >> 8;
		size_t t = lev == 2 ? find_eq(VAT(b->cstart, uint16_t) + fb->t_off, fb->n_t, type) : fb->n_t;

		for (unsigned d = 0; d < NDIR; d++) {
			uint32_t alt = t < fb->n_t ? VAT(b->cell, uint32_t)[2 * (fb->t_off + t) + d] : fb->any[d];

			if (alt < cl[d])
				cl[d] = alt;
		}
	}
	*nk = (uint32_t)m;
	return (long)off;
}

static int build_icmp(struct builder *b, struct group *g, const struct ent *e, size_t n)
{
	struct icmppart ip = { 0, 0, 0, 0, { NONE, NONE } };
	struct icmppart *p;
	bool need = false;
	long off;

	for (size_t i = 0; i < n; i++) {
		if (e[i].kind & KIND_PORTS)
			continue;
		need |= e[i].kind == KIND_ICMP;
		for (unsigned d = 0; d < NDIR; d++)
			if ((e[i].dmask & 1u << d) && e[i].ilev == 0 && ip.any[d] == NONE)
				ip.any[d] = (uint32_t)i;
	}
	if (!need)
		return 0;
	off = icmp_level(b, e, n, 1, &ip, &ip.n_t);
	if (off < 0)
		return -1;
	ip.t_off = (uint32_t)off;
	off = icmp_level(b, e, n, 2, &ip, &ip.n_tc);
	if (off < 0)
		return -1;
	ip.tc_off = (uint32_t)off;
	p = vec_add(&b->icmp, 1);
	if (!p)
		return -1;
	*p = ip;
	g->icmp = (uint32_t)(b->icmp.n - 1);
	return 0;
}

static void mark(uint32_t *ref, uint32_t id)
{
	if (id != NONE)
		ref[id] = 1;
}

static uint32_t remap(const uint32_t *ref, uint32_t id)
{
	return id == NONE ? NONE : ref[id];
}

/* Renames the group's answers from entries to rules; a ranked group keeps
 * ranks, counting only the entries some answer names, with their rules in
 * ent_rule. Cells from c0 on are the group's. */
static int compact_group(struct builder *b, struct group *g, const struct ent *e, size_t n, size_t c0)
{
	uint32_t *ref = vec_scratch(&b->ref, n), *cell = b->cell.p, *rule;
	struct icmppart *ip = g->icmp == NONE ? NULL : VAT(b->icmp, struct icmppart) + g->icmp;
	size_t used = 0;

	if (!ref)
		return -1;
	memset(ref, 0, n * sizeof *ref);
	for (unsigned d = 0; d < NDIR; d++) {
		mark(ref, g->plain[d]);
		if (ip)
			mark(ref, ip->any[d]);
	}
	for (size_t i = 2 * c0; i < b->cell.n; i++)
		mark(ref, cell[i]);
	for (size_t i = 0; i < n; i++)
		used += ref[i];
	if (b->ent_rule.n + used >= NONE) {
		errno = E2BIG;
		return -1;
	}
	rule = group_ranked(g) ? vec_add(&b->ent_rule, used) : NULL;
	if (group_ranked(g) && !rule)
		return -1;
	for (size_t i = 0, u = 0; i < n; i++) {
		if (!ref[i])
			continue;
		if (!rule) {
			ref[i] = e[i].rule;
			continue;
		}
		rule[u] = e[i].rule;
		ref[i] = (uint32_t)(b->ent_rule.n - used + u++);
	}
	for (unsigned d = 0; d < NDIR; d++) {
		g->plain[d] = remap(ref, g->plain[d]);
		if (ip)
			ip->any[d] = remap(ref, ip->any[d]);
	}
	for (size_t i = 2 * c0; i < b->cell.n; i++)
		cell[i] = remap(ref, cell[i]);
	return 0;
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

static unsigned icmp_level_of(const struct pc_icmpspec *s)
{
	return (s->type != PC_ICMP_ANY) + (s->code != PC_ICMP_ANY);
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

/* Adds the entries of rule ri for every lport x rport x icmp element. */
static int expand_rule(struct builder *b, uint32_t ri)
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
				*e = (struct ent){ ri, lp->hi - lp->lo + 1u, rp->hi - rp->lo + 1u,
						   lp->lo, lp->hi, rp->lo, rp->hi, ic->type, ic->code,
						   (uint8_t)icmp_level_of(ic), r->dir != PC_DIR_BOTH,
						   r->action == PC_DENY, (uint8_t)r->dir,
						   (uint8_t)ent_kind(lp, rp, ic) };
			}
	return 0;
}

/* The order after protocol: narrower local then remote port, icmp level,
 * a direction given, deny, the earlier rule. */
static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->lw != y->lw)
		return x->lw < y->lw ? -1 : 1;
	if (x->rw != y->rw)
		return x->rw < y->rw ? -1 : 1;
	if (x->ilev != y->ilev)
		return x->ilev > y->ilev ? -1 : 1;
	if (x->dspec != y->dspec)
		return x->dspec > y->dspec ? -1 : 1;
	if (x->deny != y->deny)
		return x->deny > y->deny ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

static int build_group(struct builder *b, unsigned proto, const uint32_t *rules, size_t nr)
{
	struct group g = { { NONE, NONE }, 0, NONE, (uint16_t)proto, 0 };
	size_t c0 = b->cstart.n, n;
	const struct ent *e;
	struct group *gp;

	b->ents.n = 0;
	for (size_t i = 0; i < nr; i++)
		if (expand_rule(b, rules[i]) < 0)
			return -1;
	sort_n(b->ents.p, b->ents.n, sizeof(struct ent), ent_cmp);
	e = b->ents.p;
	n = b->ents.n;
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < NDIR; d++)
			if (!e[i].kind && (e[i].dmask & 1u << d) && g.plain[d] == NONE)
				g.plain[d] = (uint32_t)i;
	if (build_ports(b, &g, e, n) < 0 || build_icmp(b, &g, e, n) < 0 ||
	    compact_group(b, &g, e, n, c0) < 0)
		return -1;
	if (b->cstart.n >= NONE || b->lstart.n >= NONE || b->tier.n >= NONE) {
		errno = E2BIG;
		return -1;
	}
	gp = vec_add(&b->grp, 1);
	if (!gp)
		return -1;
	*gp = g;
	return 0;
}

static unsigned proto_key(const struct pc_rule *r)
{
	return r->proto == PC_PROTO_ANY ? PROTO_ANYKEY : (unsigned)r->proto;
}

/* Builds the groups of a leaf from its address pairs a[0..n). */
/* The leaf of remote and local "any" has, in most policies, the same rules
 * in both families: the second family reuses the groups of the first. */
static bool shared_anyany(struct builder *b, struct leaf *lf, const uint64_t *pr, size_t n)
{
	if (!b->anyany_set || b->anyany.n != n || memcmp(b->anyany.p, pr, n * sizeof *pr))
		return false;
	lf->grp_off = b->anyany_leaf.grp_off;
	lf->n_grp = b->anyany_leaf.n_grp;
	return true;
}

static int keep_anyany(struct builder *b, const struct leaf *lf, const uint64_t *pr, size_t n)
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
static int build_leaf(struct builder *b, struct leaf *lf, const struct ae *a, size_t n)
{
	uint64_t *pr = vec_scratch(&b->lrules, n);
	uint32_t *rules = vec_scratch(&b->grules, n);
	bool anyany = !a->rplen && !a->lplen;
	size_t m = 0;

	if (!pr || !rules)
		return -1;
	for (size_t i = 0; i < n; i++)
		pr[i] = (uint64_t)proto_key(&b->rules[a[i].rule]) << 32 | a[i].rule;
	sort_n(pr, n, sizeof *pr, sort_u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (!m || pr[i] != pr[m - 1])
			pr[m++] = pr[i];
	if (anyany && shared_anyany(b, lf, pr, m))
		return 0;
	lf->grp_off = (uint32_t)b->grp.n;
	for (size_t i = 0, j; i < m; i = j) {
		size_t nr = 0;

		for (j = i; j < m && pr[j] >> 32 == pr[i] >> 32; j++)
			rules[nr++] = (uint32_t)pr[j];
		if (build_group(b, (unsigned)(pr[i] >> 32), rules, nr) < 0)
			return -1;
	}
	lf->n_grp = (uint16_t)(b->grp.n - lf->grp_off);
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

static int push_key(struct vec *v, const uint64_t k[2], unsigned kw)
{
	uint64_t *w = vec_add(v, kw);

	if (!w)
		return -1;
	memcpy(w, k, kw * sizeof *w);
	return 0;
}

/* Sets the node's local prefix lengths (l[0..n), shortest first). */
static int node_lpls(struct builder *b, struct rnode *rn, const uint8_t *l, unsigned n)
{
	uint8_t *dst = rn->lpl.in;

	rn->n_lpl = (uint8_t)n;
	if (n > LPL_INLINE) {
		rn->lpl.off = (uint32_t)b->lpl.n;
		dst = vec_add(&b->lpl, n);
		if (!dst)
			return -1;
	}
	for (unsigned i = 0; i < n; i++)
		dst[i] = l[n - 1 - i];
	return 0;
}

/* Builds the remote node of a[0..n) (one remote prefix) and its leaves. */
static int build_node(struct builder *b, unsigned kw, const struct ae *a, size_t n)
{
	struct rnode rn = { .rplen = a->rplen };
	uint32_t node = (uint32_t)b->rn.n;
	uint8_t lpl[129];
	unsigned nl = 0;
	struct rnode *rp;

	if (push_key(&b->rkey, a->rk, kw) < 0)
		return -1;
	for (size_t i = 0, j; i < n; i = j) {
		struct leaf lf = { node, 0, 0, a[i].lplen }, *lp;

		for (j = i + 1; j < n && same_local(&a[i], &a[j]); j++)
			;
		if (build_leaf(b, &lf, a + i, j - i) < 0)
			return -1;
		if (!a[i].lplen) {
			rn.any_off = lf.grp_off;
			rn.n_any = lf.n_grp;
		} else {
			if (push_key(&b->lkey, a[i].lk, kw) < 0 || !(lp = vec_add(&b->lf, 1)))
				return -1;
			*lp = lf;
		}
		if (!nl || lpl[nl - 1] != a[i].lplen)
			lpl[nl++] = a[i].lplen;
	}
	if (node_lpls(b, &rn, lpl, nl) < 0)
		return -1;
	rp = vec_add(&b->rn, 1);
	if (!rp)
		return -1;
	*rp = rn;
	return 0;
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
	mask_key(w, m, k);
}

/* The address pairs of every enabled rule in family fam, into b->ae. */
static int collect(struct builder *b, unsigned fam)
{
	b->ae.n = 0;
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
				a = vec_add(&b->ae, 1);
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

static int ae_cmp(const void *pa, const void *pb)
{
	const struct ae *x = pa, *y = pb;

	if (x->rplen != y->rplen)
		return x->rplen < y->rplen ? -1 : 1;
	for (unsigned i = 0; i < 2; i++)
		if (x->rk[i] != y->rk[i])
			return x->rk[i] < y->rk[i] ? -1 : 1;
	if (x->lplen != y->lplen)
		return x->lplen < y->lplen ? -1 : 1;
	for (unsigned i = 0; i < 2; i++)
		if (x->lk[i] != y->lk[i])
			return x->lk[i] < y->lk[i] ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* An open-addressing table of n keys (load at most 1/2). Returns the slots,
 * or NULL with errno; *mask and *shift are set. */
static uint64_t *hash_new(size_t n, uint64_t *mask, unsigned *shift)
{
	size_t cap = 2;
	uint64_t *s;

	*shift = 63;
	while (cap < 2 * n) {
		cap *= 2;
		--*shift;
	}
	s = malloc(cap * sizeof *s);
	if (!s)
		return NULL;
	memset(s, 0xff, cap * sizeof *s);
	*mask = cap - 1;
	return s;
}

static void hash_put(uint64_t *s, uint64_t mask, unsigned shift, uint64_t h, uint32_t v)
{
	uint64_t i = h >> shift;

	while (s[i] != NOSLOT)
		i = (i + 1) & mask;
	s[i] = (h >> 32) << 32 | v;
}

/* The filter has FILTER_BITS bits a remote node (at least 512): about one
 * in FILTER_BITS absent prefixes gets past it to the slots. */
#define FILTER_BITS 16

/* A zeroed filter for n nodes. Returns it, or NULL with errno; sets its
 * size in words and the shift that leaves a bit number of a hash. */
static uint64_t *filter_new(size_t n, unsigned *shift, size_t *words)
{
	size_t w = 8;

	*shift = 64 - 9;
	while (w < n * FILTER_BITS / 64) {
		w *= 2;
		--*shift;
	}
	*words = w;
	return calloc(w, sizeof(uint64_t));
}

static int build_hashes(struct famtab *f)
{
	uint64_t k[2] = { 0, 0 }, h;

	f->rslot = hash_new(f->n_rn, &f->rmask, &f->rshift);
	f->lslot = hash_new(f->n_lf, &f->lmask, &f->lshift);
	f->filter = filter_new(f->n_rn, &f->fshift, &f->fwords);
	if (!f->rslot || !f->lslot || !f->filter)
		return -1;
	for (uint32_t i = 0; i < f->n_rn; i++) {
		memcpy(k, f->rkey + (size_t)i * f->kw, f->kw * sizeof *k);
		h = hash_key(k, f->rn[i].rplen);
		hash_put(f->rslot, f->rmask, f->rshift, h, i);
		f->filter[(h >> f->fshift) / 64] |= UINT64_C(1) << (h >> f->fshift) % 64;
	}
	for (uint32_t i = 0; i < f->n_lf; i++) {
		memcpy(k, f->lkey + (size_t)i * f->kw, f->kw * sizeof *k);
		hash_put(f->lslot, f->lmask, f->lshift,
			 hash_key(k, (uint64_t)f->lf[i].rnode << 8 | f->lf[i].lplen), i);
	}
	return 0;
}

/* Moves the family's arrays from the builder into f and hashes them. */
static int finish_family(struct builder *b, struct famtab *f, size_t *bytes)
{
	if (b->rn.n >= NONE || b->lf.n >= NONE) {
		errno = E2BIG;
		return -1;
	}
	f->n_rn = (uint32_t)b->rn.n;
	f->n_lf = (uint32_t)b->lf.n;
	f->n_lpl = b->lpl.n;
	f->rn = vec_take(&b->rn, bytes);
	f->rkey = vec_take(&b->rkey, bytes);
	f->lf = vec_take(&b->lf, bytes);
	f->lkey = vec_take(&b->lkey, bytes);
	f->lpl = vec_take(&b->lpl, bytes);
	f->n_rpl = 0;
	for (uint32_t i = f->n_rn; i-- > 0;)
		if (!f->n_rpl || f->rpl[f->n_rpl - 1] != f->rn[i].rplen)
			f->rpl[f->n_rpl++] = f->rn[i].rplen;
	if (build_hashes(f) < 0)
		return -1;
	*bytes += ((size_t)f->rmask + 1 + (size_t)f->lmask + 1 + f->fwords) * sizeof(uint64_t);
	return 0;
}

static int build_family(struct builder *b, struct famtab *f, unsigned fam, size_t *bytes)
{
	const struct ae *a;
	size_t n;

	f->kw = fam == PC_FAM_V4 ? 1 : 2;
	if (collect(b, fam) < 0)
		return -1;
	sort_n(b->ae.p, b->ae.n, sizeof(struct ae), ae_cmp);
	a = b->ae.p;
	n = b->ae.n;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && same_remote(&a[i], &a[j]); j++)
			;
		if (build_node(b, f->kw, a + i, j - i) < 0)
			return -1;
	}
	return finish_family(b, f, bytes);
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

	if (r->proto < PC_PROTO_ANY || r->proto > 255 || r->dir < PC_DIR_IN || r->dir > PC_DIR_BOTH ||
	    !prefixes_ok(r->remote, r->n_remote) || !prefixes_ok(r->local, r->n_local))
		return false;
	for (size_t i = 0; i < r->n_icmp; i++)
		if (ports && r->icmp[i].type != PC_ICMP_ANY)
			return false;
	return true;
}

static void builder_free(struct builder *b)
{
	struct vec *all[] = { &b->grp, &b->tier, &b->lstart, &b->lcell, &b->cstart, &b->cell,
			      &b->icmp, &b->ent_rule, &b->rn, &b->rkey, &b->lf, &b->lkey, &b->lpl,
			      &b->ae, &b->lrules, &b->grules, &b->ents, &b->pes, &b->bounds, &b->evs,
			      &b->acts, &b->rb, &b->rcell, &b->nx, &b->rstart, &b->ref, &b->hb,
			      &b->ikeys, &b->rvals, &b->rr, &b->pos, &b->hb2, &b->anyany };

	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		vec_free(all[i]);
}

static void builder_init(struct builder *b, const struct pc_rule *rules, size_t n)
{
	*b = (struct builder){
		.rules = rules, .n_rules = n,
		.grp = VEC(struct group), .tier = VEC(struct tier), .lstart = VEC(uint16_t),
		.lcell = VEC(struct lcell), .cstart = VEC(uint16_t), .cell = VEC(uint32_t),
		.icmp = VEC(struct icmppart), .ent_rule = VEC(uint32_t),
		.rn = VEC(struct rnode), .rkey = VEC(uint64_t), .lf = VEC(struct leaf),
		.lkey = VEC(uint64_t), .lpl = VEC(uint8_t),
		.ae = VEC(struct ae), .lrules = VEC(uint64_t), .grules = VEC(uint32_t),
		.ents = VEC(struct ent), .pes = VEC(struct pe), .bounds = VEC(uint32_t),
		.evs = VEC(uint64_t), .acts = VEC(struct act), .rb = VEC(uint32_t),
		.rcell = VEC(uint32_t), .nx = VEC(uint32_t), .rstart = VEC(uint16_t),
		.ref = VEC(uint32_t), .hb = VEC(uint64_t), .ikeys = VEC(struct ikey),
		.rvals = VEC(uint32_t), .rr = VEC(uint32_t), .pos = VEC(uint32_t), .hb2 = VEC(uint64_t),
		.anyany = VEC(uint64_t),
	};
}

static void finish(struct builder *b, struct pc_index *ix)
{
	size_t bytes = sizeof *ix;

	ix->grp = vec_take(&b->grp, &bytes);
	ix->tier = vec_take(&b->tier, &bytes);
	ix->lstart = vec_take(&b->lstart, &bytes);
	ix->lcell = vec_take(&b->lcell, &bytes);
	ix->cstart = vec_take(&b->cstart, &bytes);
	ix->cell = vec_take(&b->cell, &bytes);
	ix->icmp = vec_take(&b->icmp, &bytes);
	ix->ent_rule = vec_take(&b->ent_rule, &bytes);
	ix->memory += bytes;
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
	if (n >= NONE) {
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
	for (unsigned i = 0; i <= 128; i++)
		plen_mask(i, ix->mask[i]);
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

static void famtab_free(struct famtab *f)
{
	free(f->rn);
	free(f->rkey);
	free(f->rslot);
	free(f->lf);
	free(f->lkey);
	free(f->lslot);
	free(f->lpl);
	free(f->filter);
}

void pc_index_free(struct pc_index *ix)
{
	int saved = errno;

	if (!ix)
		return;
	famtab_free(&ix->fam[0]);
	famtab_free(&ix->fam[1]);
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
