/* report.c - the status file and the metrics file */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

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
	tot->conns += pc_counter_get(&c->conns);
	tot->revalidated += pc_counter_get(&c->revalidated);
	tot->invalid += pc_counter_get(&c->invalid);
	tot->untracked += pc_counter_get(&c->untracked);
}

static void sum_into(struct pc_totals *tot, const struct pc_totals *one)
{
	tot->conns += one->conns;
	tot->revalidated += one->revalidated;
	tot->invalid += one->invalid;
	tot->untracked += one->untracked;
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

/* A number read from a /proc file; 0 when it cannot be read. */
static uint64_t proc_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (f && fscanf(f, "%llu", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
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
		.log_suppressed = pc_vlogshare_suppressed(&d->vlog),
		.log_write_errors = pc_vlogshare_write_errors(&d->vlog),
	};
	add_queue_counters(d, st, qs, &tot);
	st->packets = tot.packets;
	st->permitted = tot.permitted;
	st->denied = tot.denied;
	st->malformed = tot.malformed;
	st->forwarded = tot.forwarded;
	st->default_hits = tot.default_hits;
	st->connections = tot.conns;
	st->revalidated = tot.revalidated;
	st->invalid = tot.invalid;
	st->untracked = tot.untracked;
	st->stateful = t->set->stateful;
	st->fast_generation = d->fast.applied;
	st->fast_swept = d->fast.swept;
	st->fast_sweep_errors = d->fast.sweep_errors;
	st->conntrack_count = proc_u64("/proc/sys/net/netfilter/nf_conntrack_count");
	st->conntrack_max = proc_u64("/proc/sys/net/netfilter/nf_conntrack_max");
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

/* The counters into *st, with malloc'd rule and queue lines. Returns 0, or
 * -1 with errno. */
static int snapshot(struct pc_daemon *d, struct pc_status *st, bool running)
{
	const struct pc_table *t = d->table;
	struct pc_status_rule *rule;
	struct pc_status_queue *qs;

	if (alloc_lines(d, &rule, &qs) < 0)
		return -1;
	fill_status(d, st, running, qs);
	for (size_t i = 0; i < t->nrules; i++)
		rule[i] = (struct pc_status_rule){ t->rules[i].name, pc_table_hits(t, i) };
	st->rule = rule;
	st->n_rule = t->nrules;
	return 0;
}

void pc_daemon_write_status(struct pc_daemon *d, bool running)
{
	struct pc_status st;

	if (!d->status_file || !*d->status_file)
		return;
	if (snapshot(d, &st, running) < 0) {
		pc_log_warn("cannot write %s", d->status_file);
		return;
	}
	st.seq = ++d->status_seq;
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

/* Says when the metrics writes start failing, fail otherwise, or work again. */
static void metrics_result(struct pc_daemon *d, int err)
{
	if (err == d->metrics_err)
		return;
	d->metrics_err = err;
	errno = err;
	if (err)
		pc_log_warn("cannot write the metrics file %s", d->metrics_file);
	else
		pc_log_info("metrics file %s written again", d->metrics_file);
}

void pc_daemon_write_metrics(struct pc_daemon *d, bool running)
{
	struct pc_status st;
	int err = 0;

	if (!d->metrics_file)
		return;
	if (snapshot(d, &st, running) < 0) {
		metrics_result(d, errno);
		return;
	}
	if (d->chores) {
		if (pc_chores_write_metrics(d->chores, d->metrics_file, &st) < 0)
			metrics_result(d, errno);
		return;
	}
	if (pc_metrics_write(d->metrics_file, &st) < 0)
		err = errno;
	metrics_result(d, err);
	free(st.rule);
	free(st.queue);
}

void pc_daemon_metrics_errors(struct pc_daemon *d)
{
	if (d->metrics_file && d->chores)
		metrics_result(d, pc_chores_metrics_error(d->chores));
}

void pc_daemon_metrics_file(struct pc_daemon *d, const char *path)
{
	char *copy = NULL;

	if (!path && !d->metrics_file)
		return;
	if (path && d->metrics_file && !strcmp(path, d->metrics_file))
		return;
	if (path && !(copy = strdup(path))) {
		pc_log_warn("metrics-file %s", path);
		return;
	}
	/* a file node_exporter would go on exporting, frozen */
	if (d->metrics_file && unlink(d->metrics_file) < 0 && errno != ENOENT)
		pc_log_warn("cannot remove the old metrics file %s", d->metrics_file);
	if (copy)
		pc_log_info("metrics file: %s", copy);
	else
		pc_log_info("metrics file: none");
	free(d->metrics_file);
	d->metrics_file = copy;
	d->metrics_err = 0;
	if (d->chores)
		pc_chores_metrics_forget(d->chores);
	d->metrics_next = 0; /* at once */
}
