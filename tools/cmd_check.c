/* cmd_check.c - portcullis check: validate a policy, and say whether it
 * admits SSH */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "diag.h"
#include "index.h"
#include "lockout.h"
#include "shadow.h"

enum { OPT_FORCE = 'f' };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "force", OPT_FORCE, NULL, "a policy that drops every packet is a warning, not an error" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_check_cli = {
	"check", "[-c FILE] [--force]",
	"Validate a policy as portcullisd would load it.\n"
	"Every error as FILE:LINE: message, rules that never decide a packet, and whether\n"
	"inbound SSH is admitted (the lockout guard).",
	"Exit status: 0 valid (warnings allowed), 1 errors, 2 a usage error.\n", opts,
};

struct check_opts {
	const char *conf;
	bool force;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct check_opts *o = ctx;

	if (key == 'c')
		o->conf = arg;
	else if (key == OPT_FORCE)
		o->force = true;
	return 0;
}

/* The lockout guard: warnings and errors into d, what admits SSH into
 * line (len bytes; "" when nothing does). Returns 0, or -1 with errno. */
static int ssh_report(const struct pc_policy *p, bool force, struct pc_diag *d, char *line,
		      size_t len)
{
	struct pc_ssh_session sess;
	bool have = pc_ssh_session_env(&sess);
	struct pc_index *ix = pc_index_new(p);
	struct pc_lockout lo;
	char port[64], who[256];
	int rc = -1;

	if (!ix || pc_lockout_diag(p, ix, have ? &sess : NULL, !force, d) < 0 ||
	    pc_lockout_analyse(p, ix, have ? &sess : NULL, &lo) < 0)
		goto out;
	pc_lockout_port(&lo, port, sizeof(port));
	line[0] = '\0';
	if (lo.session && lo.session_admitted)
		snprintf(line, len, "%s: %s: the SSH session this runs in is admitted by %s\n",
			 pc_policy_path(p), port, pc_lockout_rule(p, lo.session_rule, who,
								  sizeof(who)));
	else if (!lo.session && lo.admitted)
		snprintf(line, len, "%s: %s is admitted by %s\n", pc_policy_path(p), port,
			 pc_lockout_admitters(p, &lo, who, sizeof(who)));
	rc = 0;
out:
	pc_index_free(ix);
	return rc;
}

int pc_cmd_check(int argc, char **argv)
{
	struct check_opts o = { .conf = PC_DEFAULT_CONF };
	struct pc_diag *d = NULL;
	struct pc_policy *p = NULL;
	int rc = pc_cli_parse(&pc_check_cli, argc, argv, on_opt, &o);
	char ssh[512];
	size_t n;

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pc_cli_misuse(&pc_check_cli, "unexpected argument '%s'", argv[optind]);
	rc = 1;
	if (!(p = pc_cli_load(o.conf)))
		goto out;
	if (!(d = pc_diag_new()) || pc_shadow_check(p, d) < 0 ||
	    ssh_report(p, o.force, d, ssh, sizeof(ssh)) < 0) {
		perror("portcullis check");
		goto out;
	}
	pc_diag_print(d, stderr);
	if (pc_diag_errors(d)) {
		fprintf(stderr, "%s: configuration has errors\n", o.conf);
		goto out;
	}
	pc_policy_rules(p, &n);
	printf("configuration OK\n%s: %zu rules, %zu enabled\n%s", o.conf, n, pc_policy_enabled(p),
	       ssh);
	rc = 0;
out:
	pc_diag_free(d);
	pc_policy_free(p);
	return rc;
}
