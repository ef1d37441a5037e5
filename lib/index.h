/* index.h - the compiled rule table the daemon decides packets with */
#ifndef PC_INDEX_H
#define PC_INDEX_H

#include "packet.h"
#include "policy.h"

/* An immutable table built from the enabled rules of a policy. It refers to
 * the policy's rules by index only; it can outlive the policy. */
struct pc_index;

/* Compiles the enabled rules of p. Returns NULL with errno set on failure. */
struct pc_index *pc_index_new(const struct pc_policy *p);
void pc_index_free(struct pc_index *ix);

/* The deciding rule's index in the policy, or -1 when no rule matches
 * (the policy's default decides). Allocates nothing; safe to call from
 * several threads at once. */
long pc_index_lookup(const struct pc_index *ix, const struct pc_pkt *pkt);

/* Bytes the table occupies. */
size_t pc_index_memory(const struct pc_index *ix);

#endif
