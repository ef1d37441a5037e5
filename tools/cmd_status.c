/* cmd_status.c - portcullis status: is the daemon running, and its numbers.
 * Exit status: 0 running, 3 not running (as LSB init scripts and systemctl
 * say), 1 when the daemon runs but does not answer. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "daemonctl.h"
#include "diag.h"

#define EXIT_NOT_RUNNING 3

static void print_duration(int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		printf("%" PRId64 "d %02" PRId64 "h %02" PRId64 "m", s / 86400, s / 3600 % 24, s / 60 % 60);
	else if (s >= 3600)
		printf("%" PRId64 "h %02" PRId64 "m %02" PRId64 "s", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		printf("%" PRId64 "m %02" PRId64 "s", s / 60, s % 60);
	else
		printf("%" PRId64 "s", s);
}

/* "2024-11-28 13:04:05 (5m 02s ago)" */
static void print_when(int64_t t, int64_t now)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (localtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		printf("%s (", buf);
	else
		printf("@%" PRId64 " (", t);
	print_duration(now - t);
	printf(" ago)");
}

static void print_reload(const struct pc_status *st, int64_t now)
{
	printf("last reload:    ");
	if (st->last_reload_result == PC_RELOAD_NONE) {
		printf("none since start\n");
	} else {
		print_when(st->last_reload_time, now);
		printf(", %s: %s\n", pc_reload_result_name(st->last_reload_result),
		       st->last_reload_message ? st->last_reload_message : "");
	}
	printf("reloads:        %" PRIu64 " ok, %" PRIu64 " failed\n", st->reloads_ok,
	       st->reloads_failed);
}

static void print_counters(const struct pc_status *st)
{
	printf("packets:        %" PRIu64 "\n", st->packets);
	printf("  permitted:    %" PRIu64 "\n", st->permitted);
	printf("  denied:       %" PRIu64 "\n", st->denied);
	printf("  malformed:    %" PRIu64 " (dropped; counted in denied)\n", st->malformed);
	printf("  no rule:      %" PRIu64 " (decided by the default, %s)\n", st->default_hits,
	       st->dflt == PC_PERMIT ? "permit" : "deny");
	printf("  forwarded:    %" PRIu64 " (FORWARD hook, decided by the default)\n", st->forwarded);
	for (size_t i = 0; st->n_queue > 1 && i < st->n_queue; i++)
		printf("  queue %-7u %" PRIu64 "\n", st->queue[i].num, st->queue[i].packets);
	printf("queue drops:    %" PRIu64 " (queue full: %" PRIu64 ", not delivered: %" PRIu64
	       ", ENOBUFS: %" PRIu64 ")\n",
	       st->queue_dropped + st->user_dropped + st->enobufs, st->queue_dropped,
	       st->user_dropped, st->enobufs);
	printf("verdict errors: %" PRIu64 "\n", st->verdict_errors);
	printf("bad messages:   %" PRIu64 " (netlink messages that could not be used)\n",
	       st->bad_messages);
	printf("log suppressed: %" PRIu64 " verdict lines over the log-rate\n", st->log_suppressed);
	printf("log errors:     %" PRIu64 " verdict lines not written (full disk?)\n",
	       st->log_write_errors);
}

static void print_status(pid_t pid, const struct pc_status *st)
{
	int64_t now = (int64_t)time(NULL);

	printf("portcullisd:    running (pid %d, up ", (int)pid);
	print_duration(now - st->start_time);
	printf(")\n");
	printf("policy:         %s\n", st->policy ? st->policy : "?");
	if (st->queue_hi > st->queue_lo)
		printf("queue:          %u-%u\n", st->queue_lo, st->queue_hi);
	else
		printf("queue:          %u\n", st->queue_lo);
	printf("fail mode:      %s\n", st->fail_open
	       ? "open (packets pass while no daemon listens or the queue is full)"
	       : "closed (packets are dropped while no daemon listens or the queue is full)");
	printf("default:        %s\n", st->dflt == PC_PERMIT ? "permit" : "deny");
	printf("rules:          %" PRIu64 " loaded, %" PRIu64 " enabled\n", st->rules, st->enabled);
	print_reload(st, now);
	print_counters(st);
}

/* The pid-file and status-file of the policy; defaults when it has errors.
 * Returns the policy to free (maybe a default one), or NULL. */
static struct pc_policy *settings_of(const char *conf)
{
	struct pc_diag *d = pc_diag_new();
	struct pc_policy *p = d ? pc_policy_load(conf, d) : NULL;

	if (d && !p) {
		pc_diag_print(d, stderr);
		fprintf(stderr, "portcullis status: %s has errors; using the default pid-file and "
				"status-file\n", conf);
		p = pc_policy_new();
	}
	pc_diag_free(d);
	return p;
}

int pc_cmd_status(int argc, char **argv)
{
	struct pc_cli_opts o;
	struct pc_policy *p;
	struct pc_status st;
	char why[512];
	int rc = pc_cli_options(argc, argv, "status [-c FILE]", &o);

	if (rc >= 0)
		return rc;
	if (!(p = settings_of(o.conf))) {
		perror("portcullis status");
		return 1;
	}
	const struct pc_settings *s = pc_policy_settings(p);
	pid_t pid = pc_daemonctl_find(s->pid_file, why, sizeof(why));
	if (!pid) {
		printf("portcullisd:    not running (%s)\n", why);
		rc = EXIT_NOT_RUNNING;
	} else if (pc_daemonctl_refresh(pid, s->status_file, &st, PC_DAEMONCTL_WAIT_MS) < 0) {
		printf("portcullisd:    running (pid %d)\n", (int)pid);
		fprintf(stderr, "portcullis status: no fresh numbers in %s: %s\n", s->status_file,
			errno == ETIMEDOUT ? "portcullisd did not write it within 10 s" : strerror(errno));
		rc = 1;
	} else {
		print_status(pid, &st);
		pc_status_clear(&st);
		rc = 0;
	}
	pc_policy_free(p);
	return rc;
}
