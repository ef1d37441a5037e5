/* vlog.c - the verdict log: token bucket, targets (the line: vlogline.c) */
#include "vlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

#define NS_PER_SEC 1000000000ull

struct pc_vlog {
	struct pc_vlog_cfg cfg;
	char *file;             /* owned copy of cfg.file */
	int fd;                 /* stderr or the file; -1 for syslog and sinks */
	uint64_t credit;        /* tokens, NS_PER_SEC per line */
	uint64_t cap;           /* bucket size: rate lines */
	uint64_t last_ns;       /* time of the last refill */
	bool started;
	uint64_t pending;       /* suppressed lines not yet reported */
	uint64_t due_ns;        /* when pending is reported */
	uint64_t suppressed;    /* total */
	uint64_t write_errors;
	bool partial;           /* the file ends in a cut line that could not be removed */
};

/* UTC wall-clock time with milliseconds, for lines written to a file
 * (len >= 32). */
static const char *timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	unsigned ms;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len - 6, "%Y-%m-%dT%H:%M:%S", &tm);
	ms = (unsigned)(ts.tv_nsec / 1000000) % 1000;
	buf[n++] = '.';
	buf[n++] = (char)('0' + ms / 100);
	buf[n++] = (char)('0' + ms / 10 % 10);
	buf[n++] = (char)('0' + ms % 10);
	buf[n++] = 'Z';
	buf[n] = '\0';
	return buf;
}

static const char *line_time(const struct pc_vlog *vl, char *buf, size_t len)
{
	if (vl->cfg.sink || vl->cfg.target != PC_LOGT_FILE)
		return NULL;
	return timestamp(buf, len);
}

/* Takes back the last done bytes written to fd: the file's end is a line
 * boundary again. Returns 0, or -1 (not a regular file, or raced). */
static int unwrite(int fd, size_t done)
{
	off_t end = lseek(fd, 0, SEEK_CUR);
	struct stat sb;

	if (end < (off_t)done || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size != end)
		return -1;
	return ftruncate(fd, end - (off_t)done);
}

/* Writes a whole line (n bytes, its newline included) or nothing: a short
 * write (a full disk) is cut back to the line boundary, so the next line
 * never joins a partial one; where that fails the next write first ends the
 * cut line. Every line not written whole counts as a write error. */
static void put_line(struct pc_vlog *vl, const char *line, size_t n)
{
	size_t done = 0;
	ssize_t got;

	if (vl->partial) {
		if (write(vl->fd, "\n", 1) != 1) {
			vl->write_errors++;
			return;
		}
		vl->partial = false;
	}
	while (done < n) {
		got = write(vl->fd, line + done, n - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	if (done == n)
		return;
	vl->write_errors++;
	if (done && unwrite(vl->fd, done) < 0)
		vl->partial = true;
}

/* Hands a finished line (n bytes, room for one more) to the target. */
static void emit(struct pc_vlog *vl, char *line, size_t n)
{
	if (n > PC_VLOG_LINE_MAX - 2)
		n = PC_VLOG_LINE_MAX - 2;
	line[n] = '\0';
	if (vl->cfg.sink) {
		vl->cfg.sink(vl->cfg.sink_arg, line, n);
		return;
	}
	if (vl->fd < 0) {
		syslog(LOG_DAEMON | LOG_INFO, "%s", line);
		return;
	}
	line[n++] = '\n';
	put_line(vl, line, n);
}

static void report_suppressed(struct pc_vlog *vl)
{
	char line[PC_VLOG_LINE_MAX], tbuf[40];
	struct pc_strbuf b;
	size_t n;

	pc_strbuf_init(&b, line, sizeof(line) - 1);
	n = pc_vlog_put_suppressed(&b, vl->cfg.format, line_time(vl, tbuf, sizeof(tbuf)), vl->pending);
	emit(vl, line, n);
	vl->pending = 0;
	vl->due_ns = 0;
}

/* Opens the log file for appending: never through a symlink (the daemon is
 * root; an attacker's link could point anywhere), never blocking on a FIFO,
 * and only a regular file. Returns a descriptor, or -1 with errno. */
static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
			  O_NONBLOCK, 0640);
	struct stat sb;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int err = errno;

		close(fd);
		errno = S_ISREG(sb.st_mode) ? err : EINVAL;
		return -1;
	}
	return fd;
}

struct pc_vlog *pc_vlog_new(const struct pc_vlog_cfg *cfg)
{
	struct pc_vlog *vl = calloc(1, sizeof(*vl));

	if (!vl)
		return NULL;
	vl->cfg = *cfg;
	vl->fd = -1;
	if (vl->cfg.rate > PC_VLOG_RATE_MAX)
		vl->cfg.rate = PC_VLOG_RATE_MAX;
	vl->cap = (uint64_t)vl->cfg.rate * NS_PER_SEC;
	if (cfg->target == PC_LOGT_FILE && !cfg->sink) {
		if (!cfg->file || !*cfg->file) {
			errno = EINVAL;
			goto fail;
		}
		if (!(vl->file = strdup(cfg->file)) || (vl->fd = open_file(vl->file)) < 0)
			goto fail;
	} else if (cfg->target == PC_LOGT_STDERR && !cfg->sink) {
		vl->fd = STDERR_FILENO;
	} else if (!cfg->sink) {
		openlog(PC_VLOG_IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
	vl->cfg.file = vl->file;
	return vl;
fail:
	free(vl->file);
	free(vl);
	return NULL;
}

void pc_vlog_free(struct pc_vlog *vl)
{
	if (!vl)
		return;
	if (vl->pending)
		report_suppressed(vl);
	if (vl->file && vl->fd >= 0)
		close(vl->fd);
	free(vl->file);
	free(vl);
}

bool pc_vlog_same(const struct pc_vlog *vl, const struct pc_vlog_cfg *cfg)
{
	unsigned rate = cfg->rate > PC_VLOG_RATE_MAX ? PC_VLOG_RATE_MAX : cfg->rate;

	if (vl->cfg.target != cfg->target || vl->cfg.format != cfg->format ||
	    vl->cfg.rate != rate || vl->cfg.sink != cfg->sink || vl->cfg.sink_arg != cfg->sink_arg)
		return false;
	if (cfg->target != PC_LOGT_FILE || cfg->sink)
		return true;
	return vl->file && cfg->file && !strcmp(vl->file, cfg->file);
}

int pc_vlog_reopen(struct pc_vlog *vl)
{
	int fd;

	if (!vl->file || vl->cfg.sink)
		return 0;
	if ((fd = open_file(vl->file)) < 0)
		return -1;
	close(vl->fd);
	vl->fd = fd;
	return 0;
}

static void refill(struct pc_vlog *vl, uint64_t now_ns)
{
	uint64_t elapsed;

	if (!vl->started) {
		vl->started = true;
		vl->credit = vl->cap;
		vl->last_ns = now_ns;
		return;
	}
	if (now_ns <= vl->last_ns)
		return;
	elapsed = now_ns - vl->last_ns;
	vl->last_ns = now_ns;
	if (elapsed >= NS_PER_SEC || vl->cap - vl->credit <= elapsed * vl->cfg.rate)
		vl->credit = vl->cap;
	else
		vl->credit += elapsed * vl->cfg.rate;
}

bool pc_vlog_admit(struct pc_vlog *vl, uint64_t now_ns)
{
	refill(vl, now_ns);
	pc_vlog_tick(vl, now_ns);
	if (vl->credit >= NS_PER_SEC) {
		vl->credit -= NS_PER_SEC;
		return true;
	}
	if (!vl->pending++)
		vl->due_ns = now_ns + NS_PER_SEC;
	vl->suppressed++;
	return false;
}

void pc_vlog_write(struct pc_vlog *vl, const struct pc_vlog_rec *rec)
{
	char line[PC_VLOG_LINE_MAX], tbuf[40];
	struct pc_strbuf b;
	size_t n;

	pc_strbuf_init(&b, line, sizeof(line) - 1);
	n = pc_vlog_put_rec(&b, vl->cfg.format, line_time(vl, tbuf, sizeof(tbuf)), rec);
	emit(vl, line, n);
}

void pc_vlog_message(struct pc_vlog *vl, const char *level, const char *msg)
{
	char line[PC_VLOG_LINE_MAX], tbuf[40];
	struct pc_strbuf b;
	size_t n;

	if (!vl->cfg.sink && vl->cfg.target != PC_LOGT_FILE)
		return;
	pc_strbuf_init(&b, line, sizeof(line) - 1);
	n = pc_vlog_put_message(&b, vl->cfg.format, line_time(vl, tbuf, sizeof(tbuf)), level, msg);
	emit(vl, line, n);
}

void pc_vlog_tick(struct pc_vlog *vl, uint64_t now_ns)
{
	if (vl->pending && now_ns >= vl->due_ns)
		report_suppressed(vl);
}

uint64_t pc_vlog_deadline(const struct pc_vlog *vl)
{
	return vl->pending ? vl->due_ns : UINT64_MAX;
}

uint64_t pc_vlog_suppressed_total(const struct pc_vlog *vl)
{
	return vl->suppressed;
}

uint64_t pc_vlog_write_errors(const struct pc_vlog *vl)
{
	return vl->write_errors;
}
