/* cmd_log.c - portcullis log: filter verdict log lines, or summarize them */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "cmds.h"
#include "logread.h"
#include "logsrc.h"
#include "tally.h"
#include "timestamp.h"

#define TOP_N 10
#define ERRLEN 160

enum { OPT_RULE = PC_OPT_LONG, OPT_VERDICT, OPT_SINCE, OPT_SUMMARY, OPT_JOURNAL };

static const struct pc_cli_opt opts[] = {
	{ "rule", OPT_RULE, "NAME", "only the lines of that rule (-: decided by the default)" },
	{ "verdict", OPT_VERDICT, "permit|deny", "only the lines of that verdict" },
	{ "since", OPT_SINCE, "TIME", "only the lines from TIME on: ISO 8601 (2024-11-28T13:00:00Z,\n"
	  "2024-11-28) or before now (30s, 10m, 2h, 1d, 1w)" },
	{ "summary", OPT_SUMMARY, NULL, "top denied addresses and ports, hits per rule" },
	{ "follow", 'f', NULL, "keep reading FILE as it grows, across logrotate (a rename\n"
	  "or a truncation), until SIGINT or SIGTERM; from its end\n(--since: from its start)" },
	{ "journal", OPT_JOURNAL, NULL, "read the daemon's lines from journalctl -u " PC_LOGSRC_UNIT
	  "\n(log-target = syslog); with --follow, journalctl -f" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_log_cli = {
	"log",
	"[FILE|-|--journal] [-f] [--rule NAME] [--verdict permit|deny] [--since TIME] [--summary]",
	"Filter or summarize verdict log lines.\n"
	"The lines of portcullisd (text or JSON) from FILE, stdin or the journal:\n"
	"  portcullis log --journal --verdict deny\n"
	"  portcullis log --follow /var/log/portcullis/verdicts.log",
	"Unparseable lines are counted and the first one named on stderr, at the end.\n"
	"Exit status: 0 (also when --follow ends by SIGINT/SIGTERM), 1 when FILE cannot be\n"
	"read or journalctl fails, 2 a usage error.\n",
	opts,
};

struct log_opts {
	const char *path;  /* NULL or "-": stdin */
	bool follow;
	bool journal;
	const char *rule;  /* "-": decided by the default */
	int verdict;       /* enum pc_action, or -1 for any */
	bool since_set;
	int64_t since;
	bool summary;
};

struct summary {
	struct pc_tally *remote, *lport, *rules;
	uint64_t suppressed, reports;
};

struct stats {
	uint64_t lines, bad, undated, first_bad;
	char first_err[ERRLEN];
};

/* ---- selection ---- */

/* --since: records without a time cannot be placed and are left out. */
static bool time_ok(const struct log_opts *o, const struct pc_logrec *rec, struct stats *st)
{
	if (!o->since_set)
		return true;
	if (!(rec->has & PC_LR_TIME)) {
		st->undated++;
		return false;
	}
	return rec->time >= o->since;
}

/* --rule and --verdict; suppressed= lines and the daemon's messages have
 * neither and pass only when no such filter is given. */
static bool selected(const struct log_opts *o, const struct pc_logrec *rec)
{
	if (rec->kind != PC_LOGREC_VERDICT)
		return !o->rule && o->verdict < 0;
	if (o->verdict >= 0 && (int)rec->verdict != o->verdict)
		return false;
	if (!o->rule)
		return true;
	if (!strcmp(o->rule, "-"))
		return rec->has & PC_LR_DEFAULT;
	return !(rec->has & PC_LR_DEFAULT) && !strcmp(o->rule, rec->rule);
}

/* ---- summary ---- */

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmpv6";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* The remote address and local port of a denied packet. */
static int count_denied(struct summary *s, const struct pc_logrec *rec)
{
	char addr[PC_ADDR_STRLEN], key[32], pbuf[8];
	bool in = rec->dir == PC_DIR_IN;
	int n;

	if (!(rec->has & PC_LR_PACKET) || (rec->dir != PC_DIR_IN && rec->dir != PC_DIR_OUT))
		return 0;
	pc_addr_format(rec->family, in ? rec->src : rec->dst, addr, sizeof(addr));
	if (pc_tally_add(s->remote, addr, strlen(addr), 1) < 0)
		return -1;
	if (!(rec->has & PC_LR_PORTS))
		return 0;
	n = snprintf(key, sizeof(key), "%u/%s", in ? rec->dport : rec->sport,
		     proto_name(rec->proto, pbuf, sizeof(pbuf)));
	return pc_tally_add(s->lport, key, (size_t)n, 1);
}

/* Rules are counted under "V=NAME" (V: d or p) or "V-" for the default. */
static int count_rule(struct summary *s, const struct pc_logrec *rec)
{
	char key[2 + PC_LOGREAD_NAME_MAX];
	size_t n = 2;

	key[0] = rec->verdict == PC_PERMIT ? 'p' : 'd';
	key[1] = rec->has & PC_LR_DEFAULT ? '-' : '=';
	if (!(rec->has & PC_LR_DEFAULT)) {
		size_t len = strlen(rec->rule);

		memcpy(key + 2, rec->rule, len);
		n += len;
	}
	return pc_tally_add(s->rules, key, n, 1);
}

static int count(struct summary *s, const struct log_opts *o, const struct pc_logrec *rec)
{
	if (rec->kind == PC_LOGREC_SUPPRESSED) {
		s->suppressed += rec->suppressed;
		s->reports++;
		return 0;
	}
	if (rec->kind != PC_LOGREC_VERDICT || !selected(o, rec))
		return 0;
	if (count_rule(s, rec) < 0)
		return -1;
	return rec->verdict == PC_DENY ? count_denied(s, rec) : 0;
}

/* A name as text, control bytes as \xHH. */
static void print_name(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* Prints a ranked table, at most max rows (0: all). rules: keys are rule keys. */
static int print_table(const char *title, const struct pc_tally *t, size_t max, bool rules)
{
	size_t n;
	struct pc_tally_entry *e = pc_tally_ranked(t, &n);

	if (!e)
		return -1;
	printf("%s\n", title);
	if (!n)
		printf("  (none)\n");
	for (size_t i = 0; i < n && (!max || i < max); i++) {
		printf("%8" PRIu64 "  ", e[i].count);
		if (rules) {
			printf("%-6s  ", e[i].key[0] == 'p' ? "permit" : "deny");
			if (e[i].key[1] == '-')
				printf("(default)");
			else
				print_name(e[i].key + 2, e[i].len - 2);
		} else {
			print_name(e[i].key, e[i].len);
		}
		putchar('\n');
	}
	if (max && n > max)
		printf("  (%zu more)\n", n - max);
	free(e);
	return 0;
}

static int print_summary(const struct summary *s)
{
	if (print_table("top denied remote addresses:", s->remote, TOP_N, false) < 0)
		return -1;
	putchar('\n');
	if (print_table("top denied local ports:", s->lport, TOP_N, false) < 0)
		return -1;
	putchar('\n');
	if (print_table("hits per rule:", s->rules, 0, true) < 0)
		return -1;
	printf("\nsuppressed: %" PRIu64 " lines in %" PRIu64 " reports\n", s->suppressed, s->reports);
	return 0;
}

/* ---- the loop ---- */

static void note_bad(struct stats *st, const char *err)
{
	if (!st->bad++) {
		st->first_bad = st->lines;
		snprintf(st->first_err, sizeof(st->first_err), "%s", err);
	}
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One line: parsed, then printed or counted. Returns 0, or -1 (out of memory). */
static int one_line(const struct log_opts *o, struct summary *s, struct stats *st,
		    const char *line, size_t len, int64_t now)
{
	struct pc_logrec rec;
	char err[ERRLEN];

	if (pc_logread_parse(line, len, now, &rec, err, sizeof(err)) < 0) {
		note_bad(st, err);
		return 0;
	}
	if (!time_ok(o, &rec, st))
		return 0;
	if (o->summary)
		return count(s, o, &rec);
	if (selected(o, &rec)) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
	return 0;
}

static int read_all(struct pc_logsrc *src, const struct log_opts *o, struct summary *s,
		    struct stats *st)
{
	int64_t now = (int64_t)time(NULL);
	const char *line;
	size_t len;
	bool overlong;
	int rc;

	while ((rc = pc_logsrc_next(src, &line, &len, &overlong)) > 0) {
		st->lines++;
		if (overlong)
			note_bad(st, "line too long");
		else if (!blank(line, len) && one_line(o, s, st, line, len, now) < 0)
			return -1;
	}
	return rc;
}

static void report(const struct log_opts *o, const struct stats *st, const char *name)
{
	if (st->bad)
		fprintf(stderr, "portcullis log: %s: %" PRIu64 " unparseable line%s (first: line %"
			PRIu64 ": %s)\n", name, st->bad, st->bad == 1 ? "" : "s", st->first_bad,
			st->first_err);
	if (o->since_set && st->undated)
		fprintf(stderr, "portcullis log: %s: %" PRIu64 " line%s without a time left out by "
			"--since\n", name, st->undated, st->undated == 1 ? "" : "s");
}

/* ---- options ---- */

/* "30s", "10m", "2h", "1d", "1w" before now, or an ISO 8601 time. */
static int parse_since(const char *s, int64_t now, int64_t *out)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	size_t len = strlen(s), nd = strspn(s, "0123456789");
	int64_t n = 0;

	if (nd && nd <= 9 && len == nd + 1) {
		for (size_t i = 0; i < nd; i++)
			n = n * 10 + (s[i] - '0');
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].unit == s[nd]) {
				*out = now - n * units[i].secs;
				return 0;
			}
	}
	return pc_timestamp_iso(s, len, out);
}

static int on_opt(void *ctx, int key, const char *arg)
{
	struct log_opts *o = ctx;

	switch (key) {
	case OPT_RULE:
		o->rule = arg;
		break;
	case OPT_VERDICT:
		if (strcmp(arg, "permit") && strcmp(arg, "deny"))
			return pc_cli_misuse(&pc_log_cli, "--verdict: '%s' is neither permit nor deny",
					     arg);
		o->verdict = strcmp(arg, "permit") ? PC_DENY : PC_PERMIT;
		break;
	case OPT_SINCE:
		if (parse_since(arg, (int64_t)time(NULL), &o->since) < 0)
			return pc_cli_misuse(&pc_log_cli, "--since: '%s' is neither an ISO 8601 time "
					     "nor like 10m, 2h, 1d", arg);
		o->since_set = true;
		break;
	case OPT_SUMMARY:
		o->summary = true;
		break;
	case 'f':
		o->follow = true;
		break;
	case OPT_JOURNAL:
		o->journal = true;
		break;
	}
	return 0;
}

/* Returns -1 to go on, or the exit status (0 after --help, 2 a misuse). */
static int parse_opts(int argc, char **argv, struct log_opts *o)
{
	int rc;

	*o = (struct log_opts){ .verdict = -1 };
	if ((rc = pc_cli_parse(&pc_log_cli, argc, argv, on_opt, o)) >= 0)
		return rc;
	if (argc - optind > 1)
		return pc_cli_misuse(&pc_log_cli, "one FILE at most: '%s' is a second one",
				     argv[optind + 1]);
	o->path = optind < argc ? argv[optind] : NULL;
	if (o->journal && o->path)
		return pc_cli_misuse(&pc_log_cli, "--journal reads the journal: no FILE ('%s') "
				     "with it", o->path);
	if (o->follow && !o->journal && (!o->path || !strcmp(o->path, "-")))
		return pc_cli_misuse(&pc_log_cli, "--follow needs a FILE or --journal (a pipe is "
				     "read as it comes anyway)");
	return -1;
}

static int setup_summary(struct summary *s)
{
	s->remote = pc_tally_new();
	s->lport = pc_tally_new();
	s->rules = pc_tally_new();
	return s->remote && s->lport && s->rules ? 0 : -1;
}

static void source_cfg(const struct log_opts *o, struct pc_logsrc_cfg *cfg)
{
	*cfg = (struct pc_logsrc_cfg){
		.kind = o->journal ? PC_LOGSRC_JOURNAL
			: o->follow ? PC_LOGSRC_FOLLOW : PC_LOGSRC_FILE,
		.path = o->path, .follow = o->follow, .since_set = o->since_set, .since = o->since,
	};
}

int pc_cmd_log(int argc, char **argv)
{
	struct log_opts o;
	struct summary sum = { 0 };
	struct stats st = { 0 };
	struct pc_logsrc_cfg cfg;
	struct pc_logsrc *src = NULL;
	char err[ERRLEN];
	const char *name;
	int rc = parse_opts(argc, argv, &o);

	if (rc >= 0)
		return rc;
	name = o.journal ? "journal" : o.path && strcmp(o.path, "-") ? o.path : "stdin";
	rc = 1;
	if (o.summary && setup_summary(&sum) < 0) {
		perror("portcullis log");
		goto out;
	}
	if (!o.path && !o.journal && isatty(STDIN_FILENO)) {
		fprintf(stderr, "portcullis log: give a FILE, or --journal, or pipe the log in "
			"(journalctl -u portcullis -o short-iso | portcullis log)\n");
		rc = 2;
		goto out;
	}
	source_cfg(&o, &cfg);
	if (!(src = pc_logsrc_open(&cfg, err, sizeof(err)))) {
		fprintf(stderr, "portcullis log: %s\n", err);
		goto out;
	}
	if (read_all(src, &o, &sum, &st) < 0) {
		fprintf(stderr, "portcullis log: %s: %s\n", name, strerror(errno));
		goto out;
	}
	if (pc_logsrc_free(src, err, sizeof(err)) < 0) {
		src = NULL;
		fprintf(stderr, "portcullis log: %s\n", err);
		goto out;
	}
	src = NULL;
	if (o.summary && print_summary(&sum) < 0) {
		perror("portcullis log");
		goto out;
	}
	report(&o, &st, name);
	rc = fflush(stdout) || ferror(stdout) ? 1 : 0;
out:
	pc_logsrc_free(src, NULL, 0);
	pc_tally_free(sum.remote);
	pc_tally_free(sum.lport);
	pc_tally_free(sum.rules);
	return rc;
}
