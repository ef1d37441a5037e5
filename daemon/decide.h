/* decide.h - one packet's verdict: parse, look up, count, log */
#ifndef PC_DECIDE_H
#define PC_DECIDE_H

#include <stdint.h>

#include "queue.h"
#include "table.h"
#include "vlog.h"

struct pc_counters {
	uint64_t packets;      /* = permitted + denied */
	uint64_t permitted;
	uint64_t denied;       /* malformed included */
	uint64_t malformed;
	uint64_t forwarded;    /* from a hook that is neither in nor out: the default decides */
	uint64_t default_hits; /* decided by the policy's default */
};

/* What a thread deciding packets works with. The loop sets table, vlog and
 * now_ns (monotonic, once per batch) between batches. */
struct pc_worker {
	struct pc_table *table;
	struct pc_vlog *vlog;
	uint64_t now_ns;
	struct pc_counters c;
};

/* A pc_queue_handler: arg is a struct pc_worker. Returns NF_ACCEPT/NF_DROP. */
int pc_decide(void *arg, const struct pc_queue_pkt *pkt);

/* PC_DIR_IN or PC_DIR_OUT for a netfilter hook number; 0 for forward. */
uint8_t pc_hook_dir(unsigned hook);

#endif
