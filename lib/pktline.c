/* pktline.c - a packet described in words (see pktline.h) */
#include "pktline.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "values.h"

#define MAX_WORDS 8
#define WHY_MAX 200

static int split(char *line, char **w)
{
	int n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int parse_port_pair(char **w, struct pc_pkt *pkt, char *err, size_t len)
{
	unsigned long sp, dp;
	char why[WHY_MAX];

	if (pc_parse_uint(w[0], 65535, &sp, why, sizeof(why)) < 0) {
		snprintf(err, len, "SPORT: %s", why);
		return -1;
	}
	if (pc_parse_uint(w[1], 65535, &dp, why, sizeof(why)) < 0) {
		snprintf(err, len, "DPORT: %s", why);
		return -1;
	}
	pkt->sport = (uint16_t)sp;
	pkt->dport = (uint16_t)dp;
	pkt->flags |= PC_PKT_PORTS;
	return 0;
}

static int parse_icmp_pair(char **w, struct pc_pkt *pkt, char *err, size_t len)
{
	struct pc_icmpspec *spec = NULL;
	size_t n;
	unsigned long code;
	char why[WHY_MAX];

	if (pc_parse_icmp(w[0], pkt->proto, &spec, &n, why, sizeof(why)) < 0) {
		snprintf(err, len, "TYPE: %s", why);
		return -1;
	}
	int type = spec[0].type, given_code = spec[0].code;
	free(spec);
	if (n != 1 || type < 0 || given_code >= 0) {
		snprintf(err, len, "TYPE '%s' is not one ICMP type (the code is the next field, "
			 "CODE)", w[0]);
		return -1;
	}
	if (pc_parse_uint(w[1], 255, &code, why, sizeof(why)) < 0) {
		snprintf(err, len, "CODE: %s", why);
		return -1;
	}
	pkt->icmp_type = (uint8_t)type;
	pkt->icmp_code = (uint8_t)code;
	pkt->flags |= PC_PKT_ICMP;
	return 0;
}

/* The words after the addresses: ports, ICMP type and code, "frag", or none. */
static int parse_tail(char **w, int n, struct pc_pkt *pkt, char *err, size_t len)
{
	bool ports = pkt->proto == 6 || pkt->proto == 17;
	bool icmp = pkt->proto == 1 || pkt->proto == 58;

	if (n == 1 && !strcmp(w[0], "frag")) {
		pkt->flags |= PC_PKT_FRAG;
		return 0;
	}
	if ((ports || icmp) && n == 2)
		return ports ? parse_port_pair(w, pkt, err, len) : parse_icmp_pair(w, pkt, err, len);
	if (!ports && !icmp && n == 0)
		return 0;
	snprintf(err, len, "expected %s", ports ? "SPORT DPORT or frag"
					    : icmp ? "TYPE CODE or frag" : "nothing (or frag)");
	return -1;
}

int pc_pktline_parse(char *line, struct pc_pkt *pkt, char *err, size_t len)
{
	char *w[MAX_WORDS];
	int n = split(line, w), proto;
	uint8_t fam2;

	memset(pkt, 0, sizeof(*pkt));
	if (n < 4) {
		snprintf(err, len, "expected DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]");
		return -1;
	}
	if (strcmp(w[0], "in") && strcmp(w[0], "out")) {
		snprintf(err, len, "direction '%s' is neither in nor out", w[0]);
		return -1;
	}
	pkt->dir = !strcmp(w[0], "in") ? PC_DIR_IN : PC_DIR_OUT;
	if (pc_parse_proto(w[1], &proto, err, len) < 0)
		return -1;
	if (proto == PC_PROTO_ANY) {
		snprintf(err, len, "a packet has one protocol, not any");
		return -1;
	}
	pkt->proto = (uint8_t)proto;
	if (pc_addr_parse(w[2], &pkt->family, pkt->src) < 0 || pc_addr_parse(w[3], &fam2, pkt->dst) < 0) {
		snprintf(err, len, "'%s' or '%s' is not an address", w[2], w[3]);
		return -1;
	}
	if (fam2 != pkt->family) {
		snprintf(err, len, "source and destination are of different families");
		return -1;
	}
	return parse_tail(w + 4, n - 4, pkt, err, len);
}

