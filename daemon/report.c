/* report.c - the status file and the SIGUSR1 summary */
#include "daemon.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void pc_daemon_add_totals(const struct pc_daemon *d, size_t i, struct pc_totals *tot)
{
	const struct pc_counters *c = &pc_workers_state(d->workers, i)->c;
	uint64_t permitted = pc_counter_get(&c->permitted), denied = pc_counter_get(&c->denied);

	/* packets is the sum: it adds up whenever the counters are read */
	tot->packets += permitted + denied;
	tot->permitted += permitted;
	tot->denied += denied;
	tot->malformed += pc_counter_get(&c->malformed);
	tot->forwarded += pc_counter_get(&c->forwarded);
	tot->default_hits += pc_counter_get(&c->default_hits);
}

static void sum_into(struct pc_totals *tot, const struct pc_totals *one)
{
	tot->packets += one->packets;
	tot->permitted += one->permitted;
	tot->denied += one->denied;
	tot->malformed += one->malformed;
	tot->forwarded += one->forwarded;
	tot->default_hits += one->default_hits;
}

/* Queue counters of every queue, the kernel's included; each worker's
 * decisions into qs[] when it is not NULL. */
static void add_queue_counters(const struct pc_daemon *d, struct pc_status *st,
			       struct pc_status_queue *qs, struct pc_totals *tot)
{
	for (size_t i = 0; i < d->nqueues; i++) {
		struct pc_totals one = { 0 };
		struct pc_queue_stats s;
		struct pc_queue_kstats ks;

		pc_daemon_add_totals(d, i, &one);
		sum_into(tot, &one);
		if (qs)
			qs[i] = (struct pc_status_queue){ pc_queue_num(d->queues[i]), one.packets };
		pc_queue_stats(d->queues[i], &s);
		st->enobufs += s.enobufs;
		st->verdict_errors += s.verdict_errors;
		st->bad_messages += s.bad_msgs;
		if (pc_queue_kstats(pc_queue_num(d->queues[i]), &ks) == 0) {
			st->queue_dropped += ks.dropped;
			st->user_dropped += ks.user_dropped;
		}
	}
}

static void fill_status(struct pc_daemon *d, struct pc_status *st, bool running,
			struct pc_status_queue *qs)
{
	const struct pc_table *t = d->table;
	struct pc_totals tot = { 0 };

	*st = (struct pc_status){
		.version = PC_STATUS_VERSION, .pid = (int64_t)getpid(), .running = running,
		.written = (int64_t)time(NULL), .start_time = d->start_time,
		.queue_lo = d->queue_lo, .queue_hi = d->queue_hi,
		.fail_open = t->set->fail_open, .dflt = t->set->dflt,
		.policy = d->conf_abs ? d->conf_abs : d->conf,
		.rules = t->nrules, .enabled = t->enabled,
		.reload_generation = d->reload.generation, .reloads_ok = d->reload.ok,
		.reloads_failed = d->reload.failed, .last_reload_time = d->reload.time,
		.last_reload_result = d->reload.result, .last_reload_message = d->reload.msg,
		.last_reload_ms = d->reload.ms,
		.log_suppressed = pc_vlock_suppressed(&d->vlog),
		.log_write_errors = pc_vlock_write_errors(&d->vlog),
	};
	add_queue_counters(d, st, qs, &tot);
	st->packets = tot.packets;
	st->permitted = tot.permitted;
	st->denied = tot.denied;
	st->malformed = tot.malformed;
	st->forwarded = tot.forwarded;
	st->default_hits = tot.default_hits;
	if (qs) {
		st->queue = qs;
		st->n_queue = d->nqueues;
	}
}

/* The rule and queue lines of a status. Returns 0, or -1 with errno. */
static int alloc_lines(const struct pc_daemon *d, struct pc_status_rule **rule,
		       struct pc_status_queue **qs)
{
	const struct pc_table *t = d->table;

	*rule = malloc((t->nrules ? t->nrules : 1) * sizeof(**rule));
	*qs = malloc((d->nqueues ? d->nqueues : 1) * sizeof(**qs));
	if (*rule && *qs)
		return 0;
	free(*rule);
	free(*qs);
	return -1;
}

void pc_daemon_write_status(struct pc_daemon *d, bool running)
{
	const struct pc_table *t = d->table;
	struct pc_status_rule *rule;
	struct pc_status_queue *qs;
	struct pc_status st;

	if (!d->status_file || !*d->status_file)
		return;
	if (alloc_lines(d, &rule, &qs) < 0) {
		pc_log_warn("cannot write %s", d->status_file);
		return;
	}
	fill_status(d, &st, running, qs);
	st.seq = ++d->status_seq;
	for (size_t i = 0; i < t->nrules; i++)
		rule[i] = (struct pc_status_rule){ t->rules[i].name, pc_table_hits(t, i) };
	st.rule = rule;
	st.n_rule = t->nrules;
	if (d->chores) {
		if (pc_chores_write_status(d->chores, d->status_file, &st) < 0)
			pc_log_warn("cannot write %s", d->status_file);
		return;
	}
	if (pc_status_write(d->status_file, &st) < 0)
		pc_log_warn("cannot write %s", d->status_file);
	free(st.rule);
	free(st.queue);
}

void pc_daemon_log_summary(struct pc_daemon *d)
{
	struct pc_status st;

	fill_status(d, &st, true, NULL);
	pc_log_info("status: packets=%llu permitted=%llu denied=%llu malformed=%llu "
		    "queue-dropped=%llu user-dropped=%llu enobufs=%llu log-suppressed=%llu "
		    "reloads-ok=%llu reloads-failed=%llu rules=%llu enabled=%llu",
		    (unsigned long long)st.packets, (unsigned long long)st.permitted,
		    (unsigned long long)st.denied, (unsigned long long)st.malformed,
		    (unsigned long long)st.queue_dropped, (unsigned long long)st.user_dropped,
		    (unsigned long long)st.enobufs, (unsigned long long)st.log_suppressed,
		    (unsigned long long)st.reloads_ok, (unsigned long long)st.reloads_failed,
		    (unsigned long long)st.rules, (unsigned long long)st.enabled);
}
