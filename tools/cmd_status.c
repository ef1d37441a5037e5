/* cmd_status.c - portcullis status: is the daemon running, and its numbers.
 * Exit status: 0 running, 3 not running, 4 cannot tell (as LSB init scripts
 * and systemctl say), 1 when the daemon runs but does not answer. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "daemonctl.h"
#include "diag.h"

#define EXIT_NOT_RUNNING 3
#define EXIT_UNKNOWN 4 /* LSB: the status cannot be told */

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

/* stateful = yes: what the packets the daemon saw were, and the kernel's side. */
static void print_connections(const struct pc_status *st)
{
	printf("connections:    %" PRIu64 " new decided, %" PRIu64 " judged again after a reload\n",
	       st->connections, st->revalidated);
	printf("  invalid:      %" PRIu64 " (packets of no connection; dropped)\n", st->invalid);
	printf("  untracked:    %" PRIu64 " (packets conntrack does not track; decided alone)\n",
	       st->untracked);
	if (st->fast_generation)
		printf("fast path:      generation %" PRIu64 " (established connections pass in the "
		       "kernel)\n", st->fast_generation);
	else
		printf("fast path:      not set (every packet goes through the daemon)\n");
	if (st->fast_swept || st->fast_sweep_errors)
		printf("  swept:        %" PRIu64 " idle connections judged again when their "
		       "generation came round, %" PRIu64 " errors\n", st->fast_swept,
		       st->fast_sweep_errors);
	if (!st->conntrack_max)
		return;
	printf("conntrack:      %" PRIu64 " of %" PRIu64 " entries", st->conntrack_count,
	       st->conntrack_max);
	if (st->conntrack_count * 10 >= st->conntrack_max * 9)
		printf(" - NEARLY FULL: new connections fail once it is full\n"
		       "                (the host's net.netfilter.nf_conntrack_max limits every"
		       " network namespace)");
	printf("\n");
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
	printf("model:          %s\n", st->stateful ? "stateful (rules decide connections)"
	       : "stateless (rules decide every packet)");
	printf("rules:          %" PRIu64 " loaded, %" PRIu64 " enabled\n", st->rules, st->enabled);
	print_reload(st, now);
	print_counters(st);
	if (st->stateful)
		print_connections(st);
}

/* The daemon's files, from the policy. */
struct files {
	char *pid_file, *status_file;
};

/* "KEY = VALUE" of the [portcullis] section of path, read line by line
 * without the loader: a policy with errors elsewhere still names them.
 * Sets f's fields where the section has them (none when it cannot be read). */
static void scan_settings(const char *path, struct files *f)
{
	FILE *in = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool in_settings = false;

	if (!in)
		return;
	while (getline(&line, &cap, in) >= 0) {
		char *s = line + strspn(line, " \t"), *eq, *v, *end;

		if (*s == '[') {
			in_settings = !strncmp(s, "[portcullis]", 12);
			continue;
		}
		if (!in_settings || !(eq = strchr(s, '=')))
			continue;
		v = eq + 1 + strspn(eq + 1, " \t");
		end = v + strcspn(v, " \t\r\n");
		*end = '\0';
		while (eq > s && (eq[-1] == ' ' || eq[-1] == '\t'))
			eq--;
		*eq = '\0';
		char **dst = !strcmp(s, "pid-file") ? &f->pid_file
			     : !strcmp(s, "status-file") ? &f->status_file : NULL;
		if (dst && v[0] == '/') {
			free(*dst);
			*dst = strdup(v);
		}
	}
	free(line);
	fclose(in);
}

/* The pid-file and status-file of the policy at conf: its settings, or,
 * when it has errors, its [portcullis] lines, or, when it cannot be read,
 * the defaults (each case said on stderr). Returns 0, or -1 (memory). */
static int files_of(const char *conf, struct files *f)
{
	struct pc_diag *d = pc_diag_new();
	struct pc_policy *p = NULL;
	const struct pc_settings *s;

	*f = (struct files){ 0 };
	if (!d)
		return -1;
	if (access(conf, R_OK) < 0) {
		fprintf(stderr, "portcullis status: cannot read %s: %s; looking where the defaults "
			"say%s\n", conf, strerror(errno),
			errno == EACCES ? " (root can read it)" : "");
	} else if ((p = pc_policy_load(conf, d))) {
		s = pc_policy_settings(p);
		f->pid_file = s->pid_file ? strdup(s->pid_file) : NULL;
		f->status_file = s->status_file ? strdup(s->status_file) : NULL;
		pc_policy_free(p);
	} else {
		fprintf(stderr, "portcullis status: %s has errors (portcullis check -c %s shows them); "
				"its pid-file and status-file lines are used\n", conf, conf);
		scan_settings(conf, f);
	}
	pc_diag_free(d);
	if ((!f->pid_file || !f->status_file) && (p = pc_policy_new())) { /* the defaults */
		s = pc_policy_settings(p);
		if (!f->pid_file)
			f->pid_file = strdup(s->pid_file);
		if (!f->status_file)
			f->status_file = strdup(s->status_file);
		pc_policy_free(p);
	}
	return f->pid_file && f->status_file ? 0 : -1;
}

/* The status file as it is, when the daemon cannot be asked for a fresh one. */
static int stale_status(pid_t pid, const char *status_file, int why)
{
	struct pc_status st;
	int64_t now = (int64_t)time(NULL);

	if (pc_daemonctl_status(pid, status_file, &st) < 0) {
		printf("portcullisd:    running (pid %d)\n", (int)pid);
		fprintf(stderr, "portcullis status: cannot ask portcullisd (pid %d) for numbers (%s), "
			"and cannot read %s: %s\n", (int)pid, strerror(why), status_file,
			errno == ESRCH ? "written by another process" : strerror(errno));
		return 1;
	}
	print_status(pid, &st);
	printf("numbers as of:  ");
	print_when(st.written, now);
	printf("\n");
	pc_status_clear(&st);
	fprintf(stderr, "portcullis status: these numbers are not fresh: this user may not signal "
		"portcullisd (pid %d) (%s); run it as root for fresh ones\n", (int)pid,
		strerror(why));
	return 0;
}

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_status_cli = {
	"status", "[-c FILE]",
	"Is portcullisd running, and its numbers.\n"
	"Uptime, policy, queue, fail mode, reloads, packets permitted and denied, queue drops,\n"
	"suppressed log lines.",
	"The daemon of the policy is found by its pid-file setting (read from the file even\n"
	"when the policy has errors elsewhere) and asked for fresh numbers (SIGUSR1: it writes\n"
	"its status file and logs nothing).\n"
	"Exit status: 0 running, 3 not running, 4 cannot tell (permission), 1 the daemon runs\n"
	"but does not answer, 2 a usage error.\n",
	opts,
};

static int on_opt(void *ctx, int key, const char *arg)
{
	if (key == 'c')
		*(const char **)ctx = arg;
	return 0;
}

int pc_cmd_status(int argc, char **argv)
{
	const char *conf = PC_DEFAULT_CONF;
	struct files f;
	struct pc_status st;
	char why[512];
	pid_t pid;
	int rc = pc_cli_parse(&pc_status_cli, argc, argv, on_opt, &conf);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pc_cli_misuse(&pc_status_cli, "unexpected argument '%s'", argv[optind]);
	if (files_of(conf, &f) < 0) {
		perror("portcullis status");
		rc = 1;
		goto out;
	}
	if (!(pid = pc_daemonctl_find(f.pid_file, why, sizeof(why)))) {
		bool unknown = errno == EACCES;
		printf("portcullisd:    %s (%s)\n", unknown ? "unknown" : "not running", why);
		if (unknown)
			fprintf(stderr, "portcullis status: run it as root, or as a user who may read "
				"%s\n", f.pid_file);
		rc = unknown ? EXIT_UNKNOWN : EXIT_NOT_RUNNING;
	} else if (pc_daemonctl_refresh(pid, f.status_file, &st, PC_DAEMONCTL_WAIT_MS) < 0) {
		if (errno == EPERM) {
			rc = stale_status(pid, f.status_file, errno);
		} else {
			printf("portcullisd:    running (pid %d)\n", (int)pid);
			fprintf(stderr, "portcullis status: no fresh numbers in %s: %s\n", f.status_file,
				errno == ETIMEDOUT ? "portcullisd did not write it within 10 s"
				: strerror(errno));
			rc = 1;
		}
	} else {
		print_status(pid, &st);
		pc_status_clear(&st);
		rc = 0;
	}
out:
	free(f.pid_file);
	free(f.status_file);
	return rc;
}
