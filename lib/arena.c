/* arena.c - bump allocation in chunks, freed together */
#include "arena.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 8
#define CHUNK_MIN 4096      /* a small policy stays small */
#define CHUNK_MAX (1 << 20) /* chunks double up to this size */

struct pc_arena {
	char *pos, *end;   /* free room of the current chunk */
	size_t next_chunk; /* size of the next chunk */
	void **blocks;     /* every chunk and adopted block, freed at the end */
	size_t n, cap;
};

struct pc_arena *pc_arena_new(void)
{
	struct pc_arena *a = calloc(1, sizeof(*a));

	if (a)
		a->next_chunk = CHUNK_MIN;
	return a;
}

void pc_arena_free(struct pc_arena *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
	free(a);
}

/* Remembers block p to free it with the arena. Returns 0, or -1 (ENOMEM). */
static int keep(struct pc_arena *a, void *p)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		void **v = realloc(a->blocks, cap * sizeof(*v));
		if (!v)
			return -1;
		a->blocks = v;
		a->cap = cap;
	}
	a->blocks[a->n++] = p;
	return 0;
}

int pc_arena_adopt(struct pc_arena *a, void *p)
{
	if (keep(a, p) < 0) {
		free(p);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* A block of its own for a large object, or a new current chunk. */
static void *new_block(struct pc_arena *a, size_t size)
{
	bool own = size > a->next_chunk / 4;
	size_t len = own ? size : a->next_chunk;
	char *p = malloc(len ? len : 1);

	if (!p || keep(a, p) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	if (own)
		return p;
	if (a->next_chunk < CHUNK_MAX)
		a->next_chunk *= 2;
	a->pos = p + size;
	a->end = p + len;
	return p;
}

static void *take(struct pc_arena *a, size_t size, size_t align)
{
	uintptr_t at = ((uintptr_t)a->pos + align - 1) & ~(uintptr_t)(align - 1);

	if (a->pos && at <= (uintptr_t)a->end && size <= (uintptr_t)a->end - at) {
		a->pos = (char *)at + size;
		return (char *)at;
	}
	return new_block(a, size);
}

void *pc_arena_alloc(struct pc_arena *a, size_t size)
{
	return take(a, size, ALIGN);
}

void *pc_arena_dup(struct pc_arena *a, const void *p, size_t size)
{
	void *d = take(a, size, ALIGN);

	if (d && size)
		memcpy(d, p, size);
	return d;
}

char *pc_arena_strdup(struct pc_arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = take(a, len, 1);

	if (d)
		memcpy(d, s, len);
	return d;
}
