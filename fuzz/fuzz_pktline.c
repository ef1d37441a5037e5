/* fuzz_pktline.c - explain's input lines (tools/pktline.c): no crash; a line
 * that parses, written back in words, parses to the same packet. */
#include "fuzz.h"

#include <stdbool.h>

#include "addr.h"
#include "pktline.h"
#include "rule.h"

static bool same(const struct pc_pkt *a, const struct pc_pkt *b)
{
	return a->family == b->family && a->proto == b->proto && a->flags == b->flags &&
	       a->dir == b->dir && a->sport == b->sport && a->dport == b->dport &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_str(data, size), err[PC_PKTLINE_ERRLEN], again[512], s[PC_ADDR_STRLEN], d[PC_ADDR_STRLEN];
	struct pc_pkt p, q;

	if (pc_pktline_parse(line, &p, err) < 0) {
		FUZZ_CHECK(err[0], "no message for a bad line");
		free(line);
		return 0;
	}
	int n = snprintf(again, sizeof(again), "%s %u %s %s", p.dir == PC_DIR_IN ? "in" : "out", p.proto,
			 pc_addr_format(p.family, p.src, s, sizeof(s)),
			 pc_addr_format(p.family, p.dst, d, sizeof(d)));
	if (p.flags & PC_PKT_FRAG)
		snprintf(again + n, sizeof(again) - (size_t)n, " frag");
	else if (p.flags & PC_PKT_PORTS)
		snprintf(again + n, sizeof(again) - (size_t)n, " %u %u", p.sport, p.dport);
	else if (p.flags & PC_PKT_ICMP)
		snprintf(again + n, sizeof(again) - (size_t)n, " %u %u", p.icmp_type, p.icmp_code);
	FUZZ_CHECK(pc_pktline_parse(again, &q, err) == 0, "'%s': %s", again, err);
	FUZZ_CHECK(same(&p, &q), "'%s' parses to another packet", again);
	free(line);
	return 0;
}
