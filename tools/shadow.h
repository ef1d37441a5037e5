/* shadow.h - finding enabled rules that can never decide a packet
 *
 * A rule is split into boxes, one per combination of its list elements
 * (remote x local x local-port x remote-port x icmp-type; protocol and
 * direction are single). A packet the rule matches lies in the box of its
 * best elements, and the rule's specificity for it is that box's. The rule
 * never decides a packet when, for each box B, every packet in B is matched
 * by a box C (of another enabled rule, or a strictly more specific box of the
 * same rule) whose specificity beats B's. Warned rules are always dead; the
 * following sufficient conditions are what is detected, per box:
 *
 *  - tie: another rule has an identical box and wins the tie (deny beats
 *    permit, then the rule defined first);
 *  - union along one field f (remote-address, local-address, protocol,
 *    local-port, remote-port, icmp-type or direction): boxes identical to B
 *    in every field more significant than f, strictly more specific than B
 *    in f, admitting at least what B admits in every less significant field,
 *    whose f-elements together cover B's f-element. Examples: a /8 covered by
 *    two /9s (or 256 /16s), "any" covered by IPv4 and IPv6 prefixes longer
 *    than /0, ports 137-139 by 137, 138 and 139, protocol any by all 256
 *    protocols, icmp-type 3 by 3/0 ... 3/255, direction both by in and out.
 *    A port range 0-65535 (or icmp-type any) is never covered by narrower
 *    ones: non-first fragments and port-less packets match only "any".
 *
 * Not detected (no warning, never a false one): covers mixing several fields
 * (10.0.0.0/9 any port plus 10.128.0.0/9 port 1 plus 10.128.0.0/9 port 2 over
 * 10.0.0.0/8 ports 1-2), "any" versus 0.0.0.0/0 or ::/0 ties, overlapping
 * equal-width port ranges, rules with more than PC_SHADOW_RULE_BOXES boxes,
 * boxes past PC_SHADOW_MAX_BOXES in total, and covers that need more than a
 * bounded number of steps (all sweeps share one budget, so the cost is
 * O(boxes log boxes) plus a constant: 100,000 rules take about 0.1 s). */
#ifndef PC_SHADOW_H
#define PC_SHADOW_H

#include "diag.h"
#include "policy.h"

#define PC_SHADOW_RULE_BOXES (1ul << 18) /* boxes of one rule checked at most */
#define PC_SHADOW_MAX_BOXES (1ul << 20)  /* boxes of all rules indexed at most */

/* Adds a warning to diag at each such rule's line ("rule 'X' never decides a
 * packet: ... covers all it matches", naming the covering rule(s), at most 3
 * names then "and N more") for every enabled rule that can never decide a
 * packet. Returns the number of warnings, or -1 with errno set. */
long pc_shadow_check(const struct pc_policy *p, struct pc_diag *diag);

#endif
