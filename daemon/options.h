/* options.h - portcullisd's command line: -c FILE, -f, --help, --version */
#ifndef PC_OPTIONS_H
#define PC_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#define PC_DEFAULT_CONF "/etc/portcullis/portcullis.conf"

struct pc_options {
	const char *conf; /* the policy: -c FILE (an argv string), else PC_DEFAULT_CONF */
	bool foreground;  /* -f: the daemon's messages to stderr, not syslog */
};

enum pc_options_result {
	PC_OPTIONS_RUN,    /* start the daemon with *o */
	PC_OPTIONS_DONE,   /* --help or --version was written to out: exit 0 */
	PC_OPTIONS_MISUSE, /* what is wrong and the usage were written to err: exit 2 */
};

/* Parses argv into *o (getopt_long, from argv[1]; may be called again). */
enum pc_options_result pc_options_parse(struct pc_options *o, int argc, char **argv, FILE *out,
					FILE *err);

#endif
