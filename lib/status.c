/* status.c - writing and reading the daemon's status file */
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "strbuf.h"

#define STATUS_MAX_BYTES (64u << 20)
#define WRITE_BUF (1u << 16)

enum ftype { T_UINT, T_U64, T_I64, T_BOOL, T_STR, T_QUEUE, T_FAIL, T_ACTION, T_RESULT };

struct field {
	const char *key;
	enum ftype type;
	size_t off;
};

#define F(key, type, member) { key, type, offsetof(struct pc_status, member) }
/* In the order they are written. */
static const struct field fields[] = {
	F("version", T_UINT, version),
	F("pid", T_I64, pid),
	F("running", T_BOOL, running),
	F("seq", T_U64, seq),
	F("written", T_I64, written),
	F("start-time", T_I64, start_time),
	F("policy", T_STR, policy),
	F("queue", T_QUEUE, queue_lo),
	F("fail", T_FAIL, fail_open),
	F("default", T_ACTION, dflt),
	F("rules", T_U64, rules),
	F("enabled", T_U64, enabled),
	F("reload-generation", T_U64, reload_generation),
	F("reloads-ok", T_U64, reloads_ok),
	F("reloads-failed", T_U64, reloads_failed),
	F("last-reload-time", T_I64, last_reload_time),
	F("last-reload-result", T_RESULT, last_reload_result),
	F("last-reload-ms", T_U64, last_reload_ms),
	F("last-reload-message", T_STR, last_reload_message),
	F("packets", T_U64, packets),
	F("permitted", T_U64, permitted),
	F("denied", T_U64, denied),
	F("malformed", T_U64, malformed),
	F("forwarded", T_U64, forwarded),
	F("default-hits", T_U64, default_hits),
	F("enobufs", T_U64, enobufs),
	F("queue-dropped", T_U64, queue_dropped),
	F("user-dropped", T_U64, user_dropped),
	F("verdict-errors", T_U64, verdict_errors),
	F("bad-messages", T_U64, bad_messages),
	F("log-suppressed", T_U64, log_suppressed),
	F("stateful", T_BOOL, stateful),
	F("connections", T_U64, connections),
	F("revalidated", T_U64, revalidated),
	F("invalid", T_U64, invalid),
	F("untracked", T_U64, untracked),
	F("fast-path-generation", T_U64, fast_generation),
	F("fast-path-swept", T_U64, fast_swept),
	F("fast-path-sweep-errors", T_U64, fast_sweep_errors),
	F("conntrack-count", T_U64, conntrack_count),
	F("conntrack-max", T_U64, conntrack_max),
	F("log-write-errors", T_U64, log_write_errors),
};
#undef F
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const result_names[] = { "none", "ok", "failed" };

const char *pc_reload_result_name(enum pc_reload_result r)
{
	return (unsigned)r < 3 ? result_names[r] : "none";
}

/* A string on one line: control characters become '?'. */
static void put_str(struct pc_strbuf *w, const char *s)
{
	for (const char *p = s; p && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			pc_strbuf_put(w, s, (size_t)(p - s));
			pc_strbuf_putc(w, '?');
			s = p + 1;
		}
	}
	if (s)
		pc_strbuf_puts(w, s);
}

static void write_field(struct pc_strbuf *w, const struct field *fd, const struct pc_status *st)
{
	const void *p = (const char *)st + fd->off;

	pc_strbuf_puts(w, fd->key);
	pc_strbuf_putc(w, '=');
	switch (fd->type) {
	case T_UINT: pc_strbuf_u64(w, *(const unsigned *)p); break;
	case T_U64: pc_strbuf_u64(w, *(const uint64_t *)p); break;
	case T_I64: pc_strbuf_i64(w, *(const int64_t *)p); break;
	case T_BOOL: pc_strbuf_puts(w, *(const bool *)p ? "yes" : "no"); break;
	case T_STR: put_str(w, *(const char *const *)p); break;
	case T_FAIL: pc_strbuf_puts(w, *(const bool *)p ? "open" : "closed"); break;
	case T_ACTION:
		pc_strbuf_puts(w, *(const enum pc_action *)p == PC_PERMIT ? "permit" : "deny");
		break;
	case T_RESULT:
		pc_strbuf_puts(w, pc_reload_result_name(*(const enum pc_reload_result *)p));
		break;
	case T_QUEUE:
		pc_strbuf_u64(w, st->queue_lo);
		if (st->queue_hi > st->queue_lo) {
			pc_strbuf_putc(w, '-');
			pc_strbuf_u64(w, st->queue_hi);
		}
		break;
	}
	pc_strbuf_putc(w, '\n');
}

/* The status arg as the file holds it. */
static void format_status(struct pc_strbuf *w, const void *arg)
{
	const struct pc_status *st = arg;

	pc_strbuf_puts(w, "# portcullisd status; format: docs/daemon.md\n");
	for (size_t i = 0; i < NFIELDS; i++)
		write_field(w, &fields[i], st);
	for (size_t i = 0; i < st->n_queue; i++) {
		pc_strbuf_puts(w, "queue.");
		pc_strbuf_u64(w, st->queue[i].num);
		pc_strbuf_puts(w, ".packets=");
		pc_strbuf_u64(w, st->queue[i].packets);
		pc_strbuf_putc(w, '\n');
	}
	for (size_t i = 0; i < st->n_rule; i++) {
		pc_strbuf_puts(w, "rule=");
		pc_strbuf_u64(w, st->rule[i].hits);
		pc_strbuf_putc(w, ' ');
		put_str(w, st->rule[i].name);
		pc_strbuf_putc(w, '\n');
	}
}

/* Writes the status arg to fd (pc_fill_fn). Returns 0, or -1 with errno. */
static int write_all(int fd, const void *arg)
{
	return pc_strbuf_write_fd(fd, WRITE_BUF, format_status, arg);
}

/* Not synced: the file is runtime state (under /run), rewritten every few
 * seconds, and a syncing writer would put a disk flush into every reload. */
int pc_status_write(const char *path, const struct pc_status *st)
{
	return pc_file_replace(path, write_all, st);
}

/* The whole file, NUL-terminated; NULL with errno. */
static char *read_text(const char *path)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang the reader */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	char *buf = NULL;
	struct stat sb;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (sb.st_size > STATUS_MAX_BYTES) {
		errno = EFBIG;
		goto fail;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1)))
		goto fail;
	while (got < (size_t)sb.st_size && (n = read(fd, buf + got, (size_t)sb.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return buf;
fail:
	n = errno;
	free(buf);
	close(fd);
	errno = (int)n;
	return NULL;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	*out = v;
	return errno || *end ? -1 : 0;
}

static int parse_uint(const char *s, unsigned *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Parses "N" or "N-M". */
static int parse_queue(const char *s, struct pc_status *st)
{
	const char *dash = strchr(s, '-');
	char num[24];

	if (!dash) {
		if (parse_uint(s, &st->queue_lo))
			return -1;
		st->queue_hi = st->queue_lo;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(dash - s));
	num[dash - s] = '\0';
	if (parse_uint(num, &st->queue_lo) || parse_uint(dash + 1, &st->queue_hi))
		return -1;
	return st->queue_lo <= st->queue_hi ? 0 : -1;
}

/* Index of s in names (n of them), or -1. */
static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int parse_field(const struct field *fd, char *v, struct pc_status *st)
{
	static const char *const yesno[] = { "no", "yes" }, *const fail[] = { "closed", "open" };
	static const char *const action[] = { "deny", "permit" };
	void *p = (char *)st + fd->off;
	int k = 0;

	switch (fd->type) {
	case T_UINT: return parse_uint(v, (unsigned *)p);
	case T_U64: return parse_u64(v, (uint64_t *)p);
	case T_I64: return parse_i64(v, (int64_t *)p);
	case T_STR: *(const char **)p = v; return 0;
	case T_QUEUE: return parse_queue(v, st);
	case T_BOOL:
	case T_FAIL:
		if ((k = name_index(v, fd->type == T_BOOL ? yesno : fail, 2)) >= 0)
			*(bool *)p = k;
		break;
	case T_ACTION:
		if ((k = name_index(v, action, 2)) >= 0)
			*(enum pc_action *)p = (enum pc_action)k;
		break;
	case T_RESULT:
		if ((k = name_index(v, result_names, 3)) >= 0)
			*(enum pc_reload_result *)p = (enum pc_reload_result)k;
		break;
	}
	return k >= 0 ? 0 : -1;
}

/* "HITS NAME" into the next rule slot. */
static int parse_rule(char *v, struct pc_status *st)
{
	char *sp = strchr(v, ' ');
	struct pc_status_rule *r = &st->rule[st->n_rule];

	if (!sp || sp[1] == '\0')
		return -1;
	*sp = '\0';
	if (parse_u64(v, &r->hits))
		return -1;
	r->name = sp + 1;
	st->n_rule++;
	return 0;
}

/* "NUM.packets" = v into the next queue slot; other queue keys are from
 * a newer writer. */
static int parse_queue_line(const char *key, const char *v, struct pc_status *st)
{
	const char *dot = strchr(key, '.');
	struct pc_status_queue *q = &st->queue[st->n_queue];
	char num[16];

	if (!dot || strcmp(dot, ".packets"))
		return 0;
	if ((size_t)(dot - key) >= sizeof(num))
		return -1;
	memcpy(num, key, (size_t)(dot - key));
	num[dot - key] = '\0';
	if (parse_uint(num, &q->num) || parse_u64(v, &q->packets))
		return -1;
	st->n_queue++;
	return 0;
}

static int parse_line(char *line, struct pc_status *st)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return -1;
	*eq = '\0';
	if (!strcmp(line, "rule"))
		return parse_rule(eq + 1, st);
	if (!strncmp(line, "queue.", 6))
		return parse_queue_line(line + 6, eq + 1, st);
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(line, fields[i].key))
			return parse_field(&fields[i], eq + 1, st);
	return 0; /* a key from a newer writer */
}

/* Lines of text that start with prefix. */
static size_t count_lines(const char *text, const char *prefix)
{
	size_t len = strlen(prefix), n = !strncmp(text, prefix, len);

	for (const char *p = text; (p = strchr(p, '\n')); )
		if (!strncmp(++p, prefix, len))
			n++;
	return n;
}

static int parse_text(struct pc_status *st)
{
	char *line = st->text, *nl;

	for (; *line; line = nl) {
		if ((nl = strchr(line, '\n')))
			*nl++ = '\0';
		else
			nl = line + strlen(line);
		if (*line == '\0' || *line == '#')
			continue;
		if (parse_line(line, st) < 0)
			return -1;
	}
	return st->version >= 1 ? 0 : -1;
}

int pc_status_read(const char *path, struct pc_status *st)
{
	size_t n, nq;

	memset(st, 0, sizeof(*st));
	if (!(st->text = read_text(path)))
		return -1;
	n = count_lines(st->text, "rule=");
	nq = count_lines(st->text, "queue.");
	if ((n && !(st->rule = calloc(n, sizeof(*st->rule)))) ||
	    (nq && !(st->queue = calloc(nq, sizeof(*st->queue))))) {
		pc_status_clear(st);
		return -1;
	}
	if (parse_text(st) < 0) {
		pc_status_clear(st);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void pc_status_clear(struct pc_status *st)
{
	free(st->text);
	free(st->rule);
	free(st->queue);
	memset(st, 0, sizeof(*st));
}
