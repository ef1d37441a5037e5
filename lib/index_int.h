/* index_int.h - the compiled rule table: its record format and the builder's
 * state, shared by the index_*.c modules only (the interface: index.h)
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
 * ranked by the rest of the order (pc_rank_key, match.h) and the first that
 * matches decides: a short scan of adjacent words. A node whose best entry
 * matches every packet (a blocklist entry) has no record: the tables and
 * links hold its rule (TERM). A bigger node either holds its groups (below)
 * when all its local prefixes are "any", or a block of local address
 * intervals (lpm.h) that yields the longest matching leaf, each leaf
 * linking to the next shorter local prefix; a leaf is a short ranked list,
 * a rule or groups in turn.
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
 *
 * The stages: index_lookup.c (a packet's rule), index_build.c (pairs, nodes,
 * leaves and their records; pc_index_new), index_groups.c (the groups of a
 * big leaf: port tiers and icmp parts), index_layout.c (records moved among
 * the blocks).
 */
#ifndef PC_INDEX_INT_H
#define PC_INDEX_INT_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "lpm.h"
#include "match.h"
#include "rule.h"

/* The structure follows the three most significant fields of the order: a
 * lookup walks the matching remote prefixes longest first, in a node the
 * local prefixes longest first, in a leaf the protocol's group before the
 * group of "any". Entries are ranked by pc_rank_key, never by hand. */
_Static_assert(PC_FIELD_REMOTE == 1 && PC_FIELD_LOCAL == 2 && PC_FIELD_PROTO == 3,
	       "the index's structure follows remote, local, protocol");

#define NONE UINT32_MAX
#define PROTO_ANYKEY 256
#define NDIR 2

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

/* ---- shared by lookup and build ---- */

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

static inline unsigned rec_kind(uint64_t w0)
{
	return w0 >> 63 ? REC_ONE : (unsigned)(w0 >> 32 & 0xff);
}

/* The answers of a group with both port tiers and an icmp part are ranks
 * (see ent_rule), since a packet with ports and icmp needs both compared;
 * the answers of any other group are rule indices. */
static inline bool group_ranked(const struct group *g)
{
	return g->n_tier && g->icmp != NONE;
}

/* ---- build time only ---- */

/* A growable array of elements of sz bytes. */
struct vec {
	void *p;
	size_t n, cap, sz;
};

#define VEC(type) { NULL, 0, 0, sizeof(type) }
#define VAT(v, type) ((type *)(v).p)

/* Ensures room for n elements. Returns 0, or -1 with errno. */
static inline int vec_reserve(struct vec *v, size_t n)
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
static inline void *vec_add(struct vec *v, size_t k)
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
static inline void *vec_scratch(struct vec *v, size_t n)
{
	if (vec_reserve(v, n ? n : 1) < 0)
		return NULL;
	v->n = n;
	return v->p;
}

/* Hands the array over, shrunk to fit; NULL when empty. */
static inline void *vec_take(struct vec *v, size_t *bytes)
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

static inline void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->cap = 0;
}

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
	uint64_t rank; /* pc_rank_key of the combination (remote length 0) */
	uint32_t rule;
	uint16_t llo, lhi, rlo, rhi, proto;
	int16_t itype, icode;
	uint8_t ilev, dmask, kind, lplen;
};

/* The groups of a leaf: grp[grp_off .. grp_off + n_grp). */
struct grpref {
	uint32_t grp_off;
	uint16_t n_grp;
};

/* The arrays of the table being built, handed over to struct pc_index. */
struct tables {
	struct vec grp, tier, lstart, lcell, cstart, cell, icmp, ent_rule;
};

/* Scratch of the port tiers of a group (index_groups.c). */
struct tier_scratch {
	struct vec entries;    /* struct pe: the entries of the group's tiers */
	struct vec lbounds;    /* a tier's local-port interval starts */
	struct vec events;     /* where each entry starts and ends being active */
	struct vec active;     /* struct act: the entries of one interval that can win */
	struct vec active_set; /* bits of the hbits of the entries active */
	struct vec rvals;      /* a tier's remote-port bounds, sorted */
	struct vec rbound_of;  /* per entry: the numbers of its two bounds in rvals */
	struct vec rbound_pos; /* per bound: its place in the table being made */
	struct vec rbound_set; /* bits of the hbits of one table's bounds */
	struct vec rports;     /* one table's remote-port bounds */
	struct vec rcells;     /* one table's cells, two per bound */
	struct vec rstarts;    /* one table's starts, equal neighbours merged */
	struct vec unpainted;  /* per direction: the next cell not yet painted */
};

/* Builds the groups of leaves into the tables (index_groups.c). */
struct group_builder {
	struct tables *out;
	struct tier_scratch tier;
	struct vec ikeys; /* struct ikey: the icmp keys of one level */
	struct vec ref;   /* per entry: named by an answer, then its new name */
};

/* Records moved among the blocks of a family's remote table (index_layout.c). */
struct layout_scratch {
	struct vec words;  /* the blocks and records in their new order */
	struct vec map;    /* per old record offset: the new offset, or NONE */
	struct vec placed; /* the new offsets of the records copied */
};

struct builder {
	const struct pc_rule *rules;
	size_t n_rules;
	struct tables out;
	struct vec rec; /* the family's records as built (see REC_FLAT) */
	/* the address pairs of a family, sorted (collect, sort_pairs) */
	struct vec pairs, pairs_sorted, pair_keys;
	/* the prefixes that link records: remote to nodes, a TREE's local to
	 * leaves, the intervals they cut and each one's parent */
	struct vec node_pfx, leaf_pfx, intervals, parents;
	struct vec ents;        /* struct ent: the entries of a node or a leaf */
	struct vec leaf_rules;  /* proto << 32 | rule: a leaf's rules, sorted */
	struct vec anyany;      /* leaf_rules of the first family's any/any leaf */
	struct grpref anyany_leaf;
	bool anyany_set;
	struct group_builder groups;
	struct layout_scratch layout;
};

/* qsort, which must not see a NULL array even when empty. */
static inline void sort_n(void *p, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(p, n, size, cmp);
}

static inline int sort_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Entries best first (match.h), for qsort. */
static inline int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return pc_rank_cmp(x->rank, x->rule, y->rank, y->rule, NULL);
}

/* An empty group builder adding to out, and freeing its scratch. */
void pc_ix_groups_init(struct group_builder *gb, struct tables *out);
void pc_ix_groups_free(struct group_builder *gb);

/* Ranks the entries e[0..n) (of rules of protocol proto, PROTO_ANYKEY for
 * any) and adds their group to gb->out->grp. Returns 0, or -1 with errno. */
int pc_ix_build_group(struct group_builder *gb, unsigned proto, struct ent *e, size_t n);

/* Moves the records rec of family f among its blocks (see struct famtab)
 * and frees rec; *bytes follows the table's size. Returns 0, or -1 with errno. */
int pc_ix_relayout(struct vec *rec, struct layout_scratch *s, struct famtab *f, size_t *bytes);

#endif
