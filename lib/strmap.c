/* strmap.c - a string -> index map (open addressing, linear probing); each
 * slot keeps its key's hash, so growing never rehashes a string and a probe
 * compares strings only when the hashes are equal. */
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	const char *key;
	size_t value;
	uint64_t hash;
};

struct pc_strmap {
	struct slot *slots;
	size_t cap, n; /* cap is a power of two */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h ^ (h >> 29); /* FNV's low bits alone spread poorly */
}

struct pc_strmap *pc_strmap_new(void)
{
	struct pc_strmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cap = 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void pc_strmap_free(struct pc_strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static struct slot *find(struct slot *slots, size_t cap, const char *key, uint64_t h)
{
	size_t i = h & (cap - 1);
	while (slots[i].key && (slots[i].hash != h || strcmp(slots[i].key, key)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* The free slot for a hash known to be absent. */
static struct slot *free_slot(struct slot *slots, size_t cap, uint64_t h)
{
	size_t i = h & (cap - 1);
	while (slots[i].key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct pc_strmap *m)
{
	size_t cap = m->cap * 2;
	struct slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*free_slot(slots, cap, m->slots[i].hash) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int pc_strmap_add(struct pc_strmap *m, const char *key, size_t value, size_t *old)
{
	uint64_t h = hash_str(key);

	if (2 * (m->n + 1) > m->cap && grow(m) < 0)
		return -1;
	struct slot *s = find(m->slots, m->cap, key, h);
	if (s->key) {
		if (old)
			*old = s->value;
		errno = EEXIST;
		return -1;
	}
	*s = (struct slot){ .key = key, .value = value, .hash = h };
	m->n++;
	return 0;
}

long pc_strmap_get(const struct pc_strmap *m, const char *key)
{
	const struct slot *s = find(m->slots, m->cap, key, hash_str(key));
	return s->key ? (long)s->value : -1;
}
