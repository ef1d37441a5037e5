/* cli.h - what the subcommands share */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "policy.h"

/* Loads the policy at path, printing every error to stderr.
 * Returns the policy, or NULL (errors printed). */
struct pc_policy *pc_cli_load(const char *path);

/* Common options: -c FILE, -v, -h. Leaves optind at the first operand.
 * Returns 0, 1 for -h (usage printed), or -1 on a bad option (reported). */
struct pc_cli_opts {
	const char *conf;
	bool verbose;
};
int pc_cli_getopt(int argc, char **argv, const char *usage, struct pc_cli_opts *o);

/* pc_cli_getopt for a subcommand that takes no operands: one is reported
 * as a misuse. Returns -1 to go on, or the exit status to return at once:
 * 0 after -h, 2 on a bad option or an operand. */
int pc_cli_options(int argc, char **argv, const char *usage, struct pc_cli_opts *o);

#endif
