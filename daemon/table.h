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
	/* Set by pc_table_map: for each rule, the index of the rule of the same
	 * name in carry_from, or PC_TABLE_NONE. */
	uint32_t *carry;
	const struct pc_table *carry_from;
};

#define PC_TABLE_NONE UINT32_MAX

/* Loads path and compiles it. Returns NULL with every error in diag. */
struct pc_table *pc_table_load(const char *path, struct pc_diag *diag);

/* Finds, for each rule of t, the rule of old with the same name (reads
 * only old's policy: safe while old serves packets on another thread).
 * Returns 0, or -1 with errno. */
int pc_table_map(struct pc_table *t, const struct pc_table *old);

/* Copies into t the hits of old's rules that have the same name; quick when
 * pc_table_map(t, old) was done. */
void pc_table_carry_hits(struct pc_table *t, const struct pc_table *old);

void pc_table_free(struct pc_table *t);

#endif
