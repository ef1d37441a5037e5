/* cmd_check.c - portcullis check: validate a policy */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "diag.h"
#include "shadow.h"

int pc_cmd_check(int argc, char **argv)
{
	struct pc_cli_opts o;
	struct pc_diag *warnings = NULL;
	struct pc_policy *p = NULL;
	int rc = pc_cli_options(argc, argv, "check [-c FILE]", &o);
	size_t n;

	if (rc >= 0)
		return rc;
	rc = 1;
	if (!(p = pc_cli_load(o.conf))) {
		fprintf(stderr, "%s: configuration has errors\n", o.conf);
		goto out;
	}
	if (!(warnings = pc_diag_new()) || pc_shadow_check(p, warnings) < 0) {
		perror("portcullis check");
		goto out;
	}
	pc_diag_print(warnings, stderr);
	pc_policy_rules(p, &n);
	printf("configuration OK\n%s: %zu rules, %zu enabled\n", o.conf, n, pc_policy_enabled(p));
	rc = 0;
out:
	pc_diag_free(warnings);
	pc_policy_free(p);
	return rc;
}
