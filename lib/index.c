/* index.c - the compiled rule table
 *
 * Every enabled rule is expanded into one entry per (remote, local) address
 * element pair of a compatible family ("any" joins both families) and per
 * local-port x remote-port x icmp element. Per family, the entries are
 * filed under a node per remote prefix, and the remote prefixes go into a
 * longest-prefix-match table (lpm.h) whose answer is the longest matching
 * node; each node links to the next shorter remote prefix holding it, the
 * node of remote "any" last, so a lookup walks exactly the matching remote
 * prefixes, longest first, and never probes a length that is absent. The
 * first node with a matching entry decides, since the remote length is the
 * most significant key.
 *
 * Nodes and leaves are records of 64-bit words, addressed by 32-bit
 * offsets, each starting with its parent link; they sit among the blocks
 * of the family's lpm table, each after the first block that names it and
 * a parent after its first child, so that a lookup's block, node and chain
 * tend to share cache lines. A node with few entries (FLAT_MAX) lists them
 * ranked by the rest of the order (local length, protocol given,
 * local-port width, remote-port width, icmp, a direction given, deny, rule
 * index) and the first that matches decides: a short scan of adjacent
 * words. A node whose best entry matches every packet (a blocklist entry)
 * has no record: the tables and links hold its rule (TERM). A bigger node
 * either holds its groups (below) when all its local prefixes are "any",
 * or a block of local address intervals (lpm.h) that yields the longest
 * matching leaf, each leaf linking to the next shorter local prefix; a
 * leaf is a short ranked list, a rule or groups in turn.
 *
 * Groups: one per protocol named by the leaf's rules plus one for "any";
 * the exact group is asked first. Within a group the entries are ranked
 * once by the rest of the order. A group has a precomputed answer per
 * packet direction for packets only entries without ports and icmp types
 * can match, port tiers (local-port elementary intervals, each pointing at
 * a remote-port interval table with an answer per direction in each cell)
 * and an icmp part ((type,code) keys, type keys, any), each precomputed
 * from every entry it can see; the answers are rule indices.
 *
 * The lookup cost depends on the number of matching remote and local
 * prefixes (at most 33 or 129 each), logarithmically on the number of
 * address intervals in a bucket, and, for pathologically nested port
 * ranges only, on the number of tiers (see TIER_MIN), never linearly on
 * the number of rules. Nothing allocates.
 */
#include "index.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lpm.h"
#include "rule.h"

#define NONE UINT32_MAX
#define HOT static inline __attribute__((always_inline))
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

/* Nodes and leaves of at most FLAT_MAX entries list them; bigger ones use
 * groups, whose lookup does not grow with the entries. */
#define FLAT_MAX 8

/* A record's first word: parent | kind << 32 | count << 40. A FLAT record
 * is followed by count entries, a GROUPS record by the offset of its count
 * groups, a TREE node by a block of local address intervals (lpm.h, its
 * window as count) whose values are leaves. A FLAT record of one entry
 * without a local address or with an IPv4 one is a ONE record instead, one
 * word shorter when it has a local address: parent | (ONE_BIT | rule) << 32,
 * then local address key (IPv4) | lplen << 24 | flags << 16 | proto << 8,
 * then the ports or icmp word of the entry when it has one (see F_NOT_IN). */
#define REC_FLAT 0
#define REC_GROUPS 1
#define REC_TREE 2
#define REC_ONE 3
#define REC_COUNT_MAX 0x7fffff
#define ONE_BIT 0x80000000u

/* A node or leaf whose best entry matches every packet always answers with
 * its rule: instead of its offset, the tables and parent links hold
 * TERM | rule, and it has no record. Offsets and rules stay below TERM. */
#define TERM 0x80000000u

/* A listed entry: rule | proto << 32 | local plen << 40 | flags << 48 |
 * words after this one << 56, those being a word of ports (llo | lhi << 16
 * | rlo << 32 | rhi << 48) or icmp (type | code << 8) with F_PORTS or
 * F_ICMP, then the local address key (kw words) with F_LOCAL. */
#define F_NOT_IN 0x01
#define F_NOT_OUT 0x02
#define F_PORTS 0x04
#define F_ICMP 0x08
#define F_CODE 0x10
#define F_LOCAL 0x20
#define F_PROTO 0x40

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

/* The records of a family sit among the blocks of its remote table (in
 * remote.blk), each after the first block that names it, so that the block
 * of a bucket and the nodes of its intervals share cache lines. */
struct famtab {
	unsigned kw; /* 64-bit words per address key: 1 (v4) or 2 (v6) */
	struct pc_lpm remote; /* remote address -> longest matching node */
};

struct pc_index {
	struct famtab fam[2];
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

/* ---- keys ---- */

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

/* ---- lookup ---- */

struct query {
	unsigned d; /* 0 in, 1 out */
	uint8_t proto;
	uint8_t reject; /* flags of entries that cannot match */
	uint16_t lport, rport;
	uint8_t icmp_type, icmp_code;
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
	unsigned tc = (unsigned)q->icmp_type << 8 | q->icmp_code;
	size_t i = find_eq(ix->cstart + ip->tc_off, ip->n_tc, tc);

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
static uint32_t groups_query(const struct pc_index *ix, uint32_t off, size_t n, const struct query *q)
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

static inline unsigned rec_kind(uint64_t w0)
{
	return w0 >> 63 ? REC_ONE : (unsigned)(w0 >> 32 & 0xff);
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
static __attribute__((noinline)) long chain_lookup(const struct famtab *f, const struct pc_index *ix,
						   uint32_t n, const struct pc_pkt *pkt)
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

	if ((fam != PC_FAM_V4 && fam != PC_FAM_V6) || (pkt->dir != PC_DIR_IN && pkt->dir != PC_DIR_OUT))
		return -1;
	f = &ix->fam[fam == PC_FAM_V6];
	addr_words(pkt->dir == PC_DIR_OUT ? pkt->dst : pkt->src, fam, rw);
	n = pc_lpm_find(&f->remote, rw);
	if (n & TERM)
		return n == NONE ? -1L : (long)(n & ~TERM);
	return chain_lookup(f, ix, n, pkt);
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

/* One element combination of a rule, with its local prefix when listed. */
struct ent {
	uint64_t lk[2];
	uint32_t rule, lw, rw;
	uint16_t llo, lhi, rlo, rhi, proto;
	int16_t itype, icode;
	uint8_t ilev, dspec, deny, dmask, kind, lplen;
};

/* The groups of a leaf: grp[grp_off .. grp_off + n_grp). */
struct grpref {
	uint32_t grp_off;
	uint16_t n_grp;
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
	struct vec rec;
	/* scratch */
	struct vec ae, lrules, grules, ents, pes, bounds, evs, acts, rb, rcell, nx, rstart, ref, hb, ikeys;
	struct vec rvals, rr, pos, hb2, npfx, lpfx, ivs, par, lay, map, placed, skeys, ae2;
	struct vec anyany; /* the rules of the first family's any/any leaf */
	struct grpref anyany_leaf;
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

static unsigned proto_key(const struct pc_rule *r)
{
	return r->proto == PC_PROTO_ANY ? PROTO_ANYKEY : (unsigned)r->proto;
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
				*e = (struct ent){ { 0, 0 }, ri, lp->hi - lp->lo + 1u, rp->hi - rp->lo + 1u,
						   lp->lo, lp->hi, rp->lo, rp->hi, (uint16_t)proto_key(r),
						   ic->type, ic->code, (uint8_t)icmp_level_of(ic),
						   r->dir != PC_DIR_BOTH, r->action == PC_DENY, (uint8_t)r->dir,
						   (uint8_t)ent_kind(lp, rp, ic), 0 };
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
		if (expand_rule(b, a[i].rule) < 0)
			return -1;
		for (size_t j = e0; j < b->ents.n; j++) {
			struct ent *e = VAT(b->ents, struct ent) + j;

			e->lplen = a[i].lplen;
			memcpy(e->lk, a[i].lk, sizeof e->lk);
		}
		if (b->ents.n > FLAT_MAX)
			return 1;
	}
	return 0;
}

/* The whole order within a node: local length, protocol given, the rest. */
static int flat_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->lplen != y->lplen)
		return x->lplen > y->lplen ? -1 : 1;
	if ((x->proto == PROTO_ANYKEY) != (y->proto == PROTO_ANYKEY))
		return x->proto == PROTO_ANYKEY ? 1 : -1;
	return ent_cmp(a, b);
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
	unsigned fl = (e->dmask & PC_DIR_IN ? 0 : F_NOT_IN) | (e->dmask & PC_DIR_OUT ? 0 : F_NOT_OUT);

	*x = 0;
	if (e->kind & KIND_PORTS) {
		fl |= F_PORTS;
		*x = e->llo | (uint64_t)e->lhi << 16 | (uint64_t)e->rlo << 32 | (uint64_t)e->rhi << 48;
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

	sort_n(e, n, sizeof *e, flat_cmp);
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
 * the intervals they cut (into b->ivs), or -1 with errno. */
static long link_prefixes(struct builder *b, const struct pc_lpm_pfx *v, size_t n, uint32_t root)
{
	uint32_t *par = vec_scratch(&b->par, n);
	struct pc_lpm_iv *iv = vec_scratch(&b->ivs, 2 * n + 1);
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

	b->lpfx.n = 0;
	for (size_t i = 0, j; i < n; i = j) {
		long lf;

		for (j = i + 1; j < n && same_local(&a[i], &a[j]); j++)
			;
		lf = put_leaf(b, kw, a + i, j - i);
		if (lf < 0)
			return -1;
		if (!a[i].lplen)
			root = (uint32_t)lf;
		else if (push_pfx(&b->lpfx, a[i].lk, a[i].lplen, lf) < 0)
			return -1;
	}
	m = link_prefixes(b, b->lpfx.p, b->lpfx.n, root);
	if (m < 0)
		return -1;
	ws = pc_lpm_compact(0, b->ivs.p, (size_t)m);
	off = rec_add(b, REC_TREE, ws, pc_lpm_block_words(ws, (size_t)m));
	if (off < 0)
		return -1;
	pc_lpm_block_put(VAT(b->rec, uint64_t) + off + 1, ws, b->ivs.p, (size_t)m);
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

/* ---- layout: records among the blocks ---- */

/* Words of the record at r. */
static size_t rec_words(const uint64_t *r)
{
	unsigned kind = rec_kind(r[0]);
	size_t n = r[0] >> 40, w = 1;

	if (kind == REC_ONE)
		return 2 + ((r[1] >> 16 & (F_PORTS | F_ICMP)) != 0);
	if (kind == REC_GROUPS)
		return 2;
	if (kind == REC_TREE)
		return 1 + pc_lpm_block_words((unsigned)n, pc_lpm_block_count(r + 1, (unsigned)n));
	for (size_t i = 0; i < n; i++)
		w += 1 + (r[w] >> 56);
	return w;
}

/* Records as built (old), where each went in the new array (map). */
struct layout {
	struct builder *b;
	const uint64_t *old;
	uint32_t *map;
};

/* Copies the record at old offset o once, then the leaves of a TREE node
 * and the parent, so that a chain tends to stay on the same lines. */
static int place(struct layout *L, uint32_t o)
{
	const uint64_t *r;
	uint32_t *pl;
	uint64_t *w;
	size_t n;

	if (o == NONE || (o & TERM) || L->map[o] != NONE)
		return 0;
	r = L->old + o;
	n = rec_words(r);
	if (L->b->lay.n + n >= TERM) {
		errno = E2BIG;
		return -1;
	}
	L->map[o] = (uint32_t)L->b->lay.n;
	w = vec_add(&L->b->lay, n);
	pl = vec_add(&L->b->placed, 1);
	if (!w || !pl)
		return -1;
	memcpy(w, r, n * sizeof *w);
	*pl = L->map[o];
	if (rec_kind(r[0]) == REC_TREE) {
		unsigned ws = (unsigned)(r[0] >> 40);

		for (size_t i = 0; i < pc_lpm_block_count(r + 1, ws); i++)
			if (place(L, pc_lpm_block_value(r + 1, ws, i)) < 0)
				return -1;
	}
	return place(L, (uint32_t)r[0]);
}

static uint32_t moved(const struct layout *L, uint32_t o)
{
	return o == NONE || (o & TERM) ? o : L->map[o];
}

static void block_moved(const struct layout *L, uint64_t *blk, unsigned ws)
{
	for (size_t i = 0; i < pc_lpm_block_count(blk, ws); i++)
		pc_lpm_block_set(blk, ws, i, moved(L, pc_lpm_block_value(blk, ws, i)));
}

/* Copies the blocks in bucket order, each followed by the records it
 * names first; rewrites the dir. Returns 0, or -1 with errno. */
static int lay_blocks(struct layout *L, struct pc_lpm *t)
{
	size_t nd = (size_t)1 << t->d, last = SIZE_MAX, at = 0;

	for (size_t i = 0; i < nd; i++) {
		const uint64_t *blk = t->blk + t->dir[i];
		size_t cnt = pc_lpm_block_count(blk, t->ws), words = pc_lpm_block_words(t->ws, cnt);
		uint64_t *w;

		if (t->dir[i] != last) {
			last = t->dir[i];
			at = L->b->lay.n;
			if (at + words >= TERM) {
				errno = E2BIG;
				return -1;
			}
			w = vec_add(&L->b->lay, words);
			if (!w)
				return -1;
			memcpy(w, blk, words * sizeof *w);
			for (size_t k = 0; k < cnt; k++)
				if (place(L, pc_lpm_block_value(blk, t->ws, k)) < 0)
					return -1;
		}
		t->dir[i] = (uint32_t)at;
	}
	return 0;
}

/* Moves the family's records among its blocks (see struct famtab). */
static int relayout(struct builder *b, struct famtab *f, size_t *bytes)
{
	struct pc_lpm *t = &f->remote;
	struct layout L = { b, b->rec.p, vec_scratch(&b->map, b->rec.n) };
	size_t nd = (size_t)1 << t->d;
	uint64_t *lay;

	if (!L.map)
		return -1;
	memset(L.map, 0xff, b->rec.n * sizeof *L.map);
	b->lay.n = b->placed.n = 0;
	if (lay_blocks(&L, t) < 0 || place(&L, t->root) < 0)
		return -1;
	for (size_t o = 0; o < b->rec.n; o += rec_words(L.old + o))
		if (place(&L, (uint32_t)o) < 0)
			return -1;
	lay = b->lay.p;
	for (size_t i = 0; i < nd; i++)
		if (!i || t->dir[i] != t->dir[i - 1])
			block_moved(&L, lay + t->dir[i], t->ws);
	for (size_t i = 0; i < b->placed.n; i++) {
		uint64_t *r = lay + VAT(b->placed, uint32_t)[i];

		*r = (*r & ~(uint64_t)UINT32_MAX) | moved(&L, (uint32_t)*r);
		if (rec_kind(r[0]) == REC_TREE)
			block_moved(&L, r + 1, (unsigned)(r[0] >> 40));
	}
	t->root = moved(&L, t->root);
	*bytes -= t->words * sizeof *t->blk;
	free(t->blk);
	t->words = b->lay.n;
	t->blk = vec_take(&b->lay, bytes);
	vec_free(&b->rec);
	vec_free(&b->map);
	vec_free(&b->placed);
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

/* Sorts b->ae by ae_cmp: by radix on the first remote key word (with the
 * remote length for IPv4, whose key is one word), then ae_cmp within runs
 * of equal keys. Returns 0, or -1 with errno. */
static int sort_pairs(struct builder *b, unsigned kw)
{
	size_t n = b->ae.n;
	struct skey *k = vec_scratch(&b->skeys, 2 * n), *s;
	struct ae *a = b->ae.p, *out = vec_scratch(&b->ae2, n);
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
	swap = b->ae;
	b->ae = b->ae2;
	b->ae2 = swap;
	vec_free(&b->ae2);
	vec_free(&b->skeys);
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
	a = b->ae.p;
	n = b->ae.n;
	b->npfx.n = 0;
	for (size_t i = 0, j; i < n; i = j) {
		long node;

		for (j = i + 1; j < n && same_remote(&a[i], &a[j]); j++)
			;
		node = build_node(b, f->kw, a + i, j - i);
		if (node < 0)
			return -1;
		if (!a[i].rplen)
			root = (uint32_t)node;
		else if (push_pfx(&b->npfx, a[i].rk, a[i].rplen, node) < 0)
			return -1;
	}
	vec_free(&b->ae);
	m = link_prefixes(b, b->npfx.p, b->npfx.n, root);
	if (m < 0 ||
	    pc_lpm_build(&f->remote, f->kw, b->npfx.p, b->npfx.n, root, b->ivs.p, (size_t)m, bytes) < 0)
		return -1;
	return relayout(b, f, bytes);
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
			      &b->icmp, &b->ent_rule, &b->rec, &b->npfx, &b->lpfx, &b->ivs, &b->par,
			      &b->lay, &b->map, &b->placed, &b->skeys, &b->ae2,
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
		.rec = VEC(uint64_t), .npfx = VEC(struct pc_lpm_pfx), .lpfx = VEC(struct pc_lpm_pfx),
		.ivs = VEC(struct pc_lpm_iv), .par = VEC(uint32_t), .lay = VEC(uint64_t),
		.map = VEC(uint32_t), .placed = VEC(uint32_t), .skeys = VEC(struct skey),
		.ae2 = VEC(struct ae),
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
