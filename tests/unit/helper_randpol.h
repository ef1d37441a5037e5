/* helper_randpol.h - random policies, and random packets aimed at their
 * rules, for the differential test and the benchmarks */
#ifndef PC_HELPER_RANDPOL_H
#define PC_HELPER_RANDPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "packet.h"
#include "policy.h"
#include "rule.h"

/* A small, fast, seedable generator (xoshiro256**). */
struct pc_rng {
	uint64_t s[4];
};

void pc_rng_seed(struct pc_rng *r, uint64_t seed);
uint64_t pc_rng_next(struct pc_rng *r);
/* A number in 0..n-1 (n > 0). */
uint32_t pc_rng_below(struct pc_rng *r, uint32_t n);
/* True with probability pct percent. */
bool pc_rng_chance(struct pc_rng *r, unsigned pct);

/* What a random policy looks like; percentages unless said otherwise. */
struct pc_randpol_opts {
	size_t rules;       /* how many rules */
	size_t pool;        /* distinct prefixes drawn from (nested, overlapping) */
	unsigned v6;        /* addresses that are IPv6 */
	unsigned any_remote; /* remote-address fields that are "any" */
	unsigned any_local; /* local-address fields that are "any" */
	unsigned lists;     /* address and port fields given as lists */
	unsigned disabled;  /* rules with enabled = no */
};

/* Fills o with the defaults for a policy of n rules. */
void pc_randpol_defaults(struct pc_randpol_opts *o, size_t n);

/* A policy of random rules named "r0", "r1", ...: ports only with tcp/udp,
 * icmp types only with icmp/icmpv6, as the loader wants, but built with
 * pc_policy_add, so a few rules mix address families that never meet.
 * Returns it, or NULL with errno set. */
struct pc_policy *pc_randpol_policy(struct pc_rng *rng, const struct pc_randpol_opts *o);

/* A random packet of direction in or out: usually aimed at a random rule of
 * p (addresses inside or just outside its prefixes, ports at the edges of
 * its ranges, its icmp types, its protocol and direction), sometimes a
 * non-first fragment, sometimes unrelated to any rule. */
void pc_randpol_packet(struct pc_rng *rng, const struct pc_policy *p, struct pc_pkt *pkt);

/* One-line descriptions for failure messages. Return buf. */
const char *pc_randpol_fmt_pkt(const struct pc_pkt *pkt, char *buf, size_t len);
const char *pc_randpol_fmt_rule(const struct pc_rule *r, char *buf, size_t len);

/* Looks k up in ix and in p with the linear reference; when they differ,
 * reports it (pc_randpol_mismatch, the printf-style context first) and fails
 * the test. Returns the reference's answer (a rule index or -1). */
long pc_randpol_agree(const struct pc_policy *p, const struct pc_index *ix, const struct pc_pkt *k,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Tells on stderr why the index (got) and the linear reference (want)
 * disagree on packet k of p: "MISMATCH: " and the printf-style context,
 * the packet, both answers and the best matching rules. */
void pc_randpol_mismatch(const struct pc_policy *p, const struct pc_pkt *k, long got, long want,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
