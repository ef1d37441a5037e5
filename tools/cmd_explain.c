/* cmd_explain.c - portcullis explain: decide packets described on stdin */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "index.h"
#include "match.h"
#include "pktline.h"
#include "replaycli.h"
#include "values.h"

#define BATCH 32 /* packets looked up before their answers are written */
#define ERRLEN PC_PKTLINE_ERRLEN


static const char *icmp_level(uint8_t l)
{
	return l == 2 ? "type+code" : l == 1 ? "type" : "any";
}

/* "A vs B" for the field that settled winner w over loser l. */
static void field_values(const struct pc_rule *rules, const struct pc_candidate *w,
			 const struct pc_candidate *l, enum pc_field f, char *buf, size_t len)
{
	const struct pc_spec *a = &w->spec, *b = &l->spec;

	switch (f) {
	case PC_FIELD_REMOTE:
		snprintf(buf, len, "/%u vs /%u", a->rplen, b->rplen);
		break;
	case PC_FIELD_LOCAL:
		snprintf(buf, len, "/%u vs /%u", a->lplen, b->lplen);
		break;
	case PC_FIELD_PROTO:
		snprintf(buf, len, "given vs any");
		break;
	case PC_FIELD_LPORT:
		snprintf(buf, len, "width %u vs %u", a->lwidth, b->lwidth);
		break;
	case PC_FIELD_RPORT:
		snprintf(buf, len, "width %u vs %u", a->rwidth, b->rwidth);
		break;
	case PC_FIELD_ICMP:
		snprintf(buf, len, "%s vs %s", icmp_level(a->icmp), icmp_level(b->icmp));
		break;
	case PC_FIELD_DIR:
		snprintf(buf, len, "one direction vs both");
		break;
	case PC_FIELD_ORDER:
		snprintf(buf, len, "line %d vs line %d", rules[w->rule].line, rules[l->rule].line);
		break;
	default:
		snprintf(buf, len, "deny vs permit");
		break;
	}
}

static void explain_verbose(const struct pc_policy *p, const struct pc_pkt *pkt)
{
	size_t n_rules, n;
	const struct pc_rule *rules = pc_policy_rules(p, &n_rules);
	struct pc_candidate *c = calloc(n_rules ? n_rules : 1, sizeof(*c));
	char vals[96];

	if (!c) {
		perror("portcullis explain");
		return;
	}
	n = pc_linear_matches(p, pkt, c, n_rules);
	if (!n)
		printf("  no rule matches: the default decides\n");
	for (size_t i = 1; i < n; i++) {
		enum pc_field f;
		pc_candidate_cmp(rules, &c[0], &c[i], &f);
		field_values(rules, &c[0], &c[i], f, vals, sizeof(vals));
		printf("  beats\t%s (%s)\ton %s: %s\n", rules[c[i].rule].name,
		       rules[c[i].rule].action == PC_PERMIT ? "permit" : "deny", pc_field_name(f), vals);
	}
	free(c);
}

struct explain_opts {
	const char *conf;
	bool verbose, verify, short_format, summary;
	struct pc_capture_opts cap;
};

/* The packet's words, as read, joined by one space. */
static void print_words(char *const *w, int n)
{
	for (int i = 0; i < n; i++) {
		fputs(w[i], stdout);
		putchar(i + 1 < n ? ' ' : '\t');
	}
}

/* A packet read and not answered yet: its line (words in it), where. */
struct slot {
	char *line;
	size_t cap;
	char *w[PC_PKTLINE_WORDS];
	int n, lineno;
	struct pc_pkt pkt;
	long rule;
};

/* Reads packets into up to max slots; bad lines are reported and skipped.
 * Returns how many were read (0 at the end); *rc becomes 1 on a bad line. */
static size_t read_batch(FILE *in, struct slot *b, size_t max, int *lineno, int *rc)
{
	char err[ERRLEN];
	size_t k = 0;

	while (k < max && getline(&b[k].line, &b[k].cap, in) >= 0) {
		char *s = b[k].line + strspn(b[k].line, " \t\r\n");

		++*lineno;
		if (!*s || *s == '#')
			continue;
		b[k].n = pc_pktline_split(s, b[k].w);
		if (pc_pktline_parse_words(b[k].w, b[k].n, &b[k].pkt, err) < 0) {
			fprintf(stderr, "stdin:%d: %s\n", *lineno, err);
			*rc = 1;
			continue;
		}
		b[k++].lineno = *lineno;
	}
	return k;
}

/* Decides the batch: every lookup first, then the rules and names they
 * lead to are fetched ahead (prefetch), so that with a large policy their
 * cache misses overlap instead of following one another. */
static void decide_batch(const struct pc_index *ix, const struct pc_rule *rules, struct slot *b,
			 size_t k)
{
	for (size_t i = 0; i < k; i++) {
		b[i].rule = pc_index_lookup(ix, &b[i].pkt);
		if (b[i].rule >= 0)
			__builtin_prefetch(&rules[b[i].rule]);
	}
	for (size_t i = 0; i < k; i++)
		if (b[i].rule >= 0)
			__builtin_prefetch(rules[b[i].rule].name);
}

static int answer_batch(const struct pc_policy *p, const struct explain_opts *o,
			const struct slot *b, size_t k)
{
	size_t n_rules;
	const struct pc_rule *rules = pc_policy_rules(p, &n_rules);
	enum pc_action dflt = pc_policy_settings(p)->dflt;
	int rc = 0;

	for (size_t i = 0; i < k; i++) {
		long r = b[i].rule;
		enum pc_action v = r < 0 ? dflt : rules[r].action;

		if (!o->short_format)
			print_words(b[i].w, b[i].n);
		fputs(v == PC_PERMIT ? "permit\t" : "deny\t", stdout);
		fputs(r < 0 ? "-" : rules[r].name, stdout);
		putchar('\n');
		if (o->verify && r != pc_linear_lookup(p, &b[i].pkt)) {
			fprintf(stderr, "stdin:%d: internal error: index and reference disagree\n",
				b[i].lineno);
			rc = 1;
		}
		if (o->verbose && pc_policy_settings(p)->stateful)
			fputs("  stateful: this decides the connection the packet opens; its later "
			      "packets, both ways, pass without a lookup\n", stdout);
		if (o->verbose)
			explain_verbose(p, &b[i].pkt);
	}
	return rc;
}

/* Answers every packet of in. A terminal on either side gets each answer
 * as its line comes (batches of one). */
static int explain_stream(const struct pc_policy *p, const struct pc_index *ix, FILE *in,
			  const struct explain_opts *o)
{
	size_t n_rules, k, max = isatty(fileno(in)) || isatty(STDOUT_FILENO) ? 1 : BATCH;
	const struct pc_rule *rules = pc_policy_rules(p, &n_rules);
	struct slot *b = calloc(BATCH, sizeof(*b));
	int lineno = 0, rc = 0;

	if (!b) {
		perror("portcullis explain");
		return 1;
	}
	while ((k = read_batch(in, b, max, &lineno, &rc)) > 0) {
		decide_batch(ix, rules, b, k);
		if (answer_batch(p, o, b, k))
			rc = 1;
	}
	for (size_t i = 0; i < BATCH; i++)
		free(b[i].line);
	free(b);
	return rc;
}

/* ---- --pcap ---- */

/* Per rule, the default and the verdicts without a rule: what --summary counts. */
struct tally_row {
	uint64_t conns, packets, bytes;
	enum pc_action verdict;
	long rule;
	uint8_t state;
};

struct pcap_out {
	const struct pc_policy *p;
	bool summary;
	size_t n_rules;
	struct tally_row *rows; /* n_rules, the default, invalid, malformed, not local */
};

static size_t row_of(const struct pcap_out *o, const struct pc_replay_verdict *v)
{
	switch (v->state) {
	case PC_RSTATE_INVALID:
		return o->n_rules + 1;
	case PC_RSTATE_MALFORMED:
		return o->n_rules + 2;
	case PC_RSTATE_FOREIGN:
		return o->n_rules + 3;
	}
	return v->rule >= 0 ? (size_t)v->rule : o->n_rules;
}

static void on_conn(void *arg, const struct pc_replay_conn *c)
{
	struct pcap_out *o = arg;
	char tuple[160], first[32], last[32];

	if (o->summary) {
		struct tally_row *t = &o->rows[row_of(o, &c->v[0])];

		t->conns++;
		t->packets += c->packets;
		t->bytes += c->bytes;
		t->verdict = c->v[0].verdict;
		t->rule = c->v[0].rule;
		t->state = c->v[0].state;
		return;
	}
	printf("%s\t%s\t%s\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n",
	       pc_capture_tuple(c, tuple, sizeof(tuple)), pc_capture_verdict(&c->v[0]),
	       pc_capture_rule(o->p, &c->v[0]), pc_capture_time(c->first_us, first, sizeof(first)),
	       pc_capture_time(c->last_us, last, sizeof(last)), c->packets, c->bytes,
	       pc_replay_state_name(c->v[0].state));
}

static int by_conns(const void *a, const void *b)
{
	const struct tally_row *x = *(const struct tally_row *const *)a;
	const struct tally_row *y = *(const struct tally_row *const *)b;

	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return x < y ? -1 : 1;
}

static void print_summary(const struct pcap_out *o, const struct pc_capture_result *res)
{
	size_t n = o->n_rules + 4, k = 0;
	const struct tally_row **order = calloc(n, sizeof(*order));
	uint64_t conns = 0;

	if (!order) {
		perror("portcullis explain");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (o->rows[i].conns) {
			order[k++] = &o->rows[i];
			conns += o->rows[i].conns;
		}
	qsort(order, k, sizeof(*order), by_conns);
	printf("%11s %12s %15s  %-7s  %s\n", "connections", "packets", "bytes", "verdict", "rule");
	for (size_t i = 0; i < k; i++) {
		struct pc_replay_verdict v = { order[i]->verdict, order[i]->rule, order[i]->state,
					       false };

		printf("%11" PRIu64 " %12" PRIu64 " %15" PRIu64 "  %-7s  %s\n", order[i]->conns,
		       order[i]->packets, order[i]->bytes, pc_capture_verdict(&v),
		       v.rule == -1 ? "(default)" : pc_capture_rule(o->p, &v));
	}
	printf("\n%" PRIu64 " connections, %" PRIu64 " IP packets of %" PRIu64 " frames (%" PRIu64
	       " not IP)\n", conns, res->ip, res->frames, res->non_ip);
	free(order);
}

static int explain_pcap(const struct pc_policy *p, const struct pc_index *ix,
			const struct explain_opts *o)
{
	struct pcap_out out = { .p = p, .summary = o->summary };
	struct pc_replay_cfg cfg = {
		.policy = { p }, .index = { ix }, .n_policies = 1, .local = o->cap.local,
		.n_local = o->cap.n_local, .max_flows = o->cap.flows, .emit = on_conn, .arg = &out,
	};
	struct pc_capture_result res;
	struct pc_replay *r = NULL;
	int rc = 1;

	pc_policy_rules(p, &out.n_rules);
	out.rows = calloc(out.n_rules + 4, sizeof(*out.rows));
	if (!out.rows || !(r = pc_replay_new(&cfg))) {
		perror("portcullis explain: the flow table");
		goto out;
	}
	if (pc_capture_run("explain", o->cap.pcap, r, &res) < 0)
		goto out;
	if (o->summary)
		print_summary(&out, &res);
	rc = res.incomplete ? 1 : 0;
out:
	pc_replay_free(r);
	free(out.rows);
	return rc;
}

/* Options that do not go together. Returns -1 to go on, or 2 (reported). */
static int check_opts(struct explain_opts *o)
{
	char err[ERRLEN];

	if (pc_capture_check(&o->cap, err, sizeof(err)) < 0)
		return pc_cli_misuse(&pc_explain_cli, "%s", err);
	if (o->summary && !o->cap.pcap)
		return pc_cli_misuse(&pc_explain_cli, "--summary goes with --pcap FILE");
	if (o->cap.pcap && (o->verbose || o->verify || o->short_format))
		return pc_cli_misuse(&pc_explain_cli, "--pcap answers per connection: -v, --verify "
				     "and --format are for packet lines");
	return -1;
}

enum { OPT_VERIFY = PC_OPT_LONG, OPT_FORMAT, OPT_PCAP, OPT_LOCAL, OPT_FLOWS, OPT_SUMMARY };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "verbose", 'v', NULL, "also every other matching rule, and the field it lost on" },
	{ "format", OPT_FORMAT, "long|short",
	  "long: PACKET VERDICT RULE, tab-separated (the default);\nshort: VERDICT RULE" },
	{ "verify", OPT_VERIFY, NULL, "check every answer against the linear reference (slow)" },
	{ "pcap", OPT_PCAP, "FILE", "decide the packets of a capture (pcap or pcapng; - is stdin)\n"
	  "instead: one line per connection" },
	{ "local", OPT_LOCAL, "ADDR[/LEN],...",
	  "with --pcap: the host's addresses (a packet to one\nis in, from one is out)" },
	{ "summary", OPT_SUMMARY, NULL, "with --pcap: connections, packets and bytes per rule" },
	{ "flows", OPT_FLOWS, "N", "with --pcap: connections tracked at once (default 131072)" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_explain_cli = {
	"explain", "[-c FILE] [-v] [--format long|short] [--verify] < PACKETS | "
	"--pcap FILE --local ADDR[/LEN],... [--summary] [--flows N]",
	"Decide packets read from stdin, or a capture's, as portcullisd would.\n"
	"One packet a line; each answer names the deciding rule (- when the default decides):\n"
	"  in|out PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]\n"
	"With --pcap, one line per connection (stateful = yes; per tuple and direction with\n"
	"stateful = no), when it ends:\n"
	"  PACKET VERDICT RULE FIRST LAST PACKETS BYTES STATE",
	"A bad line is reported as stdin:LINE: FIELD: what is wrong; the others are answered.\n"
	"Exit status: 0 every line answered, 1 a bad line (or --verify found a mismatch, or\n"
	"packets of the capture could not be decided), 2 a usage error.\n",
	opts,
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct explain_opts *o = ctx;

	switch (key) {
	case 'c':
		o->conf = arg;
		break;
	case 'v':
		o->verbose = true;
		break;
	case OPT_VERIFY:
		o->verify = true;
		break;
	case OPT_PCAP:
		o->cap.pcap = arg;
		break;
	case OPT_LOCAL:
		o->cap.local_arg = arg;
		break;
	case OPT_SUMMARY:
		o->summary = true;
		break;
	case OPT_FLOWS: {
		char err[ERRLEN];

		if (pc_capture_flows(arg, &o->cap.flows, err, sizeof(err)) < 0)
			return pc_cli_misuse(&pc_explain_cli, "--flows: %s", err);
		break;
	}
	case OPT_FORMAT:
		if (strcmp(arg, "long") && strcmp(arg, "short"))
			return pc_cli_misuse(&pc_explain_cli, "--format: '%s' is neither long nor short",
					     arg);
		o->short_format = !strcmp(arg, "short");
		break;
	}
	return 0;
}

int pc_cmd_explain(int argc, char **argv)
{
	struct explain_opts o = { .conf = PC_DEFAULT_CONF };
	struct pc_policy *p = NULL;
	struct pc_index *ix = NULL;
	int rc = pc_cli_parse(&pc_explain_cli, argc, argv, on_opt, &o);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return pc_cli_misuse(&pc_explain_cli, "unexpected argument '%s' (packets are read "
				     "from stdin)", argv[optind]);
	if ((rc = check_opts(&o)) >= 0) {
		free(o.cap.local);
		return rc;
	}
	rc = 1;
	if (!(p = pc_cli_load(o.conf)))
		goto out;
	if (!(ix = pc_index_new(p))) {
		perror("portcullis explain: compiling the rules");
		goto out;
	}
	rc = o.cap.pcap ? explain_pcap(p, ix, &o) : explain_stream(p, ix, stdin, &o);
	if (fflush(stdout) || ferror(stdout)) {
		perror("portcullis explain: stdout");
		rc = 1;
	}
out:
	pc_index_free(ix);
	pc_policy_free(p);
	free(o.cap.local);
	return rc;
}
