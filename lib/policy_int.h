/* policy_int.h - the policy container, shared by policy.c and loader.c only */
#ifndef PC_POLICY_INT_H
#define PC_POLICY_INT_H

#include "policy.h"
#include "strmap.h"

struct pc_policy {
	char *path;
	struct pc_settings set;
	struct pc_rule *rules;
	size_t n, cap, enabled;
	struct pc_strmap *names;
};

/* Appends r, taking ownership of its allocations (r is zeroed). Returns 0,
 * or -1 with errno (EEXIST: duplicate name; r is then left to the caller). */
int pc_policy_take(struct pc_policy *p, struct pc_rule *r);

/* Frees what a rule owns. */
void pc_rule_clear(struct pc_rule *r);

/* Sets the defaults of the [portcullis] section. Returns 0, or -1 (ENOMEM). */
int pc_settings_init(struct pc_settings *s);
void pc_settings_clear(struct pc_settings *s);

#endif
