/* table.c - a compiled policy with its hit counters */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lockout.h"

#define COUNTERS_PER_LINE (64 / sizeof(pc_counter))

/* Rows of hit counters, each starting on a cache line of its own. */
static int alloc_hits(struct pc_table *t, size_t nrows)
{
	size_t n = t->nrules ? t->nrules : 1;

	if (!nrows)
		nrows = (size_t)t->set->queue_hi - t->set->queue_lo + 1;
	t->nrows = nrows;
	t->stride = (n + COUNTERS_PER_LINE - 1) / COUNTERS_PER_LINE * COUNTERS_PER_LINE;
	if (!(t->hits = aligned_alloc(64, t->nrows * t->stride * sizeof(*t->hits))) ||
	    !(t->carried = calloc(n, sizeof(*t->carried))))
		return -1;
	for (size_t i = 0; i < t->nrows * t->stride; i++)
		atomic_init(&t->hits[i], 0);
	return 0;
}

struct pc_table *pc_table_load(const char *path, size_t nrows, struct pc_diag *diag)
{
	struct pc_table *t = calloc(1, sizeof(*t));

	if (!t) {
		pc_diag_add(diag, PC_DIAG_ERROR, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (!(t->policy = pc_policy_load(path, diag)))
		goto fail;
	t->rules = pc_policy_rules(t->policy, &t->nrules);
	t->enabled = pc_policy_enabled(t->policy);
	t->set = pc_policy_settings(t->policy);
	if (alloc_hits(t, nrows) < 0 || !(t->index = pc_index_new(t->policy))) {
		pc_diag_add(diag, PC_DIAG_ERROR, path, 0, "cannot compile the rules: %s",
			    strerror(errno));
		goto fail;
	}
	(void)pc_lockout_diag(t->policy, t->index, NULL, false, diag); /* warnings only */
	return t;
fail:
	pc_table_free(t);
	return NULL;
}

uint64_t pc_table_hits(const struct pc_table *t, size_t r)
{
	uint64_t sum = t->carried[r];

	for (size_t row = 0; row < t->nrows; row++)
		sum += pc_counter_get(&t->hits[row * t->stride + r]);
	return sum;
}

void pc_table_carry_hits(struct pc_table *t, const struct pc_table *old)
{
	for (size_t j = 0; j < old->nrules; j++) {
		uint64_t h = pc_table_hits(old, j);
		long i = h ? pc_policy_find(t->policy, old->rules[j].name) : -1;

		if (i >= 0 && (size_t)i < t->nrules)
			t->carried[i] = h;
	}
}

void pc_table_free(struct pc_table *t)
{
	if (!t)
		return;
	pc_index_free(t->index);
	pc_policy_free(t->policy);
	free(t->hits);
	free(t->carried);
	free(t);
}
