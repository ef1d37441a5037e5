/* budget.h - the bounds the policy loader keeps, so that no policy file and
 * no file: address list (often a third-party feed) can make the loader hang,
 * read without end, or the index build exhaust memory: a policy past a bound
 * is rejected with FILE:LINE like any other error. docs/security.md. */
#ifndef PC_BUDGET_H
#define PC_BUDGET_H

#include <stdint.h>

#include "rule.h"

#define PC_POLICY_FILE_MAX (256ull << 20) /* bytes of the policy file */
#define PC_ADDR_FILE_MAX (256ull << 20)   /* bytes of one file: address list */
#define PC_ADDR_LINE_MAX 4096             /* bytes of one line of an address list */
#define PC_ERRORS_MAX 100                 /* errors reported before loading stops */

/* Index entries of all enabled rules together. An enabled rule makes one
 * entry per (remote, local) address pair of a common family (v4, v6; "any"
 * joins both) times local ports x remote ports x icmp types. About 50-120
 * bytes of index each: the bound keeps a table under about 500 MB. */
#define PC_ENTRIES_MAX (1ull << 22)

/* The index entries rule r expands to (whether or not it is enabled);
 * saturates at UINT64_MAX. */
uint64_t pc_budget_entries(const struct pc_rule *r);

#endif
