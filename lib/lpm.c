/* lpm.c - longest prefix match over intervals (see lpm.h) */
#include "lpm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Direct index bits at most: 2^16 four-byte offsets. */
#define DIR_BITS_MAX 16

static u128 key_of(const uint64_t k[2])
{
	return (u128)k[0] << 64 | k[1];
}

static u128 plen_mask(unsigned plen)
{
	return plen ? ~(u128)0 << (128 - plen) : 0;
}

static u128 pfx_end(const struct pc_lpm_pfx *p)
{
	return key_of(p->key) | ~plen_mask(p->plen);
}

struct ivout {
	struct pc_lpm_iv *iv;
	size_t n;
};

/* Starts an interval at s; a later interval at the same start replaces the
 * earlier, and an interval with the value of the one before extends it. */
static void emit(struct ivout *o, u128 s, uint32_t value)
{
	struct pc_lpm_iv *e;

	if (o->n && key_of(o->iv[o->n - 1].start) == s)
		o->n--;
	if (o->n && o->iv[o->n - 1].value == value)
		return;
	e = &o->iv[o->n++];
	e->start[0] = (uint64_t)(s >> 64);
	e->start[1] = (uint64_t)s;
	e->value = value;
}

/* Nested prefixes have distinct lengths: at most 129 are open at once. */
struct open {
	size_t at[129];
	unsigned n;
};

static uint32_t open_value(const struct pc_lpm_pfx *v, const struct open *st, uint32_t root)
{
	return st->n ? v[st->at[st->n - 1]].value : root;
}

/* Closes the innermost open prefix: what follows it belongs to its parent. */
static void close_one(struct ivout *o, const struct pc_lpm_pfx *v, struct open *st, uint32_t root)
{
	u128 end = pfx_end(&v[st->at[--st->n]]);

	if (end != ~(u128)0)
		emit(o, end + 1, open_value(v, st, root));
}

size_t pc_lpm_intervals(const struct pc_lpm_pfx *v, size_t n, uint32_t root, struct pc_lpm_iv *iv,
			uint32_t *parent)
{
	struct ivout o = { iv, 0 };
	struct open st = { .n = 0 };

	emit(&o, 0, root);
	for (size_t i = 0; i < n; i++) {
		u128 s = key_of(v[i].key);

		while (st.n && pfx_end(&v[st.at[st.n - 1]]) < s)
			close_one(&o, v, &st, root);
		parent[i] = open_value(v, &st, root);
		emit(&o, s, v[i].value);
		st.at[st.n++] = i;
	}
	while (st.n)
		close_one(&o, v, &st, root);
	return o.n;
}

unsigned pc_lpm_narrow(unsigned ws, const struct pc_lpm_iv *iv, size_t m)
{
	if (ws >= 96)
		return 96;
	for (size_t i = 1; i < m; i++)
		if (key_of(iv[i].start) << (ws + 32))
			return PC_LPM_WIDE;
	return ws;
}

/* pc_lpm_compact without the bound on the count, which a table checks per
 * bucket. */
static unsigned compact_starts(unsigned ws, const struct pc_lpm_iv *iv, size_t m)
{
	unsigned nw = pc_lpm_narrow(ws, iv, m);

	if (nw == PC_LPM_WIDE)
		return nw;
	for (size_t i = 1; i < m; i++)
		if (key_of(iv[i].start) << (nw + 16))
			return nw;
	return PC_LPM_HALF | nw;
}

unsigned pc_lpm_compact(unsigned ws, const struct pc_lpm_iv *iv, size_t m)
{
	unsigned cw = compact_starts(ws, iv, m);

	return pc_lpm_is_half(cw) && m > UINT16_MAX ? cw & ~PC_LPM_HALF : cw;
}

/* Writes half block (see lpm.h) of iv[0..m), its window from bit ws. */
static void half_put(uint64_t *out, unsigned ws, const struct pc_lpm_iv *iv, size_t m)
{
	char *p = (char *)out;
	uint16_t s = (uint16_t)m;

	memset(out, 0, pc_lpm_block_words(PC_LPM_HALF | ws, m) * sizeof *out);
	memcpy(p, &s, sizeof s);
	for (size_t i = 1; i < m; i++) {
		s = (uint16_t)(pc_lpm_window(ws, iv[i].start) >> 48);
		memcpy(p + 2 * i, &s, sizeof s);
	}
	for (size_t i = 0; i < m; i++)
		memcpy(p + pc_lpm_half_at(m) + 4 * i, &iv[i].value, sizeof iv[i].value);
}

void pc_lpm_block_put(uint64_t *out, unsigned ws, const struct pc_lpm_iv *iv, size_t m)
{
	if (pc_lpm_is_half(ws)) {
		half_put(out, ws & ~PC_LPM_HALF, iv, m);
		return;
	}
	if (ws != PC_LPM_WIDE) {
		out[0] = (uint64_t)m << 32 | iv[0].value;
		for (size_t i = 1; i < m; i++)
			out[i] = (pc_lpm_window(ws, iv[i].start) & ~(uint64_t)UINT32_MAX) | iv[i].value;
		return;
	}
	out[0] = m;
	out[1] = 0;
	out[2] = iv[0].value;
	for (size_t i = 1; i < m; i++) {
		out[3 * i] = iv[i].start[0];
		out[3 * i + 1] = iv[i].start[1];
		out[3 * i + 2] = iv[i].value;
	}
}

static unsigned clz128(u128 x)
{
	if (x >> 64)
		return (unsigned)__builtin_clzll((uint64_t)(x >> 64));
	return (uint64_t)x ? 64u + (unsigned)__builtin_clzll((uint64_t)x) : 128u;
}

/* The leading bits every prefix of v[0..n) (sorted by key) shares. */
static unsigned common_bits(const struct pc_lpm_pfx *v, size_t n)
{
	unsigned c;

	if (!n)
		return 0;
	c = clz128(key_of(v[0].key) ^ key_of(v[n - 1].key));
	for (size_t i = 0; i < n; i++)
		c = v[i].plen < c ? v[i].plen : c;
	return c;
}

struct dirbuild {
	const struct pc_lpm_iv *iv;
	size_t m, j;     /* intervals, the one holding the current bucket's start */
	uint64_t *blk;
	size_t words;
	uint32_t last_single; /* value of the last one-interval block, or none */
	bool have_single;
};

/* Adds (or reuses) the block of the bucket [bs, be]; returns its offset,
 * or SIZE_MAX when the bucket has more intervals than a half block holds. */
static size_t bucket_block(struct dirbuild *db, unsigned ws, u128 bs, u128 be)
{
	size_t j, k, off = db->words;

	while (db->j + 1 < db->m && key_of(db->iv[db->j + 1].start) <= bs)
		db->j++;
	j = db->j;
	for (k = j + 1; k < db->m && key_of(db->iv[k].start) <= be; k++)
		;
	if (pc_lpm_is_half(ws) && k - j > UINT16_MAX)
		return SIZE_MAX;
	if (k - j == 1 && db->have_single && db->last_single == db->iv[j].value)
		return db->words - pc_lpm_block_words(ws, 1);
	pc_lpm_block_put(db->blk + off, ws, db->iv + j, k - j);
	db->words += pc_lpm_block_words(ws, k - j);
	db->have_single = k - j == 1;
	db->last_single = db->iv[j].value;
	return off;
}

/* The first bit of the bucket index: right after the c common bits, or
 * earlier so that the index ends within word 0; sets word and shl. */
static unsigned window(struct pc_lpm *t, unsigned c)
{
	unsigned start = t->d ? c : 0;

	if (start < 64 && start + t->d > 64)
		start = 64 - t->d;
	t->word = start >= 64;
	t->shl = start - 64 * t->word;
	return start;
}

/* The blocks of every bucket, into db, and their offsets into t->dir.
 * Returns 0, 1 when a bucket is too full for half blocks, or -1 with errno. */
static int fill_dir(struct pc_lpm *t, struct dirbuild *db, u128 common, unsigned start)
{
	for (size_t b = 0; b < (size_t)1 << t->d; b++) {
		u128 bs = (common & plen_mask(start)) | (t->d ? (u128)b << (128 - start - t->d) : 0);
		size_t off = bucket_block(db, t->ws, bs, bs | ~plen_mask(start + t->d));

		if (off == SIZE_MAX)
			return 1;
		if (off > UINT32_MAX) {
			errno = E2BIG;
			return -1;
		}
		t->dir[b] = (uint32_t)off;
	}
	return 0;
}

static unsigned dir_bits(size_t m, unsigned c, unsigned width)
{
	unsigned d = 0;

	while ((size_t)1 << d < m && d < DIR_BITS_MAX && c + d < width)
		d++;
	return d;
}

int pc_lpm_build(struct pc_lpm *t, unsigned kw, const struct pc_lpm_pfx *v, size_t n, uint32_t root,
		 const struct pc_lpm_iv *iv, size_t m, size_t *bytes)
{
	unsigned width = kw == 1 ? 32 : 128;
	struct dirbuild db = { iv, m, 0, NULL, 0, 0, false };
	size_t nb;
	unsigned c = common_bits(v, n), start;
	u128 common, cm;
	int rc;

	memset(t, 0, sizeof *t);
	t->root = root;
	t->d = dir_bits(m, c, width);
	cm = plen_mask(c);
	common = n ? key_of(v[0].key) & cm : 0;
	t->cmask[0] = (uint64_t)(cm >> 64);
	t->cmask[1] = (uint64_t)cm;
	t->common[0] = (uint64_t)(common >> 64);
	t->common[1] = (uint64_t)common;
	nb = (size_t)1 << t->d;
	t->dir = malloc(nb * sizeof *t->dir);
	start = window(t, c);
	t->ws = compact_starts(start + t->d < 96 ? start + t->d : 96, iv, m);
	/* a half block never takes more words than a narrow one */
	db.blk = malloc((t->ws == PC_LPM_WIDE ? 3 : 1) * (nb + m) * sizeof *db.blk);
	if (!t->dir || !db.blk)
		goto fail;
	if ((rc = fill_dir(t, &db, common, start)) > 0) {
		t->ws &= ~PC_LPM_HALF;
		db = (struct dirbuild){ iv, m, 0, db.blk, 0, 0, false };
		rc = fill_dir(t, &db, common, start);
	}
	if (rc < 0)
		goto fail;
	t->blk = realloc(db.blk, db.words * sizeof *db.blk);
	if (!t->blk)
		t->blk = db.blk;
	t->words = db.words;
	*bytes += nb * sizeof *t->dir + db.words * sizeof *t->blk;
	return 0;
fail:
	free(db.blk);
	free(t->dir);
	t->dir = NULL;
	return -1;
}

void pc_lpm_free(struct pc_lpm *t)
{
	free(t->dir);
	free(t->blk);
	t->dir = NULL;
	t->blk = NULL;
}
