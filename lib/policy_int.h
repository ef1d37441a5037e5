/* policy_int.h - the policy container, shared by policy.c and loader.c only.
 *
 * Everything the rules point to (names, descriptions, lists) lives in the
 * policy's arena and is freed with it, never one by one; rules that keep a
 * default "any" list share the policy's single copy of it (rules are
 * read-only once added). */
#ifndef PC_POLICY_INT_H
#define PC_POLICY_INT_H

#include "arena.h"
#include "policy.h"
#include "strmap.h"

struct pc_policy {
	char *path;
	struct pc_settings set;
	struct pc_rule *rules;
	size_t n, cap, enabled;
	struct pc_strmap *names;
	struct pc_arena *mem;
	/* the shared "any" lists */
	struct pc_prefix any_addr;
	struct pc_portrange any_port;
	struct pc_icmpspec any_icmp;
};

/* Makes r a rule with every default: enabled, any protocol, both directions,
 * every list the shared "any" (no name, no description). */
void pc_rule_defaults(struct pc_policy *p, struct pc_rule *r);

/* Reserves the next rule (index p->n) for name: copies name into p->mem,
 * maps it to that index and makes room, so pc_policy_commit cannot fail.
 * Each reservation must be committed before the next one. Returns the
 * copy, or NULL with errno: EEXIST (*prev = the index of the rule of that
 * name), ENOMEM. */
char *pc_policy_reserve(struct pc_policy *p, const char *name, size_t *prev);

/* Appends r as the reserved rule: r->name is the copy pc_policy_reserve
 * returned; its lists and description are in p->mem or the shared lists. */
void pc_policy_commit(struct pc_policy *p, const struct pc_rule *r);

#endif
