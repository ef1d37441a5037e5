/* table.h - the policy the daemon serves: the loaded policy, its compiled
 * index and per-rule hit counters. Built whole, swapped whole, freed whole;
 * once in service only the hit counters change. */
#ifndef PC_TABLE_H
#define PC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "diag.h"
#include "index.h"
#include "marks.h"
#include "policy.h"

struct pc_table {
	struct pc_policy *policy;
	struct pc_index *index;
	const struct pc_rule *rules;
	size_t nrules;
	size_t enabled;
	const struct pc_settings *set;
	/* Hits: one row of nrules counters per worker, each written by its
	 * worker only (rows start on their own cache lines), plus carried[],
	 * the hits of the tables before (written by the main thread only). */
	pc_counter *hits;
	size_t nrows, stride;
	uint64_t *carried;
	/* stateful = yes: the mark layout the hooks use and the generation
	 * this table's verdicts are saved under (set before it serves) */
	struct pc_marks marks;
	uint32_t gen;
};

/* Loads path and compiles it, with nrows rows of hit counters (one per
 * worker; 0: one per queue of the policy's own queue range). Returns NULL
 * with every error in diag. */
struct pc_table *pc_table_load(const char *path, size_t nrows, struct pc_diag *diag);

/* Counts a hit of rule r by the worker of row `row`. */
static inline void pc_table_hit(struct pc_table *t, size_t row, long r)
{
	pc_counter_inc(&t->hits[row * t->stride + (size_t)r]);
}

/* Hits of rule r: carried plus every row's. */
uint64_t pc_table_hits(const struct pc_table *t, size_t r);

/* Sets t's carried hits to the hits of old's rules of the same name (one
 * name lookup per rule of old that has hits, so quick for large blocklists
 * where most rules never match). Call it once no worker counts in old
 * any more (after the grace period), so that no hit is lost. */
void pc_table_carry_hits(struct pc_table *t, const struct pc_table *old);

void pc_table_free(struct pc_table *t);

#endif
