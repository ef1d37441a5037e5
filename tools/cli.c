/* cli.c - what the subcommands share */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "diag.h"

#define MAX_OPTS 24
#define HELP_COL 24 /* where the help of an option starts */

/* Can the policy at path be read? Says why not ("cannot read FILE: No such
 * file or directory (-c FILE names another policy)"). Returns 0 or -1. */
static int readable(const char *path)
{
	if (access(path, R_OK) == 0)
		return 0;
	fprintf(stderr, "portcullis: cannot read %s: %s%s\n", path, strerror(errno),
		errno == ENOENT ? " (-c FILE names another policy)"
		: errno == EACCES ? " (it needs root, or a user who may read it)" : "");
	return -1;
}

struct pc_policy *pc_cli_load(const char *path)
{
	struct pc_diag *d;
	struct pc_policy *p;

	if (readable(path) < 0)
		return NULL;
	if (!(d = pc_diag_new())) {
		fprintf(stderr, "portcullis: out of memory\n");
		return NULL;
	}
	p = pc_policy_load(path, d);
	pc_diag_print(d, stderr);
	pc_diag_free(d);
	if (!p)
		fprintf(stderr, "%s: configuration has errors\n", path);
	return p;
}

void pc_cli_version(FILE *f)
{
	fprintf(f, "portcullis %s\n", PC_VERSION);
}

static const struct pc_cli_opt common[] = {
	{ "help", 'h', NULL, "this help" },
	{ "version", 'V', NULL, "the version of portcullis" },
};

static void option_line(const struct pc_cli_opt *o, FILE *f)
{
	char left[64];

	if (o->key < PC_OPT_LONG)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	if (strlen(left) > HELP_COL - 3)
		fprintf(f, "  %s\n%*s", left, HELP_COL, "");
	else
		fprintf(f, "  %-*s", HELP_COL - 2, left);
	for (const char *h = o->help; *h; h++) {
		putc(*h, f);
		if (*h == '\n')
			fprintf(f, "%*s", HELP_COL, "");
	}
	putc('\n', f);
}

void pc_cli_help(const struct pc_cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: portcullis %s %s\n%s\n\noptions:\n", cmd->name, cmd->synopsis, cmd->about);
	for (const struct pc_cli_opt *o = cmd->opts; o && o->name; o++)
		option_line(o, f);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		option_line(&common[i], f);
	if (cmd->more)
		fprintf(f, "\n%s", cmd->more);
}

int pc_cli_misuse(const struct pc_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "portcullis %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: portcullis %s %s\n(portcullis %s --help says more)\n", cmd->name,
		cmd->synopsis, cmd->name);
	return 2;
}

/* getopt_long's tables from cmd's: short letters and long options. */
static void build_tables(const struct pc_cli_cmd *cmd, struct option *lo, char *so)
{
	size_t n = 0, k = 0;

	so[k++] = ':'; /* a missing argument returns ':' */
	for (const struct pc_cli_opt *o = cmd->opts; o && o->name && n < MAX_OPTS - 3; o++, n++) {
		lo[n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					 o->key };
		if (o->key < PC_OPT_LONG) {
			so[k++] = (char)o->key;
			if (o->arg)
				so[k++] = ':';
		}
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		lo[n++] = (struct option){ common[i].name, no_argument, NULL, common[i].key };
		so[k++] = (char)common[i].key;
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	so[k] = '\0';
}

/* The option getopt stopped at: "-x" or the long one as written (a
 * missing argument is always at the end: argv[optind - 1] is the option). */
static const char *bad_option(char **argv, bool missing, char *buf, size_t len)
{
	if (!missing && optopt && optopt < PC_OPT_LONG) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	snprintf(buf, len, "%s", argv[optind - 1]);
	buf[strcspn(buf, "=")] = '\0';
	return buf;
}

int pc_cli_parse(const struct pc_cli_cmd *cmd, int argc, char **argv, pc_cli_opt_fn *fn,
		 void *ctx)
{
	struct option lo[MAX_OPTS];
	char so[3 * MAX_OPTS], opt[64];
	int c, rc;

	build_tables(cmd, lo, so);
	optind = 0; /* a full reset: options may follow operands */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			pc_cli_help(cmd, stdout);
			return 0;
		case 'V':
			pc_cli_version(stdout);
			return 0;
		case ':':
			return pc_cli_misuse(cmd, "option '%s' needs an argument",
					     bad_option(argv, true, opt, sizeof(opt)));
		case '?':
			return pc_cli_misuse(cmd, "unknown option '%s'",
					     bad_option(argv, false, opt, sizeof(opt)));
		default:
			if ((rc = fn(ctx, c, optarg)))
				return rc;
		}
	}
	return -1;
}
