/* options.c - portcullisd's command line */
#include "options.h"

#include <getopt.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: portcullisd [-c FILE] [-f]\n"
		   "The portcullis packet filter daemon: decides the packets of the NFQUEUE queues of\n"
		   "its policy (portcullis hooks up sends them there). Needs CAP_NET_ADMIN.\n\n"
		   "options:\n"
		   "  -c, --config FILE   the policy (default %s)\n"
		   "  -f, --foreground    log the daemon's messages to stderr instead of syslog\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       the version of portcullis\n", PC_DEFAULT_CONF);
}

static enum pc_options_result misuse(FILE *err, const char *what, const char *arg)
{
	fprintf(err, "portcullisd: %s '%s'\nusage: portcullisd [-c FILE] [-f]\n"
		     "(portcullisd --help says more)\n", what, arg);
	return PC_OPTIONS_MISUSE;
}

/* An option getopt refused: a long one is named as written ("--foreground=yes"
 * takes no argument), a short one by its letter. */
static enum pc_options_result misuse_option(FILE *err, const char *arg, char opt[3])
{
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') && optopt)
		return misuse(err, "option takes no argument:", arg);
	if (strncmp(arg, "--", 2) == 0 || !optopt)
		return misuse(err, "unknown option", arg);
	opt[1] = (char)optopt;
	return misuse(err, "unknown option", opt);
}

enum pc_options_result pc_options_parse(struct pc_options *o, int argc, char **argv, FILE *out,
					FILE *err)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char opt[3] = "-?";
	int c;

	*o = (struct pc_options){ .conf = PC_DEFAULT_CONF };
	opterr = 0;
	optind = 0; /* glibc: start over (a test parses many command lines) */
	while ((c = getopt_long(argc, argv, ":c:fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->conf = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'h':
			usage(out);
			return PC_OPTIONS_DONE;
		case 'V':
			fprintf(out, "portcullisd (portcullis) %s\n", PC_VERSION);
			return PC_OPTIONS_DONE;
		case ':':
			return misuse(err, "option needs an argument:", argv[optind - 1]);
		default:
			return misuse_option(err, argv[optind - 1], opt);
		}
	}
	if (optind != argc)
		return misuse(err, "unexpected argument", argv[optind]);
	return PC_OPTIONS_RUN;
}
