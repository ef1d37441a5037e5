/* cli.c - what the subcommands share */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "diag.h"

struct pc_policy *pc_cli_load(const char *path)
{
	struct pc_diag *d = pc_diag_new();
	struct pc_policy *p;

	if (!d) {
		fprintf(stderr, "portcullis: out of memory\n");
		return NULL;
	}
	p = pc_policy_load(path, d);
	pc_diag_print(d, stderr);
	pc_diag_free(d);
	return p;
}

int pc_cli_getopt(int argc, char **argv, const char *usage, struct pc_cli_opts *o)
{
	int c;

	o->conf = PC_DEFAULT_CONF;
	o->verbose = false;
	optind = 1;
	while ((c = getopt(argc, argv, "+c:vh")) != -1) {
		switch (c) {
		case 'c':
			o->conf = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			printf("usage: portcullis %s\n", usage);
			return 1;
		default:
			fprintf(stderr, "usage: portcullis %s\n", usage);
			return -1;
		}
	}
	return 0;
}

int pc_cli_options(int argc, char **argv, const char *usage, struct pc_cli_opts *o)
{
	int rc = pc_cli_getopt(argc, argv, usage, o);

	if (rc)
		return rc > 0 ? 0 : 2;
	if (optind < argc) {
		fprintf(stderr, "portcullis %.*s: unexpected argument '%s'\n", (int)strcspn(usage, " "),
			usage, argv[optind]);
		return 2;
	}
	return -1;
}
