/* decide.h - one packet's verdict: parse, look up, count, log */
#ifndef PC_DECIDE_H
#define PC_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "queue.h"
#include "table.h"
#include "vlogshare.h"

/* One worker's counters: written by that worker only, read by the main
 * thread for reports (packets = permitted + denied). */
struct pc_counters {
	pc_counter permitted;
	pc_counter denied;       /* malformed and invalid included */
	pc_counter malformed;
	pc_counter forwarded;    /* from a hook that is neither in nor out: the default decides */
	pc_counter default_hits; /* decided by the policy's default */
	/* stateful = yes: what each packet the daemon saw was */
	pc_counter conns;        /* the first packet of a new connection */
	pc_counter revalidated;  /* a live connection judged again */
	pc_counter invalid;      /* no connection conntrack accepts: dropped */
	pc_counter untracked;    /* not tracked: decided alone */
};

/* What a thread deciding packets works with. Its thread sets table (the
 * table in service, held for the batch) and now_ns (monotonic) at the
 * start of each batch. */
struct pc_worker {
	struct pc_table *table;
	struct pc_vlogshare *vlog;
	size_t row;              /* its row of the table's hit counters */
	uint64_t now_ns;
	struct pc_counters c;
};

/* A pc_queue_handler: arg is a struct pc_worker. Returns NF_ACCEPT or
 * NF_DROP for a packet decided alone; NF_REPEAT with *mark for a verdict on
 * a connection, which the hook chain saves into the connmark (marks.h). */
int pc_decide(void *arg, const struct pc_queue_pkt *pkt, uint32_t *mark);

#endif
