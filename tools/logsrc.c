/* logsrc.c - a file, a followed file, or journalctl's output, line by line */
#include "logsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

struct pc_logsrc {
	enum pc_logsrc_kind kind;
	int fd;
	bool own_fd;          /* not stdin */
	bool stream;          /* a pipe or the like: wait until readable */
	char *path;           /* FOLLOW: reopened after a rotation */
	dev_t dev;            /* FOLLOW: the file fd reads */
	ino_t ino;
	off_t off;            /* FOLLOW: bytes of it read */
	bool rotated;         /* FOLLOW: path names another file now: fd is drained first */
	pid_t pid;            /* JOURNAL: journalctl, or -1 */
	bool signals;         /* SIGINT and SIGTERM are caught */
	sigset_t waitmask;    /* the mask while waiting: both let through */
	sigset_t oldmask;
	struct sigaction oldint, oldterm;
	bool eof;
	bool cut;             /* buf's bytes end a file: a partial line ends there */
	size_t pos, end;
	char buf[PC_LOGSRC_BUF];
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM set stop_signal; they stay blocked but while waiting
 * (ppoll), so that no signal is lost between a check and a wait. */
static int catch_signals(struct pc_logsrc *s)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t both;

	stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &both, &s->oldmask) < 0)
		return -1;
	s->waitmask = s->oldmask;
	sigdelset(&s->waitmask, SIGINT);
	sigdelset(&s->waitmask, SIGTERM);
	sigaction(SIGINT, &sa, &s->oldint);
	sigaction(SIGTERM, &sa, &s->oldterm);
	s->signals = true;
	return 0;
}

/* A SIGINT or SIGTERM still pending (it came while blocked: journalctl
 * died of the same Ctrl-C and its end was read first) counts as caught. */
static void take_pending(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t both;
	int sig;

	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	while ((sig = sigtimedwait(&both, NULL, &zero)) > 0)
		stop_signal = sig;
}

static void release_signals(struct pc_logsrc *s)
{
	if (!s->signals)
		return;
	take_pending();
	sigaction(SIGINT, &s->oldint, NULL);
	sigaction(SIGTERM, &s->oldterm, NULL);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	s->signals = false;
}

/* Waits until fd is readable (fd < 0: for ms). Returns 0, or -1 with EINTR
 * after a signal. */
static int wait_for(struct pc_logsrc *s, int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	int n = ppoll(fd >= 0 ? &pfd : NULL, fd >= 0, ms < 0 ? NULL : &ts, &s->waitmask);

	return n < 0 ? -1 : 0;
}

/* ---- following a file ---- */

static int note_file(struct pc_logsrc *s)
{
	struct stat sb;

	if (fstat(s->fd, &sb) < 0)
		return -1;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->stream = !S_ISREG(sb.st_mode);
	return 0;
}

/* The file now at path, once the old one is read to its end. */
static void switch_file(struct pc_logsrc *s)
{
	int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	s->rotated = false;
	if (fd < 0)
		return; /* gone again: the old one is read on */
	close(s->fd);
	s->fd = fd;
	s->off = 0;
	s->cut = true;
	if (note_file(s) < 0)
		s->stream = false;
}

/* At the end of the followed file: truncated (read it again from its
 * start) or renamed with a new file at path (read the old one to its end
 * once more after a poll interval, in which the daemon reopens its log,
 * then switch). Returns true when there may be more to read at once. */
static bool look_again(struct pc_logsrc *s)
{
	struct stat sb;

	if (fstat(s->fd, &sb) == 0 && sb.st_size < s->off) {
		lseek(s->fd, 0, SEEK_SET);
		s->off = 0;
		s->cut = true;
		return true;
	}
	if (stat(s->path, &sb) == 0 && (sb.st_dev != s->dev || sb.st_ino != s->ino))
		s->rotated = true;
	return false;
}

/* ---- reading ---- */

/* Reads what the source has into buf (blocking or waiting as it must).
 * Returns the bytes read, or 0 with s->eof set at the end (or after a
 * signal) or s->cut set at the end of a followed file (rotated or
 * truncated), or -1 with errno. */
static ssize_t read_some(struct pc_logsrc *s, char *buf, size_t room)
{
	for (;;) {
		ssize_t n;

		if (s->signals && stop_signal)
			break;
		if (s->signals && s->stream && wait_for(s, s->fd, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((n = read(s->fd, buf, room)) > 0) {
			s->off += n;
			return n;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (n < 0)
			continue;
		if (s->kind != PC_LOGSRC_FOLLOW || s->stream)
			break;
		if (s->rotated) { /* read to its end once more after a poll interval */
			switch_file(s);
			if (s->cut)
				return 0;
			continue;
		}
		if (look_again(s))
			return 0;
		if (wait_for(s, -1, PC_LOGSRC_POLL_MS) < 0 && errno != EINTR)
			return -1;
	}
	s->eof = true;
	return 0;
}

static int fill(struct pc_logsrc *s)
{
	ssize_t n;

	if (s->pos) {
		memmove(s->buf, s->buf + s->pos, s->end - s->pos);
		s->end -= s->pos;
		s->pos = 0;
	}
	fflush(stdout); /* what was selected shows before a wait */
	if ((n = read_some(s, s->buf + s->end, sizeof(s->buf) - s->end)) < 0)
		return -1;
	s->end += (size_t)n;
	return 0;
}

int pc_logsrc_next(struct pc_logsrc *s, const char **line, size_t *len, bool *overlong)
{
	*overlong = false;
	for (;;) {
		char *p = s->buf + s->pos, *nl = memchr(p, '\n', s->end - s->pos);

		if (nl || ((s->eof || s->cut) && s->pos < s->end)) {
			*line = p;
			*len = nl ? (size_t)(nl - p) : s->end - s->pos;
			s->pos += *len + (nl != NULL);
			return 1;
		}
		s->cut = false;
		if (s->eof)
			return 0;
		if (s->pos == 0 && s->end == sizeof(s->buf)) {
			*overlong = true;
			s->end = 0;
		}
		if (fill(s) < 0)
			return -1;
	}
}

/* A signal ended the reading. */
static bool stopped(const struct pc_logsrc *s)
{
	return s->signals && stop_signal;
}

/* ---- opening ---- */

static int open_file(struct pc_logsrc *s, const struct pc_logsrc_cfg *cfg, char *err,
		     size_t errlen)
{
	const char *name = cfg->path && strcmp(cfg->path, "-") ? cfg->path : NULL;

	if (!name) {
		s->fd = STDIN_FILENO;
		return 0;
	}
	/* following, a FIFO must not hang the open */
	s->fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		     (cfg->kind == PC_LOGSRC_FOLLOW ? O_NONBLOCK : 0));
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	s->own_fd = true;
	if (cfg->kind != PC_LOGSRC_FOLLOW)
		return 0;
	if (!(s->path = strdup(name)) || note_file(s) < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!cfg->since_set && !s->stream && (s->off = lseek(s->fd, 0, SEEK_END)) < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_journal(struct pc_logsrc *s, const struct pc_logsrc_cfg *cfg, char *err,
			size_t errlen)
{
	char since[32];
	const char *argv[12] = { "journalctl", "--quiet", "--no-pager", "--output=short-iso",
				 ("--unit=" PC_LOGSRC_UNIT) };
	size_t n = 5;

	if (cfg->since_set) {
		snprintf(since, sizeof(since), "--since=@%" PRId64, cfg->since);
		argv[n++] = since;
	}
	if (cfg->follow) {
		argv[n++] = "--follow";
		argv[n++] = cfg->since_set ? "--no-tail" : "--lines=0";
	}
	argv[n] = NULL;
	if ((s->pid = pc_run_start(argv, 0, &s->fd)) < 0) {
		snprintf(err, errlen, "cannot run journalctl: %s", strerror(errno));
		return -1;
	}
	s->own_fd = true;
	s->stream = true;
	return 0;
}

struct pc_logsrc *pc_logsrc_open(const struct pc_logsrc_cfg *cfg, char *err, size_t errlen)
{
	struct pc_logsrc *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	s->kind = cfg->kind;
	s->fd = -1;
	s->pid = -1;
	if (cfg->kind != PC_LOGSRC_FILE && catch_signals(s) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if ((cfg->kind == PC_LOGSRC_JOURNAL ? open_journal : open_file)(s, cfg, err, errlen) < 0)
		goto fail;
	return s;
fail:
	pc_logsrc_free(s, NULL, 0);
	return NULL;
}

int pc_logsrc_free(struct pc_logsrc *s, char *err, size_t errlen)
{
	int rc = 0, st;

	if (!s)
		return 0;
	if (s->own_fd)
		close(s->fd);
	if (s->signals)
		take_pending();
	if (s->pid > 0) {
		/* journalctl -f ends only when told; a broken pipe ends it anyway */
		if (!s->eof || stopped(s))
			kill(s->pid, SIGTERM);
		st = pc_run_wait(s->pid);
		if (st != 0 && !stopped(s) && s->eof) {
			if (st > 0)
				snprintf(err, errlen, "journalctl exited with status %d", st);
			else
				snprintf(err, errlen, "journalctl was killed");
			rc = -1;
		}
	}
	release_signals(s);
	free(s->path);
	free(s);
	return rc;
}
