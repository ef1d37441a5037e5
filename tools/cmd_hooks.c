/* cmd_hooks.c - "portcullis hooks up|down": the iptables/ip6tables hook chains */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "diag.h"
#include "hooks.h"
#include "policy.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: portcullis hooks up|down [-c FILE] [--cpu-fanout]\n"
		   "  up    install or update the chains %s and %s (iptables and ip6tables)\n"
		   "        from the queue and fail settings of the policy\n"
		   "  down  remove them; under systemd after a failure (SERVICE_RESULT set and\n"
		   "        not success) a fail = closed policy keeps them until the restart\n",
		PC_HOOK_CHAIN_IN, PC_HOOK_CHAIN_OUT);
}

/* Reads the hook settings of the policy at path into c. Returns 0, or -1
 * after printing the policy's errors. */
static int read_conf(const char *path, struct pc_hooks_conf *c)
{
	struct pc_policy *p = pc_cli_load(path);
	const struct pc_settings *s;

	if (!p)
		return -1;
	s = pc_policy_settings(p);
	c->queue_lo = s->queue_lo;
	c->queue_hi = s->queue_hi;
	c->fail_open = s->fail_open;
	c->stateful = s->stateful;
	c->mark_mask = s->mark_mask;
	pc_policy_free(p);
	return 0;
}

/* Run by systemd's ExecStopPost after portcullisd failed (SERVICE_RESULT is
 * not "success"), a fail = closed policy keeps its chains: packets stay
 * dropped until the restarted daemon takes them, never pass unfiltered. A
 * policy that cannot be read never keeps the host closed. */
static bool keep_after_failure(const char *path)
{
	const char *result = getenv("SERVICE_RESULT");
	struct pc_diag *d;
	struct pc_policy *p;
	bool keep;

	if (!result || !*result || !strcmp(result, "success") || !(d = pc_diag_new()))
		return false;
	p = pc_policy_load(path, d);
	keep = p && !pc_policy_settings(p)->fail_open;
	pc_policy_free(p);
	pc_diag_free(d);
	if (keep)
		fprintf(stderr, "portcullis: hooks down: portcullisd stopped with result '%s' and "
				"fail = closed: keeping the hook chains, packets stay dropped until it "
				"runs again (run 'portcullis hooks down' by hand to remove them)\n",
			result);
	return keep;
}

enum { OPT_CPU_FANOUT = 256 };

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "cpu-fanout", no_argument, NULL, OPT_CPU_FANOUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int pc_cmd_hooks(int argc, char **argv)
{
	const struct pc_hooks_runner runner = pc_hooks_real_runner;
	struct pc_hooks_conf conf = { 0 };
	const char *path = PC_DEFAULT_CONF;
	char err[512];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		if (opt == 'c') {
			path = optarg;
		} else if (opt == OPT_CPU_FANOUT) {
			conf.cpu_fanout = true;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (strcmp(argv[optind], "up") && strcmp(argv[optind], "down"))) {
		usage(stderr);
		return 2;
	}
	/* a program that exits before reading its input must not kill us */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[optind], "down")) {
		if (keep_after_failure(path))
			return 0;
		rc = pc_hooks_down(&runner, err, sizeof(err));
	} else {
		if (read_conf(path, &conf) < 0)
			return 1;
		rc = pc_hooks_up(&conf, &runner, err, sizeof(err));
	}
	if (rc < 0) {
		fprintf(stderr, "portcullis: hooks %s: %s\n", argv[optind], err);
		if (!strcmp(argv[optind], "up"))
			fprintf(stderr, "portcullis: 'portcullis hooks down' removes what was installed\n");
		return 1;
	}
	return 0;
}
