/* tally.c - counting keys: an open-addressing hash table of copied keys */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 64

struct pc_tally {
	struct pc_tally_entry *slot; /* key NULL: empty */
	size_t n_slots;              /* a power of two */
	size_t used;
};

/* FNV-1a */
static uint64_t hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The slot holding key, or the empty slot where it belongs. */
static struct pc_tally_entry *find(const struct pc_tally_entry *slot, size_t n_slots,
				   const void *key, size_t len)
{
	size_t i = (size_t)hash(key, len) & (n_slots - 1);

	for (;; i = (i + 1) & (n_slots - 1)) {
		const struct pc_tally_entry *e = &slot[i];

		if (!e->key || (e->len == len && !memcmp(e->key, key, len)))
			return (struct pc_tally_entry *)(uintptr_t)e;
	}
}

static int grow(struct pc_tally *t)
{
	size_t n = t->n_slots ? t->n_slots * 2 : MIN_SLOTS;
	struct pc_tally_entry *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -1;
	for (size_t i = 0; i < t->n_slots; i++)
		if (t->slot[i].key)
			*find(slot, n, t->slot[i].key, t->slot[i].len) = t->slot[i];
	free(t->slot);
	t->slot = slot;
	t->n_slots = n;
	return 0;
}

struct pc_tally *pc_tally_new(void)
{
	struct pc_tally *t = calloc(1, sizeof(*t));

	if (t && grow(t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void pc_tally_free(struct pc_tally *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_slots; i++)
		free((char *)(uintptr_t)t->slot[i].key);
	free(t->slot);
	free(t);
}

int pc_tally_add(struct pc_tally *t, const void *key, size_t len, uint64_t n)
{
	struct pc_tally_entry *e = find(t->slot, t->n_slots, key, len);
	char *copy;

	if (e->key) {
		e->count += n;
		return 0;
	}
	if ((t->used + 1) * 4 > t->n_slots * 3) {
		if (grow(t) < 0)
			return -1;
		e = find(t->slot, t->n_slots, key, len);
	}
	if (!(copy = malloc(len + 1)))
		return -1;
	memcpy(copy, key, len);
	copy[len] = '\0';
	*e = (struct pc_tally_entry){ copy, len, n };
	t->used++;
	return 0;
}

uint64_t pc_tally_get(const struct pc_tally *t, const void *key, size_t len)
{
	return find(t->slot, t->n_slots, key, len)->count;
}

size_t pc_tally_size(const struct pc_tally *t)
{
	return t->used;
}

static int by_rank(const void *a, const void *b)
{
	const struct pc_tally_entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = memcmp(x->key, y->key, n)))
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

struct pc_tally_entry *pc_tally_ranked(const struct pc_tally *t, size_t *n)
{
	struct pc_tally_entry *v = malloc((t->used ? t->used : 1) * sizeof(*v));
	size_t k = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n_slots; i++)
		if (t->slot[i].key)
			v[k++] = t->slot[i];
	qsort(v, k, sizeof(*v), by_rank);
	*n = k;
	return v;
}
