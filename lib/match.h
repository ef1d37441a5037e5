/* match.h - best-match semantics: per-rule matching, specificity, and the
 * linear reference (the oracle the index is tested against) */
#ifndef PC_MATCH_H
#define PC_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "policy.h"
#include "rule.h"

/* How specifically a rule matched a packet, from its best element in each field
 * (the most specific, see pc_spec_score). */
struct pc_spec {
	uint8_t rplen;       /* remote-address prefix length */
	uint8_t lplen;       /* local-address prefix length */
	uint8_t proto;       /* 1 when the rule names a protocol */
	uint8_t icmp;        /* 2 type and code, 1 type, 0 any */
	uint32_t lwidth;     /* local-port range width, 65536 for any */
	uint32_t rwidth;     /* remote-port range width */
	uint8_t dir;         /* 1 when the rule says in or out */
};

/* The fields of the order, most significant first; PC_FIELD_NONE if equal.
 * This enum's order is the best-match order: every user derives from it. */
enum pc_field {
	PC_FIELD_NONE = 0,
	PC_FIELD_REMOTE,
	PC_FIELD_LOCAL,
	PC_FIELD_PROTO,
	PC_FIELD_LPORT,
	PC_FIELD_RPORT,
	PC_FIELD_ICMP,
	PC_FIELD_DIR,
	PC_FIELD_ACTION, /* tie: deny beats permit */
	PC_FIELD_ORDER,  /* tie: the rule defined first */
};

/* The best-match order, stated once. A match's rank is one key: the score
 * of each field (PC_FIELD_REMOTE .. PC_FIELD_DIR, greater is more specific)
 * packed most significant first, then the action (deny above permit); the
 * greater key wins, equal keys go to the rule defined first. The linear
 * reference compares ranks; the index ranks its entries by them while it is
 * built (its lookup compares nothing: it walks remote, then local prefixes,
 * longest first, then the protocol's group before "any", and takes the first
 * entry that matches); the shadow analysis scores a field's elements with
 * pc_spec_score and breaks ties with pc_rank_cmp. */

/* The score of field f of s: the prefix length, 1 for a protocol or a
 * direction given, 65536 minus a port range's width, the icmp level. s must
 * hold what pc_rule_match gives (prefix lengths up to 128, widths 1..65536). */
uint32_t pc_spec_score(const struct pc_spec *s, enum pc_field f);

/* The specificity of a match by rule r through one element of each list:
 * prefix lengths rplen and lplen (0 for "any"), lport, rport and icmp. */
struct pc_spec pc_elems_spec(const struct pc_rule *r, unsigned rplen, unsigned lplen,
			     const struct pc_portrange *lport, const struct pc_portrange *rport,
			     const struct pc_icmpspec *icmp);

/* The rank of a match of specificity s by a rule with action a. */
uint64_t pc_rank_key(const struct pc_spec *s, enum pc_action a);

/* <0 when a match of rank ka by rule ra beats one of rank kb by rule rb, >0
 * when it loses, 0 when they are the same; *field (may be NULL) is set to
 * the field that settled it (PC_FIELD_ACTION, PC_FIELD_ORDER for the ties). */
int pc_rank_cmp(uint64_t ka, size_t ra, uint64_t kb, size_t rb, enum pc_field *field);

/* True when rule r matches pkt; then *spec (may be NULL) is its specificity. */
bool pc_rule_match(const struct pc_rule *r, const struct pc_pkt *pkt, struct pc_spec *spec);

/* <0 when a is more specific than b, >0 when less, 0 when equal; *field
 * (may be NULL) is set to the field that settled it. */
int pc_spec_cmp(const struct pc_spec *a, const struct pc_spec *b, enum pc_field *field);

/* A matching rule and how it matched. */
struct pc_candidate {
	size_t rule;
	struct pc_spec spec;
};

/* <0 when candidate a beats b (specificity, then deny, then earlier). */
int pc_candidate_cmp(const struct pc_rule *rules, const struct pc_candidate *a,
		     const struct pc_candidate *b, enum pc_field *field);

/* Every enabled rule matching pkt, best first, into out (room for max);
 * returns how many matched (may exceed max: only max are stored). */
size_t pc_linear_matches(const struct pc_policy *p, const struct pc_pkt *pkt,
			 struct pc_candidate *out, size_t max);

/* The deciding rule by a linear scan: its index, or -1 when none matches. */
long pc_linear_lookup(const struct pc_policy *p, const struct pc_pkt *pkt);

/* Name of a field as in the policy file ("remote-address", ...). */
const char *pc_field_name(enum pc_field f);

#endif
