/* ctsweep.h - the wrap of the generations made safe: before a table of
 * generation g serves, every conntrack entry whose connmark says "decided
 * under generation g" (a connection idle since the generations last came
 * round to g) loses portcullis's bits, through ctnetlink. Its next packet
 * then looks never decided and is judged by the table in service, instead of
 * passing PORTCULLIS-FAST on a verdict of an older policy. The admin's own
 * connmark bits outside mark-mask are never touched. */
#ifndef PC_CTSWEEP_H
#define PC_CTSWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "marks.h"

/* What to sweep for generation gen: the entries with
 * connmark & mask == value get connmark &= ~clear. */
struct pc_ctsweep_filter {
	uint32_t value; /* K and the G bits of gen */
	uint32_t mask;  /* K and every G bit */
	uint32_t clear; /* every bit of mark-mask: S, K, P, G */
};

/* What one sweep did. */
struct pc_ctsweep_stats {
	uint64_t cleared; /* entries whose bits were cleared */
	uint64_t gone;    /* entries that ended between the dump and their update */
	uint64_t errors;  /* updates the kernel refused */
};

/* A conntrack entry to update: its family and original tuple as the dump
 * gave them (the payload of CTA_TUPLE_ORIG), its zone when it has one. */
#define PC_CTSWEEP_TUPLE_MAX 192
struct pc_ctsweep_entry {
	uint8_t family;
	uint8_t has_zone;
	uint16_t zone; /* network order, as in CTA_ZONE */
	uint16_t tuple_len;
	uint8_t tuple[PC_CTSWEEP_TUPLE_MAX];
};

/* Sweeps conntrack for generation gen of layout m (the daemon's network
 * namespace, every family and zone); *st counts what it did.
 * Returns 0, or -1 with errno when the sweep could not be done (no
 * ctnetlink, no CAP_NET_ADMIN, no answer): *st then counts what was done
 * before. */
typedef int pc_ctsweep_fn(const struct pc_marks *m, uint32_t gen, struct pc_ctsweep_stats *st);
pc_ctsweep_fn pc_ctsweep_run;

/* The filter of generation gen of layout m. */
void pc_ctsweep_filter(const struct pc_marks *m, uint32_t gen, struct pc_ctsweep_filter *f);

/* The dump request of f (IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, with
 * CTA_MARK and CTA_MARK_MASK) into buf of len bytes.
 * Returns the message's length, or -1 with errno ENOSPC. */
int pc_ctsweep_dump_msg(void *buf, size_t len, const struct pc_ctsweep_filter *f, uint32_t seq);

/* The update of e (IPCTNL_MSG_CT_NEW without NLM_F_CREATE, asking for an
 * ack, CTA_MARK 0 with CTA_MARK_MASK clear) into buf of len bytes.
 * Returns the message's length, or -1 with errno ENOSPC. */
int pc_ctsweep_update_msg(void *buf, size_t len, const struct pc_ctsweep_entry *e, uint32_t clear,
			  uint32_t seq);

/* Reads one message of a dump: *e gets its entry when its connmark
 * matches f. Returns 1 (an entry to update), 0 (not one), or -1 with
 * errno EINVAL (malformed) or E2BIG (a tuple longer than
 * PC_CTSWEEP_TUPLE_MAX). */
int pc_ctsweep_parse_entry(const void *msg, size_t len, const struct pc_ctsweep_filter *f,
			   struct pc_ctsweep_entry *e);

#endif
