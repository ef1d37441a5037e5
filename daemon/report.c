/* report.c - the status file and the SIGUSR1 summary */
#include "daemon.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Queue counters of every queue, the kernel's included. */
static void add_queue_counters(const struct pc_daemon *d, struct pc_status *st)
{
	for (size_t i = 0; i < d->nqueues; i++) {
		struct pc_queue_stats qs;
		struct pc_queue_kstats ks;

		pc_queue_stats(d->queues[i], &qs);
		st->enobufs += qs.enobufs;
		st->verdict_errors += qs.verdict_errors;
		st->bad_messages += qs.bad_msgs;
		if (pc_queue_kstats(pc_queue_num(d->queues[i]), &ks) == 0) {
			st->queue_dropped += ks.dropped;
			st->user_dropped += ks.user_dropped;
		}
	}
}

static void fill_status(const struct pc_daemon *d, struct pc_status *st, bool running)
{
	const struct pc_table *t = d->table;
	const struct pc_counters *c = &d->worker.c;

	*st = (struct pc_status){
		.version = PC_STATUS_VERSION, .pid = (int64_t)getpid(), .running = running,
		.written = (int64_t)time(NULL), .start_time = d->start_time,
		.queue_lo = d->queue_lo, .queue_hi = d->queue_hi,
		.fail_open = t->set->fail_open, .dflt = t->set->dflt,
		.policy = pc_policy_path(t->policy) ? pc_policy_path(t->policy) : d->conf,
		.rules = t->nrules, .enabled = t->enabled,
		.reload_generation = d->reload.generation, .reloads_ok = d->reload.ok,
		.reloads_failed = d->reload.failed, .last_reload_time = d->reload.time,
		.last_reload_result = d->reload.result, .last_reload_message = d->reload.msg,
		.packets = c->packets, .permitted = c->permitted, .denied = c->denied,
		.malformed = c->malformed, .forwarded = c->forwarded,
		.default_hits = c->default_hits,
		.log_suppressed = d->suppressed_before + pc_vlog_suppressed_total(d->vlog),
	};
	add_queue_counters(d, st);
}

void pc_daemon_write_status(struct pc_daemon *d, bool running)
{
	const struct pc_table *t = d->table;
	struct pc_status st;

	if (!d->status_file || !*d->status_file)
		return;
	fill_status(d, &st, running);
	st.seq = ++d->status_seq;
	st.rule = malloc((t->nrules ? t->nrules : 1) * sizeof(*st.rule));
	if (!st.rule) {
		pc_log_warn("cannot write %s", d->status_file);
		return;
	}
	for (size_t i = 0; i < t->nrules; i++)
		st.rule[i] = (struct pc_status_rule){ t->rules[i].name, t->hits[i] };
	st.n_rule = t->nrules;
	if (d->chores) {
		if (pc_chores_write_status(d->chores, d->status_file, &st) < 0)
			pc_log_warn("cannot write %s", d->status_file);
		return;
	}
	if (pc_status_write(d->status_file, &st) < 0)
		pc_log_warn("cannot write %s", d->status_file);
	free(st.rule);
}

void pc_daemon_log_summary(struct pc_daemon *d)
{
	struct pc_status st;

	fill_status(d, &st, true);
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
