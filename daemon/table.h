/* table.h - the policy the daemon serves: the loaded policy, its compiled
 * index and per-rule hit counters. Built whole, swapped whole, freed whole. */
#ifndef PC_TABLE_H
#define PC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "index.h"
#include "policy.h"

struct pc_table {
	struct pc_policy *policy;
	struct pc_index *index;
	const struct pc_rule *rules;
	size_t nrules;
	size_t enabled;
	const struct pc_settings *set;
	uint64_t *hits; /* per rule; written only by the thread deciding packets */
};

/* Loads path and compiles it. Returns NULL with every error in diag. */
struct pc_table *pc_table_load(const char *path, struct pc_diag *diag);

/* Copies into t the hits of old's rules that have the same name. */
void pc_table_carry_hits(struct pc_table *t, const struct pc_table *old);

void pc_table_free(struct pc_table *t);

#endif
