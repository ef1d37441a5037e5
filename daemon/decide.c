/* decide.c - one packet's verdict, or its connection's */
#include "decide.h"

#include <stdbool.h>
#include <linux/netfilter.h>

#include "conn.h"
#include "index.h"
#include "packet.h"

/* PC_DIR_IN or PC_DIR_OUT for a netfilter hook number; 0 for forward. */
static uint8_t hook_dir(unsigned hook)
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
		pc_vlogshare_verdict(w->vlog, w->now_ns, &rec);
	}
	return NF_DROP;
}

/* The deciding rule's index (-1: the default) and verdict for pkt. */
static enum pc_action lookup(struct pc_worker *w, const struct pc_pkt *pkt, long *r)
{
	struct pc_table *t = w->table;

	*r = pkt->dir ? pc_index_lookup(t->index, pkt) : -1;
	if (!pkt->dir)
		pc_counter_inc(&w->c.forwarded);
	if (*r < 0) {
		pc_counter_inc(&w->c.default_hits);
		return t->set->dflt;
	}
	return t->rules[*r].action;
}

/* Counts a verdict; logs it when the policy asks for it, unless quiet. */
static void account(struct pc_worker *w, const struct pc_pkt *pkt, enum pc_action v, long r,
		    enum pc_vlog_state state, bool quiet)
{
	struct pc_table *t = w->table;
	enum pc_rule_log rlog = r >= 0 ? t->rules[r].log : PC_RLOG_DEFAULT;

	pc_counter_inc(v == PC_PERMIT ? &w->c.permitted : &w->c.denied);
	if (!quiet && wants_log(t->set->log, rlog, v)) {
		struct pc_vlog_rec rec = { .verdict = v, .rule = r >= 0 ? t->rules[r].name : NULL,
					   .dir = pkt->dir, .pkt = pkt, .state = state };

		pc_vlogshare_verdict(w->vlog, w->now_ns, &rec);
	}
}

/* A packet decided alone (stateful = no, or one conntrack does not track). */
static int decide_packet(struct pc_worker *w, const struct pc_pkt *pkt, enum pc_vlog_state st)
{
	long r;
	enum pc_action v = lookup(w, pkt, &r);

	if (r >= 0)
		pc_table_hit(w->table, w->row, r);
	account(w, pkt, v, r, st, false);
	return v == PC_PERMIT ? NF_ACCEPT : NF_DROP;
}

/* A packet of no connection conntrack accepts: dropped. */
static int invalid(struct pc_worker *w, const struct pc_pkt *pkt)
{
	pc_counter_inc(&w->c.invalid);
	pc_counter_inc(&w->c.denied);
	if (wants_log(w->table->set->log, PC_RLOG_DEFAULT, PC_DENY)) {
		struct pc_vlog_rec rec = { .verdict = PC_DENY, .rule = "(invalid)", .dir = pkt->dir,
					   .pkt = pkt, .state = PC_VSTATE_INVALID };

		pc_vlogshare_verdict(w->vlog, w->now_ns, &rec);
	}
	return NF_DROP;
}

/* The first packet of a connection: a permit is saved with the table's
 * generation; a denied connection leaves no conntrack entry behind. */
static int decide_new(struct pc_worker *w, const struct pc_queue_pkt *qp,
		      const struct pc_pkt *pkt, uint32_t *mark)
{
	struct pc_table *t = w->table;
	long r;
	enum pc_action v;

	if (!pc_conn_opens(pkt))
		return invalid(w, pkt);
	v = lookup(w, pkt, &r);
	pc_counter_inc(&w->c.conns);
	if (r >= 0)
		pc_table_hit(t, w->row, r);
	account(w, pkt, v, r, PC_VSTATE_NEW, false);
	if (v != PC_PERMIT)
		return NF_DROP;
	*mark = pc_marks_verdict(&t->marks, qp->mark, true, t->gen);
	return NF_REPEAT;
}

/* A packet of a live connection whose connmark is of an older generation:
 * the connection is judged again, by its first packet's view. Logged when
 * the verdict changes (or the connection was never decided by us). */
static int revalidate(struct pc_worker *w, const struct pc_queue_pkt *qp,
		      const struct pc_pkt *pkt, bool reply, uint32_t *mark)
{
	struct pc_table *t = w->table;
	const struct pc_marks *m = &t->marks;
	struct pc_pkt key;
	bool was_known = qp->mark & m->known, was_permit = qp->mark & m->permit;
	long r;
	enum pc_action v;

	if (pc_conn_key(qp->data, qp->caplen, pkt, reply, &key) < 0)
		return invalid(w, pkt);
	v = lookup(w, &key, &r);
	pc_counter_inc(&w->c.revalidated);
	account(w, &key, v, r, PC_VSTATE_REVALIDATED,
		was_known && was_permit == (v == PC_PERMIT));
	*mark = pc_marks_verdict(m, qp->mark, v == PC_PERMIT, t->gen);
	return NF_REPEAT;
}

static int decide_stateful(struct pc_worker *w, const struct pc_queue_pkt *qp,
			   const struct pc_pkt *pkt, uint32_t *mark)
{
	switch (pc_marks_code(&w->table->marks, qp->mark)) {
	case PC_CT_NEW:
		return decide_new(w, qp, pkt, mark);
	case PC_CT_ORIGINAL:
		return revalidate(w, qp, pkt, false, mark);
	case PC_CT_REPLY:
		return revalidate(w, qp, pkt, true, mark);
	case PC_CT_INVALID:
		if (!pc_conn_untrackable(pkt))
			return invalid(w, pkt);
		break;
	default:
		break;
	}
	pc_counter_inc(&w->c.untracked);
	return decide_packet(w, pkt, PC_VSTATE_UNTRACKED);
}

int pc_decide(void *arg, const struct pc_queue_pkt *qp, uint32_t *mark)
{
	struct pc_worker *w = arg;
	struct pc_pkt pkt;
	uint8_t dir = hook_dir(qp->hook);
	int status = qp->data ? pc_packet_parse(qp->data, qp->caplen, qp->pktlen, &pkt) :
				  PC_PKT_TRUNCATED;

	if (status != PC_PKT_OK)
		return malformed(w, qp, dir, status);
	pkt.dir = dir;
	if (w->table->set->stateful && dir)
		return decide_stateful(w, qp, &pkt, mark);
	return decide_packet(w, &pkt, PC_VSTATE_NONE);
}
