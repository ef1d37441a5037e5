/* cmd_explain.c - portcullis explain: decide packets described on stdin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "index.h"
#include "match.h"
#include "pktline.h"
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
	bool verbose, verify, short_format;
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

enum { OPT_VERIFY = PC_OPT_LONG, OPT_FORMAT };

static const struct pc_cli_opt opts[] = {
	PC_CLI_OPT_CONFIG,
	{ "verbose", 'v', NULL, "also every other matching rule, and the field it lost on" },
	{ "format", OPT_FORMAT, "long|short",
	  "long: PACKET VERDICT RULE, tab-separated (the default);\nshort: VERDICT RULE" },
	{ "verify", OPT_VERIFY, NULL, "check every answer against the linear reference (slow)" },
	{ NULL, 0, NULL, NULL },
};

const struct pc_cli_cmd pc_explain_cli = {
	"explain", "[-c FILE] [-v] [--format long|short] [--verify] < PACKETS",
	"Decide packets read from stdin as portcullisd would.\n"
	"One packet a line; each answer names the deciding rule (- when the default decides):\n"
	"  in|out PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]",
	"A bad line is reported as stdin:LINE: FIELD: what is wrong; the others are answered.\n"
	"Exit status: 0 every line answered, 1 a bad line (or --verify found a mismatch),\n"
	"2 a usage error.\n",
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
	rc = 1;
	if (!(p = pc_cli_load(o.conf)))
		goto out;
	if (!(ix = pc_index_new(p))) {
		perror("portcullis explain: compiling the rules");
		goto out;
	}
	rc = explain_stream(p, ix, stdin, &o);
	if (fflush(stdout) || ferror(stdout)) {
		perror("portcullis explain: stdout");
		rc = 1;
	}
out:
	pc_index_free(ix);
	pc_policy_free(p);
	return rc;
}
