/* pktline.c - a packet described in words, as `portcullis explain` reads them */
#include "pktline.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rule.h"
#include "values.h"

#define ERRLEN PC_PKTLINE_ERRLEN

int pc_pktline_split(char *line, char **w)
{
	int n = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n"), n++)
		if (n < PC_PKTLINE_WORDS)
			w[n] = tok;
	return n;
}

/* "WHAT: err" in err, naming the field that was wrong. */
static int field_error(const char *what, char *err)
{
	size_t n = strlen(what) + 2, len = strnlen(err, ERRLEN - 1 - n);

	memmove(err + n, err, len);
	err[n + len] = '\0';
	memcpy(err, what, n - 2);
	memcpy(err + n - 2, ": ", 2);
	return -1;
}

static int parse_port_pair(char **w, struct pc_pkt *pkt, char *err)
{
	unsigned long sp, dp;

	if (pc_parse_uint(w[0], 65535, &sp, err, ERRLEN) < 0)
		return field_error("source port", err);
	if (pc_parse_uint(w[1], 65535, &dp, err, ERRLEN) < 0)
		return field_error("destination port", err);
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

	if (pc_parse_icmp(w[0], pkt->proto, &spec, &n, err, ERRLEN) < 0)
		return field_error("ICMP type", err);
	int type = spec[0].type, code_given = spec[0].code != PC_ICMP_ANY;

	free(spec);
	if (n != 1 || type < 0 || code_given) {
		snprintf(err, ERRLEN, "ICMP type: '%s' is not one ICMP type", w[0]);
		return -1;
	}
	if (pc_parse_uint(w[1], 255, &code, err, ERRLEN) < 0)
		return field_error("ICMP code", err);
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
	snprintf(err, ERRLEN, "after the addresses: expected %s",
		 ports ? "SPORT DPORT or frag" : icmp ? "TYPE CODE or frag" : "nothing (or frag)");
	return -1;
}

static int parse_addr(const char *what, const char *s, uint8_t *family, uint8_t *addr,
		      char *err)
{
	if (pc_addr_parse(s, family, addr) == 0)
		return 0;
	snprintf(err, ERRLEN, "%s: '%s' is not an address", what, s);
	return -1;
}

int pc_pktline_parse_words(char **w, int n, struct pc_pkt *pkt, char *err)
{
	int proto;
	uint8_t fam2;

	memset(pkt, 0, sizeof(*pkt));
	if (n < 4 || n > 6) {
		snprintf(err, ERRLEN, "%s words: expected DIR PROTO SRC DST [SPORT DPORT | TYPE CODE "
			 "| frag]", n < 4 ? "too few" : "too many");
		return -1;
	}
	if (strcmp(w[0], "in") && strcmp(w[0], "out")) {
		snprintf(err, ERRLEN, "direction: '%s' is neither in nor out", w[0]);
		return -1;
	}
	pkt->dir = !strcmp(w[0], "in") ? PC_DIR_IN : PC_DIR_OUT;
	if (pc_parse_proto(w[1], &proto, err, ERRLEN) < 0)
		return field_error("protocol", err);
	if (proto == PC_PROTO_ANY) {
		snprintf(err, ERRLEN, "protocol: a packet has one protocol, not any");
		return -1;
	}
	pkt->proto = (uint8_t)proto;
	if (parse_addr("source", w[2], &pkt->family, pkt->src, err) < 0 ||
	    parse_addr("destination", w[3], &fam2, pkt->dst, err) < 0)
		return -1;
	if (fam2 != pkt->family) {
		snprintf(err, ERRLEN, "source and destination are of different families");
		return -1;
	}
	return parse_tail(w + 4, n - 4, pkt, err);
}

int pc_pktline_parse(char *line, struct pc_pkt *pkt, char *err)
{
	char *w[PC_PKTLINE_WORDS];

	return pc_pktline_parse_words(w, pc_pktline_split(line, w), pkt, err);
}
