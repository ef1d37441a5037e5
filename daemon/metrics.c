/* metrics.c - the status as Prometheus metrics */
#include "metrics.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "fdio.h"

#define WRITE_BUF (1u << 16)

enum mtype { M_COUNTER, M_GAUGE };

static const char *const type_names[] = { "counter", "gauge" };

/* A family of one sample, read from a uint64_t of struct pc_status. */
struct plain {
	const char *name;
	enum mtype type;
	size_t off;
	const char *help;
};

#define P(name, type, member, help) { name, type, offsetof(struct pc_status, member), help }
static const struct plain packet_counters[] = {
	P("portcullis_packets_total", M_COUNTER, packets,
	  "Packets decided (permitted and denied)."),
};

static const struct plain more_counters[] = {
	P("portcullis_default_verdicts_total", M_COUNTER, default_hits,
	  "Packets no rule matched: the default decided them."),
	P("portcullis_malformed_packets_total", M_COUNTER, malformed,
	  "Packets the parser rejected (dropped, counted as denied)."),
	P("portcullis_forwarded_packets_total", M_COUNTER, forwarded,
	  "Packets from the FORWARD hook (decided by the default)."),
	P("portcullis_connections_total", M_COUNTER, connections,
	  "New connections decided by their first packet (stateful = yes)."),
	P("portcullis_revalidated_connections_total", M_COUNTER, revalidated,
	  "Live connections judged again after a reload."),
	P("portcullis_invalid_packets_total", M_COUNTER, invalid,
	  "Packets of no connection (dropped)."),
	P("portcullis_untracked_packets_total", M_COUNTER, untracked,
	  "Packets conntrack does not track (decided on their own)."),
	P("portcullis_fast_path_swept_total", M_COUNTER, fast_swept,
	  "Connections idle through a wrap of the generations, cleared to be judged again."),
	P("portcullis_fast_path_sweep_errors_total", M_COUNTER, fast_sweep_errors,
	  "Conntrack sweeps that failed and entries they could not clear."),
	P("portcullis_queue_dropped_total", M_COUNTER, queue_dropped,
	  "Packets the kernel dropped because a queue was full."),
	P("portcullis_queue_user_dropped_total", M_COUNTER, user_dropped,
	  "Packets the kernel could not deliver to the daemon's socket."),
	P("portcullis_queue_enobufs_total", M_COUNTER, enobufs,
	  "Receives that reported ENOBUFS (the socket overflowed)."),
	P("portcullis_verdict_errors_total", M_COUNTER, verdict_errors,
	  "Verdicts the kernel did not take."),
	P("portcullis_bad_messages_total", M_COUNTER, bad_messages,
	  "Messages from the kernel that could not be parsed."),
	P("portcullis_log_suppressed_total", M_COUNTER, log_suppressed,
	  "Verdict log lines left out by log-rate."),
	P("portcullis_rules", M_GAUGE, rules, "Rules of the policy in service."),
	P("portcullis_rules_enabled", M_GAUGE, enabled, "Enabled rules of the policy in service."),
};
#undef P

static void header(struct pc_strbuf *w, const char *name, enum mtype type, const char *help)
{
	pc_strbuf_puts(w, "# HELP ");
	pc_strbuf_puts(w, name);
	pc_strbuf_putc(w, ' ');
	pc_strbuf_puts(w, help);
	pc_strbuf_puts(w, "\n# TYPE ");
	pc_strbuf_puts(w, name);
	pc_strbuf_putc(w, ' ');
	pc_strbuf_puts(w, type_names[type]);
	pc_strbuf_putc(w, '\n');
}

/* Bytes of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;              /* no overlong form */
	else if (s[0] == 0xed)
		hi = 0x9f;              /* no surrogate */
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;              /* nothing past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* A label value, escaped: \ as \\, " as \", newline as \n; a byte that
 * starts no well-formed UTF-8 sequence as U+FFFD. */
static void put_label_value(struct pc_strbuf *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;

	while (p[n])
		n++;
	while (n) {
		size_t len = utf8_len(p, n);

		if (!len) {
			pc_strbuf_puts(w, "\xef\xbf\xbd");
			len = 1;
		} else if (*p == '\\') {
			pc_strbuf_puts(w, "\\\\");
		} else if (*p == '"') {
			pc_strbuf_puts(w, "\\\"");
		} else if (*p == '\n') {
			pc_strbuf_puts(w, "\\n");
		} else {
			pc_strbuf_put(w, p, len);
		}
		p += len;
		n -= len;
	}
}

/* NAME{LABEL="VALUE"} V; label NULL: NAME V. */
static void sample(struct pc_strbuf *w, const char *name, const char *label, const char *value,
		   uint64_t v)
{
	pc_strbuf_puts(w, name);
	if (label) {
		pc_strbuf_putc(w, '{');
		pc_strbuf_puts(w, label);
		pc_strbuf_puts(w, "=\"");
		put_label_value(w, value);
		pc_strbuf_puts(w, "\"}");
	}
	pc_strbuf_putc(w, ' ');
	pc_strbuf_u64(w, v);
	pc_strbuf_putc(w, '\n');
}

static void plain(struct pc_strbuf *w, const struct plain *m, size_t n, const struct pc_status *st)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = *(const uint64_t *)(const void *)((const char *)st + m[i].off);

		header(w, m[i].name, m[i].type, m[i].help);
		sample(w, m[i].name, NULL, NULL, v);
	}
}

/* A family of one sample without labels. */
static void single(struct pc_strbuf *w, const char *name, enum mtype type, const char *help,
		   uint64_t v)
{
	header(w, name, type, help);
	sample(w, name, NULL, NULL, v);
}

static uint64_t unix_time(int64_t t)
{
	return t > 0 ? (uint64_t)t : 0;
}

static void per_queue(struct pc_strbuf *w, const struct pc_status *st)
{
	char num[12];
	struct pc_strbuf b;

	header(w, "portcullis_queue_packets_total", M_COUNTER,
	       "Packets decided, by NFQUEUE queue number.");
	for (size_t i = 0; i < st->n_queue; i++) {
		pc_strbuf_init(&b, num, sizeof(num));
		pc_strbuf_u64(&b, st->queue[i].num);
		pc_strbuf_finish(&b);
		sample(w, "portcullis_queue_packets_total", "queue", num, st->queue[i].packets);
	}
}

static void per_rule(struct pc_strbuf *w, const struct pc_status *st)
{
	header(w, "portcullis_rule_hits_total", M_COUNTER,
	       "Packets (stateful: connections) each rule of the policy in service decided.");
	for (size_t i = 0; i < st->n_rule; i++)
		sample(w, "portcullis_rule_hits_total", "rule", st->rule[i].name, st->rule[i].hits);
}

static void reloads(struct pc_strbuf *w, const struct pc_status *st)
{
	uint64_t ms = st->last_reload_ms;

	header(w, "portcullis_reloads_total", M_COUNTER, "Reload attempts (SIGHUP), by result.");
	sample(w, "portcullis_reloads_total", "result", "ok", st->reloads_ok);
	sample(w, "portcullis_reloads_total", "result", "failed", st->reloads_failed);
	single(w, "portcullis_last_reload_timestamp_seconds", M_GAUGE,
	       "Unix time of the last reload attempt (0: none yet).",
	       unix_time(st->last_reload_time));
	single(w, "portcullis_last_reload_success", M_GAUGE,
	       "0 when the last reload attempt was refused (the old policy serves on), else 1.",
	       st->last_reload_result != PC_RELOAD_FAILED);
	header(w, "portcullis_last_reload_duration_seconds", M_GAUGE,
	       "How long the last reload attempt took, from the signal to its outcome.");
	pc_strbuf_puts(w, "portcullis_last_reload_duration_seconds ");
	pc_strbuf_u64(w, ms / 1000);
	pc_strbuf_putc(w, '.');
	pc_strbuf_putc(w, (char)('0' + ms / 100 % 10));
	pc_strbuf_putc(w, (char)('0' + ms / 10 % 10));
	pc_strbuf_putc(w, (char)('0' + ms % 10));
	pc_strbuf_putc(w, '\n');
}

static void conntrack(struct pc_strbuf *w, const struct pc_status *st)
{
	if (!st->conntrack_max) /* no nf_conntrack in the namespace: unknown */
		return;
	single(w, "portcullis_conntrack_entries", M_GAUGE,
	       "Connections in the kernel's conntrack table (nf_conntrack_count).",
	       st->conntrack_count);
	single(w, "portcullis_conntrack_entries_limit", M_GAUGE,
	       "The conntrack table's size (nf_conntrack_max).", st->conntrack_max);
}

void pc_metrics_format(struct pc_strbuf *w, const struct pc_status *st)
{
	header(w, "portcullis_build_info", M_GAUGE, "The version of portcullisd, as a label.");
	sample(w, "portcullis_build_info", "version", PC_VERSION, 1);
	single(w, "portcullis_running", M_GAUGE,
	       "1 while portcullisd runs; 0 in the last write before it stopped.", st->running);
	single(w, "portcullis_start_time_seconds", M_GAUGE, "Unix time portcullisd started.",
	       unix_time(st->start_time));
	plain(w, packet_counters, sizeof(packet_counters) / sizeof(packet_counters[0]), st);
	header(w, "portcullis_verdicts_total", M_COUNTER, "Packets decided, by verdict.");
	sample(w, "portcullis_verdicts_total", "verdict", "permit", st->permitted);
	sample(w, "portcullis_verdicts_total", "verdict", "deny", st->denied);
	plain(w, more_counters, sizeof(more_counters) / sizeof(more_counters[0]), st);
	reloads(w, st);
	conntrack(w, st);
	per_queue(w, st);
	per_rule(w, st);
}

/* Writes the metrics of the status arg to fd (pc_fill_fn). */
static void format_metrics(struct pc_strbuf *w, const void *arg)
{
	pc_metrics_format(w, arg);
}

static int write_all(int fd, const void *arg)
{
	return pc_strbuf_write_fd(fd, WRITE_BUF, format_metrics, arg);
}

int pc_metrics_write(const char *path, const struct pc_status *st)
{
	return pc_file_replace(path, write_all, st);
}
