/* cmd_hooks.c - "portcullis hooks up|down": the iptables/ip6tables hook chains */
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

enum { OPT_CPU_FANOUT = PC_OPT_LONG };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "cpu-fanout", OPT_CPU_FANOUT, NULL, "spread a queue range over the queues by CPU" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_hooks_cli = {
	"hooks", "up|down [-c FILE] [--cpu-fanout]",
	"Install or remove the hook rules that send packets to portcullisd.\n"
	"up installs (or updates) the iptables and ip6tables chains " PC_HOOK_CHAIN_IN " and\n"
	PC_HOOK_CHAIN_OUT ", down removes them.",
	"up takes the queue, fail, stateful and mark-mask settings of the policy; a stateful\n"
	"up keeps the rules of the fast-path chain " PC_HOOK_CHAIN_FAST " that portcullisd fills. Under systemd after a failure\n"
	"(SERVICE_RESULT set and not success) down keeps the chains of a fail = closed policy\n"
	"until the restart.\n",
	opts,
};

struct hooks_opts {
	const char *conf;
	bool cpu_fanout;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct hooks_opts *o = ctx;

	if (key == 'c')
		o->conf = arg;
	else if (key == OPT_CPU_FANOUT)
		o->cpu_fanout = true;
	return 0;
}

int pc_cmd_hooks(int argc, char **argv)
{
	const struct pc_hooks_runner runner = pc_hooks_real_runner;
	struct pc_hooks_conf conf = { 0 };
	struct hooks_opts o = { .conf = PC_DEFAULT_CONF };
	const char *path;
	char err[512];
	int rc = pc_cli_parse(&pc_hooks_cli, argc, argv, on_opt, &o);

	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return pc_cli_misuse(&pc_hooks_cli, "say up or down");
	if (strcmp(argv[optind], "up") && strcmp(argv[optind], "down"))
		return pc_cli_misuse(&pc_hooks_cli, "'%s' is neither up nor down", argv[optind]);
	if (optind + 1 < argc)
		return pc_cli_misuse(&pc_hooks_cli, "unexpected argument '%s'", argv[optind + 1]);
	path = o.conf;
	conf.cpu_fanout = o.cpu_fanout;
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
