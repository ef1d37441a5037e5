/* startup.c - portcullisd's start and its end: the policy loaded, the
 * verdict log opened, the queues bound, the workers started, the pid file,
 * READY=1; and back down at exit */
#include "startup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "pidfile.h"

char *pc_absolute_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	char *real = dir ? realpath(dir, NULL) : NULL, *out = NULL;
	const char *base = slash ? slash + 1 : path;

	if (real && asprintf(&out, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base) < 0)
		out = NULL;
	free(dir);
	free(real);
	return out;
}

void pc_make_parents(const char *path)
{
	char *p = strdup(path);

	for (char *s = p ? strchr(p + 1, '/') : NULL; s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

static int pidfile_write(const char *path)
{
	pc_make_parents(path);
	return pc_pidfile_write(path, (long)getpid());
}

/* The log's copy of the daemon's own messages into a log file. */
static void tee_to_vlog(void *arg, int pri, const char *msg)
{
	struct pc_daemon *d = arg;
	const char *level = pri <= LOG_ERR ? "error" : pri == LOG_WARNING ? "warning" : "info";

	pc_vlogshare_message(&d->vlog, level, msg);
}

/* Connections an earlier daemon decided under the first generation lose
 * that verdict: nothing marks with it yet. */
static void sweep(struct pc_daemon *d)
{
	struct pc_ctsweep_stats st;
	int rc = pc_fastpath_sweep(d->fast.sweep, &d->fast.marks, d->fast.gen, &st);

	pc_fastpath_sweep_done(&d->fast, d->fast.gen, rc, rc < 0 ? errno : 0, &st);
}

static int load(struct pc_daemon *d)
{
	struct pc_diag *diag = pc_diag_new();
	struct pc_vlog_cfg cfg;
	struct pc_vlog *vl;

	if (!diag)
		pc_fatal("portcullisd");
	if (access(d->conf, R_OK) < 0) {
		fprintf(stderr, "portcullisd: cannot read the policy %s: %s%s\n", d->conf,
			strerror(errno), errno == ENOENT ? " (-c FILE names another one)" : "");
		pc_diag_free(diag);
		return -1;
	}
	d->table = pc_table_load(d->conf, 0, diag);
	pc_diag_print(diag, stderr);
	pc_diag_free(diag);
	if (!d->table) {
		fprintf(stderr, "portcullisd: %s: config has errors, not starting\n", d->conf);
		return -1;
	}
	pc_daemon_vlog_cfg(d->table->set, &cfg);
	if (!(vl = pc_vlog_new(&cfg))) {
		pc_log_warn("cannot open the log file %s", cfg.file ? cfg.file : "");
		return -1;
	}
	if (pc_vlogshare_init(&d->vlog, vl) < 0) {
		pc_vlog_free(vl);
		pc_log_warn("portcullisd");
		return -1;
	}
	d->vlog_open = true;
	pc_log_set_tee(tee_to_vlog, d);
	if (pc_fastpath_init(&d->fast, d->table->set->mark_mask, d->table->set->stateful) < 0) {
		pc_log_warn("portcullisd: mark-mask");
		return -1;
	}
	d->table->marks = d->fast.marks;
	d->table->gen = d->fast.gen;
	if (d->table->set->stateful)
		sweep(d);
	d->queue_lo = d->table->set->queue_lo;
	d->queue_hi = d->table->set->queue_hi;
	d->pid_file = d->table->set->pid_file ? strdup(d->table->set->pid_file) : NULL;
	d->status_file = d->table->set->status_file ? strdup(d->table->set->status_file) : NULL;
	if (d->table->set->metrics_file && !(d->metrics_file = strdup(d->table->set->metrics_file)))
		pc_fatal("portcullisd");
	return 0;
}

/* Says why queue num could not be bound (errno from pc_queue_open). */
static void queue_error(unsigned num)
{
	struct pc_queue_kstats ks;
	int err = errno;

	/* The kernel answers EPERM both to a missing CAP_NET_ADMIN and to a
	 * queue bound by another socket: the queue's existence tells them apart. */
	if ((err == EPERM || err == EBUSY) && pc_queue_kstats(num, &ks) == 0) {
		pc_log_warnx("portcullisd: cannot bind queue %u: another process holds it", num);
		return;
	}
	if (err == EPERM) {
		pc_log_warnx("portcullisd: cannot bind queue %u: it needs CAP_NET_ADMIN (run it as "
			     "root, or as systemd's unit does)", num);
		return;
	}
	errno = err;
	pc_log_warn("portcullisd: cannot bind queue %u", num);
}

/* Binds every queue, each with its worker's state; then starts the
 * workers. */
static int open_queues(struct pc_daemon *d)
{
	size_t n = (size_t)d->queue_hi - d->queue_lo + 1;
	bool fail_open = d->table->set->fail_open;

	if (!(d->queues = calloc(n, sizeof(*d->queues))) ||
	    !(d->workers = pc_workers_new(n, d->table, &d->vlog, fail_open))) {
		pc_log_warn("portcullisd");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct pc_queue_cfg cfg = { .num = d->queue_lo + (unsigned)i,
					    .fail_open = fail_open };

		if (!(d->queues[i] = pc_queue_open(&cfg, pc_decide,
						   pc_workers_state(d->workers, i)))) {
			queue_error(cfg.num);
			return -1;
		}
		d->nqueues++;
	}
	if (pc_workers_start(d->workers, d->queues) < 0) {
		pc_log_warn("cannot start the worker threads");
		return -1;
	}
	return 0;
}

int pc_daemon_open(struct pc_daemon *d)
{
	d->start_time = (int64_t)time(NULL);
	d->conf_abs = pc_absolute_path(d->conf); /* NULL: the status shows it as given */
	if ((d->sigfd = pc_daemon_signals_open()) < 0 || pc_loadthread_open(&d->loader) < 0 ||
	    !(d->chores = pc_chores_new()))
		return -1;
	return 0;
}

int pc_daemon_start(struct pc_daemon *d)
{
	if (load(d) < 0 || open_queues(d) < 0)
		return -1;
	pc_log_open("portcullisd", d->foreground);
	return 0;
}

static void start_watchdog(struct pc_daemon *d)
{
	uint64_t usec = pc_notify_watchdog_usec();

	if (!usec)
		return;
	d->watchdog_ns = usec * 1000 / 2;
	d->watchdog_next = pc_mono_ns() + d->watchdog_ns;
}

int pc_daemon_serve(struct pc_daemon *d)
{
	char queue[32];

	if (d->queue_hi > d->queue_lo)
		snprintf(queue, sizeof(queue), "queues %u-%u", d->queue_lo, d->queue_hi);
	else
		snprintf(queue, sizeof(queue), "queue %u", d->queue_lo);
	if (d->pid_file && *d->pid_file && pidfile_write(d->pid_file) < 0) {
		pc_log_warn("not starting: cannot write the pid file %s (portcullis status and "
			    "enable/disable find the daemon by it)", d->pid_file);
		return -1;
	}
	if (d->status_file && *d->status_file)
		pc_make_parents(d->status_file);
	/* the surviving connections of an earlier daemon are judged again */
	if (d->table->set->stateful)
		pc_fastpath_apply(&d->fast, d->fast.gen, true, pc_mono_ns());
	pc_daemon_write_status(d, true);
	pc_log_info("started: %s, %zu rules, %zu enabled, fail %s, %s, policy %s", queue,
		    d->table->nrules, d->table->enabled,
		    d->table->set->fail_open ? "open" : "closed",
		    d->table->set->stateful ? "stateful" : "stateless",
		    d->conf_abs ? d->conf_abs : d->conf);
	start_watchdog(d);
	pc_daemon_sweep_ahead(d);
	pc_notifyf("READY=1\nMAINPID=%ld\nSTATUS=%s: %zu rules, %zu enabled", (long)getpid(),
		   queue, d->table->nrules, d->table->enabled);
	return 0;
}

/* Stops the workers (each finishes its packets), then drains and unbinds
 * the queues. */
static void unbind_queues(struct pc_daemon *d)
{
	if (d->workers)
		pc_workers_stop(d->workers);
	for (size_t i = 0; i < d->nqueues; i++)
		pc_queue_unbind(d->queues[i]);
}

void pc_daemon_shut_down(struct pc_daemon *d)
{
	struct pc_totals tot = { 0 };

	pc_notify("STOPPING=1");
	pc_loadthread_close(&d->loader); /* a reload in progress is dropped */
	unbind_queues(d);
	for (size_t i = 0; i < d->nqueues; i++)
		pc_daemon_add_totals(d, i, &tot);
	pc_chores_free(d->chores); /* finishes the writes still queued */
	d->chores = NULL;
	pc_daemon_write_status(d, false);
	pc_daemon_write_metrics(d, false);
	if (d->pid_file && *d->pid_file)
		pc_pidfile_remove(d->pid_file, (long)getpid()); /* only when it still names us */
	pc_log_info("stopped: %llu packets, %llu permitted, %llu denied",
		    (unsigned long long)tot.packets, (unsigned long long)tot.permitted,
		    (unsigned long long)tot.denied);
}

void pc_daemon_free(struct pc_daemon *d)
{
	pc_log_set_tee(NULL, NULL);
	pc_loadthread_close(&d->loader); /* its thread reads d->table */
	pc_chores_free(d->chores);   /* its writes read rule names */
	unbind_queues(d);
	for (size_t i = 0; i < d->nqueues; i++)
		pc_queue_close(d->queues[i]);
	pc_workers_free(d->workers);
	free(d->queues);
	if (d->vlog_open)
		pc_vlogshare_destroy(&d->vlog);
	pc_table_free(d->table);
	free(d->conf_abs);
	free(d->pid_file);
	free(d->status_file);
	free(d->metrics_file);
	if (d->sigfd >= 0)
		close(d->sigfd);
	pc_log_close();
}
