/* packet.c - parsing raw IPv4/IPv6 packets as NFQUEUE delivers them
 *
 * Acceptance rules. The buffer holds caplen bytes of a packet that was pktlen
 * bytes long (pktlen < caplen is taken as pktlen = caplen). "The packet" below
 * is the IP packet of length len; a header is checked against len first,
 * then against caplen, so nothing is read past buf + caplen nor taken from
 * bytes after the packet.
 *
 * Generic
 *   G1 caplen 0                                        -> TRUNCATED
 *   G2 version nibble not 4 or 6                       -> BAD_VERSION
 *   G3 a needed header ending past the packet (len)    -> the status the rule
 *      names (TRUNCATED unless said otherwise); a header that follows the
 *      fragmentation point of a first fragment gets BAD_FRAGMENT instead
 *   G4 a needed header inside the packet but past caplen -> TRUNCATED
 *   G5 a needed header ending past PC_PACKET_CAPLEN bytes -> BAD_EXTHDR
 *      (only an IPv6 extension chain can get there), so every accepted packet
 *      parses the same from a PC_PACKET_CAPLEN capture
 *   G6 pktlen > UINT32_MAX                             -> BAD_LENGTH
 *
 * IPv4
 *   V4.1 the 20-byte fixed header must be there        -> TRUNCATED
 *   V4.2 IHL < 5                                       -> BAD_IHL
 *   V4.3 total length 0 (GSO / BIG TCP): len = pktlen;
 *        otherwise IHL*4 <= total length <= pktlen     -> BAD_LENGTH
 *        and len = total length (bytes after it are ignored)
 *   V4.4 the IHL*4 header must be captured (G3/G4)     -> TRUNCATED
 *   V4.5 fragment offset != 0: non-first fragment, PC_PKT_FRAG, no ports or
 *        ICMP type; TCP at offset 1 (8 bytes, RFC 1858 overlap) -> BAD_FRAGMENT
 *   V4.6 MF set at offset 0: first fragment; the whole transport header must
 *        be inside it (RFC 1858 tiny fragment)         -> BAD_FRAGMENT
 *
 * IPv6
 *   V6.1 the 40-byte fixed header must be there        -> TRUNCATED
 *   V6.2 payload length 0 (jumbogram / BIG TCP): len = pktlen;
 *        otherwise 40 + payload length <= pktlen       -> BAD_LENGTH
 *        and len = 40 + payload length
 *   V6.3 extension headers: hop-by-hop (0, first only), routing (43),
 *        fragment (44), destination options (60): (len+1)*8 bytes; AH (51):
 *        (len+2)*4 bytes; fragment: 8 bytes
 *   V6.4 a ninth extension header, or hop-by-hop not first -> BAD_EXTHDR
 *   V6.5 an extension header running past the packet (len) -> BAD_EXTHDR;
 *        past caplen only (capture cut)                -> TRUNCATED
 *   V6.6 fragment header with offset != 0: PC_PKT_FRAG, proto = its next
 *        header, parsing stops; TCP at offset 1        -> BAD_FRAGMENT
 *   V6.7 fragment header with M set at offset 0: the rest of the chain and
 *        the upper-layer header must be inside it (RFC 7112) -> BAD_FRAGMENT
 *   V6.8 ESP (50), No Next Header (59) and anything else end the chain
 *
 * Transport (after the IP header / extension chain)
 *   T1 TCP: 20 bytes (G3: TRUNCATED); data offset < 5 -> BAD_TCP_OFFSET;
 *      data offset * 4 past the packet -> BAD_TCP_OFFSET (G3), past caplen ->
 *      TRUNCATED. Sets ports.
 *   T2 UDP: 8 bytes (TRUNCATED); length field 0 only when the IP length was 0,
 *      else 8 <= length <= bytes left in the packet   -> BAD_LENGTH
 *      (a first fragment checks only length >= 8). Sets ports.
 *   T3 ICMP (v4 protocol 1) / ICMPv6 (v6 next header 58): 8 bytes
 *      (TRUNCATED). Sets type, code and PC_PKT_ICMP.
 *   T4 any other protocol: proto only.
 */
#include <stdbool.h>
#include <string.h>

#include "addr.h"
#include "packet.h"

#define IP4_HDRLEN 20
#define IP6_HDRLEN 40
#define TCP_HDRLEN 20
#define UDP_HDRLEN 8
#define ICMP_HDRLEN 8
#define EXT_MAX 8

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* Where the parser stands in the packet. */
struct cursor {
	const uint8_t *buf;
	size_t cap;      /* bytes in the buffer (caplen) */
	size_t len;      /* IP packet length */
	size_t off;      /* start of the next header */
	bool first_frag; /* inside a first fragment: headers must fit in it */
	bool len_zero;   /* the IP length field was 0 (GSO, jumbogram) */
};

static inline unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Checks that n bytes from c->off may be read; cut is the status when
 * they run past the packet. Returns PC_PKT_OK or a status. */
static int need(const struct cursor *c, size_t n, int cut)
{
	size_t end = c->off + n;

	if (end > PC_PACKET_CAPLEN)
		return PC_PKT_BAD_EXTHDR;
	if (end > c->len)
		return c->first_frag ? PC_PKT_BAD_FRAGMENT : cut;
	if (end > c->cap)
		return PC_PKT_TRUNCATED;
	return PC_PKT_OK;
}

/* Sets the IP packet length: need() checks it before the buffer. */
static void set_len(struct cursor *c, size_t len, struct pc_pkt *pkt)
{
	c->len = len;
	pkt->len = (uint32_t)len;
}

/* Fragment offset (8-byte units) and more-fragments flag. Returns
 * PC_PKT_OK, with *stop set for a non-first fragment, or a status. */
static int fragment(struct cursor *c, struct pc_pkt *pkt, unsigned offset, bool more, bool *stop)
{
	if (offset == 0) {
		c->first_frag = more;
		return PC_PKT_OK;
	}
	if (offset == 1 && pkt->proto == PROTO_TCP)
		return PC_PKT_BAD_FRAGMENT;
	pkt->flags |= PC_PKT_FRAG;
	*stop = true;
	return PC_PKT_OK;
}

static int parse_tcp(struct cursor *c, struct pc_pkt *pkt)
{
	const uint8_t *h;
	size_t doff;
	int st;

	if ((st = need(c, TCP_HDRLEN, PC_PKT_TRUNCATED)))
		return st;
	h = c->buf + c->off;
	doff = (size_t)(h[12] >> 4) * 4;
	if (doff < TCP_HDRLEN)
		return PC_PKT_BAD_TCP_OFFSET;
	if ((st = need(c, doff, PC_PKT_BAD_TCP_OFFSET)))
		return st;
	pkt->sport = (uint16_t)rd16(h);
	pkt->dport = (uint16_t)rd16(h + 2);
	pkt->tcp_flags = h[13];
	pkt->flags |= PC_PKT_PORTS;
	return PC_PKT_OK;
}

static int parse_udp(struct cursor *c, struct pc_pkt *pkt)
{
	const uint8_t *h;
	size_t ulen;
	int st;

	if ((st = need(c, UDP_HDRLEN, PC_PKT_TRUNCATED)))
		return st;
	h = c->buf + c->off;
	ulen = rd16(h + 4);
	if (ulen == 0 && !c->len_zero)
		return PC_PKT_BAD_LENGTH;
	if (ulen != 0 && ulen < UDP_HDRLEN)
		return PC_PKT_BAD_LENGTH;
	if (!c->first_frag && ulen > c->len - c->off)
		return PC_PKT_BAD_LENGTH;
	pkt->sport = (uint16_t)rd16(h);
	pkt->dport = (uint16_t)rd16(h + 2);
	pkt->flags |= PC_PKT_PORTS;
	return PC_PKT_OK;
}

static int parse_icmp(struct cursor *c, struct pc_pkt *pkt)
{
	const uint8_t *h;
	int st;

	if ((st = need(c, ICMP_HDRLEN, PC_PKT_TRUNCATED)))
		return st;
	h = c->buf + c->off;
	pkt->icmp_type = h[0];
	pkt->icmp_code = h[1];
	pkt->flags |= PC_PKT_ICMP;
	return PC_PKT_OK;
}

/* Upper-layer protocols with a header the parser reads; family 0 = both. */
static const struct {
	uint8_t family, proto;
	int (*parse)(struct cursor *, struct pc_pkt *);
} l4_kinds[] = {
	{ 0, PROTO_TCP, parse_tcp },
	{ 0, PROTO_UDP, parse_udp },
	{ PC_FAM_V4, PROTO_ICMP, parse_icmp },
	{ PC_FAM_V6, PROTO_ICMPV6, parse_icmp },
};

static int parse_transport(struct cursor *c, struct pc_pkt *pkt)
{
	pkt->l4off = (uint16_t)c->off; /* < PC_PACKET_CAPLEN: need() bounds every header */
	for (size_t i = 0; i < sizeof(l4_kinds) / sizeof(l4_kinds[0]); i++) {
		if (l4_kinds[i].proto != pkt->proto)
			continue;
		if (l4_kinds[i].family && l4_kinds[i].family != pkt->family)
			continue;
		return l4_kinds[i].parse(c, pkt);
	}
	return PC_PKT_OK;
}

static int parse_v4(struct cursor *c, size_t pktlen, struct pc_pkt *pkt)
{
	const uint8_t *h = c->buf;
	size_t ihl, tot;
	unsigned frag;
	bool stop = false;
	int st;

	if ((st = need(c, IP4_HDRLEN, PC_PKT_TRUNCATED)))
		return st;
	pkt->family = PC_FAM_V4;
	pkt->proto = h[9];
	memcpy(pkt->src, h + 12, 4);
	memcpy(pkt->dst, h + 16, 4);
	ihl = (size_t)(h[0] & 0x0f) * 4;
	if (ihl < IP4_HDRLEN)
		return PC_PKT_BAD_IHL;
	tot = rd16(h + 2);
	c->len_zero = tot == 0;
	if (c->len_zero)
		tot = pktlen;
	else if (tot < ihl || tot > pktlen)
		return PC_PKT_BAD_LENGTH;
	set_len(c, tot, pkt);
	if ((st = need(c, ihl, PC_PKT_TRUNCATED)))
		return st;
	c->off = ihl;
	frag = rd16(h + 6);
	if ((st = fragment(c, pkt, frag & 0x1fff, frag & 0x2000, &stop)) || stop)
		return st;
	return parse_transport(c, pkt);
}

/* IPv6 extension headers: size = (h[1] + add) * unit, or add when unit is 0. */
#define EXT_FIRST_ONLY 0x01
#define EXT_FRAGMENT 0x02
static const struct ext_kind {
	uint8_t unit, add, flags;
} ext_kinds[256] = {
	[0] = { 8, 1, EXT_FIRST_ONLY }, /* hop-by-hop options */
	[43] = { 8, 1, 0 },             /* routing */
	[44] = { 0, 8, EXT_FRAGMENT },  /* fragment */
	[51] = { 4, 2, 0 },             /* authentication header */
	[60] = { 8, 1, 0 },             /* destination options */
};

/* Reads the extension header at c->off, of kind k, number n in the chain.
 * Returns PC_PKT_OK with c->off past it (or *stop set), or a status. */
static int parse_ext(struct cursor *c, const struct ext_kind *k, unsigned n, struct pc_pkt *pkt,
		     bool *stop)
{
	const uint8_t *h;
	size_t size;
	unsigned frag;
	int st;

	if (n >= EXT_MAX || ((k->flags & EXT_FIRST_ONLY) && n > 0))
		return PC_PKT_BAD_EXTHDR;
	if ((st = need(c, 2, PC_PKT_BAD_EXTHDR)))
		return st;
	h = c->buf + c->off;
	size = k->unit ? (size_t)(h[1] + k->add) * k->unit : k->add;
	if ((st = need(c, size, PC_PKT_BAD_EXTHDR)))
		return st;
	pkt->proto = h[0];
	c->off += size;
	if (!(k->flags & EXT_FRAGMENT))
		return PC_PKT_OK;
	frag = rd16(h + 2);
	return fragment(c, pkt, frag >> 3, frag & 1, stop);
}

static int parse_v6(struct cursor *c, size_t pktlen, struct pc_pkt *pkt)
{
	const uint8_t *h = c->buf;
	size_t plen;
	bool stop = false;
	int st;

	if ((st = need(c, IP6_HDRLEN, PC_PKT_TRUNCATED)))
		return st;
	pkt->family = PC_FAM_V6;
	pkt->proto = h[6];
	memcpy(pkt->src, h + 8, 16);
	memcpy(pkt->dst, h + 24, 16);
	plen = rd16(h + 4);
	c->len_zero = plen == 0;
	if (c->len_zero)
		plen = pktlen - IP6_HDRLEN;
	else if (IP6_HDRLEN + plen > pktlen)
		return PC_PKT_BAD_LENGTH;
	set_len(c, IP6_HDRLEN + plen, pkt);
	c->off = IP6_HDRLEN;
	for (unsigned n = 0; ext_kinds[pkt->proto].add; n++)
		if ((st = parse_ext(c, &ext_kinds[pkt->proto], n, pkt, &stop)) || stop)
			return st;
	return parse_transport(c, pkt);
}

int pc_packet_parse(const void *buf, size_t caplen, size_t pktlen, struct pc_pkt *pkt)
{
	struct cursor c = { .buf = buf, .cap = caplen, .len = caplen };
	uint8_t dir = pkt->dir;

	memset(pkt, 0, sizeof(*pkt));
	pkt->dir = dir;
	if (pktlen < caplen)
		pktlen = caplen;
	if (caplen == 0)
		return PC_PKT_TRUNCATED;
	if (pktlen > UINT32_MAX)
		return PC_PKT_BAD_LENGTH;
	c.len = pktlen;
	switch (c.buf[0] >> 4) {
	case 4:
		return parse_v4(&c, pktlen, pkt);
	case 6:
		return parse_v6(&c, pktlen, pkt);
	default:
		return PC_PKT_BAD_VERSION;
	}
}

static const char *const reasons[PC_PKT_STATUS_MAX] = {
	[PC_PKT_OK] = "ok",
	[PC_PKT_TRUNCATED] = "truncated",
	[PC_PKT_BAD_VERSION] = "bad-version",
	[PC_PKT_BAD_IHL] = "bad-ihl",
	[PC_PKT_BAD_LENGTH] = "bad-length",
	[PC_PKT_BAD_TCP_OFFSET] = "bad-tcp-offset",
	[PC_PKT_BAD_FRAGMENT] = "bad-fragment",
	[PC_PKT_BAD_EXTHDR] = "bad-exthdr",
};

const char *pc_packet_reason(int status)
{
	if (status < 0 || status >= PC_PKT_STATUS_MAX || !reasons[status])
		return "unknown";
	return reasons[status];
}
