/* decide.c - one packet's verdict */
#include "decide.h"

#include <stdbool.h>
#include <linux/netfilter.h>

#include "index.h"
#include "packet.h"

uint8_t pc_hook_dir(unsigned hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
	case NF_INET_LOCAL_IN:
		return PC_DIR_IN;
	case NF_INET_LOCAL_OUT:
	case NF_INET_POST_ROUTING:
		return PC_DIR_OUT;
	default:
		return 0;
	}
}

/* Whether a verdict is logged: a rule's log = yes|no overrides the mode. */
static bool wants_log(enum pc_log_mode mode, enum pc_rule_log rlog, enum pc_action verdict)
{
	if (rlog != PC_RLOG_DEFAULT)
		return rlog == PC_RLOG_YES;
	return mode == PC_LOG_ALL || (mode == PC_LOG_DENY && verdict == PC_DENY);
}

static int malformed(struct pc_worker *w, const struct pc_queue_pkt *qp, uint8_t dir, int status)
{
	struct pc_vlog_rec rec = { .verdict = PC_DENY, .dir = dir, .len = (uint32_t)qp->pktlen };

	pc_counter_inc(&w->c.malformed);
	pc_counter_inc(&w->c.denied);
	if (wants_log(w->table->set->log, PC_RLOG_DEFAULT, PC_DENY)) {
		rec.reason = pc_packet_reason(status);
		pc_vlock_verdict(w->vlog, w->now_ns, &rec);
	}
	return NF_DROP;
}

int pc_decide(void *arg, const struct pc_queue_pkt *qp)
{
	struct pc_worker *w = arg;
	struct pc_table *t = w->table;
	struct pc_pkt pkt;
	uint8_t dir = pc_hook_dir(qp->hook);
	int status = qp->data ? pc_packet_parse(qp->data, qp->caplen, qp->pktlen, &pkt) :
				  PC_PKT_TRUNCATED;
	enum pc_rule_log rlog = PC_RLOG_DEFAULT;
	enum pc_action verdict = t->set->dflt;
	long r = -1;

	if (status != PC_PKT_OK)
		return malformed(w, qp, dir, status);
	pkt.dir = dir;
	if (dir)
		r = pc_index_lookup(t->index, &pkt);
	else
		pc_counter_inc(&w->c.forwarded);
	if (r >= 0) {
		pc_table_hit(t, w->row, r);
		verdict = t->rules[r].action;
		rlog = t->rules[r].log;
	} else {
		pc_counter_inc(&w->c.default_hits);
	}
	pc_counter_inc(verdict == PC_PERMIT ? &w->c.permitted : &w->c.denied);
	if (wants_log(t->set->log, rlog, verdict)) {
		struct pc_vlog_rec rec = { .verdict = verdict, .rule = r >= 0 ? t->rules[r].name : NULL,
					   .dir = dir, .pkt = &pkt };
		pc_vlock_verdict(w->vlog, w->now_ns, &rec);
	}
	return verdict == PC_PERMIT ? NF_ACCEPT : NF_DROP;
}
