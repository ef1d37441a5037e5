/* main.c - portcullisd: the command line (options.c), then start, serve,
 * stop (startup.c) around the event loop (loop.c) */
#include <stdio.h>

#include "daemon.h"
#include "options.h"
#include "startup.h"

int main(int argc, char **argv)
{
	struct pc_daemon d = { .sigfd = -1, .loader.efd = -1 };
	struct pc_options opt;
	int ret = 1;

	switch (pc_options_parse(&opt, argc, argv, stdout, stderr)) {
	case PC_OPTIONS_DONE:
		return 0;
	case PC_OPTIONS_MISUSE:
		return 2;
	case PC_OPTIONS_RUN:
		break;
	}
	d.conf = opt.conf;
	d.foreground = opt.foreground;
	if (pc_daemon_open(&d) < 0) {
		perror("portcullisd: start");
		return 1;
	}
	if (pc_daemon_start(&d) == 0) {
		if (pc_daemon_serve(&d) == 0)
			ret = pc_daemon_loop(&d) < 0 ? 1 : 0;
		pc_daemon_shut_down(&d);
	}
	pc_daemon_free(&d);
	return ret;
}
