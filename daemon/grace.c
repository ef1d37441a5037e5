/* grace.c - publish a pointer, wait until its predecessor is unused.
 *
 * Each slot shows the generation its reader saw when it entered its
 * section, 0 outside. The reader stores its slot before it loads the
 * pointer; the writer stores the pointer before it loads the slots. All
 * four are seq_cst, so either the writer sees the reader's slot (and waits
 * for it) or the reader sees the new pointer: never a freed one. Leaving
 * stores 0 with release order: enough for the writer that sees the 0 to
 * see the section's reads as done. */
#include "grace.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define CACHE_LINE 64
#define WAIT_STEP_NS 20000 /* 20 us between looks at the slots */

struct slot {
	_Alignas(CACHE_LINE) _Atomic uint64_t active; /* generation seen, 0: outside */
};

struct pc_grace {
	_Atomic(void *) ptr;
	_Atomic uint64_t gen; /* grows by one per publish; starts at 1 */
	size_t nslots;
	struct slot *slots;
};

struct pc_grace *pc_grace_new(size_t nreaders, void *ptr)
{
	struct pc_grace *g = calloc(1, sizeof(*g));
	size_t n = nreaders ? nreaders : 1;

	if (!g)
		return NULL;
	if (!(g->slots = aligned_alloc(CACHE_LINE, n * sizeof(*g->slots)))) {
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		atomic_init(&g->slots[i].active, 0);
	g->nslots = nreaders;
	atomic_init(&g->ptr, ptr);
	atomic_init(&g->gen, 1);
	return g;
}

void pc_grace_free(struct pc_grace *g)
{
	if (!g)
		return;
	free(g->slots);
	free(g);
}

void *pc_grace_enter(struct pc_grace *g, size_t slot)
{
	atomic_store(&g->slots[slot].active, atomic_load(&g->gen));
	return atomic_load(&g->ptr);
}

void pc_grace_leave(struct pc_grace *g, size_t slot)
{
	/* release: the section's reads happen before a wait that sees the 0 */
	atomic_store_explicit(&g->slots[slot].active, 0, memory_order_release);
}

void *pc_grace_publish(struct pc_grace *g, void *ptr)
{
	void *old = atomic_exchange(&g->ptr, ptr);

	atomic_fetch_add(&g->gen, 1);
	return old;
}

void pc_grace_wait(struct pc_grace *g)
{
	uint64_t gen = atomic_load(&g->gen);
	struct timespec step = { 0, WAIT_STEP_NS };

	/* A slot showing gen or more entered after the last publish. */
	for (size_t i = 0; i < g->nslots; i++) {
		uint64_t seen;

		while ((seen = atomic_load(&g->slots[i].active)) != 0 && seen < gen)
			nanosleep(&step, NULL);
	}
}

void *pc_grace_current(const struct pc_grace *g)
{
	return atomic_load(&g->ptr);
}
