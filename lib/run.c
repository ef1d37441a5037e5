/* run.c - running a helper program */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"

extern char **environ;

int pc_run_wait(pid_t pid)
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

/* Reads fd to its end into out (outlen bytes, NUL-terminated). */
static void read_all(int fd, char *out, size_t outlen)
{
	size_t used = 0;
	char sink[512];

	for (;;) {
		char *dst = used + 1 < outlen ? out + used : sink;
		size_t room = used + 1 < outlen ? outlen - 1 - used : sizeof(sink);
		ssize_t n = read(fd, dst, room);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != sink)
			used += (size_t)n;
	}
	if (outlen)
		out[used] = '\0';
}

/* The child's descriptors: stdin from in (or as is), stdout to outw or
 * /dev/null or as is, stderr to /dev/null or as is. */
static int file_actions(posix_spawn_file_actions_t *fa, int in, int outw, int flags)
{
	int rc = posix_spawn_file_actions_init(fa);

	if (rc)
		return rc;
	if (in >= 0)
		rc |= posix_spawn_file_actions_adddup2(fa, in, STDIN_FILENO);
	if (outw >= 0)
		rc |= posix_spawn_file_actions_adddup2(fa, outw, STDOUT_FILENO);
	else if (flags & PC_RUN_NO_STDOUT)
		rc |= posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (flags & PC_RUN_NO_STDERR)
		rc |= posix_spawn_file_actions_addopen(fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	return rc ? EINVAL : 0;
}

/* The child starts with no signal blocked and SIGPIPE at its default,
 * whatever the caller (a daemon reading signals from a signalfd) set. */
static int spawn_attr(posix_spawnattr_t *attr)
{
	sigset_t none, def;
	int rc = posix_spawnattr_init(attr);

	if (rc)
		return rc;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	rc |= posix_spawnattr_setsigmask(attr, &none);
	rc |= posix_spawnattr_setsigdefault(attr, &def);
	rc |= posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	return rc ? EINVAL : 0;
}

int pc_run(const char *const *argv, const char *input, int flags, char *out, size_t outlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int in[2] = { -1, -1 }, op[2] = { -1, -1 };
	int ret = -1, rc, saved;
	pid_t pid;

	if ((input && pipe2(in, O_CLOEXEC) < 0) || (out && pipe2(op, O_CLOEXEC) < 0))
		goto out;
	if ((rc = spawn_attr(&attr))) {
		errno = rc;
		goto out;
	}
	if ((rc = file_actions(&fa, in[0], op[1], flags))) {
		posix_spawnattr_destroy(&attr);
		errno = rc;
		goto out;
	}
	/* posix_spawnp's argv is not const-qualified but is not written either */
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)(uintptr_t)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		errno = rc;
		goto out;
	}
	if (input) {
		close(in[0]);
		in[0] = -1;
		/* a failed write shows as the program's failure (it read no input) */
		pc_write_all(in[1], input, strlen(input));
		close(in[1]);
		in[1] = -1;
	}
	if (out) {
		close(op[1]);
		op[1] = -1;
		read_all(op[0], out, outlen);
	}
	ret = pc_run_wait(pid);
out:
	saved = errno;
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	errno = saved;
	return ret;
}

pid_t pc_run_start(const char *const *argv, int flags, int *out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int op[2], rc;
	pid_t pid;

	if (pipe2(op, O_CLOEXEC) < 0)
		return -1;
	if ((rc = spawn_attr(&attr)) == 0) {
		if ((rc = file_actions(&fa, -1, op[1], flags)) == 0) {
			rc = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)(uintptr_t)argv,
					  environ);
			posix_spawn_file_actions_destroy(&fa);
		}
		posix_spawnattr_destroy(&attr);
	}
	close(op[1]);
	if (rc) {
		close(op[0]);
		errno = rc;
		return -1;
	}
	*out = op[0];
	return pid;
}
