/* portcullis - the command line tool: dispatches to one subcommand */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct subcommand subcommands[] = {
	{ "check", pc_cmd_check, "check [-c FILE]            validate a policy" },
	{ "explain", pc_cmd_explain, "explain [-c FILE] [-v]     decide packets read from stdin" },
	{ "hooks", pc_cmd_hooks, "hooks up|down [-c FILE]    install/remove the NFQUEUE hook rules" },
	{ "log", pc_cmd_log, "log [FILE|-] [OPTIONS]     filter or summarize verdict log lines" },
	{ "enable", pc_cmd_enable, "enable [-c FILE] NAME...   switch rules on, apply to the daemon" },
	{ "disable", pc_cmd_disable, "disable [-c FILE] NAME...  switch rules off, apply to the daemon" },
	{ "list", pc_cmd_list, "list [-c FILE] [-v]        the rules, with hits when the daemon runs" },
	{ "status", pc_cmd_status, "status [-c FILE]           is the daemon running, and its counters" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: portcullis SUBCOMMAND [ARGS]\n\nsubcommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  portcullis %s\n", subcommands[i].usage);
	fprintf(f, "\nThe default policy file is %s.\n", PC_DEFAULT_CONF);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "portcullis: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
