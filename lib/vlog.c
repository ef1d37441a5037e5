/* vlog.c - the verdict log: formatting (text, JSON), token bucket, targets */
#include "vlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "strbuf.h"

#define NS_PER_SEC 1000000000ull
/* A string value is cut (and ends in "...") where it would take the line
 * past VALUE_END: the keys after it still fit, so no line is ever cut in
 * an escape, without its closing quote or its closing brace. */
#define TAIL_RESERVE 384
#define VALUE_END (PC_VLOG_LINE_MAX - 2 - TAIL_RESERVE)

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

static void put_hex2(struct pc_strbuf *b, const char *prefix, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	pc_strbuf_puts(b, prefix);
	pc_strbuf_putc(b, hex[c >> 4]);
	pc_strbuf_putc(b, hex[c & 15]);
}

/* Whether the next n bytes of a free-text value fit before VALUE_END;
 * when not, the value ends in "...". */
static bool value_room(struct pc_strbuf *b, size_t n)
{
	if (pc_strbuf_len(b) + n <= VALUE_END)
		return true;
	pc_strbuf_puts(b, "...");
	return false;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* The bytes a JSON string body writes for s[i] (n bytes in all): 2 with
 * *esc, a named escape; 6, a \u00XX escape; else that many bytes as they are. */
static size_t json_piece(const unsigned char *s, size_t i, size_t n, const char **esc)
{
	static const char *const named[256] = { ['"'] = "\\\"", ['\\'] = "\\\\",
						['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r" };
	unsigned char c = s[i];
	size_t u = 1;

	*esc = named[c];
	if (*esc)
		return 2;
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && !(u = utf8_len(s + i, n - i))))
		return 6; /* \u00XX; an invalid byte read as Latin-1 */
	return c >= 0x80 ? u : 1;
}

/* A JSON string body: control characters and invalid UTF-8 bytes escaped;
 * free text is cut at VALUE_END. */
static void put_json_str(struct pc_strbuf *b, const char *str, bool free_text)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;

	while (i < n) {
		const char *esc;
		size_t k = json_piece(s, i, n, &esc);

		if (free_text && !value_room(b, k))
			return;
		if (esc)
			pc_strbuf_puts(b, esc);
		else if (k == 6)
			put_hex2(b, "\\u00", s[i]);
		else
			pc_strbuf_put(b, str + i, k);
		i += k == 6 || esc ? 1 : k;
	}
}

/* A text-format value: '"' and '\' escaped, control bytes as \xHH; free
 * text is cut at VALUE_END. */
static void put_text_str(struct pc_strbuf *b, const char *str, bool free_text)
{
	for (const unsigned char *s = (const unsigned char *)str; *s; s++) {
		bool ctl = *s < 0x20 || *s == 0x7f, quote = *s == '"' || *s == '\\';

		if (free_text && !value_room(b, ctl ? 4 : quote ? 2 : 1))
			return;
		if (quote) {
			pc_strbuf_putc(b, '\\');
			pc_strbuf_putc(b, (char)*s);
		} else if (ctl) {
			put_hex2(b, "\\x", *s);
		} else {
			pc_strbuf_putc(b, (char)*s);
		}
	}
}

/* Whether the line has a key: each line starts with one. */
static bool has_key(const struct pc_strbuf *b)
{
	return pc_strbuf_len(b) > 0;
}

static void kv_key(struct pc_strbuf *b, enum pc_log_format fmt, const char *key)
{
	if (fmt == PC_LOGF_JSON) {
		pc_strbuf_puts(b, has_key(b) ? ",\"" : "{\"");
		pc_strbuf_puts(b, key);
		pc_strbuf_puts(b, "\":");
	} else {
		if (has_key(b))
			pc_strbuf_putc(b, ' ');
		pc_strbuf_puts(b, key);
		pc_strbuf_putc(b, '=');
	}
}

/* A string value; quote: free text, quoted in text format and cut at
 * VALUE_END. */
static void kv_str(struct pc_strbuf *b, enum pc_log_format fmt, const char *key, const char *val,
		   bool quote)
{
	kv_key(b, fmt, key);
	if (fmt == PC_LOGF_JSON) {
		pc_strbuf_putc(b, '"');
		put_json_str(b, val, quote);
		pc_strbuf_putc(b, '"');
	} else if (quote) {
		pc_strbuf_putc(b, '"');
		put_text_str(b, val, true);
		pc_strbuf_putc(b, '"');
	} else {
		put_text_str(b, val, false);
	}
}

static void kv_num(struct pc_strbuf *b, enum pc_log_format fmt, const char *key, uint64_t val)
{
	kv_key(b, fmt, key);
	pc_strbuf_u64(b, val);
}

static void kv_end(struct pc_strbuf *b, enum pc_log_format fmt)
{
	if (fmt != PC_LOGF_JSON)
		return;
	if (!has_key(b))
		pc_strbuf_putc(b, '{');
	pc_strbuf_putc(b, '}');
}

const char *pc_vlog_state_name(enum pc_vlog_state s)
{
	static const char *const names[PC_VSTATE_MAX] = {
		[PC_VSTATE_NEW] = "new", [PC_VSTATE_REVALIDATED] = "revalidated",
		[PC_VSTATE_INVALID] = "invalid", [PC_VSTATE_UNTRACKED] = "untracked",
	};

	return (unsigned)s < PC_VSTATE_MAX ? names[s] : NULL;
}

static const char *dir_name(uint8_t dir)
{
	return dir == PC_DIR_IN ? "in" : dir == PC_DIR_OUT ? "out" : "fwd";
}

static void kv_proto(struct pc_strbuf *b, enum pc_log_format fmt, uint8_t proto)
{
	static const struct { uint8_t num; const char *name; } names[] = {
		{ 1, "icmp" }, { 6, "tcp" }, { 17, "udp" }, { 58, "icmpv6" },
	};
	char num[4];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].num == proto) {
			kv_str(b, fmt, "proto", names[i].name, false);
			return;
		}
	snprintf(num, sizeof(num), "%u", proto);
	kv_str(b, fmt, "proto", num, false);
}

static void kv_packet(struct pc_strbuf *b, enum pc_log_format fmt, const struct pc_pkt *pkt)
{
	char src[PC_ADDR_STRLEN], dst[PC_ADDR_STRLEN];
	bool ports = pkt->flags & PC_PKT_PORTS;

	pc_addr_format(pkt->family, pkt->src, src, sizeof(src));
	pc_addr_format(pkt->family, pkt->dst, dst, sizeof(dst));
	kv_proto(b, fmt, pkt->proto);
	kv_str(b, fmt, "src", src, false);
	if (ports)
		kv_num(b, fmt, "sport", pkt->sport);
	kv_str(b, fmt, "dst", dst, false);
	if (ports)
		kv_num(b, fmt, "dport", pkt->dport);
	if (pkt->flags & PC_PKT_ICMP) {
		kv_num(b, fmt, "type", pkt->icmp_type);
		kv_num(b, fmt, "code", pkt->icmp_code);
	}
	kv_num(b, fmt, "len", pkt->len);
}

/* The record's line; time (may be NULL) becomes a leading time= key. */
static size_t format_rec(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
			 const struct pc_vlog_rec *rec)
{
	if (time)
		kv_str(b, fmt, "time", time, false);
	kv_str(b, fmt, "verdict", rec->verdict == PC_PERMIT ? "permit" : "deny", false);
	if (rec->reason) {
		kv_str(b, fmt, "rule", "(malformed)", true);
		kv_str(b, fmt, "reason", rec->reason, false);
	} else if (rec->rule) {
		kv_str(b, fmt, "rule", rec->rule, true);
	} else {
		kv_str(b, fmt, "rule", "-", false);
	}
	kv_str(b, fmt, "dir", dir_name(rec->dir), false);
	if (rec->reason || !rec->pkt)
		kv_num(b, fmt, "len", rec->len);
	else
		kv_packet(b, fmt, rec->pkt);
	if (pc_vlog_state_name(rec->state))
		kv_str(b, fmt, "state", pc_vlog_state_name(rec->state), false);
	kv_end(b, fmt);
	return pc_strbuf_finish(b);
}

size_t pc_vlog_format(char *buf, size_t len, enum pc_log_format fmt,
		      const struct pc_vlog_rec *rec)
{
	struct pc_strbuf b;

	pc_strbuf_init(&b, buf, len);
	return format_rec(&b, fmt, NULL, rec);
}

static size_t format_suppressed(struct pc_strbuf *b, enum pc_log_format fmt, const char *time,
				uint64_t n)
{
	if (time)
		kv_str(b, fmt, "time", time, false);
	kv_num(b, fmt, "suppressed", n);
	kv_end(b, fmt);
	return pc_strbuf_finish(b);
}

size_t pc_vlog_format_suppressed(char *buf, size_t len, enum pc_log_format fmt, uint64_t n)
{
	struct pc_strbuf b;

	pc_strbuf_init(&b, buf, len);
	return format_suppressed(&b, fmt, NULL, n);
}

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
	n = format_suppressed(&b, vl->cfg.format, line_time(vl, tbuf, sizeof(tbuf)), vl->pending);
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
	n = format_rec(&b, vl->cfg.format, line_time(vl, tbuf, sizeof(tbuf)), rec);
	emit(vl, line, n);
}

void pc_vlog_message(struct pc_vlog *vl, const char *level, const char *msg)
{
	char line[PC_VLOG_LINE_MAX], tbuf[40];
	enum pc_log_format fmt = vl->cfg.format;
	const char *time;
	struct pc_strbuf b;

	if (!vl->cfg.sink && vl->cfg.target != PC_LOGT_FILE)
		return;
	pc_strbuf_init(&b, line, sizeof(line) - 1);
	if ((time = line_time(vl, tbuf, sizeof(tbuf))))
		kv_str(&b, fmt, "time", time, false);
	kv_str(&b, fmt, "level", level, false);
	kv_str(&b, fmt, "msg", msg, true);
	kv_end(&b, fmt);
	emit(vl, line, pc_strbuf_finish(&b));
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
