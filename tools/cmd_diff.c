/* cmd_diff.c - portcullis diff: what a policy change changes, in its rules
 * and on real traffic (a capture, or the connections of a verdict log) */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "index.h"
#include "logread.h"
#include "replaycli.h"
#include "tally.h"
#include "values.h"
#include "vlogline.h"

#define ERRLEN 256
#define VALLEN 320        /* a key's value as printed */
#define LIST_SHOWN 6      /* longer lists are printed as a count */
#define TOP_REMOTES 5
#define REMOTES_MAX 65536 /* distinct remote addresses counted per group */
#define NO_TIME INT64_MIN

enum { OPT_PCAP = PC_OPT_LONG, OPT_LOCAL, OPT_FLOWS, OPT_LOG };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "pcap", OPT_PCAP, "FILE", "the traffic: a capture (pcap or pcapng; - is stdin)" },
	{ "local", OPT_LOCAL, "ADDR[/LEN],...",
	  "with --pcap: the host's addresses (a packet to one\nis in, from one is out)" },
	{ "flows", OPT_FLOWS, "N", "with --pcap: connections tracked at once (default 131072)" },
	{ "log", OPT_LOG, "FILE", "the traffic: the connections of a verdict log (text or JSON;\n"
	  "- is stdin)" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_diff_cli = {
	"diff", "[-c OLD] [OLD] NEW [--pcap FILE --local ADDR[/LEN],... [--flows N] | --log FILE]",
	"What changes from policy OLD to NEW: the rules, then the connections of real\n"
	"traffic whose verdict changes, grouped by old -> new deciding rule.\n"
	"OLD defaults to the policy -c names (" PC_DEFAULT_CONF ").",
	"Exit status: 0 no verdict changes (without traffic: the rules are the same), 1 some\n"
	"verdicts change (the rules differ), 2 an error (a usage error, a policy with errors,\n"
	"traffic that cannot be read to its end).\n",
	opts,
};

struct diff_opts {
	const char *conf, *old, *new_path, *log;
	struct pc_capture_opts cap;
};

/* ---- the rules ---- */

/* Formats n elements of a list with one element's formatter. */
typedef int elem_fmt(const void *v, size_t i, char *buf, size_t len);

static int fmt_prefix(const void *v, size_t i, char *buf, size_t len)
{
	return (int)strlen(pc_prefix_format(&((const struct pc_prefix *)v)[i], buf, len));
}

static int fmt_port(const void *v, size_t i, char *buf, size_t len)
{
	const struct pc_portrange *p = &((const struct pc_portrange *)v)[i];

	if (p->lo == 0 && p->hi == 65535)
		return snprintf(buf, len, "any");
	return p->lo == p->hi ? snprintf(buf, len, "%u", p->lo) :
				snprintf(buf, len, "%u-%u", p->lo, p->hi);
}

static int fmt_icmp(const void *v, size_t i, char *buf, size_t len)
{
	const struct pc_icmpspec *s = &((const struct pc_icmpspec *)v)[i];

	if (s->type == PC_ICMP_ANY)
		return snprintf(buf, len, "any");
	return s->code == PC_ICMP_ANY ? snprintf(buf, len, "%d", s->type) :
					snprintf(buf, len, "%d/%d", s->type, s->code);
}

struct list_key {
	const char *name;
	size_t size;  /* of an element */
	elem_fmt *fmt;
	size_t off_v, off_n; /* where the array and its length are in struct pc_rule */
};

#define LIST_KEY(name, field, type, fmt) \
	{ name, sizeof(type), fmt, offsetof(struct pc_rule, field), \
	  offsetof(struct pc_rule, n_##field) }

static const struct list_key list_keys[] = {
	LIST_KEY("remote-address", remote, struct pc_prefix, fmt_prefix),
	LIST_KEY("local-address", local, struct pc_prefix, fmt_prefix),
	LIST_KEY("local-port", lport, struct pc_portrange, fmt_port),
	LIST_KEY("remote-port", rport, struct pc_portrange, fmt_port),
	LIST_KEY("icmp-type", icmp, struct pc_icmpspec, fmt_icmp),
};

static const void *list_v(const struct pc_rule *r, const struct list_key *k)
{
	return *(const void *const *)((const char *)r + k->off_v);
}

static size_t list_n(const struct pc_rule *r, const struct list_key *k)
{
	return *(const size_t *)((const char *)r + k->off_n);
}

/* The list as written ("a, b"), or "N entries" when it is long. */
static void list_text(const struct pc_rule *r, const struct list_key *k, char *buf, size_t len)
{
	size_t n = list_n(r, k), used = 0;
	char one[PC_ADDR_STRLEN];

	if (n > LIST_SHOWN) {
		snprintf(buf, len, "%zu entries", n);
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		k->fmt(list_v(r, k), i, one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", one);
	}
}

static int cmp_bytes(const void *a, const void *b, void *size)
{
	return memcmp(a, b, *(size_t *)size);
}

/* How many elements of b are not in a (*plus) and of a not in b (*minus). */
static int list_delta(const struct pc_rule *a, const struct pc_rule *b, const struct list_key *k,
		      size_t *plus, size_t *minus)
{
	size_t na = list_n(a, k), nb = list_n(b, k), sz = k->size, i = 0, j = 0;
	char *x = malloc(na * sz + 1), *y = malloc(nb * sz + 1);

	if (!x || !y) {
		free(x);
		free(y);
		return -1;
	}
	memcpy(x, list_v(a, k), na * sz);
	memcpy(y, list_v(b, k), nb * sz);
	qsort_r(x, na, sz, cmp_bytes, &sz);
	qsort_r(y, nb, sz, cmp_bytes, &sz);
	*plus = *minus = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : memcmp(x + i * sz, y + j * sz, sz);

		*minus += c < 0;
		*plus += c > 0;
		i += c <= 0;
		j += c >= 0;
	}
	free(x);
	free(y);
	return 0;
}

static bool list_same(const struct pc_rule *a, const struct pc_rule *b, const struct list_key *k)
{
	size_t n = list_n(a, k);

	return n == list_n(b, k) && !memcmp(list_v(a, k), list_v(b, k), n * k->size);
}

/* The scalar keys of a rule as text. */
static void scalar(const struct pc_rule *r, int key, char *buf, size_t len)
{
	static const char *const dirs[] = { "?", "in", "out", "both" };
	static const char *const logs[] = { "default", "yes", "no" };
	char pb[8];

	switch (key) {
	case 0:
		snprintf(buf, len, "%s", r->action == PC_PERMIT ? "permit" : "deny");
		break;
	case 1:
		snprintf(buf, len, "%s", pc_proto_name(r->proto, pb, sizeof(pb)));
		break;
	case 2:
		snprintf(buf, len, "%s", dirs[r->dir & 3]);
		break;
	case 3:
		snprintf(buf, len, "%s", logs[r->log % 3]);
		break;
	default:
		snprintf(buf, len, "%s", r->description ? r->description : "(none)");
		break;
	}
}

static const char *const scalar_keys[] = { "action", "protocol", "direction", "log",
					   "description" };
#define N_SCALARS (sizeof(scalar_keys) / sizeof(scalar_keys[0]))
#define N_LISTS (sizeof(list_keys) / sizeof(list_keys[0]))

/* Prints every key of a and b that differs; returns how many. */
static int rule_changes(const struct pc_rule *a, const struct pc_rule *b)
{
	char va[VALLEN], vb[VALLEN];
	int n = 0;

	for (size_t k = 0; k < N_SCALARS; k++) {
		scalar(a, (int)k, va, sizeof(va));
		scalar(b, (int)k, vb, sizeof(vb));
		if (strcmp(va, vb) && ++n)
			printf("  changed   '%s': %s: %s -> %s\n", a->name, scalar_keys[k], va, vb);
	}
	for (size_t k = 0; k < N_LISTS; k++) {
		const struct list_key *lk = &list_keys[k];
		size_t plus, minus;

		if (list_same(a, b, lk))
			continue;
		n++;
		list_text(a, lk, va, sizeof(va));
		list_text(b, lk, vb, sizeof(vb));
		if (list_delta(a, b, lk, &plus, &minus) == 0 &&
		    (list_n(a, lk) > LIST_SHOWN || list_n(b, lk) > LIST_SHOWN))
			printf("  changed   '%s': %s: %s -> %s (%zu added, %zu removed)\n", a->name,
			       lk->name, va, vb, plus, minus);
		else
			printf("  changed   '%s': %s: %s -> %s\n", a->name, lk->name, va, vb);
	}
	return n;
}

/* The keys of a rule that are not their defaults, as "key = value, ...". */
static void rule_keys(const struct pc_rule *r)
{
	static const char *const dflt[N_SCALARS] = { NULL, "any", "both", "default", "(none)" };
	char v[VALLEN];

	for (size_t k = 0; k < N_SCALARS; k++) {
		scalar(r, (int)k, v, sizeof(v));
		if (!dflt[k] || strcmp(v, dflt[k]))
			printf("%s%s = %s", k ? ", " : "", scalar_keys[k], v);
	}
	for (size_t k = 0; k < N_LISTS; k++) {
		list_text(r, &list_keys[k], v, sizeof(v));
		if (strcmp(v, "any"))
			printf(", %s = %s", list_keys[k].name, v);
	}
}

/* Prints the difference of the rules and settings; returns how many there are. */
static int diff_rules(const struct pc_policy *a, const struct pc_policy *b)
{
	const struct pc_settings *sa = pc_policy_settings(a), *sb = pc_policy_settings(b);
	size_t na, nb;
	const struct pc_rule *ra = pc_policy_rules(a, &na), *rb = pc_policy_rules(b, &nb);
	int n = 0;

	printf("rules:\n");
	for (size_t i = 0; i < na; i++) {
		long j = pc_policy_find(b, ra[i].name);

		if (j < 0) {
			printf("  removed   '%s'%s\n", ra[i].name,
			       ra[i].enabled ? "" : " (was off)");
			n++;
			continue;
		}
		if (ra[i].enabled != rb[j].enabled && ++n)
			printf("  switched  '%s': %s -> %s\n", ra[i].name,
			       ra[i].enabled ? "on" : "off", rb[j].enabled ? "on" : "off");
		n += rule_changes(&ra[i], &rb[j]);
	}
	for (size_t j = 0; j < nb; j++)
		if (pc_policy_find(a, rb[j].name) < 0) {
			printf("  added     '%s' (%s): ", rb[j].name, rb[j].enabled ? "on" : "off");
			rule_keys(&rb[j]);
			putchar('\n');
			n++;
		}
	if (sa->dflt != sb->dflt && ++n)
		printf("  setting   default: %s -> %s\n", sa->dflt == PC_PERMIT ? "permit" : "deny",
		       sb->dflt == PC_PERMIT ? "permit" : "deny");
	if (sa->stateful != sb->stateful && ++n)
		printf("  setting   stateful: %s -> %s\n", sa->stateful ? "yes" : "no",
		       sb->stateful ? "yes" : "no");
	if (!n)
		printf("  (no difference)\n");
	return n;
}

/* ---- the traffic ---- */

/* The connections that went from one answer to another. */
struct group {
	uint32_t id;            /* its place in struct traffic's groups */
	struct pc_replay_verdict a, b;
	uint64_t conns, packets;
	struct pc_tally *remotes;
	uint64_t remotes_left_out;
};

struct traffic {
	const struct pc_policy *pol[2];
	struct group *groups;
	size_t n_groups, cap_groups;
	FILE *spill;            /* the changed connections, read back group by group */
	uint64_t conns, changed, rule_only;
	bool failed;            /* out of memory or a write error */
};

struct spilled {
	uint32_t group;
	struct pc_replay_conn c;
};

static bool same_answer(const struct pc_replay_verdict *x, const struct pc_replay_verdict *y)
{
	return x->verdict == y->verdict && x->rule == y->rule && x->state == y->state &&
	       x->by_reply == y->by_reply;
}

static struct group *group_of(struct traffic *t, const struct pc_replay_conn *c)
{
	struct group *g;

	for (size_t i = 0; i < t->n_groups; i++)
		if (same_answer(&t->groups[i].a, &c->v[0]) &&
		    same_answer(&t->groups[i].b, &c->v[1]))
			return &t->groups[i];
	if (t->n_groups == t->cap_groups) {
		size_t cap = t->cap_groups ? 2 * t->cap_groups : 16;
		struct group *ng = realloc(t->groups, cap * sizeof(*ng));

		if (!ng)
			return NULL;
		t->groups = ng;
		t->cap_groups = cap;
	}
	g = &t->groups[t->n_groups];
	*g = (struct group){ .id = (uint32_t)t->n_groups, .a = c->v[0], .b = c->v[1],
			     .remotes = pc_tally_new() };
	if (!g->remotes)
		return NULL;
	t->n_groups++;
	return g;
}

static void on_conn(void *arg, const struct pc_replay_conn *c)
{
	struct traffic *t = arg;
	struct spilled s = { 0 };
	struct group *g;
	char addr[PC_ADDR_STRLEN];

	t->conns++;
	if (c->v[0].state == PC_RSTATE_FOREIGN || c->v[0].verdict == c->v[1].verdict) {
		t->rule_only += c->v[0].state != PC_RSTATE_FOREIGN &&
				!same_answer(&c->v[0], &c->v[1]);
		return;
	}
	t->changed++;
	if (t->failed || !(g = group_of(t, c))) {
		t->failed = true;
		return;
	}
	g->conns++;
	g->packets += c->packets;
	pc_capture_remote(c, addr, sizeof(addr));
	if (pc_tally_size(g->remotes) < REMOTES_MAX || pc_tally_get(g->remotes, addr, strlen(addr)))
		t->failed |= pc_tally_add(g->remotes, addr, strlen(addr), 1) < 0;
	else
		g->remotes_left_out++;
	s.group = g->id;
	s.c = *c;
	t->failed |= fwrite(&s, sizeof(s), 1, t->spill) != 1;
}

static const char *rule_text(const struct pc_policy *p, const struct pc_replay_verdict *v,
			     char *buf, size_t len)
{
	const char *r = pc_capture_rule(p, v);

	const char *note = v->by_reply ? " (on the first reply: stateful = no)" : "";

	if (!strcmp(r, "-") && v->rule == -1)
		r = "(the default)";
	if (r[0] == '(')
		snprintf(buf, len, "%s%s", r, note);
	else
		snprintf(buf, len, "'%s'%s", r, note);
	return buf;
}

static int by_size(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return x->id < y->id ? -1 : 1;
}

static void print_remotes(const struct group *g)
{
	size_t n;
	struct pc_tally_entry *e = pc_tally_ranked(g->remotes, &n);

	if (!e)
		return;
	printf("  busiest remote addresses:");
	for (size_t i = 0; i < n && i < TOP_REMOTES; i++)
		printf("%s %s (%" PRIu64 ")", i ? "," : "", e[i].key, e[i].count);
	if (n > TOP_REMOTES)
		printf(", %zu more", n - TOP_REMOTES);
	if (g->remotes_left_out)
		printf(" (and %" PRIu64 " connections of addresses not counted)",
		       g->remotes_left_out);
	putchar('\n');
	free(e);
}

static void print_conn(const struct pc_replay_conn *c)
{
	char tuple[160], first[32], last[32];

	printf("    %s\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\n",
	       pc_capture_tuple(c, tuple, sizeof(tuple)),
	       c->first_us == NO_TIME ? "-" : pc_capture_time(c->first_us, first, sizeof(first)),
	       c->last_us == NO_TIME ? "-" : pc_capture_time(c->last_us, last, sizeof(last)),
	       c->packets, c->bytes);
}

/* Each group, the biggest first, with its connections read back from the spill. */
static int print_groups(struct traffic *t)
{
	struct group *sorted = malloc((t->n_groups + 1) * sizeof(*sorted));
	struct spilled s;

	if (!sorted)
		return -1;
	if (t->n_groups)
		memcpy(sorted, t->groups, t->n_groups * sizeof(*sorted));
	qsort(sorted, t->n_groups, sizeof(*sorted), by_size);
	for (size_t i = 0; i < t->n_groups; i++) {
		const struct group *g = &sorted[i];
		char ra[PC_LOGREAD_NAME_MAX + 48], rb[PC_LOGREAD_NAME_MAX + 48];

		printf("\n%s -> %s: %" PRIu64 " connection%s, %" PRIu64 " packets: %s -> %s\n",
		       pc_capture_verdict(&g->a), pc_capture_verdict(&g->b), g->conns,
		       g->conns == 1 ? "" : "s", g->packets,
		       rule_text(t->pol[0], &g->a, ra, sizeof(ra)),
		       rule_text(t->pol[1], &g->b, rb, sizeof(rb)));
		print_remotes(g);
		rewind(t->spill);
		while (fread(&s, sizeof(s), 1, t->spill) == 1)
			if (s.group == g->id)
				print_conn(&s.c);
	}
	free(sorted);
	return ferror(t->spill) ? -1 : 0;
}

/* ---- a verdict log as traffic ---- */

struct logstats {
	uint64_t lines, bad, first_bad, used, mismatch, first_mismatch;
	char first_err[160];
};

static struct pc_replay_verdict decide(const struct pc_policy *p, const struct pc_index *ix,
				       const struct pc_pkt *k, uint8_t logged_state)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);
	struct pc_replay_verdict v = { .rule = pc_index_lookup(ix, k) };

	v.verdict = v.rule < 0 ? pc_policy_settings(p)->dflt : rules[v.rule].action;
	if (!pc_policy_settings(p)->stateful)
		v.state = PC_RSTATE_PACKET;
	else
		v.state = logged_state == PC_VSTATE_UNTRACKED ? PC_RSTATE_UNTRACKED : PC_RSTATE_NEW;
	return v;
}

/* The connection of a log line (state=new, untracked, or none: stateless). */
static bool log_conn(const struct pc_logrec *rec, struct pc_replay_conn *c)
{
	struct pc_pkt *k = &c->key;

	if (rec->kind != PC_LOGREC_VERDICT || !(rec->has & PC_LR_PACKET) || !rec->dir ||
	    (rec->state && rec->state != PC_VSTATE_NEW && rec->state != PC_VSTATE_UNTRACKED))
		return false;
	memset(c, 0, sizeof(*c));
	k->family = rec->family;
	k->proto = rec->proto;
	k->dir = rec->dir;
	k->len = rec->len;
	memcpy(k->src, rec->src, sizeof(k->src));
	memcpy(k->dst, rec->dst, sizeof(k->dst));
	if (rec->has & PC_LR_PORTS) {
		k->sport = rec->sport;
		k->dport = rec->dport;
		k->flags |= PC_PKT_PORTS;
	} else if (rec->has & PC_LR_ICMP) {
		k->icmp_type = rec->type;
		k->icmp_code = rec->code;
		k->flags |= PC_PKT_ICMP;
	}
	c->first_us = c->last_us = rec->has & PC_LR_TIME ? rec->time * 1000000 : NO_TIME;
	c->packets = 1;
	c->bytes = rec->len;
	return true;
}

/* Whether the old policy gives the answer the log says the daemon gave. */
static bool as_logged(const struct pc_policy *p, const struct pc_logrec *rec,
		      const struct pc_replay_verdict *v)
{
	size_t n;
	const struct pc_rule *rules = pc_policy_rules(p, &n);

	if (rec->verdict != v->verdict)
		return false;
	if (rec->has & PC_LR_DEFAULT)
		return v->rule < 0;
	return v->rule >= 0 && !strcmp(rules[v->rule].name, rec->rule);
}

static int read_log(const char *path, const struct pc_index *const ix[2], struct traffic *t,
		    struct logstats *ls)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	struct pc_logrec *rec = malloc(sizeof(*rec));
	char *line = NULL, err[160];
	size_t cap = 0;
	ssize_t len;
	int64_t now = (int64_t)time(NULL);

	if (!f || !rec) {
		fprintf(stderr, "portcullis diff: %s: %s\n", path, strerror(errno));
		free(rec);
		if (f && f != stdin)
			fclose(f);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct pc_replay_conn c;
		size_t l = (size_t)len;

		ls->lines++;
		if (strspn(line, " \t\r\n") == l)
			continue;
		if (l > PC_LOGREAD_LINE_MAX + 2 || pc_logread_parse(line, l, now, rec, err,
								     sizeof(err)) < 0) {
			if (!ls->bad++) {
				ls->first_bad = ls->lines;
				snprintf(ls->first_err, sizeof(ls->first_err), "%s",
					 l > PC_LOGREAD_LINE_MAX + 2 ? "line too long" : err);
			}
			continue;
		}
		if (!log_conn(rec, &c))
			continue;
		ls->used++;
		for (int i = 0; i < 2; i++)
			c.v[i] = decide(t->pol[i], ix[i], &c.key, rec->state);
		if (!as_logged(t->pol[0], rec, &c.v[0]) && !ls->mismatch++)
			ls->first_mismatch = ls->lines;
		on_conn(t, &c);
	}
	free(line);
	free(rec);
	if (ferror(f)) {
		fprintf(stderr, "portcullis diff: %s: %s\n", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* ---- the command ---- */

static int on_opt(void *ctx, int key, const char *arg)
{
	struct diff_opts *o = ctx;
	char err[ERRLEN];

	switch (key) {
	case 'c':
		o->conf = arg;
		break;
	case OPT_PCAP:
		o->cap.pcap = arg;
		break;
	case OPT_LOCAL:
		o->cap.local_arg = arg;
		break;
	case OPT_FLOWS:
		if (pc_capture_flows(arg, &o->cap.flows, err, sizeof(err)) < 0)
			return pc_cli_misuse(&pc_diff_cli, "--flows: %s", err);
		break;
	case OPT_LOG:
		o->log = arg;
		break;
	}
	return 0;
}

/* Returns -1 to go on, or the exit status (0 after --help, 2 a misuse). */
static int parse_opts(int argc, char **argv, struct diff_opts *o)
{
	char err[ERRLEN];
	int rc = pc_cli_parse(&pc_diff_cli, argc, argv, on_opt, o);
	int n = argc - optind;

	if (rc >= 0)
		return rc;
	if (n < 1)
		return pc_cli_misuse(&pc_diff_cli, "no NEW policy given");
	if (n > 2)
		return pc_cli_misuse(&pc_diff_cli, "too many arguments: '%s'", argv[optind + 2]);
	if (n == 2 && o->conf)
		return pc_cli_misuse(&pc_diff_cli, "-c names OLD: give OLD NEW, or -c OLD NEW");
	o->old = n == 2 ? argv[optind] : o->conf ? o->conf : PC_DEFAULT_CONF;
	o->new_path = argv[argc - 1];
	if (o->log && o->cap.pcap)
		return pc_cli_misuse(&pc_diff_cli, "--pcap and --log: one kind of traffic at a "
				     "time");
	if (pc_capture_check(&o->cap, err, sizeof(err)) < 0)
		return pc_cli_misuse(&pc_diff_cli, "%s", err);
	return -1;
}

static void log_report(const char *path, const struct logstats *ls)
{
	if (ls->bad)
		fprintf(stderr, "portcullis diff: %s: %" PRIu64 " unparseable line%s (first: line %"
			PRIu64 ": %s)\n", path, ls->bad, ls->bad == 1 ? "" : "s", ls->first_bad,
			ls->first_err);
	if (ls->mismatch)
		fprintf(stderr, "portcullis diff: %s: %" PRIu64 " connection%s logged with another "
			"answer than OLD gives (first: line %" PRIu64 "): the log is of another "
			"policy\n", path, ls->mismatch, ls->mismatch == 1 ? "" : "s",
			ls->first_mismatch);
}

/* The traffic's line: what was read, how many connections change. */
static int print_traffic_head(const struct traffic *t, const char *src, uint64_t n,
			      const char *what)
{
	printf("\ntraffic (%s): %" PRIu64 " %s, %" PRIu64 " connection%s: %" PRIu64
	       " change%s verdict", strcmp(src, "-") ? src : "stdin", n, what, t->conns,
	       t->conns == 1 ? "" : "s", t->changed, t->changed == 1 ? "s" : "");
	if (t->rule_only)
		printf(" (%" PRIu64 " more keep it under another rule)", t->rule_only);
	putchar('\n');
	return 0;
}

/* Decides the traffic under both policies and prints what changes.
 * Returns 0, 1 (verdicts change) or 2 (an error). */
static int diff_traffic(const struct diff_opts *o, struct pc_policy *const pol[2],
			const struct pc_index *const ix[2])
{
	struct traffic t = { .pol = { pol[0], pol[1] } };
	struct pc_replay *r = NULL;
	struct pc_capture_result res = { 0 };
	struct logstats ls = { 0 };
	const char *src = o->cap.pcap ? o->cap.pcap : o->log;
	int rc = 2;

	if (!(t.spill = tmpfile())) {
		perror("portcullis diff: a temporary file");
		return 2;
	}
	if (o->cap.pcap) {
		struct pc_replay_cfg cfg = {
			.policy = { pol[0], pol[1] }, .index = { ix[0], ix[1] }, .n_policies = 2,
			.local = o->cap.local, .n_local = o->cap.n_local, .max_flows = o->cap.flows,
			.capture_conns = true, .emit = on_conn, .arg = &t,
		};
		if (!(r = pc_replay_new(&cfg))) {
			perror("portcullis diff: the flow table");
			goto out;
		}
		if (pc_capture_run("diff", o->cap.pcap, r, &res) < 0)
			goto out;
	} else if (read_log(o->log, ix, &t, &ls) < 0) {
		goto out;
	} else {
		log_report(o->log, &ls);
	}
	if (t.failed || print_traffic_head(&t, src, o->cap.pcap ? res.ip : ls.lines,
					    o->cap.pcap ? "IP packets" : "lines") ||
	    print_groups(&t) < 0) {
		fprintf(stderr, "portcullis diff: %s\n", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	rc = res.incomplete ? 2 : t.changed ? 1 : 0;
out:
	for (size_t i = 0; i < t.n_groups; i++)
		pc_tally_free(t.groups[i].remotes);
	free(t.groups);
	fclose(t.spill);
	pc_replay_free(r);
	return rc;
}

int pc_cmd_diff(int argc, char **argv)
{
	struct diff_opts o = { 0 };
	struct pc_policy *pol[2] = { NULL, NULL };
	struct pc_index *ix[2] = { NULL, NULL };
	int rc = parse_opts(argc, argv, &o), n;

	if (rc >= 0)
		return rc;
	rc = 2;
	if (!(pol[0] = pc_cli_load(o.old)) || !(pol[1] = pc_cli_load(o.new_path)))
		goto out;
	printf("old: %s\nnew: %s\n\n", o.old, o.new_path);
	n = diff_rules(pol[0], pol[1]);
	if (!o.cap.pcap && !o.log) {
		rc = n ? 1 : 0;
	} else if (!(ix[0] = pc_index_new(pol[0])) || !(ix[1] = pc_index_new(pol[1]))) {
		perror("portcullis diff: compiling the rules");
		goto out;
	} else {
		rc = diff_traffic(&o, pol, (const struct pc_index *const *)ix);
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("portcullis diff: stdout");
		rc = 2;
	}
out:
	for (int i = 0; i < 2; i++) {
		pc_index_free(ix[i]);
		pc_policy_free(pol[i]);
	}
	free(o.cap.local);
	return rc;
}
