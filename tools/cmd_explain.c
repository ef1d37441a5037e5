/* cmd_explain.c - portcullis explain: decide packets described on stdin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "index.h"
#include "match.h"
#include "pktline.h"
#include "values.h"

#define ERRLEN 256

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

static int explain_stream(const struct pc_policy *p, const struct pc_index *ix, FILE *in,
			  bool verbose)
{
	size_t n_rules, cap = 0;
	const struct pc_rule *rules = pc_policy_rules(p, &n_rules);
	enum pc_action dflt = pc_policy_settings(p)->dflt;
	char *line = NULL, err[ERRLEN];
	int lineno = 0, rc = 0;

	while (getline(&line, &cap, in) >= 0) {
		struct pc_pkt pkt;
		lineno++;
		char *s = line + strspn(line, " \t\r\n");
		if (!*s || *s == '#')
			continue;
		if (pc_pktline_parse(s, &pkt, err, sizeof(err)) < 0) {
			fprintf(stderr, "stdin:%d: %s\n", lineno, err);
			rc = 1;
			continue;
		}
		long r = pc_index_lookup(ix, &pkt);
		enum pc_action v = r < 0 ? dflt : rules[r].action;
		printf("%s\t%s\n", v == PC_PERMIT ? "permit" : "deny", r < 0 ? "-" : rules[r].name);
		if (r != pc_linear_lookup(p, &pkt)) {
			fprintf(stderr, "stdin:%d: internal error: index and reference disagree\n", lineno);
			rc = 1;
		}
		if (verbose)
			explain_verbose(p, &pkt);
		fflush(stdout);
	}
	free(line);
	return rc;
}

int pc_cmd_explain(int argc, char **argv)
{
	struct pc_cli_opts o;
	struct pc_policy *p = NULL;
	struct pc_index *ix = NULL;
	int rc = pc_cli_options(argc, argv, "explain [-c FILE] [-v] < PACKETS\n"
				"  each line: in|out PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]", &o);

	if (rc >= 0)
		return rc;
	rc = 1;
	if (!(p = pc_cli_load(o.conf)))
		goto out;
	if (!(ix = pc_index_new(p))) {
		perror("portcullis explain: compiling the rules");
		goto out;
	}
	rc = explain_stream(p, ix, stdin, o.verbose);
out:
	pc_index_free(ix);
	pc_policy_free(p);
	return rc;
}
