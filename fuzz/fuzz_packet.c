/* fuzz_packet.c - raw packets through the parser (lib/packet.c): no read
 * past the capture, and a shorter capture of the same packet never parses
 * differently, only as truncated. Input: one byte that makes the packet
 * longer than its capture ((b - 128) * 16 bytes when b >= 128), then the
 * captured bytes. */
#include "fuzz.h"

#include <stdbool.h>

#include "packet.h"

#define CUTS 24

/* Parses a copy of exactly caplen bytes, so that ASan sees any read past it. */
static int parse(const uint8_t *buf, size_t caplen, size_t pktlen, struct pc_pkt *pkt)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int st;

	if (!copy)
		abort();
	memcpy(copy, buf, caplen);
	memset(pkt, 0, sizeof(*pkt));
	st = pc_packet_parse(copy, caplen, pktlen, pkt);
	free(copy);
	return st;
}

static bool same(const struct pc_pkt *a, const struct pc_pkt *b)
{
	return a->family == b->family && a->proto == b->proto && a->flags == b->flags &&
	       a->sport == b->sport && a->dport == b->dport && a->icmp_type == b->icmp_type &&
	       a->icmp_code == b->icmp_code && a->len == b->len && !memcmp(a->src, b->src, 16) &&
	       !memcmp(a->dst, b->dst, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pc_pkt whole, cut;

	if (size < 1)
		return 0;
	const uint8_t *buf = data + 1;
	size_t caplen = size - 1, pktlen = caplen + (data[0] >= 128 ? (size_t)(data[0] - 128) * 16 : 0);
	int st = parse(buf, caplen, pktlen, &whole);

	FUZZ_CHECK(st >= 0 && st < PC_PKT_STATUS_MAX, "status %d", st);
	FUZZ_CHECK(pc_packet_reason(st) != NULL, "no name for status %d", st);
	uint64_t h = fuzz_hash(data, size);
	for (int i = 0; i < CUTS && caplen; i++) {
		size_t c = caplen <= CUTS ? (size_t)i : (size_t)((h >> (i % 8 * 8)) * (i + 1) % caplen);
		if (c >= caplen)
			break;
		int st2 = parse(buf, c, pktlen, &cut);
		FUZZ_CHECK(st2 == PC_PKT_TRUNCATED || (st2 == st && same(&cut, &whole)),
			   "capture of %zu of %zu bytes (packet %zu): %s, whole: %s", c, caplen, pktlen,
			   pc_packet_reason(st2), pc_packet_reason(st));
	}
	return 0;
}
