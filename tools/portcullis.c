/* portcullis - the command line tool: dispatches to one subcommand */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

struct subcommand {
	const struct pc_cli_cmd *cli;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{ &pc_check_cli, pc_cmd_check },     { &pc_explain_cli, pc_cmd_explain },
	{ &pc_hooks_cli, pc_cmd_hooks },     { &pc_log_cli, pc_cmd_log },
	{ &pc_enable_cli, pc_cmd_enable },   { &pc_disable_cli, pc_cmd_disable },
	{ &pc_list_cli, pc_cmd_list },       { &pc_status_cli, pc_cmd_status },
	{ &pc_diff_cli, pc_cmd_diff },
};
#define N_SUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: portcullis [-c FILE] SUBCOMMAND [OPTIONS] [ARGS]\n"
		   "       portcullis -h | --help | -V | --version\n\nsubcommands:\n");
	for (size_t i = 0; i < N_SUB; i++)
		fprintf(f, "  portcullis %s %s\n      %.*s\n", subcommands[i].cli->name,
			subcommands[i].cli->synopsis, (int)strcspn(subcommands[i].cli->about, "\n"),
			subcommands[i].cli->about);
	fprintf(f, "\nEvery subcommand takes -h/--help. The default policy file is %s;\n"
		   "-c FILE before the subcommand is the same as after it.\n", PC_DEFAULT_CONF);
}

static const struct subcommand *find(const char *name)
{
	for (size_t i = 0; i < N_SUB; i++)
		if (!strcmp(name, subcommands[i].cli->name))
			return &subcommands[i];
	return NULL;
}

/* Runs sub with "-c FILE" before the rest of its arguments when conf is set. */
static int run(const struct subcommand *sub, const char *conf, int argc, char **argv)
{
	char **args;
	int n = 0, rc;

	if (!conf)
		return sub->run(argc, argv);
	if (!(args = calloc((size_t)argc + 3, sizeof(*args)))) {
		perror("portcullis");
		return 1;
	}
	args[n++] = argv[0];
	args[n++] = (char *)(uintptr_t)"-c";
	args[n++] = (char *)(uintptr_t)conf;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	rc = sub->run(n, args);
	free(args);
	return rc;
}

static int misuse(const char *what, const char *arg)
{
	fprintf(stderr, "portcullis: %s%s%s%s\nusage: portcullis [-c FILE] SUBCOMMAND [OPTIONS] "
		"[ARGS]\n(portcullis --help lists the subcommands)\n", what, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct subcommand *sub;
	const char *conf = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			pc_cli_version(stdout);
			return 0;
		case ':':
			return misuse("option needs an argument:", argv[optind - 1]);
		default:
			return misuse("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return misuse("no subcommand given", NULL);
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		if (!(sub = find(argv[optind + 1])))
			return misuse("unknown subcommand", argv[optind + 1]);
		pc_cli_help(sub->cli, stdout);
		return 0;
	}
	if (!(sub = find(argv[optind])))
		return misuse("unknown subcommand", argv[optind]);
	return run(sub, conf, argc - optind, argv + optind);
}
