/* cmd_explain.c - portcullis explain: decide packets described on stdin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "index.h"
#include "match.h"
#include "values.h"

#define MAX_WORDS 8
#define ERRLEN 256

static int split(char *line, char **w)
{
	int n = 0;
	for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int parse_port_pair(char **w, struct pc_pkt *pkt, char *err)
{
	unsigned long sp, dp;
	char why[ERRLEN - 8];

	if (pc_parse_uint(w[0], 65535, &sp, why, sizeof(why)) < 0) {
		snprintf(err, ERRLEN, "SPORT: %s", why);
		return -1;
	}
	if (pc_parse_uint(w[1], 65535, &dp, why, sizeof(why)) < 0) {
		snprintf(err, ERRLEN, "DPORT: %s", why);
		return -1;
	}
	pkt->sport = (uint16_t)sp;
	pkt->dport = (uint16_t)dp;
	pkt->flags |= PC_PKT_PORTS;
	return 0;
}

static int parse_icmp_pair(char **w, struct pc_pkt *pkt, char *err)
{
	struct pc_icmpspec *spec = NULL;
	size_t n;
	unsigned long code;
	char why[ERRLEN - 8];

	if (pc_parse_icmp(w[0], pkt->proto, &spec, &n, why, sizeof(why)) < 0) {
		snprintf(err, ERRLEN, "TYPE: %s", why);
		return -1;
	}
	int type = spec[0].type, given_code = spec[0].code;
	free(spec);
	if (n != 1 || type < 0 || given_code >= 0) {
		snprintf(err, ERRLEN, "TYPE '%s' is not one ICMP type (the code is the next field, "
			 "CODE)", w[0]);
		return -1;
	}
	if (pc_parse_uint(w[1], 255, &code, why, sizeof(why)) < 0) {
		snprintf(err, ERRLEN, "CODE: %s", why);
		return -1;
	}
	pkt->icmp_type = (uint8_t)type;
	pkt->icmp_code = (uint8_t)code;
	pkt->flags |= PC_PKT_ICMP;
	return 0;
}

/* The words after the addresses: ports, ICMP type and code, "frag", or none. */
static int parse_tail(char **w, int n, struct pc_pkt *pkt, char *err)
{
	bool ports = pkt->proto == 6 || pkt->proto == 17;
	bool icmp = pkt->proto == 1 || pkt->proto == 58;

	if (n == 1 && !strcmp(w[0], "frag")) {
		pkt->flags |= PC_PKT_FRAG;
		return 0;
	}
	if ((ports || icmp) && n == 2)
		return ports ? parse_port_pair(w, pkt, err) : parse_icmp_pair(w, pkt, err);
	if (!ports && !icmp && n == 0)
		return 0;
	snprintf(err, ERRLEN, "expected %s", ports ? "SPORT DPORT or frag"
					    : icmp ? "TYPE CODE or frag" : "nothing (or frag)");
	return -1;
}

/* DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag] */
static int parse_packet(char *line, struct pc_pkt *pkt, char *err)
{
	char *w[MAX_WORDS];
	int n = split(line, w), proto;
	uint8_t fam2;

	memset(pkt, 0, sizeof(*pkt));
	if (n < 4) {
		snprintf(err, ERRLEN, "expected DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]");
		return -1;
	}
	if (strcmp(w[0], "in") && strcmp(w[0], "out")) {
		snprintf(err, ERRLEN, "direction '%s' is neither in nor out", w[0]);
		return -1;
	}
	pkt->dir = !strcmp(w[0], "in") ? PC_DIR_IN : PC_DIR_OUT;
	if (pc_parse_proto(w[1], &proto, err, ERRLEN) < 0)
		return -1;
	if (proto == PC_PROTO_ANY) {
		snprintf(err, ERRLEN, "a packet has one protocol, not any");
		return -1;
	}
	pkt->proto = (uint8_t)proto;
	if (pc_addr_parse(w[2], &pkt->family, pkt->src) < 0 || pc_addr_parse(w[3], &fam2, pkt->dst) < 0) {
		snprintf(err, ERRLEN, "'%s' or '%s' is not an address", w[2], w[3]);
		return -1;
	}
	if (fam2 != pkt->family) {
		snprintf(err, ERRLEN, "source and destination are of different families");
		return -1;
	}
	return parse_tail(w + 4, n - 4, pkt, err);
}

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
		if (parse_packet(s, &pkt, err) < 0) {
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
