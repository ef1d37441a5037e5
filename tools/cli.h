/* cli.h - what the subcommands share: option parsing with help, usage
 * errors that say what was wrong, loading the policy */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmds.h"
#include "policy.h"

/* Loads the policy at path, printing every error to stderr, then "FILE:
 * configuration has errors" (or why it cannot be read). Returns the
 * policy, or NULL (errors printed). */
struct pc_policy *pc_cli_load(const char *path);

/* Keys of long-only options start here; below it a key is its short letter. */
enum { PC_OPT_LONG = 256 };

/* One option: long name, key (its short letter, or PC_OPT_LONG + n for a
 * long-only option), the name of its argument (NULL: takes none), help. */
struct pc_cli_opt {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

/* A subcommand's interface: the help it prints and the options it takes. */
struct pc_cli_cmd {
	const char *name;     /* "explain" */
	const char *synopsis; /* after "portcullis NAME " */
	const char *about;    /* what it does, in one line */
	const char *more;     /* lines printed after the options, or NULL */
	const struct pc_cli_opt *opts; /* ends with { NULL }; -h and -V are added */
};

/* Called for each option with its key and argument (NULL if none).
 * Returns 0, or 2 after reporting a misuse (pc_cli_misuse). */
typedef int pc_cli_opt_fn(void *ctx, int key, const char *arg);

/* Parses the options of argv (argv[0] the subcommand) wherever they stand
 * ("--" ends them); leaves the operands in argv[optind..argc-1] in order.
 * Returns -1 to go on, or the exit status to return at once: 0 after
 * --help or --version (printed), 2 after a usage error (reported). */
int pc_cli_parse(const struct pc_cli_cmd *cmd, int argc, char **argv, pc_cli_opt_fn *fn,
		 void *ctx);

/* Says what was wrong ("portcullis NAME: ..."), then the synopsis and where
 * the help is, on stderr. Returns 2, the exit status of a misuse. */
int pc_cli_misuse(const struct pc_cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The whole help of cmd. */
void pc_cli_help(const struct pc_cli_cmd *cmd, FILE *f);

/* "portcullis VERSION". */
void pc_cli_version(FILE *f);

/* The standard option lines, for the tables of the commands. */
#define PC_CLI_OPT_CONFIG { "config", 'c', "FILE", "the policy (default " PC_DEFAULT_CONF ")" }

#endif
