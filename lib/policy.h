/* policy.h - loading a policy file */
#ifndef PC_POLICY_H
#define PC_POLICY_H

#include <stddef.h>

#include "diag.h"
#include "rule.h"
#include "settings.h"

struct pc_policy;

/* Loads and validates the policy at path. Every error is added to diag as
 * "FILE:LINE: message". Returns the policy, or NULL when the file has any
 * error (or cannot be read, or memory runs out; all reported in diag). */
struct pc_policy *pc_policy_load(const char *path, struct pc_diag *diag);

/* Same, from a string; name is used in messages, base for relative file: paths. */
struct pc_policy *pc_policy_load_string(const char *text, const char *name,
					struct pc_diag *diag);

void pc_policy_free(struct pc_policy *p);

/* Builds a policy in code (tests, benchmarks): default settings, no rules.
 * Returns NULL with errno set. */
struct pc_policy *pc_policy_new(void);
/* Appends a deep copy of r; its name must be new. Returns 0, or -1 with errno
 * (EEXIST for a duplicate name, EINVAL for an empty list field). */
int pc_policy_add(struct pc_policy *p, const struct pc_rule *r);
/* Settings of a built policy, to change before compiling. */
struct pc_settings *pc_policy_settings_mut(struct pc_policy *p);

/* Rules in file order; the index of a rule is its position here. */
const struct pc_rule *pc_policy_rules(const struct pc_policy *p, size_t *n);
const struct pc_settings *pc_policy_settings(const struct pc_policy *p);
const char *pc_policy_path(const struct pc_policy *p);
size_t pc_policy_enabled(const struct pc_policy *p);

/* Index of the rule with that name, or -1. */
long pc_policy_find(const struct pc_policy *p, const char *name);

#endif
