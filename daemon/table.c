/* table.c - a compiled policy with its hit counters */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pc_table *pc_table_load(const char *path, struct pc_diag *diag)
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
	if (!(t->hits = calloc(t->nrules ? t->nrules : 1, sizeof(*t->hits))) ||
	    !(t->index = pc_index_new(t->policy))) {
		pc_diag_add(diag, PC_DIAG_ERROR, path, 0, "cannot compile the rules: %s",
			    strerror(errno));
		goto fail;
	}
	return t;
fail:
	pc_table_free(t);
	return NULL;
}

void pc_table_carry_hits(struct pc_table *t, const struct pc_table *old)
{
	for (size_t i = 0; i < t->nrules; i++) {
		long j = pc_policy_find(old->policy, t->rules[i].name);

		if (j >= 0 && (size_t)j < old->nrules)
			t->hits[i] = old->hits[j];
	}
}

void pc_table_free(struct pc_table *t)
{
	if (!t)
		return;
	pc_index_free(t->index);
	pc_policy_free(t->policy);
	free(t->hits);
	free(t);
}
