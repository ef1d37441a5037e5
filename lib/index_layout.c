/* index_layout.c - a family's records moved among the blocks of its remote
 * table, each after the first block that names it and a parent after its
 * first child, so that a lookup's block, node and chain tend to share cache
 * lines (the format: index_int.h) */
#include "index_int.h"

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
	struct layout_scratch *s;
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
	if (L->s->words.n + n >= TERM) {
		errno = E2BIG;
		return -1;
	}
	L->map[o] = (uint32_t)L->s->words.n;
	w = vec_add(&L->s->words, n);
	pl = vec_add(&L->s->placed, 1);
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
			at = L->s->words.n;
			if (at + words >= TERM) {
				errno = E2BIG;
				return -1;
			}
			w = vec_add(&L->s->words, words);
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

int pc_ix_relayout(struct vec *rec, struct layout_scratch *s, struct famtab *f, size_t *bytes)
{
	struct pc_lpm *t = &f->remote;
	struct layout L = { s, rec->p, vec_scratch(&s->map, rec->n) };
	size_t nd = (size_t)1 << t->d;
	uint64_t *lay;

	if (!L.map)
		return -1;
	memset(L.map, 0xff, rec->n * sizeof *L.map);
	s->words.n = s->placed.n = 0;
	if (lay_blocks(&L, t) < 0 || place(&L, t->root) < 0)
		return -1;
	for (size_t o = 0; o < rec->n; o += rec_words(L.old + o))
		if (place(&L, (uint32_t)o) < 0)
			return -1;
	lay = s->words.p;
	for (size_t i = 0; i < nd; i++)
		if (!i || t->dir[i] != t->dir[i - 1])
			block_moved(&L, lay + t->dir[i], t->ws);
	for (size_t i = 0; i < s->placed.n; i++) {
		uint64_t *r = lay + VAT(s->placed, uint32_t)[i];

		*r = (*r & ~(uint64_t)UINT32_MAX) | moved(&L, (uint32_t)*r);
		if (rec_kind(r[0]) == REC_TREE)
			block_moved(&L, r + 1, (unsigned)(r[0] >> 40));
	}
	t->root = moved(&L, t->root);
	*bytes -= t->words * sizeof *t->blk;
	free(t->blk);
	t->words = s->words.n;
	t->blk = vec_take(&s->words, bytes);
	vec_free(rec);
	vec_free(&s->map);
	vec_free(&s->placed);
	return 0;
}
