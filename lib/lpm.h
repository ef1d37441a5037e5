/* lpm.h - longest prefix match over a fixed set of prefixes of one family
 *
 * The prefixes cut the address space into intervals, each labelled with the
 * value of the longest prefix holding it (or a root value). A block lists
 * the intervals of one range of addresses, searched by binary search; a
 * table has a block per bucket of a direct index on the d bits that follow
 * the leading bits all prefixes share, so a lookup is one index load and a
 * search among the few intervals of a bucket, whatever the prefix lengths.
 *
 * Keys are addresses as two big-endian 64-bit words, IPv4 in the top half
 * of the first (kw = 1 word), IPv6 in both (kw = 2).
 */
#ifndef PC_LPM_H
#define PC_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A prefix: bits of key past plen are zero. */
struct pc_lpm_pfx {
	uint64_t key[2];
	uint32_t value;
	uint8_t plen;
};

/* An interval: from start to the next interval's start. */
struct pc_lpm_iv {
	uint64_t start[2];
	uint32_t value;
};

/* The intervals of the prefixes v[0..n), sorted by key then length, no two
 * equal: into iv (room for 2 * n + 1), adjacent equal values merged, the
 * first starting at address 0; parent[i] is the value of the longest prefix
 * strictly holding v[i], or root. Returns the number of intervals. */
size_t pc_lpm_intervals(const struct pc_lpm_pfx *v, size_t n, uint32_t root, struct pc_lpm_iv *iv,
			uint32_t *parent);

/* A block lists the intervals of one range of keys that share their
 * leading bits; its first interval starts at the lowest key of the range.
 * A narrow block (ws <= 96) holds a word per interval: count << 32 | value,
 * then the 32 key bits from bit ws of its start << 32 | value for each
 * other; it needs every start to be zero from bit ws + 32 on. A half block
 * (ws = PC_LPM_HALF | s, s <= 96) needs them zero from bit s + 16 on: a
 * 16-bit count, the 16 key bits from bit s of each other start, then from
 * byte pc_lpm_half_at(count) a 32-bit value per interval (host order). A
 * wide block (ws = PC_LPM_WIDE) holds three words per interval: count, 0,
 * value, then start[0], start[1], value for the others. */
#define PC_LPM_WIDE 255u
#define PC_LPM_HALF 0x80u

static inline bool pc_lpm_is_half(unsigned ws)
{
	return ws != PC_LPM_WIDE && (ws & PC_LPM_HALF);
}

/* The byte offset of a half block's values. */
static inline size_t pc_lpm_half_at(size_t m)
{
	return (2 * m + 3) & ~(size_t)3;
}

static inline size_t pc_lpm_block_words(unsigned ws, size_t m)
{
	if (pc_lpm_is_half(ws))
		return (pc_lpm_half_at(m) + 4 * m + 7) / 8;
	return ws == PC_LPM_WIDE ? 3 * m : m;
}

static inline unsigned pc_lpm_ld16(const uint64_t *b, size_t i)
{
	uint16_t v;

	memcpy(&v, (const char *)b + 2 * i, sizeof v);
	return v;
}

static inline uint32_t pc_lpm_ld32(const uint64_t *b, size_t at)
{
	uint32_t v;

	memcpy(&v, (const char *)b + at, sizeof v);
	return v;
}

/* The intervals of block b, their values, its words. */
static inline size_t pc_lpm_block_count(const uint64_t *b, unsigned ws)
{
	if (pc_lpm_is_half(ws))
		return pc_lpm_ld16(b, 0);
	return ws == PC_LPM_WIDE ? b[0] : b[0] >> 32;
}

static inline uint32_t pc_lpm_block_value(const uint64_t *b, unsigned ws, size_t i)
{
	if (pc_lpm_is_half(ws))
		return pc_lpm_ld32(b, pc_lpm_half_at(pc_lpm_ld16(b, 0)) + 4 * i);
	return (uint32_t)b[ws == PC_LPM_WIDE ? 3 * i + 2 : i];
}

static inline void pc_lpm_block_set(uint64_t *b, unsigned ws, size_t i, uint32_t value)
{
	uint64_t *e;

	if (pc_lpm_is_half(ws)) {
		memcpy((char *)b + pc_lpm_half_at(pc_lpm_ld16(b, 0)) + 4 * i, &value, sizeof value);
		return;
	}
	e = &b[ws == PC_LPM_WIDE ? 3 * i + 2 : i];
	*e = (*e & ~(uint64_t)UINT32_MAX) | value;
}

/* The window for iv[0..m) from bit ws <= 96 on: PC_LPM_WIDE when some
 * start has bits from ws + 32 on, else ws. */
unsigned pc_lpm_narrow(unsigned ws, const struct pc_lpm_iv *iv, size_t m);

/* The smallest block shape for iv[0..m) from bit ws <= 96 on: as
 * pc_lpm_narrow, or PC_LPM_HALF | ws when no start has bits from ws + 16
 * on and m fits a 16-bit count (65,536 one-address intervals do not). */
unsigned pc_lpm_compact(unsigned ws, const struct pc_lpm_iv *iv, size_t m);

/* Writes the block of iv[0..m) into out. */
void pc_lpm_block_put(uint64_t *out, unsigned ws, const struct pc_lpm_iv *iv, size_t m);

/* The 32 bits of w from bit ws <= 96, in the top half. */
static inline uint64_t pc_lpm_window(unsigned ws, const uint64_t w[2])
{
	return ws < 64 ? w[0] << ws | w[1] >> 1 >> (63 - ws) : w[1] << (ws - 64);
}

/* The value of the interval of narrow block b holding the key whose
 * window is x. */
static inline uint32_t pc_lpm_block_find1(const uint64_t *b, uint64_t x)
{
	uint64_t k = x | UINT32_MAX;
	size_t n = b[0] >> 32, lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		lo = b[lo + half] <= k ? lo + half : lo;
		n -= half;
	}
	return (uint32_t)b[lo];
}

/* The value of the interval of half block b holding the key whose window
 * is x. */
static inline uint32_t pc_lpm_block_findh(const uint64_t *b, uint64_t x)
{
	unsigned k = (unsigned)(x >> 48);
	size_t m = pc_lpm_ld16(b, 0), n = m, lo = 0;

	while (n > 1) {
		size_t half = n / 2;

		lo = pc_lpm_ld16(b, lo + half) <= k ? lo + half : lo;
		n -= half;
	}
	return pc_lpm_ld32(b, pc_lpm_half_at(m) + 4 * lo);
}

/* The value of the interval of wide block b holding key w. */
static inline uint32_t pc_lpm_block_find2(const uint64_t *b, const uint64_t w[2])
{
	size_t n = b[0], lo = 0;

	while (n > 1) {
		size_t half = n / 2;
		const uint64_t *e = b + 3 * (lo + half);

		lo = e[0] < w[0] || (e[0] == w[0] && e[1] <= w[1]) ? lo + half : lo;
		n -= half;
	}
	return (uint32_t)b[3 * lo + 2];
}

static inline __attribute__((always_inline)) uint32_t pc_lpm_block_find(const uint64_t *b, unsigned ws,
								      const uint64_t w[2])
{
	if (ws == PC_LPM_WIDE)
		return pc_lpm_block_find2(b, w);
	if (ws & PC_LPM_HALF)
		return pc_lpm_block_findh(b, pc_lpm_window(ws & ~PC_LPM_HALF, w));
	return pc_lpm_block_find1(b, pc_lpm_window(ws, w));
}

/* A table: keys outside the common leading bits get the root value; the
 * others the value of their interval, found in the block of their bucket.
 * The bucket is d bits of one key word, from bit shl of word "word" (the
 * bits right after the common ones, or ending with word 0 so as not to
 * straddle the words). */
struct pc_lpm {
	unsigned d;          /* direct index bits */
	unsigned word, shl;
	unsigned ws;         /* of the blocks */
	uint64_t common[2];  /* the common bits; cmask selects them */
	uint64_t cmask[2];
	uint32_t root;
	uint32_t *dir;       /* 2^d block offsets into blk */
	uint64_t *blk;       /* the blocks, in the order of the buckets */
	size_t words;        /* in blk */
};

/* Builds t over the prefixes v[0..n) (as for pc_lpm_intervals) from their
 * intervals iv[0..m). Adds the bytes taken to *bytes. Returns 0, or -1
 * with errno. */
int pc_lpm_build(struct pc_lpm *t, unsigned kw, const struct pc_lpm_pfx *v, size_t n, uint32_t root,
		 const struct pc_lpm_iv *iv, size_t m, size_t *bytes);
void pc_lpm_free(struct pc_lpm *t);

/* The value of the longest prefix holding w (the root value if none). */
static inline __attribute__((always_inline)) uint32_t pc_lpm_find(const struct pc_lpm *t,
								 const uint64_t w[2])
{
	const uint64_t *b;

	if ((w[0] & t->cmask[0]) != t->common[0] || (w[1] & t->cmask[1]) != t->common[1])
		return t->root;
	b = t->blk + t->dir[w[t->word] << t->shl >> 1 >> (63 - t->d)];
	return pc_lpm_block_find(b, t->ws, w);
}

#endif
