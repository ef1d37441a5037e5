/* daemonctl.c - finding the running portcullisd and asking it for a reload
 * or for fresh numbers */
#include "daemonctl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define POLL_MS 20
#define DAEMON_COMM "portcullisd"

/* Reads a small file into buf (NUL-terminated, trailing newline dropped).
 * Returns 0, or -1 with errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > (long)0x3fffffff)
		return 0;
	return (pid_t)v;
}

pid_t pc_daemonctl_find(const char *pid_file, char *why, size_t whylen)
{
	char buf[64], path[64];
	pid_t pid;

	if (!pid_file || !*pid_file) {
		snprintf(why, whylen, "the policy names no pid-file");
		errno = ESRCH;
		return 0;
	}
	if (read_small(pid_file, buf, sizeof(buf)) < 0) {
		int err = errno;
		snprintf(why, whylen, err == EACCES ? "cannot read the pid file %s: %s" :
			 "no pid file %s (%s)", pid_file, strerror(err));
		errno = err == EACCES ? EACCES : ESRCH;
		return 0;
	}
	errno = ESRCH;
	if (!(pid = parse_pid(buf))) {
		snprintf(why, whylen, "%s holds no pid", pid_file);
		return 0;
	}
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		snprintf(why, whylen, "pid %d (from %s) is not running", (int)pid, pid_file);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0) {
		snprintf(why, whylen, "pid %d (from %s) is not running", (int)pid, pid_file);
		errno = ESRCH;
		return 0;
	}
	if (strcmp(buf, DAEMON_COMM)) {
		snprintf(why, whylen, "pid %d (from %s) is '%s', not %s", (int)pid, pid_file, buf,
			 DAEMON_COMM);
		errno = ESRCH;
		return 0;
	}
	return pid;
}

int pc_daemonctl_status(pid_t pid, const char *status_file, struct pc_status *st)
{
	if (pc_status_read(status_file, st) < 0)
		return -1;
	if (st->pid != (int64_t)pid) {
		pc_status_clear(st);
		errno = ESRCH;
		return -1;
	}
	return 0;
}

/* What the status file said before we asked. */
struct mark {
	uint64_t seq, gen;
	struct stat sb;
	bool have_sb;
};

static void take_mark(pid_t pid, const char *status_file, struct mark *m)
{
	struct pc_status st;

	*m = (struct mark){ 0 };
	m->have_sb = stat(status_file, &m->sb) == 0;
	if (pc_daemonctl_status(pid, status_file, &st) == 0) {
		m->seq = st.seq;
		m->gen = st.reload_generation;
		pc_status_clear(&st);
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int64_t now_ms(void)
{
	return (int64_t)(pc_mono_ns() / PC_NS_PER_MS);
}

/* Polls the status file until pid writes one newer than m: a higher seq, or
 * (reload) a higher reload generation. */
static int wait_newer(pid_t pid, const char *status_file, struct mark *m, bool reload,
		      struct pc_status *st, int ms)
{
	int64_t deadline = now_ms() + ms;
	const struct timespec nap = { 0, POLL_MS * 1000000L };
	struct stat sb;

	while (now_ms() < deadline) {
		nanosleep(&nap, NULL);
		if (stat(status_file, &sb) == 0 && !(m->have_sb && same_file(&sb, &m->sb))) {
			m->sb = sb; /* parse each new file once */
			m->have_sb = true;
			if (pc_daemonctl_status(pid, status_file, st) == 0) {
				if (reload ? st->reload_generation > m->gen : st->seq > m->seq)
					return 0;
				pc_status_clear(st);
			}
		}
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return -1;
	}
	errno = ETIMEDOUT;
	return -1;
}

static int ask(pid_t pid, const char *status_file, int sig, struct pc_status *st, int ms)
{
	struct mark m;

	memset(st, 0, sizeof(*st));
	take_mark(pid, status_file, &m);
	if (kill(pid, sig) < 0)
		return -1;
	return wait_newer(pid, status_file, &m, sig == SIGHUP, st, ms);
}

int pc_daemonctl_refresh(pid_t pid, const char *status_file, struct pc_status *st, int ms)
{
	return ask(pid, status_file, SIGUSR1, st, ms);
}

int pc_daemonctl_reload(pid_t pid, const char *status_file, struct pc_status *st, int ms)
{
	return ask(pid, status_file, SIGHUP, st, ms);
}

bool pc_daemonctl_serves(const struct pc_status *st, const char *path)
{
	char *a, *b;
	bool same;

	if (!st->policy || st->policy[0] != '/')
		return true; /* a relative path is the daemon's cwd's: cannot tell */
	a = realpath(st->policy, NULL);
	b = realpath(path, NULL);
	same = a && b ? !strcmp(a, b) : !strcmp(st->policy, path);
	free(a);
	free(b);
	return same;
}
