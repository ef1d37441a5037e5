/* cmd_hooks.c - "portcullis hooks up|down": the iptables/ip6tables hook chains */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "diag.h"
#include "fdio.h"
#include "hooks.h"
#include "policy.h"

/* In the child: stdin from the pipe (or as is), stdout/stderr to /dev/null
 * as flags say, then the program. Never returns. */
static void child(const char *const *argv, int in_fd, int flags)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	if (null >= 0 && (flags & PC_RUN_NO_STDOUT))
		dup2(null, STDOUT_FILENO);
	if (null >= 0 && (flags & PC_RUN_NO_STDERR))
		dup2(null, STDERR_FILENO);
	/* execvp's argv is not const-qualified but is not written either */
	execvp(argv[0], (char *const *)(uintptr_t)argv);
	fprintf(stderr, "portcullis: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid. Returns its exit status, or -1 with errno. */
static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	errno = EINTR; /* killed by a signal */
	return -1;
}

/* pc_hooks_run_fn running the real program: fork and execvp, no shell. */
static int run_program(void *ctx, const char *const *argv, const char *input, int flags)
{
	int fds[2] = { -1, -1 };
	int ret = -1, saved;
	pid_t pid;

	(void)ctx;
	if (input && pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		child(argv, fds[0], flags);
	if (input) {
		close(fds[0]);
		fds[0] = -1;
		/* a failed write shows as the program's failure (it read no rules) */
		pc_write_all(fds[1], input, strlen(input));
		close(fds[1]);
		fds[1] = -1;
	}
	ret = wait_child(pid);
out:
	saved = errno;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	errno = saved;
	return ret;
}

/* Reads the hook settings of the policy at path into c. Returns 0, or -1
 * after printing the policy's errors. */
static int read_conf(const char *path, struct pc_hooks_conf *c)
{
	struct pc_policy *p = pc_cli_load(path);
	const struct pc_settings *s;

	if (!p)
		return -1;
	s = pc_policy_settings(p);
	c->queue_lo = s->queue_lo;
	c->queue_hi = s->queue_hi;
	c->fail_open = s->fail_open;
	pc_policy_free(p);
	return 0;
}

/* Run by systemd's ExecStopPost after portcullisd failed (SERVICE_RESULT is
 * not "success"), a fail = closed policy keeps its chains: packets stay
 * dropped until the restarted daemon takes them, never pass unfiltered. A
 * policy that cannot be read never keeps the host closed. */
static bool keep_after_failure(const char *path)
{
	const char *result = getenv("SERVICE_RESULT");
	struct pc_diag *d;
	struct pc_policy *p;
	bool keep;

	if (!result || !*result || !strcmp(result, "success") || !(d = pc_diag_new()))
		return false;
	p = pc_policy_load(path, d);
	keep = p && !pc_policy_settings(p)->fail_open;
	pc_policy_free(p);
	pc_diag_free(d);
	if (keep)
		fprintf(stderr, "portcullis: hooks down: portcullisd stopped with result '%s' and "
				"fail = closed: keeping the hook chains, packets stay dropped until it "
				"runs again (run 'portcullis hooks down' by hand to remove them)\n",
			result);
	return keep;
}

enum { OPT_CPU_FANOUT = PC_OPT_LONG };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "cpu-fanout", OPT_CPU_FANOUT, NULL, "spread a queue range over the queues by CPU" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_hooks_cli = {
	"hooks", "up|down [-c FILE] [--cpu-fanout]",
	"Install or remove the hook rules that send packets to portcullisd.\n"
	"up installs (or updates) the iptables and ip6tables chains " PC_HOOK_CHAIN_IN " and\n"
	PC_HOOK_CHAIN_OUT ", down removes them.",
	"up takes the queue and fail settings of the policy. Under systemd after a failure\n"
	"(SERVICE_RESULT set and not success) down keeps the chains of a fail = closed policy\n"
	"until the restart.\n",
	opts,
};

struct hooks_opts {
	const char *conf;
	bool cpu_fanout;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct hooks_opts *o = ctx;

	if (key == 'c')
		o->conf = arg;
	else if (key == OPT_CPU_FANOUT)
		o->cpu_fanout = true;
	return 0;
}

int pc_cmd_hooks(int argc, char **argv)
{
	const struct pc_hooks_runner runner = { run_program, NULL };
	struct pc_hooks_conf conf = { 0 };
	struct hooks_opts o = { .conf = PC_DEFAULT_CONF };
	const char *path;
	char err[512];
	int rc = pc_cli_parse(&pc_hooks_cli, argc, argv, on_opt, &o);

	if (rc >= 0)
		return rc;
	if (optind >= argc)
		return pc_cli_misuse(&pc_hooks_cli, "say up or down");
	if (strcmp(argv[optind], "up") && strcmp(argv[optind], "down"))
		return pc_cli_misuse(&pc_hooks_cli, "'%s' is neither up nor down", argv[optind]);
	if (optind + 1 < argc)
		return pc_cli_misuse(&pc_hooks_cli, "unexpected argument '%s'", argv[optind + 1]);
	path = o.conf;
	conf.cpu_fanout = o.cpu_fanout;
	/* a program that exits before reading its input must not kill us */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[optind], "down")) {
		if (keep_after_failure(path))
			return 0;
		rc = pc_hooks_down(&runner, err, sizeof(err));
	} else {
		if (read_conf(path, &conf) < 0)
			return 1;
		rc = pc_hooks_up(&conf, &runner, err, sizeof(err));
	}
	if (rc < 0) {
		fprintf(stderr, "portcullis: hooks %s: %s\n", argv[optind], err);
		if (!strcmp(argv[optind], "up"))
			fprintf(stderr, "portcullis: 'portcullis hooks down' removes what was installed\n");
		return 1;
	}
	return 0;
}
